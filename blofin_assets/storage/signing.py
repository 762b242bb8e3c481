"""Signatures for the store's JSON documents (model metadata, ensemble configs, the release).

A SHA-256 in metadata.json catches a damaged file, but whoever can write a model file can
rewrite metadata.json to match. With a secret key (BLOFIN_SIGNING_KEY) each document gets a
sibling ``<name>.hmac`` holding its HMAC-SHA256; a reader with the key refuses a document whose
signature is missing or does not match, so a change by anyone without the key is detected.
Without a key nothing is signed or checked.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from pathlib import Path

from blofin_assets.storage.files import write_bytes_atomic

SUFFIX = ".hmac"


class SignatureError(RuntimeError):
    """A document is unsigned, or its signature does not match the key."""


def signature_path(path: Path) -> Path:
    return path.with_name(path.name + SUFFIX)


def signature(key: bytes, data: bytes) -> str:
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def write_signed(path: Path, data: bytes, key: bytes | None) -> None:
    """Write ``data`` to ``path`` (atomically) with its signature first, when there is a key."""
    if key:
        write_bytes_atomic(signature_path(path), signature(key, data).encode())
    write_bytes_atomic(path, data)


def read_verified(path: Path, key: bytes | None) -> bytes:
    """The bytes of ``path``, after checking its signature when there is a key."""
    data = path.read_bytes()
    if not key:
        return data
    sig = signature_path(path)
    for attempt in range(3):
        if not sig.is_file():
            raise SignatureError(f"{path} is not signed (no {sig.name}), and BLOFIN_SIGNING_KEY is set: refused")
        if hmac.compare_digest(sig.read_bytes().strip(), signature(key, data).encode()):
            return data
        # A writer replaces the signature, then the document (each atomically): a reader
        # between the two sees a mismatch for a moment, so look again before refusing.
        time.sleep(0.05)
        data = path.read_bytes()
    raise SignatureError(f"{path} does not match its signature: it was changed by someone without the key")

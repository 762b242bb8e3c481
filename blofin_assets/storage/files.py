"""Files written whole or not at all, JSON, and checksums: a reader (or a crash) never sees half
a file, and a changed file is noticed before it is read."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path

from blofin_assets.storage.jsonsafe import jsonable


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write to a temporary sibling, fsync it, then rename it over ``path``."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_json(path: str | Path, data: dict) -> None:
    """Write ``data`` as JSON atomically (numpy and pandas values made plain first)."""
    write_bytes_atomic(path, json.dumps(jsonable(data), indent=2, sort_keys=True, default=str).encode())


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fsync_dir(path: str | Path) -> None:
    """Make a folder's new entries (renames, links) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

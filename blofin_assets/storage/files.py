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


def json_bytes(data: dict) -> bytes:
    """``data`` as the project's JSON (numpy and pandas values made plain first)."""
    return json.dumps(jsonable(data), indent=2, sort_keys=True, default=str).encode()


def write_json(path: str | Path, data: dict) -> None:
    """Write ``data`` as JSON atomically."""
    write_bytes_atomic(path, json_bytes(data))


def replace_symlink(link: Path, target: str) -> None:
    """Point ``link`` at ``target`` with one atomic rename: readers see the old or the new."""
    tmp = link.with_name(f".{link.name}.{uuid.uuid4().hex}.link")
    os.symlink(target, tmp)
    os.replace(tmp, link)
    fsync_dir(link.parent)


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

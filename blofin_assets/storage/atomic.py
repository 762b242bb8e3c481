"""Files written whole or not at all: a reader (or a crash) never sees half a file."""

from __future__ import annotations

import os
import uuid
from pathlib import Path


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

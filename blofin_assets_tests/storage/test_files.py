import os

import pytest

from blofin_assets.storage.files import write_bytes_atomic


def test_a_file_is_replaced_whole(tmp_path):
    path = tmp_path / "out" / "part.pickle"
    path.parent.mkdir()
    write_bytes_atomic(path, b"old")
    write_bytes_atomic(path, b"new")
    assert path.read_bytes() == b"new" and os.listdir(path.parent) == ["part.pickle"]


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "out" / "part.pickle"
    path.parent.mkdir()
    write_bytes_atomic(path, b"old")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_bytes_atomic(path, b"new")
    assert path.read_bytes() == b"old" and os.listdir(path.parent) == ["part.pickle"]

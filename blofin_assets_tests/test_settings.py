"""Where things live: environment variables, with project-local defaults."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from blofin_assets import settings


def test_the_shared_io_dir_defaults_to_the_instance_storage(isolated_env, monkeypatch):
    monkeypatch.delenv("BLOFIN_IO_DIR", raising=False)
    assert settings.shared_io_dir() == str(isolated_env / "dagster_home" / "storage")


def test_a_relative_shared_io_dir_is_made_absolute_and_a_url_kept(isolated_env, monkeypatch):
    monkeypatch.chdir(isolated_env)
    monkeypatch.setenv("BLOFIN_IO_DIR", "shared/io")
    assert settings.shared_io_dir() == str(isolated_env / "shared" / "io")
    assert Path(settings.shared_io_dir()).is_absolute()
    monkeypatch.setenv("BLOFIN_IO_DIR", "s3://bucket/blofin-io")
    assert settings.shared_io_dir() == "s3://bucket/blofin-io"


def test_database_urls_print_without_their_password():
    assert settings.masked("postgresql+psycopg://blofin:s3cret@db.example:5432/results") == "postgresql+psycopg://blofin:***@db.example:5432/results"
    assert settings.masked("sqlite:////tmp/results.db") == "sqlite:////tmp/results.db"
    assert "s3cret" not in settings.masked("not a url://blofin:s3cret@host")


def test_openmp_threads_wait_asleep_unless_the_environment_says_otherwise():
    """In a fresh process: the package sets the policy before a model library loads OpenMP
    (libgomp reads it once, at load), and a value already set is kept."""
    probe = "import os, sys, blofin_assets; import xgboost; print(os.environ['OMP_WAIT_POLICY'])"
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "PASSIVE"
    done = subprocess.run([sys.executable, "-c", probe], env={**env, "OMP_WAIT_POLICY": "ACTIVE"}, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "ACTIVE"
    # the package itself loads no OpenMP runtime, so its setting comes first
    first = "import sys, blofin_assets; print([m for m in ('sklearn', 'xgboost', 'torch') if m in sys.modules])"
    assert subprocess.run([sys.executable, "-c", first], env=env, capture_output=True, text=True, check=True).stdout.strip() == "[]"


ARENAS_PROBE = """
import ctypes, threading, blofin_assets
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype, libc.free.argtypes = ctypes.c_void_p, [ctypes.c_void_p]
start = threading.Barrier(8)
def work():
    start.wait()  # all eight alive at once, each asking malloc for memory
    blocks = [libc.malloc(4096) for _ in range(100)]
    start.wait()
    for b in blocks:
        libc.free(b)
threads = [threading.Thread(target=work) for _ in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
libc.malloc_stats()  # one 'Arena N:' block per arena, on stderr
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc arenas")
def test_malloc_keeps_one_arena_per_core_unless_the_environment_says_otherwise():
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}

    def arenas(extra: dict) -> int:
        done = subprocess.run([sys.executable, "-c", ARENAS_PROBE], env={**env, **extra}, capture_output=True, text=True, check=True)
        return sum(line.startswith("Arena ") for line in done.stderr.splitlines())

    cores = os.cpu_count()
    assert arenas({}) <= cores
    assert arenas({"MALLOC_ARENA_MAX": str(cores + 6)}) > cores  # glibc's own, one per new thread

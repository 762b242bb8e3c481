"""The newest release this machine has seen, kept outside the model store, so an older signed
release put back into the store (a rollback) is noticed.

A signature proves who wrote a release, not that it is the newest: a ``release.json`` and its
``.hmac`` copied aside and put back later still verify. So every release carries a sequence
number, one above the last, and each machine keeps, per store, the highest sequence it has read
or written and that release's digest, in a file signed with the store's key outside the store
($BLOFIN_RELEASE_WITNESS, default $DAGSTER_HOME/release_witness/, a file per store). A release
below it, or at it with other content, is refused. Whoever can write the store but not that
folder cannot roll a machine back; a machine that never saw the newer release cannot tell.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import threading
from contextlib import contextmanager
from pathlib import Path

from blofin_assets.storage.files import json_bytes
from blofin_assets.storage.signing import read_verified, write_signed


class RollbackError(RuntimeError):
    """The store's release is older than one this machine has already seen."""


class ReleaseWitness:
    """The highest release sequence this machine has seen of one store."""

    def __init__(self, folder: str | Path, store: str | Path, key: bytes):
        self.store = str(Path(store).resolve())
        self.path = Path(folder) / f"{hashlib.sha256(self.store.encode()).hexdigest()[:16]}.json"
        self.key = key
        self._held = threading.RLock()
        self._depth = 0

    @contextmanager
    def locked(self):
        """This machine's lock on the store's releases: a promotion holds it from reading the
        last release to recording its own, so two promotions at once never take one sequence
        number. Re-entrant within a process."""
        with self._held:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path.with_suffix(".lock"), "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                self._depth = 1
                try:
                    yield
                finally:
                    self._depth = 0

    def _last(self) -> dict:
        if not self.path.exists():
            return {"sequence": 0, "sha256": None}
        return json.loads(read_verified(self.path, self.key))

    def seen(self) -> int:
        """The highest sequence seen (0: none)."""
        return int(self._last()["sequence"])

    def witness(self, release: bytes, sequence: int) -> None:
        """Refuse ``release`` (the bytes of the store's release.json) if this machine has seen a
        newer one, or another at its sequence; record it if it is newer than any seen."""
        digest = hashlib.sha256(release).hexdigest()
        if self._check(self._last(), sequence, digest):
            return  # the newest seen already: no lock, no write (every read but the first)
        with self.locked():
            if not self._check(self._last(), sequence, digest):
                write_signed(self.path, json_bytes({"store": self.store, "sequence": sequence, "sha256": digest}), self.key)

    def _check(self, last: dict, sequence: int, digest: str) -> bool:
        """True: the newest seen; False: newer; refused if older (or other at the same)."""
        if sequence < last["sequence"] or (sequence == last["sequence"] and last["sha256"] not in (None, digest)):
            raise RollbackError(
                f"{Path(self.store) / 'release.json'} is release {sequence}, but this machine has already seen release "
                f"{last['sequence']} of this store (recorded in {self.path}): an older release was put back. "
                "Refused, and nothing is promoted over it: put the newest release.json (and its .hmac) back, "
                "or delete that record to accept this release"
            )
        return sequence == last["sequence"]

"""Recording signals without depending on the database being up.

A signal is answered first and recorded second: with the results database down the service and
`blofin predict` still answer, the rows wait in memory (up to ``capacity``, the oldest dropped
beyond it, counted) and go in, oldest first, with the next recording that succeeds. ``status``
says whether recording works, since when it fails and why, and how many rows wait or were
lost: what /health reports. While it fails, the database is tried again at most every
``retry_seconds``: a database that does not answer (a connect timeout) must not hold every
answer up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from datetime import datetime, timezone

from blofin_assets import settings
from blofin_assets.storage.errors import brief
from blofin_assets.storage.predictions import record_predictions
from blofin_assets.storage.results import ResultsDB

log = logging.getLogger(__name__)


class SignalRecorder:
    """Records ``ml_predictions`` rows at ``url``, keeping them while the database is down."""

    def __init__(self, url: str, capacity: int = 10_000, retry_seconds: float = 10.0):
        self.url = url
        self.capacity = capacity
        self.retry_seconds = retry_seconds
        self._last_try = float("-inf")
        self._waiting: deque = deque()
        self._db: ResultsDB | None = None
        self._lock = threading.Lock()
        self.failing_since: datetime | None = None
        self.error: str | None = None
        self.dropped = 0

    def record(self, rows: list[dict]) -> bool:
        """Record ``rows`` (after any still waiting); False when they wait for the database."""
        with self._lock:
            self._waiting.extend(rows)
            while len(self._waiting) > self.capacity:
                self._waiting.popleft()
                self.dropped += 1
            if self.failing_since is not None and time.monotonic() - self._last_try < self.retry_seconds:
                return False
            self._last_try = time.monotonic()
            try:
                if self._db is None:
                    self._db = ResultsDB(self.url)
                record_predictions(self._db, list(self._waiting))
            except Exception as exc:  # any driver's error: the answer must not depend on it
                if self.failing_since is None:
                    self.failing_since = datetime.now(timezone.utc)
                    log.warning("recording signals in %s fails: %s", settings.masked(self.url), exc)
                self.error = brief(exc)
                self._close()
                return False
            self._waiting.clear()
            if self.failing_since is not None:
                log.warning("recording signals in %s works again", settings.masked(self.url))
            self.failing_since, self.error = None, None
            return True

    def status(self) -> dict:
        """``{"recording": "ok"}``, or what fails, since when, and the rows waiting or lost."""
        with self._lock:
            if self.failing_since is None and not self.dropped:
                return {"recording": "ok"}
            return {
                "recording": "failing" if self.failing_since is not None else "ok",
                "database": settings.masked(self.url),
                "failing_since": self.failing_since.isoformat(timespec="seconds") if self.failing_since else None,
                "error": self.error,
                "waiting": len(self._waiting),
                "dropped": self.dropped,
            }

    def _close(self) -> None:
        if self._db is not None:
            try:
                self._db.dispose()
            finally:
                self._db = None

    def close(self) -> None:
        with self._lock:
            self._close()

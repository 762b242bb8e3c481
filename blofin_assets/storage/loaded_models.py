"""Models this process has already deserialized, kept by the digests of their files, so a
run that reads the same model many times deserializes it once (storage/model_store.py)."""

from __future__ import annotations

import threading
from collections import OrderedDict


class LoadedModels:
    """The models this process deserialized, by model name and the SHA-256 of every file they
    were read from, newest last, up to ``budget`` bytes of their files (a model larger than a
    quarter of it is not kept: its copies would double a large run's memory). One run loads each model many times
    (its validation, the ensemble, the backtests, the replay, predictions, monitoring), and
    deserializing is the slow part: a forest's or a boosted model's skops file takes tenths of
    a second to seconds, a copy of the object milliseconds. The key is the checked digests, so a
    changed file is never answered from here, and callers get a copy, so none can change what
    another gets."""

    def __init__(self, budget: int = 256 * 2**20):
        self.budget = budget
        self._models: OrderedDict = OrderedDict()  # key -> (model, file bytes)
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            kept = self._models.get(key)
            if kept is None:
                return None
            self._models.move_to_end(key)
            return kept[0]

    def put(self, key, model, size: int) -> None:
        if size > self.budget // 4:
            return
        with self._lock:
            self._models[key] = (model, size)
            while sum(kept[1] for kept in self._models.values()) > self.budget:
                self._models.popitem(last=False)


LOADED = LoadedModels()

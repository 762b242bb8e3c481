"""Run config checked where it is declared: each config class lists the ranges and choices of
its settings, and a value outside them fails the step with a message naming the setting
(Dagster's config schema checks only types)."""

from __future__ import annotations

from typing import ClassVar

import dagster as dg
from pydantic import model_validator


class CheckedConfig(dg.Config):
    """A ``dg.Config`` whose ``bounds`` (setting -> (lowest, highest), inclusive, None for
    open) and ``choices`` (setting -> allowed values) hold for every run."""

    bounds: ClassVar[dict[str, tuple[float | None, float | None]]] = {}
    choices: ClassVar[dict[str, tuple]] = {}

    @model_validator(mode="after")
    def _within_bounds(self):
        where = type(self).__name__
        for name, (low, high) in self.bounds.items():
            value = getattr(self, name)
            if value is None:
                continue
            if (low is not None and value < low) or (high is not None and value > high):
                limits = " and ".join(f"{op} {v:g}" for op, v in ((">=", low), ("<=", high)) if v is not None)
                raise ValueError(f"{where}: setting {name} = {value!r} must be {limits}")
        for name, allowed in self.choices.items():
            value = getattr(self, name)
            if value not in allowed:
                raise ValueError(f"{where}: setting {name} = {value!r} must be one of {', '.join(map(str, allowed))}")
        return self

"""Run config checked where it is declared: each config class lists the ranges and choices of
its settings, and a value outside them fails with a message naming the setting (Dagster's
config schema checks only types).

A step checks only its own config when it starts, so a bad value for a late asset would
surface after the models were trained and promoted; ``check_run_config`` lets the steps that
train and promote check every asset's config of the run first."""

from __future__ import annotations

import math
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
        # NaN passes every comparison below (each is false), and inf is no setting's value.
        for name in type(self).model_fields:
            value = getattr(self, name)
            if not all_finite(value):
                raise ValueError(f"{where}: setting {name} = {value!r} must be a finite number")
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


def all_finite(value) -> bool:
    """Whether every float in ``value`` (a setting: a number, a list, a dict) is finite."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return all(all_finite(v) for v in value)
    if isinstance(value, dict):
        return all(all_finite(v) for v in value.values())
    return True


def check_run_config(run_config: dict, classes: dict[str, type[dg.Config]]) -> None:
    """Raise dg.Failure naming the asset and setting if any op config of ``run_config`` is
    outside its class's bounds (``classes``: asset name -> config class)."""
    problems = []
    for op, entry in sorted(((run_config or {}).get("ops") or {}).items()):
        cls = classes.get(op)
        if cls is None:
            continue  # Dagster refuses config for an asset that is not in the run
        try:
            cls(**((entry or {}).get("config") or {}))
        except ValueError as error:  # pydantic's ValidationError is one
            problems.append(f"{op}: {_reasons(error)}")
    if problems:
        raise dg.Failure(description="run config refused before anything was trained or promoted: " + "; ".join(problems))


def _reasons(error: ValueError) -> str:
    errors = getattr(error, "errors", None)
    if not callable(errors):
        return str(error)
    reasons = []
    for e in errors():
        message = str(e.get("msg", e)).removeprefix("Value error, ")
        where = ".".join(map(str, e.get("loc") or ()))  # a field's own bound (the model parameters)
        reasons.append(f"setting {where} = {e.get('input')!r}: {message}" if where else message)
    return "; ".join(reasons)

"""Small helpers to show tables and numbers in Dagster metadata."""

import pandas as pd

import math

from blofin_assets.ml.reporting import fmt

__all__ = ["finite", "md_table", "present"]

DIGITS = 4  # significant digits of a number shown as metadata


def finite(value) -> float | None:
    """A number as metadata shows it: None where missing or not finite (Dagster refuses NaN),
    else to DIGITS significant digits (the UI prints every digit a float has:
    0.47150259067357514)."""
    if value is None:
        return None
    value = float(value)
    return float(f"{value:.{DIGITS}g}") if math.isfinite(value) else None


def md_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured markdown table (no extra dependency)."""
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    rows = ["| " + " | ".join(fmt(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def present(metadata: dict) -> dict:
    """Metadata without the entries that have no value (Dagster refuses None)."""
    return {k: v for k, v in metadata.items() if v is not None}

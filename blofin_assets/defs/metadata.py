"""Small helpers to show tables and numbers in Dagster metadata."""

import math

import pandas as pd

from blofin_assets.ml.reporting import fmt


def md_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured markdown table (no extra dependency)."""
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    rows = ["| " + " | ".join(fmt(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def finite(value) -> float | None:
    """A float for numeric metadata, or None where the value is missing or not finite."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def present(metadata: dict) -> dict:
    """Metadata without the entries that have no value (Dagster refuses None)."""
    return {k: v for k, v in metadata.items() if v is not None}

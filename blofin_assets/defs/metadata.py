"""Small helpers to show tables and numbers in Dagster metadata."""

import pandas as pd

from blofin_assets.ml.reporting import fmt
from blofin_assets.storage.jsonsafe import finite  # numeric metadata: None where not finite

__all__ = ["finite", "md_table", "present"]


def md_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured markdown table (no extra dependency)."""
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    rows = ["| " + " | ".join(fmt(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def present(metadata: dict) -> dict:
    """Metadata without the entries that have no value (Dagster refuses None)."""
    return {k: v for k, v in metadata.items() if v is not None}

"""Validation reports as tables: what model_comparison shows and `make run` prints."""

from __future__ import annotations

import math

import pandas as pd

from blofin_assets.ml.reports import ValidationReport
from blofin_assets.ml.validation import direction_skill


def fmt(value, digits: int = 4) -> str:
    """A number as the tables show it: 4 significant digits, thousands with one decimal."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 1000 else f"{value:.{digits}g}"
    return str(value)


def headline(report: ValidationReport, scope: str = "pooled", symbol: str | None = None) -> dict:
    """The key figures of one report: main metric beside its baseline, and the skill."""
    block = report["pooled"] if symbol is None else report["per_symbol"][symbol]
    model, baseline = block["model"], block["baseline"]
    metric = report["metric"]
    row = {
        "model": report["model_name"],
        "scope": symbol or scope,
        "metric": metric,
        "value": model[metric],
        "baseline": baseline[metric],
        "skill": block["skill"],
        "n_test": block["n"],
    }
    # Each task's secondary figures; the price model's R^2 is that of its implied log return.
    row.update(f1=model.get("f1"), rmse=model.get("rmse"), r2=model.get("return_r2", model.get("r2")))
    return row


def comparison_table(reports: list[ValidationReport]) -> pd.DataFrame:
    """One row per model (pooled over symbols): held-out figures, walk-forward skill, IC and
    the audit verdict."""
    rows = []
    for report in reports:
        row = headline(report)
        walk_forward = report.get("walk_forward", {}).get("summary", {})
        row["wf_skill_mean"] = walk_forward.get("skill", {}).get("mean")
        row["wf_skill_std"] = walk_forward.get("skill", {}).get("std")
        row["ic"] = report["pooled"].get("ic")
        row["wf_ic_mean"] = walk_forward.get("ic", {}).get("mean")
        row["audit"] = None if "audit" not in report else ("pass" if report["audit"]["passed"] else "FAIL")
        row["direction_skill"] = direction_skill(report)
        row["version"] = report.get("model_version")
        rows.append(row)
    return pd.DataFrame(rows)


def walk_forward_table(report: ValidationReport) -> pd.DataFrame:
    """One row per walk-forward fold: window, main metric beside its baseline, skill, IC."""
    walk_forward = report["walk_forward"]
    metric = walk_forward["summary"]["metric"]
    rows = [
        {
            "fold": fold["fold"],
            "test_start": fold["test_start"][:16],
            "test_end": fold["test_end"][:16],
            "n_train": fold["n_train"],
            "n_test": fold["n_test"],
            metric: fold["pooled"]["model"][metric],
            "baseline": fold["pooled"]["baseline"][metric],
            "skill": fold["pooled"]["skill"],
            "ic": fold.get("ic"),
        }
        for fold in walk_forward["folds"]
    ]
    return pd.DataFrame(rows)


def summary_row(report: ValidationReport) -> dict:
    """The figures `make run` prints for one model: held-out beside baseline, walk-forward
    skill, IC where the model predicts a direction, and the leakage audit."""
    row = headline(report)
    walk_forward = report.get("walk_forward", {}).get("summary", {})
    mean, std = walk_forward.get("skill", {}).get("mean"), walk_forward.get("skill", {}).get("std")
    row["walk_forward_skill"] = None if mean is None else f"{mean:+.3f} +- {std:.3f}"
    row["ic"] = report["pooled"].get("ic")
    row["audit"] = None if "audit" not in report else ("pass" if report["audit"]["passed"] else "FAIL")
    return row


def per_symbol_table(report: ValidationReport) -> pd.DataFrame:
    rows = [headline(report)] + [headline(report, symbol=s) for s in sorted(report["per_symbol"])]
    return pd.DataFrame(rows).drop(columns=["model"])

"""Validation reports as tables: what model_comparison shows and `make run` prints."""

from __future__ import annotations

import math

import pandas as pd

from blofin_assets.ml.reports import ValidationReport
from blofin_assets.ml.validation import direction_skill


SECONDARY_FIGURES = ("f1", "rmse", "r2")  # beside each report's main metric, where its task has them


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
    row.update(f1=model.get("f1"), rmse=model.get("rmse"), r2=model.get("return_r2", model.get("r2")))  # SECONDARY_FIGURES
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
    """One row per walk-forward fold: test window, main metric beside its baseline, and skill.
    Five narrow columns, so the table fits its cell in the UI on a laptop screen (fold sizes
    and per-fold IC are in the report)."""
    walk_forward = report["walk_forward"]
    metric = walk_forward["summary"]["metric"]
    folds = walk_forward["folds"]
    one_year = len({f["test_start"][:4] for f in folds} | {f["test_end"][:4] for f in folds}) == 1
    rows = [
        {
            "fold": fold["fold"],
            "test": day_range(fold["test_start"], fold["test_end"], with_year=not one_year),
            metric: fold["pooled"]["model"][metric],
            "baseline": fold["pooled"]["baseline"][metric],
            "skill": fold["pooled"]["skill"],
        }
        for fold in folds
    ]
    return pd.DataFrame(rows)


def day_range(start: str, end: str, with_year: bool) -> str:
    """ISO timestamps as days: "01-29..02-22", or "2024-12-20..2025-01-14" with the year."""
    cut = 0 if with_year else 5
    return f"{start[cut:10]}..{end[cut:10]}"


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
    """Pooled and per-symbol: the main metric (named in its column) beside its baseline, skill
    and rows; narrow enough for its cell in the UI (the secondary figures are in the report)."""
    rows = [headline(report)] + [headline(report, symbol=s) for s in sorted(report["per_symbol"])]
    table = pd.DataFrame(rows).rename(columns={"value": report["metric"], "n_test": "n"})
    return table[["scope", report["metric"], "baseline", "skill", "n"]]

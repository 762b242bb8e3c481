"""Validation reports as tables: what model_comparison shows and `make run` prints."""

from __future__ import annotations

import pandas as pd

from blofin_assets.ml.validation import direction_skill


def headline(report: dict, scope: str = "pooled", symbol: str | None = None) -> dict:
    """The key figures of one report: main metric beside its baseline, and the skill."""
    block = report["pooled"] if symbol is None else report["per_symbol"][symbol]
    model, baseline = block["model"], block["baseline"]
    metric = "accuracy" if report["task"] == "classification" else "mae"
    row = {
        "model": report["model_name"],
        "scope": symbol or scope,
        "metric": metric,
        "value": model[metric],
        "baseline": baseline[metric],
        "skill": block["skill"],
        "n_test": block["n"],
    }
    if report["task"] == "classification":
        row.update(f1=model["f1"], rmse=None, r2=None)
    else:
        row.update(f1=None, rmse=model["rmse"], r2=model.get("return_r2", model["r2"]))
    return row


def comparison_table(reports: list[dict]) -> pd.DataFrame:
    """One row per model (pooled over symbols)."""
    rows = []
    for report in reports:
        row = headline(report)
        row["direction_skill"] = direction_skill(report) if report["model_name"] in (
            "direction_predictor",
            "price_predictor",
        ) else None
        row["version"] = report.get("model_version")
        rows.append(row)
    return pd.DataFrame(rows)


def per_symbol_table(report: dict) -> pd.DataFrame:
    rows = [headline(report)] + [headline(report, symbol=s) for s in sorted(report["per_symbol"])]
    return pd.DataFrame(rows).drop(columns=["model"])

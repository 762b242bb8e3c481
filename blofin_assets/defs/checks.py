"""Asset checks: their specs and the results the assets yield for them.

Blocking checks (candles' no_gaps and enough_candles, each validation's leakage_audit) stop
everything downstream when they fail; the monitoring checks (one per model on
model_performance and feature_drift) warn, and turn to ERROR past twice their threshold.
"""

from __future__ import annotations

import dagster as dg
import pandas as pd

from blofin_assets.defs.metadata import finite, md_table, present
from blofin_assets.ml.monitoring import severity
from blofin_assets.ml.reports import ValidationReport

GAPS, ENOUGH = "no_gaps", "enough_candles"
LEAKAGE = "leakage_audit"

CANDLE_CHECKS = [
    dg.AssetCheckSpec(GAPS, asset="candles", blocking=True, description="No series skips more than gap_tolerance_bars bars."),
    dg.AssetCheckSpec(ENOUGH, asset="candles", blocking=True, description="Every symbol has at least min_candles candles."),
]


def leakage_spec(asset: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        LEAKAGE,
        asset=asset,
        blocking=True,
        description="Fails when held-out skill is implausible on market data (a sign of leakage).",
    )


def per_model_specs(asset: str, suffix: str, what: str, model_names: tuple[str, ...]) -> list[dg.AssetCheckSpec]:
    return [dg.AssetCheckSpec(f"{name}_{suffix}", asset=asset, description=f"{name}: {what}") for name in model_names]


def logged(context: dg.AssetExecutionContext, result: dg.AssetCheckResult) -> dg.AssetCheckResult:
    """The check result, with a failing one's reason also in the run log: the CLI prints the
    log, while the check's description shows only in the UI."""
    if not result.passed:
        level = context.log.error if result.severity == dg.AssetCheckSeverity.ERROR else context.log.warning
        level(f"check {result.check_name} failed: {result.description}")
    return result


def _level(value: float, threshold: float) -> dg.AssetCheckSeverity:
    return dg.AssetCheckSeverity.ERROR if severity(value, threshold) == "ERROR" else dg.AssetCheckSeverity.WARN


def gaps_result(source: str, gaps: list[dict], tolerance: float, calendars: dict | None = None) -> dg.AssetCheckResult:
    description = "no gaps in trading time"
    if gaps:
        first = gaps[0]
        calendar = (calendars or {}).get(first["symbol"])
        market = f" (its market: {calendar.describe()})" if calendar else ""
        description = (
            f"{source}: {len(gaps)} gap(s) of more than {tolerance:g} bars of trading time, e.g. symbol {first['symbol']}"
            f"{market} between {first['after']} and {first['before']} ({first['in_trading_time']} of "
            f"{first['missing_bars']} missing bars in trading time). Gaps are not filled: fill the data, set calendar "
            "(auto, 24/7, weekdays) or list the day in holidays if the market was closed, or raise gap_tolerance_bars."
        )
    where = {"where": dg.MetadataValue.md(md_table(pd.DataFrame(gaps)))} if gaps else {}
    return dg.AssetCheckResult(
        check_name=GAPS,
        passed=not gaps,
        severity=dg.AssetCheckSeverity.ERROR,
        description=description,
        metadata={"gaps": len(gaps), **where},
    )


def enough_result(source: str, short: dict[str, int], min_candles: int) -> dg.AssetCheckResult:
    description = f"every symbol has at least {min_candles} candles"
    if short:
        description = (
            f"{source}: too few candles for the feature windows plus horizon and training: "
            + ", ".join(f"{s} has {n}" for s, n in short.items())
            + f"; at least {min_candles} needed (min_candles)"
        )
    return dg.AssetCheckResult(check_name=ENOUGH, passed=not short, severity=dg.AssetCheckSeverity.ERROR, description=description)


def leakage_result(report: ValidationReport) -> dg.AssetCheckResult:
    audit = report["audit"]
    control = report.get("shuffled_control")
    return dg.AssetCheckResult(
        check_name=LEAKAGE,
        passed=audit["passed"],
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(audit["findings"]) or "held-out skill is plausible and in line with walk-forward skill",
        metadata=present(
            {
                "holdout_skill": finite(audit["holdout_skill"]),
                "skill_gap_to_walk_forward": finite(audit["skill_gap"]),
                "direction_accuracy": finite(audit["direction_accuracy"]),
                "shuffled_target_accuracy": finite(control["accuracy"]) if control else None,
            }
        ),
    )


def performance_result(row: dict, max_drop: float) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=f"{row['model']}_performance",
        passed=not row["dropped"],
        severity=_level(row["drop"] or 0.0, max_drop),
        description=(
            f"{row['metric']} {row['current']} vs validation {row['validation']} (drop {row['drop']})"
            if row["status"] == "scored"
            else row["status"]
        ),
        metadata=present({"drop": finite(row["drop"]), "current": finite(row["current"])}),
    )


def drift_result(name: str, result: dict, psi_threshold: float) -> dg.AssetCheckResult:
    worst = sorted(result.get("features", {}).items(), key=lambda kv: -kv[1]["psi"])[:3]
    return dg.AssetCheckResult(
        check_name=f"{name}_feature_drift",
        passed=not result["drifted"],
        severity=_level(result.get("max_psi", 0.0), psi_threshold),
        description=(
            f"{result.get('drifted_share', 0):.0%} of features drifted; highest PSI: "
            + ", ".join(f"{f} {v['psi']:.2f}" for f, v in worst)
            if result["status"] == "measured"
            else result["status"]
        ),
    )

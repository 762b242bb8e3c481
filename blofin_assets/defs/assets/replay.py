"""The ``signal_replay`` asset: the live loop replayed over the whole history (trading/replay.py):
retrain every period, predict through the live code path, trade with costs."""

import os
from typing import Optional

import dagster as dg
import pandas as pd

from blofin_assets.defs.assets.backtest import TradingConfig, deflated_table, strategy_table
from blofin_assets.defs.charts import equity_chart, markdown_image
from blofin_assets.defs.checks import logged
from blofin_assets.defs.metadata import finite, md_table
from blofin_assets.defs.resources import ModelStoreResource, ResultsDatabase
from blofin_assets.ml.dataset import TrainingTable
from blofin_assets.storage.ensemble_store import EnsembleStore
from blofin_assets.storage.results import backtest_row
from blofin_assets.trading.drift_rule import DriftRule
from blofin_assets.trading.replay import ReplaySettings, replay

LEAKAGE = "replay_leakage"


class ReplayConfig(TradingConfig):
    bounds = {**TradingConfig.bounds, "retrain_every_days": (1.0, 366.0), "warmup_days": (1.0, 3650.0), "workers": (1, 64), "drift_check_days": (0.25, 366.0)}
    choices = {"retrain_on": ("schedule", "drift")}
    retrain_every_days: float = 30.0
    """Days between retrainings: each period's models are trained at its start."""
    retrain_on: str = "schedule"
    """schedule: every retrain_every_days; drift: also where the monitoring's drift rules flag a
    model at a check (the periods then run one after the other, in this process)."""
    drift_check_days: float = 1.0
    """With retrain_on: drift, days between checks (live: the daily monitoring)."""
    warmup_days: float = 60.0
    """History before the first period (its training window)."""
    workers: Optional[int] = None
    """Periods fitted at once, each in a process of its own; default: one per core."""


def periods_table(periods: list[dict]) -> pd.DataFrame:
    """One row per period: its first day, training rows, ensemble type, skill and rank IC."""
    return pd.DataFrame(
        [
            {
                "period": p["start"][:10],
                "retrained": p["retrained"],
                "train rows": p["n_train"],
                "type": p["ensemble_type"],
                "skill": p["direction_skill"],
                "rank IC": p["rank_ic"],
            }
            for p in periods
        ]
    )


def current_params(store, names) -> dict[str, dict]:
    """Each current model's hyperparameters (the horizon goes with the run)."""
    return {name: {k: v for k, v in store.load(name).config["hyperparameters"].items() if k != "horizon"} for name in names}


@dg.asset(
    group_name="evaluation",
    kinds={"pandas"},
    check_specs=[dg.AssetCheckSpec(LEAKAGE, asset="signal_replay", description="No period's models saw a candle of the period they predict.")],
    description="The live loop replayed over the whole history: retrain every period, predict through the live code path, trade with costs; the figure to trust.",
)
def signal_replay(
    context: dg.AssetExecutionContext,
    config: ReplayConfig,
    ensemble_config: dict,
    training_table: TrainingTable,
    funding: pd.DataFrame,
    model_store: ModelStoreResource,
    results_db: ResultsDatabase,
):
    store = model_store.get()
    current = EnsembleStore(store).load()
    settings = ReplaySettings(
        retrain_every=pd.Timedelta(days=config.retrain_every_days),
        warmup=pd.Timedelta(days=config.warmup_days),
        window=None if training_table.holdout.train_days is None else pd.Timedelta(days=training_table.holdout.train_days),
        drift=DriftRule(check_every=pd.Timedelta(days=config.drift_check_days)) if config.retrain_on == "drift" else None,
    )
    table = training_table.frame
    db = results_db.get()
    try:
        report = replay(
            table, funding, current_params(store, list(current.members)), training_table.horizon,
            settings=settings, rule=config.rule(), costs=config.costs(), gate=current.gate_,
            prior_trials=len(db.trials()) + 1 + len(ensemble_config.get("lead_standard_error") or {}),
            workers=config.workers or os.cpu_count() or 1, progress=context.log.info,
        )
        summary = {"signal": "replayed live loop", **{k: v for k, v in report.items() if k not in ("equity", "signals")}}
        db.record([backtest_row(context.run.run_id, "replayed live loop", summary, len(report.get("signals", ())), asset="signal_replay")])
    finally:
        db.dispose()
    if not report["periods"]:
        context.log.warning(f"replay skipped: {report['skipped']}")
        yield dg.Output(summary, metadata={"periods": 0, "skipped": report["skipped"]})
        yield logged(context, dg.AssetCheckResult(check_name=LEAKAGE, passed=True, description=f"no period: {report['skipped']}"))
        return
    pooled = report["pooled"]
    starts = {symbol: period_marks(report, symbol) for symbol in report["per_symbol"]}
    curves = {s: {"strategy (net)": e["net"], "gross": e["gross"], "buy and hold": e["hold_net"]} for s, e in report["equity"].items()}
    when = f"every {config.retrain_every_days:g} days" + (f" and on drift (checked every {config.drift_check_days:g} days)" if settings.drift else "")
    chart = equity_chart(curves, f"replayed live loop, retrained {when} (dotted lines); {report['costs_text']}", starts, "bars of the replay")
    yield dg.Output(
        {**summary, "equity": report["equity"], "signals": report["signals"]},
        metadata={
            "periods": len(report["periods"]),
            "retrain_every_days": config.retrain_every_days,
            "retraining": report["settings"]["retraining"],
            "window": "expanding" if settings.window is None else f"rolling {training_table.holdout.train_days:g} days",
            "trades": pooled["net"]["trades"],
            "net_annual_return": finite(pooled["net"]["annual_return"]),
            "gross_annual_return": finite(pooled["gross"]["annual_return"]),
            "net_sharpe": finite(pooled["net"]["sharpe"]),
            "rank_ic": finite(pooled["signal"]["rank_ic"]),
            "icir": finite(pooled["signal"]["icir"]),
            "deflated_sharpe_p": finite(pooled["deflated_sharpe"]["probability"]),
            "figures": dg.MetadataValue.md(md_table(strategy_table(report))),
            "deflated_sharpe": dg.MetadataValue.md(md_table(deflated_table(report))),
            "period_table": dg.MetadataValue.md(md_table(periods_table(report["periods"]))),
            "equity": dg.MetadataValue.md(markdown_image(chart, "equity, drawdown and retraining dates")),
        },
    )
    findings = report["leakage"]
    yield logged(context, dg.AssetCheckResult(
        check_name=LEAKAGE,
        passed=not findings,
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(findings) if findings else f"every one of {len(report['periods'])} periods trained only on labels known at its start",
    ))


def period_marks(report: dict, symbol: str) -> list[int]:
    """Positions in the symbol's equity curve where a period started (its retraining)."""
    signals = report["signals"]
    mine = signals[signals["symbol"] == symbol].sort_values("timestamp").reset_index(drop=True)
    return [int(i) + 1 for i in mine.index[mine["period"].diff().fillna(1) != 0]]

"""The ``signal_backtest`` asset: the signal traded as BloFin's perpetuals trade, on the
held-out period: long and short, sized from calibrated P(UP), with fees, slippage and funding
(trading/)."""

from typing import Optional

import dagster as dg
import pandas as pd

from blofin_assets.defs.charts import equity_chart, markdown_image
from blofin_assets.defs.config_bounds import CheckedConfig
from blofin_assets.defs.metadata import finite, md_table
from blofin_assets.defs.resources import ModelStoreResource, ResultsDatabase
from blofin_assets.ml.dataset import KEY, TrainingTable
from blofin_assets.ml.splits import TEST, TRAIN
from blofin_assets.storage.ensemble_store import EnsembleStore
from blofin_assets.storage.results import backtest_row
from blofin_assets.trading.backtest import symbol_bars, trade_signal
from blofin_assets.trading.costs import CostModel
from blofin_assets.trading.signals import signal_to_trade
from blofin_assets.trading.sizing import SizingRule


class TradingConfig(CheckedConfig):
    """How a signal is sized and what trading it costs: shared by the backtest and the replay."""

    bounds = {
        "max_leverage": (0.01, 20.0),
        "size_step": (0.01, 1.0),
        "taker_fee": (0.0, 0.01),
        "maker_fee": (0.0, 0.01),
        "slippage_bps": (0.0, 100.0),
        "slippage_atr_share": (0.0, 1.0),
    }
    max_leverage: float = 1.0
    """The largest position, as a multiple of equity (long or short)."""
    size_step: float = 0.1
    """Positions are multiples of this share of max_leverage."""
    taker_fee: float = 0.0006
    """Fee per side of a market order (BloFin: 0.06%)."""
    maker_fee: float = 0.0002
    """Fee per side of a resting order (BloFin: 0.02%)."""
    maker: bool = False
    """Trade with maker orders (optimistic: their fills are not guaranteed)."""
    slippage_bps: float = 1.0
    """Fixed slippage, in basis points of the traded notional."""
    slippage_atr_share: float = 0.02
    """Slippage as this share of the bar's average true range over the close."""

    def rule(self) -> SizingRule:
        return SizingRule(self.max_leverage, self.size_step)

    def costs(self) -> CostModel:
        return CostModel(self.taker_fee, self.maker_fee, self.maker, self.slippage_bps, self.slippage_atr_share)


class BacktestConfig(TradingConfig):
    bounds = {**TradingConfig.bounds, "min_edge": (0.0, 0.5)}
    signal: str = "ensemble"
    """Whose P(UP) to trade: the chosen ensemble, or one directional member alone (e.g.
    direction_predictor)."""
    min_edge: Optional[float] = None
    """Flat where the calibrated |P(UP) - 0.5| is at most this; default: chosen on out-of-fold
    training rows (each candidate counted as a trial)."""
    calibrate: bool = True
    """Size from P(UP) calibrated on out-of-fold training rows (Platt scaling); false: from
    P(UP) as the signal gives it."""


def config_class(directional: tuple[str, ...]) -> type[BacktestConfig]:
    """BacktestConfig whose ``signal`` must name the ensemble or one of ``directional`` (the
    registered models with a P(UP)): checked with the run's other settings before training."""
    return type("BacktestConfig", (BacktestConfig,), {"choices": {**BacktestConfig.choices, "signal": ("ensemble", *directional)}})


def strategy_table(report: dict) -> pd.DataFrame:
    """One row per symbol and pooled: the strategy's annual return after costs beside
    buy-and-hold's, its Sharpe ratio after costs and trades; narrow enough for its cell in the UI
    (before costs and drawdowns are in the chart, the rest in the asset's value)."""
    scopes = {**report["per_symbol"], "pooled": report["pooled"]}
    return pd.DataFrame(
        [
            {
                "scope": scope,
                "net": figures["net"]["annual_return"],
                "hold": figures["hold_net"]["annual_return"],
                "sharpe": figures["net"]["sharpe"],
                "trades": figures["net"].get("trades"),
            }
            for scope, figures in scopes.items()
        ]
    )


def deflated_table(report: dict) -> pd.DataFrame:
    """Per symbol and pooled: the net Sharpe ratio per bar, the best one luck would give after
    the trials, and the probability that the true one is above it."""
    scopes = {**report["per_symbol"], "pooled": report["pooled"]}
    return pd.DataFrame(
        [
            {"scope": s, "sharpe": d["sharpe"], "luck max": d["expected_max_sharpe"], "P(real)": d["probability"]}
            for s, d in ((s, f["deflated_sharpe"]) for s, f in scopes.items())
        ]
    )


def stored_summary(report: dict, label: str) -> dict:
    """The report without its equity curves: what the results database and the model
    metadata keep."""
    return {"signal": label, **{k: v for k, v in report.items() if k != "equity"}}


@dg.asset(
    group_name="evaluation",
    kinds={"pandas"},
    description="The signal traded as BloFin's perpetuals on the held-out period: long/short sized from calibrated P(UP), after fees, slippage and funding, beside buy-and-hold.",
)
def signal_backtest(
    context: dg.AssetExecutionContext,
    config: BacktestConfig,
    ensemble_config: dict,
    training_table: TrainingTable,
    funding: pd.DataFrame,
    model_store: ModelStoreResource,
    results_db: ResultsDatabase,
) -> dg.Output[dict]:
    store = model_store.get()
    ensemble = EnsembleStore(store).load(ensemble_config["ensemble_type"])
    table = training_table.frame
    test = table[table["split"] == TEST].reset_index(drop=True)
    signal, abstain, label = signal_to_trade(ensemble, test, config.signal)
    held_out = symbol_bars(test, signal["p_up"].to_numpy(), abstain, funding)
    column = "ensemble" if config.signal == "ensemble" else config.signal
    oof = ensemble_config.get("out_of_fold_signals")
    rows = table[table["split"] == TRAIN].merge(oof[[*KEY, column]], on=KEY) if oof is not None and len(oof) else None
    out_of_fold = symbol_bars(rows, rows[column].to_numpy(), False, funding) if rows is not None and len(rows) else None
    db = results_db.get()
    try:
        # every try counts: the tuning trials recorded and the ensemble types that were candidates
        types = 1 + len(ensemble_config.get("lead_standard_error") or {})
        report = trade_signal(
            held_out, out_of_fold, config.rule(), config.costs(), prior_trials=len(db.trials()) + types, min_edge=config.min_edge,
            calibrate=config.calibrate,
        )
        summary = stored_summary(report, label)
        for name, version in ensemble.versions.items():
            store.update_metadata(name, version, {"backtest": summary})
        db.record([backtest_row(context.run.run_id, label, summary, max(f["net"]["bars"] for f in report["per_symbol"].values()))])
    finally:
        db.dispose()

    pooled = report["pooled"]
    curves = {s: {"strategy (net)": e["net"], "gross": e["gross"], "buy and hold": e["hold_net"]} for s, e in report["equity"].items()}
    chart = equity_chart(curves, f"{label}: {report['rule_text']}; {report['costs_text']}")
    context.log.info(
        f"backtest of {label}: {pooled['net']['trades']} trades over {len(report['per_symbol'])} symbol(s); {report['rule_text']}"
    )
    return dg.Output(
        {**summary, "equity": report["equity"]},
        metadata={
            "signal": label,
            "rule": report["rule_text"],
            "costs": report["costs_text"],
            "threshold_chosen_by": report["threshold"]["chosen_by"],
            "calibration": report["calibration"]["text"],
            "trades": pooled["net"]["trades"],
            "net_annual_return": finite(pooled["net"]["annual_return"]),
            "gross_annual_return": finite(pooled["gross"]["annual_return"]),
            "net_sharpe": finite(pooled["net"]["sharpe"]),
            "fees": finite(pooled["net"]["fees"]),
            "slippage": finite(pooled["net"]["slippage"]),
            "funding": finite(pooled["net"]["funding"]),
            "ic": finite(pooled["signal"]["ic"]),
            "rank_ic": finite(pooled["signal"]["rank_ic"]),
            "icir": finite(pooled["signal"]["icir"]),
            "n_trials": report["n_trials"],
            "deflated_sharpe_p": finite(pooled["deflated_sharpe"]["probability"]),
            "deflated_sharpe": dg.MetadataValue.md(md_table(deflated_table(report))),
            "funding_sources": dg.MetadataValue.json({s: f["funding_source"] for s, f in report["per_symbol"].items()}),
            "figures": dg.MetadataValue.md(md_table(strategy_table(report))),
            "equity": dg.MetadataValue.md(markdown_image(chart, "equity and drawdown")),
        },
    )

"""The ``signal_backtest`` asset: what the signals would have earned on the held-out period."""

import dagster as dg
import pandas as pd

from blofin_assets.defs.config_bounds import CheckedConfig
from blofin_assets.defs.charts import equity_chart, markdown_image
from blofin_assets.defs.metadata import finite, md_table
from blofin_assets.defs.resources import ModelStoreResource, ResultsDatabase
from blofin_assets.ml.backtest import SignalRule, backtest_symbols, deflated_backtest, signal_to_trade, summary_table
from blofin_assets.ml.ensemble import ENSEMBLE_TYPES
from blofin_assets.ml.dataset import TargetSet, model_table
from blofin_assets.ml.splits import TEST
from blofin_assets.storage.ensemble_store import EnsembleStore
from blofin_assets.storage.results import backtest_row


class BacktestConfig(CheckedConfig):
    bounds = {"min_confidence": (0.0, 1.0), "max_risk": (0.0, 100.0), "fee": (0.0, 0.1)}
    signal: str = "ensemble"
    """Whose direction to trade: the chosen ensemble, or one directional member alone (e.g.
    direction_predictor)."""
    min_confidence: float = 0.7
    """Trade only when the signal's confidence is above this."""
    max_risk: float = 50.0
    """... and the risk (risk_scorer's) is below this."""
    allow_short: bool = False
    fee: float = 0.0006
    """Taker fee per unit traded (0.06%)."""


def strategy_beside_hold(figures: pd.DataFrame) -> pd.DataFrame:
    """One row per symbol: the strategy's return beside buy-and-hold's, its Sharpe ratio, worst
    drawdown and trades; narrow enough for its cell in the UI (the rest is in the asset)."""
    strategy = figures[figures["side"] == "strategy"].set_index("symbol")
    hold = figures[figures["side"] == "buy and hold"].set_index("symbol")
    return pd.DataFrame(
        {
            "return": strategy["total_return"],
            "hold": hold["total_return"],
            "sharpe": strategy["sharpe"],
            "max dd": strategy["max_drawdown"],
            "trades": strategy["trades"],
        }
    ).reset_index()


@dg.asset(
    group_name="evaluation",
    kinds={"pandas"},
    description="Trading backtest of the signals on the held-out period, with fees and no lookahead, beside buy-and-hold.",
)
def signal_backtest(
    context: dg.AssetExecutionContext,
    config: BacktestConfig,
    ensemble_config: dict,
    features: pd.DataFrame,
    targets: TargetSet,
    model_store: ModelStoreResource,
    results_db: ResultsDatabase,
) -> dg.Output[dict]:
    store = model_store.get()
    ensemble = EnsembleStore(store).load(ensemble_config["ensemble_type"])
    table = model_table(features, targets)
    test = table[table["split"] == TEST].reset_index(drop=True)
    signal, risk, label = signal_to_trade(ensemble, test, config.signal)
    rule = SignalRule(config.min_confidence, config.max_risk, config.allow_short)
    results = backtest_symbols(test, signal, risk, rule, fee=config.fee)

    figures = summary_table(results)
    db = results_db.get()
    try:
        deflated = deflated_backtest(results, n_trials=len(db.trials()) + len(ENSEMBLE_TYPES))  # every trial counts
        summary = {"signal": label, "rule": rule.__dict__, "fee": config.fee, "per_symbol": figures.to_dict("records"), "deflated_sharpe": deflated}
        for name, version in ensemble.versions.items():
            store.update_metadata(name, version, {"backtest": summary})
        db.record([backtest_row(context.run.run_id, label, summary, int(figures["bars"].max()))])
    finally:
        db.dispose()

    curves = {
        s: {"strategy": r["strategy"]["equity"], "buy and hold": r["buy_and_hold"]["equity"]} for s, r in results.items()
    }
    chart = equity_chart(curves, f"{label}: confidence > {rule.min_confidence}, risk < {rule.max_risk}, fee {config.fee:.2%}")
    strategy = figures[figures["side"] == "strategy"]
    context.log.info(f"backtest of {label}: {int(strategy['trades'].sum())} trades over {len(results)} symbol(s)")
    return dg.Output(
        {**summary, "results": results},
        metadata={
            "signal": label,
            "trades": int(strategy["trades"].sum()),
            "mean_total_return": finite(strategy["total_return"].mean()),
            "mean_hold_return": finite(figures.loc[figures["side"] == "buy and hold", "total_return"].mean()),
            "figures": dg.MetadataValue.md(md_table(strategy_beside_hold(figures))),
            "n_trials": deflated["n_trials"],
            "deflated_sharpe_p": finite(deflated["pooled"]["probability"]),
            "deflated_sharpe": dg.MetadataValue.md(
                md_table(
                    pd.DataFrame(
                        [{"scope": s, "sharpe": d["sharpe"], "luck max": d["expected_max_sharpe"], "P(real)": d["probability"]}
                         for s, d in {**deflated["per_symbol"], "pooled": deflated["pooled"]}.items()]
                    )
                )
            ),
            "equity": dg.MetadataValue.md(markdown_image(chart, "equity curves")),
        },
    )

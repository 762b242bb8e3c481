"""The costed backtest on generated markets whose answer is known: a planted learnable signal
shows IC > 0 and makes money before costs; on a random walk its deflated Sharpe ratio is not
significant. Over several seeds."""

import numpy as np
import pandas as pd
import pytest

from blofin_assets.market.features import compute_features
from blofin_assets.market.funding import synthetic_funding
from blofin_assets.ml.dataset import build_targets, model_table
from blofin_assets.ml.splits import TEST, TRAIN
from blofin_assets.ml.training import train_model
from blofin_assets.ml.walk_forward import walk_forward_evaluation
from blofin_assets.trading.backtest import EDGE_CANDIDATES, SymbolBars, backtest, symbol_bars, trade_signal
from blofin_assets.trading.costs import CostModel
from blofin_assets.trading.sizing import SizingRule
from blofin_assets_tests.ml.test_leakage import generated

HORIZON = 5
PARAMS = {"n_jobs": 1, "n_estimators": 60, "max_depth": 3}


def traded(phi: float, seed: int, candles: int = 20_000, **choices) -> dict:
    """The direction model trained on a generated market, its held-out P(UP) traded with the
    default costs and synthetic funding, calibrated and thresholded on its walk-forward
    out-of-fold P(UP) of the training rows, as the pipeline does."""
    market = generated(candles, phi, seed)
    features = compute_features(market)
    table = model_table(features, build_targets(market, features, horizon=HORIZON))
    model = train_model("direction_predictor", table, HORIZON, PARAMS).model
    test = table[table["split"] == TEST]
    funding = synthetic_funding("GEN-USDT", market, seed)
    held_out = symbol_bars(test, model.predict_proba(test)[:, 1], np.zeros(len(test), bool), funding)
    train = table[table["split"] == TRAIN].reset_index(drop=True)
    oof = walk_forward_evaluation("direction_predictor", PARAMS, train, HORIZON, workers=1).oof
    rows = train.merge(oof, on=["symbol", "timestamp"])
    out_of_fold = symbol_bars(rows, rows["p_up"].to_numpy(), np.zeros(len(rows), bool), funding)
    return trade_signal(held_out, out_of_fold, SizingRule(), CostModel(), prior_trials=1, **choices)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_planted_signal_shows_ic_and_makes_money_before_costs(seed):
    report = traded(0.3, seed)
    pooled = report["pooled"]
    assert pooled["signal"]["ic"] > 0 and pooled["signal"]["rank_ic"] > 0
    assert pooled["gross"]["total_return"] > 0 and pooled["net"]["trades"] > 0
    # costs are paid, and every one of them shows
    assert pooled["net"]["total_return"] < pooled["gross"]["total_return"]
    assert pooled["net"]["fees"] > 0 and pooled["net"]["slippage"] > 0
    assert report["n_trials"] == 1 + len(EDGE_CANDIDATES)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_on_a_random_walk_the_deflated_sharpe_is_not_significant(seed):
    chosen = traded(0.0, seed)  # out of fold the walk's P(UP) ranked (next to) nothing
    assert chosen["pooled"]["deflated_sharpe"]["probability"] < 0.95
    forced = traded(0.0, seed, calibrate=False, min_edge=0.0)  # every P(UP) traded as it is
    assert forced["pooled"]["net"]["trades"] > 0
    assert forced["pooled"]["deflated_sharpe"]["probability"] < 0.95


def bars(close, p_up, rates=None, atr=0.0) -> SymbolBars:
    n = len(close)
    times = pd.date_range("2024-01-01", periods=n, freq="1h", tz="UTC")
    return SymbolBars(
        "X-USDT", times, pd.Timedelta("1h"), np.asarray(close, float), np.full(n, atr),
        np.zeros(n - 1) if rates is None else np.asarray(rates, float), "test", np.asarray(p_up, float), np.zeros(n, bool),
        np.r_[np.log(np.asarray(close[1:]) / np.asarray(close[:-1])), 0.0],
    )


def test_the_report_puts_the_strategy_beside_buy_and_hold_with_and_without_costs():
    close = [100.0, 101.0, 102.0, 101.0, 103.0, 104.0]
    report = backtest([bars(close, [0.9, 0.9, 0.1, 0.9, 0.9, 0.5], rates=[0.0, 0.001, 0.0, 0.0, 0.0])], SizingRule(), CostModel(), n_trials=3)
    figures = report["per_symbol"]["X-USDT"]
    assert figures["gross"]["total_return"] > figures["net"]["total_return"]
    assert figures["hold_gross"]["total_return"] == pytest.approx(104.0 / 100.0 - 1.0)
    assert figures["hold_net"]["funding"] == pytest.approx(0.001 * 1.0 / 100.0 * 102.0)  # a 1x long pays it
    assert figures["net"]["trades"] == 3 and figures["net"]["exposure"] == 1.0
    assert report["pooled"]["net"]["total_return"] == pytest.approx(figures["net"]["total_return"])
    assert report["n_trials"] == 3 and len(report["equity"]["X-USDT"]["net"]) == len(close) + 1

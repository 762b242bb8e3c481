"""The backtest engine against cases computed by hand."""

import numpy as np
import pandas as pd
import pytest

from blofin_assets.ml.backtest import SignalRule, backtest_symbols, run_backtest

FEE = 0.0006


def test_one_long_trade_with_both_fees():
    # Decide long at close 0, hold bars 0->1 and 1->2, go flat at close 2.
    close = [100.0, 110.0, 99.0, 99.0, 108.9]
    result = run_backtest(close, [1, 1, 0, 0, 0], fee=FEE)
    expected = (1 - FEE) * 1.10 * 0.90 * (1 - FEE)
    assert result["total_return"] == pytest.approx(expected - 1)
    assert result["trades"] == 1
    assert result["hit_rate"] == 0.0  # 1.1 * 0.9 = 0.99: a losing trade
    assert result["exposure"] == pytest.approx(2 / 4)
    # Equity after each bar: entry fee and +10%, then -10%, then the exit fee, then flat.
    np.testing.assert_allclose(
        result["equity"],
        [(1 - FEE) * 1.1, (1 - FEE) * 1.1 * 0.9, expected, expected],
    )
    assert result["max_drawdown"] == pytest.approx(expected / ((1 - FEE) * 1.1) - 1)


def test_a_signal_trades_from_the_next_bar_not_its_own():
    # The jump from 100 to 200 happens on bar 0 -> 1; a long decided at close 1 must miss it.
    result = run_backtest([100.0, 200.0, 200.0], [0, 1, 1], fee=0.0)
    assert result["total_return"] == pytest.approx(0.0)
    caught = run_backtest([100.0, 200.0, 200.0], [1, 1, 1], fee=0.0)
    assert caught["total_return"] == pytest.approx(1.0)


def test_short_then_flip_long_pays_two_fees_at_the_flip():
    close = [100.0, 90.0, 99.0, 99.0]
    result = run_backtest(close, [-1, 1, 1, 1], fee=FEE)
    # short over bar 0->1 (+10%), flip at close 1 (2 fees), long 1->2 (+10%), long 2->3 (0%),
    # closed after the last bar (1 fee).
    expected = (1 - FEE) * 1.10 * (1 - FEE) ** 2 * 1.10 * 1.0 * (1 - FEE)
    assert result["total_return"] == pytest.approx(expected - 1)
    assert result["trades"] == 2 and result["hit_rate"] == 1.0
    assert result["exposure"] == 1.0


def test_trade_returns_compound_to_the_total():
    rng = np.random.default_rng(0)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 300)))
    positions = rng.choice([-1, 0, 1], size=300)
    result = run_backtest(close, positions, fee=FEE)
    # Rebuild the equity from trades: flat bars change nothing, each trade pays both fees.
    held = positions[:-1]
    rets = close[1:] / close[:-1] - 1
    growth, j = 1.0, 0
    while j < len(held):
        if held[j] == 0:
            j += 1
            continue
        side, start = held[j], j
        while j < len(held) and held[j] == side:
            j += 1
        growth *= (1 - FEE) ** 2 * np.prod(1 + side * rets[start:j])
    assert result["total_return"] == pytest.approx(growth - 1)


def test_sharpe_is_annualised_by_the_bar_size():
    close = np.array([100.0, 101.0, 100.0, 101.0, 102.0])
    hourly = run_backtest(close, [1] * 5, fee=0.0, bar=pd.Timedelta("1h"))
    daily = run_backtest(close, [1] * 5, fee=0.0, bar=pd.Timedelta("1D"))
    rets = close[1:] / close[:-1] - 1
    assert hourly["sharpe"] == pytest.approx(rets.mean() / rets.std(ddof=1) * np.sqrt(365.25 * 24))
    assert hourly["sharpe"] / daily["sharpe"] == pytest.approx(np.sqrt(24))


def test_no_trades_means_no_return_and_no_sharpe():
    result = run_backtest([100.0, 120.0, 90.0], [0, 0, 0], fee=FEE)
    assert result["total_return"] == 0 and result["trades"] == 0
    assert result["sharpe"] is None and result["hit_rate"] is None and result["max_drawdown"] == 0


def test_the_rule_needs_confidence_and_low_risk_and_shorts_only_when_allowed():
    direction = np.array(["UP", "UP", "UP", "DOWN", "DOWN"])
    confidence = np.array([0.8, 0.6, 0.8, 0.9, 0.9])
    risk = np.array([20, 20, 70, 20, 80])
    assert list(SignalRule().positions(direction, confidence, risk)) == [1, 0, 0, 0, 0]
    assert list(SignalRule(allow_short=True).positions(direction, confidence, risk)) == [1, 0, 0, -1, 0]


def test_per_symbol_backtests_never_mix_series_and_include_buy_and_hold():
    rows = pd.DataFrame(
        {
            "symbol": ["A", "B", "A", "B", "A", "B"],
            "timestamp": pd.to_datetime([0, 0, 1, 1, 2, 2], unit="h", utc=True),
            "close": [100.0, 10.0, 110.0, 5.0, 121.0, 5.0],
        }
    )
    signal = pd.DataFrame({"direction": ["UP"] * 6, "confidence": [0.9] * 6})
    results = backtest_symbols(rows, signal, np.zeros(6), SignalRule(), fee=0.0)
    assert results["A"]["strategy"]["total_return"] == pytest.approx(0.21)
    assert results["B"]["strategy"]["total_return"] == pytest.approx(-0.5)
    assert results["A"]["buy_and_hold"]["total_return"] == pytest.approx(0.21)


@pytest.mark.parametrize(
    "close, positions, message",
    [([100.0], [1], "at least two"), ([1.0, 2.0], [1], "positions"), ([1.0, 2.0], [2, 0], "-1, 0 or 1")],
)
def test_bad_inputs_are_refused(close, positions, message):
    with pytest.raises(ValueError, match=message):
        run_backtest(close, positions)


def test_the_backtest_is_deflated_per_symbol_and_pooled_for_the_trials_counted():
    from blofin_assets.ml.backtest import deflated_backtest
    from blofin_assets.ml.overfitting import deflated_sharpe

    rng = np.random.default_rng(3)
    results = {s: {"strategy": {"returns": list(rng.normal(0.001, 0.01, 500))}} for s in ("A", "B")}
    deflated = deflated_backtest(results, n_trials=40)
    assert deflated["per_symbol"]["A"] == deflated_sharpe(results["A"]["strategy"]["returns"], 40, 1 / 499)
    pooled = results["A"]["strategy"]["returns"] + results["B"]["strategy"]["returns"]
    assert deflated["pooled"] == deflated_sharpe(pooled, 40, 1 / 999)
    assert deflated_backtest(results, n_trials=400)["pooled"]["probability"] < deflated["pooled"]["probability"]

"""The asset checks' results: one readable line with the evidence and the fix."""

import dagster as dg
import pandas as pd

from blofin_assets.market.calendar import MarketCalendar
from blofin_assets.defs.checks import drift_result, enough_result, gaps_result, performance_result


def test_a_gap_names_the_symbol_the_window_and_the_setting():
    gaps = [{"symbol": "BTC-USDT", "after": "2024-01-01T10:00", "before": "2024-01-01T20:00", "missing_bars": 9, "in_trading_time": 9}]
    result = gaps_result("CSV files in x", gaps, 3.0, {"BTC-USDT": MarketCalendar(pd.Timedelta("1h"))})
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert (
        "symbol BTC-USDT (its market: 24/7) between 2024-01-01T10:00 and 2024-01-01T20:00 (9 of 9 missing bars in trading time)"
        in result.description
    )
    assert "set calendar" in result.description and "raise gap_tolerance_bars" in result.description
    assert gaps_result("x", [], 3.0).passed


def test_too_few_candles_say_how_many_are_needed():
    result = enough_result("x", {"ETH-USDT": 150}, 400)
    assert not result.passed and "ETH-USDT has 150" in result.description and "at least 400" in result.description


def test_monitoring_checks_warn_then_turn_to_error_past_twice_the_threshold():
    row = {"model": "m", "metric": "accuracy", "current": 0.45, "validation": 0.6, "status": "scored"}
    assert performance_result({**row, "drop": 0.15, "dropped": True}, 0.1).severity == dg.AssetCheckSeverity.WARN
    assert performance_result({**row, "drop": 0.25, "dropped": True}, 0.1).severity == dg.AssetCheckSeverity.ERROR
    drifted = {"drifted": True, "status": "measured", "drifted_share": 0.6, "max_psi": 0.5, "features": {"atr": {"psi": 0.5}}}
    result = drift_result("m", drifted, 0.2)
    assert result.severity == dg.AssetCheckSeverity.ERROR and "highest PSI: atr 0.50" in result.description

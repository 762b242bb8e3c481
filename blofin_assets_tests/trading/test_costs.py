"""Fees, slippage and which bar a funding settlement falls in."""

import numpy as np
import pandas as pd
import pytest

from blofin_assets.trading.costs import CostModel, funding_per_bar


def test_fees_are_blofins_taker_rate_unless_maker_and_slippage_grows_with_the_range():
    assert CostModel().fee == 0.0006 and CostModel(maker=True).fee == 0.0002
    slippage = CostModel(slippage_bps=2.0, slippage_atr_share=0.05).slippage([0.0, 0.01, 0.02])
    assert slippage == pytest.approx([0.0002, 0.0002 + 0.0005, 0.0002 + 0.001])
    assert "taker 0.060%" in CostModel().describe() and "maker 0.020%" in CostModel(maker=True).describe()


def test_a_settlement_is_paid_by_the_position_held_up_to_it():
    opens = pd.date_range("2024-01-01 05:00", periods=6, freq="1h", tz="UTC")
    closes = opens + pd.Timedelta("1h")  # 06:00 ... 11:00
    settlements = pd.Series(
        [0.0001, 0.0003, 0.0005],
        index=pd.DatetimeIndex(["2024-01-01 00:00", "2024-01-01 08:00", "2024-01-01 08:30"], tz="UTC"),
    )
    per_bar = funding_per_bar(closes, settlements)
    # bars: 06->07, 07->08, 08->09, 09->10, 10->11; 08:00 is the end of the 07->08 bar (the
    # position opened at 08:00 does not pay it); 08:30 falls inside 08->09; 00:00 is before all
    assert per_bar.tolist() == [0.0, 0.0003, 0.0005, 0.0, 0.0]
    assert funding_per_bar(closes, pd.Series(dtype=float)).tolist() == [0.0] * 5

"""The ledger against trades computed by hand."""

import numpy as np
import pytest

from blofin_assets.trading.ledger import run_ledger

FEE = 0.0006


def test_a_long_through_funding_a_short_and_a_flip_by_hand():
    close = [100.0, 102.0, 101.0, 99.0, 100.0, 103.0]
    target = [0.5, 0.5, 0.0, -1.0, 1.0, 1.0]  # the last is ignored: closed at the last close
    slippage = [1e-4, 2e-4, 1.5e-4, 3e-4, 2e-4, 1e-4]
    funding = [1e-4, 0.0, 0.0, -2e-4, 0.0]  # +0.01% settles at close 1; -0.02% at close 4
    ledger = run_ledger(close, target, fee=FEE, slippage=slippage, funding=funding)

    # Trade 1, long: 0.5 x equity 1 at 100 is 0.005 coins; held over bars 0 and 1.
    q1 = 0.5 * 1.0 / 100.0
    cost0 = q1 * 100.0 * (FEE + 1e-4)
    funding1 = -q1 * 102.0 * 1e-4  # a long pays a positive rate, on its notional at close 1
    e1 = 1.0 - cost0 + q1 * (102.0 - 100.0) + funding1  # equity at close 1 (no trade there)
    e2_before = e1 + q1 * (101.0 - 102.0)
    cost2 = q1 * 101.0 * (FEE + 1.5e-4)  # closed at close 2
    e2 = e2_before - cost2
    # Trade 2, short: -1 x equity at close 3 (flat over bar 2).
    e3_before = e2
    q2 = -1.0 * e3_before / 99.0
    cost3 = abs(q2) * 99.0 * (FEE + 3e-4)
    e3 = e3_before - cost3
    funding4 = -q2 * 100.0 * -2e-4  # a negative rate: the short pays it
    e4_before = e3 + q2 * (100.0 - 99.0) + funding4
    # Trade 3: the flip at close 4 closes the short and opens a long of 1 x equity.
    q3 = 1.0 * e4_before / 100.0
    cost4 = (abs(q2) + q3) * 100.0 * (FEE + 2e-4)
    e4 = e4_before - cost4
    e5_before = e4 + q3 * (103.0 - 100.0)
    cost5 = q3 * 103.0 * (FEE + 1e-4)
    e5 = e5_before - cost5

    assert ledger.equity == pytest.approx([1.0 - cost0, e1, e2, e3, e4, e5], abs=1e-12)
    assert ledger.quantity == pytest.approx([q1, q1, 0.0, q2, q3, 0.0], abs=1e-15)
    assert ledger.funding == pytest.approx([funding1, 0.0, 0.0, funding4, 0.0], abs=1e-15)  # per bar i -> i+1
    assert funding1 < 0 and funding4 < 0
    traded = [q1 * 100.0, 0.0, q1 * 101.0, abs(q2) * 99.0, (abs(q2) + q3) * 100.0, q3 * 103.0]
    assert ledger.fees == pytest.approx(np.multiply(traded, FEE), abs=1e-15)
    assert ledger.slippage == pytest.approx(np.multiply(traded, slippage), abs=1e-15)

    long1, short, long2 = ledger.trades
    assert (long1["side"], long1["entry"], long1["exit"]) == ("long", 0, 2)
    assert long1["pnl"] == pytest.approx(q1 * (101.0 - 100.0) + funding1 - cost0 - cost2, abs=1e-12)
    # the flip's cost is split by notional between the trade it closes and the one it opens
    assert short["pnl"] == pytest.approx(q2 * (100.0 - 99.0) + funding4 - cost3 - abs(q2) * 100.0 * (FEE + 2e-4), abs=1e-12)
    assert long2["pnl"] == pytest.approx(q3 * 3.0 - q3 * 100.0 * (FEE + 2e-4) - cost5, abs=1e-12)
    # every cost and move is in exactly one trade: their P&L adds up to the equity's
    assert sum(t["pnl"] for t in ledger.trades) == pytest.approx(e5 - 1.0, abs=1e-12)


def test_a_resize_within_one_side_trades_only_the_difference_and_holds_no_rebalance():
    ledger = run_ledger([100.0, 200.0, 200.0, 200.0], [0.5, 0.5, 1.0, 1.0], fee=0.0, slippage=0.0, funding=[0.0] * 3)
    # 0.005 coins double in value; the target stays 0.5 at close 1 (equity 1.5): no trade, though
    # the position is now 2/3 of equity; at close 2 the target 1.0 buys up to 1.5 / 200 coins.
    assert ledger.quantity[:3] == pytest.approx([0.005, 0.005, 0.0075])
    assert ledger.traded[1] == 0.0 and ledger.traded[2] == pytest.approx(0.0025 * 200.0)
    assert len(ledger.trades) == 1 and ledger.equity[-1] == pytest.approx(1.5)


def test_flat_pays_nothing_and_bad_inputs_are_refused():
    ledger = run_ledger([100.0, 50.0, 120.0], [0.0, 0.0, 0.0], fee=FEE, slippage=1e-4, funding=[0.01, 0.01])
    assert ledger.equity.tolist() == [1.0, 1.0, 1.0] and ledger.trades == []
    with pytest.raises(ValueError, match="3 closes need 3 targets and 2 funding"):
        run_ledger([1.0, 2.0, 3.0], [0, 0], fee=0, slippage=0, funding=[0, 0])
    with pytest.raises(ValueError, match="positive"):
        run_ledger([1.0, -2.0], [0, 0], fee=0, slippage=0, funding=[0])
    with pytest.raises(ValueError, match="finite"):
        run_ledger([1.0, 2.0], [np.nan, 0], fee=0, slippage=0, funding=[0])

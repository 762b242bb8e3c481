"""The replayed live loop on generated markets: every period predicted by models that never saw
it, a planted signal found, a random walk not mistaken for one."""

import numpy as np
import pandas as pd
import pytest

from blofin_assets.market.features import compute_features
from blofin_assets.market.funding import synthetic_funding
from blofin_assets.ml.dataset import build_targets, model_table
from blofin_assets.ml.models import model_names
from blofin_assets.trading.drift_rule import DriftRule
from blofin_assets.trading.replay import ReplaySettings, audit_periods, plan_periods, replay, training_rows
from blofin_assets_tests.ml.test_leakage import generated

HORIZON = 5
# Lighter than the defaults, so a test replays a year in seconds; the code path is the same.
PARAMS = {
    "direction_predictor": {"n_estimators": 60, "max_depth": 3, "n_jobs": 1},
    "risk_scorer": {"n_estimators": 20, "n_jobs": 1},
    "price_predictor": {"epochs": 3},
    "momentum_classifier": {},
    "volatility_regressor": {"n_estimators": 30},
    "meta_labeler": {"n_estimators": 40, "n_jobs": 1},
}
SETTINGS = ReplaySettings(retrain_every=pd.Timedelta(days=60), warmup=pd.Timedelta(days=60))


def market(phi: float, seed: int, candles: int = 6_000) -> tuple[pd.DataFrame, pd.DataFrame]:
    candles_frame = generated(candles, phi, seed)
    features = compute_features(candles_frame)
    return model_table(features, build_targets(candles_frame, features, horizon=HORIZON)), synthetic_funding("GEN-USDT", candles_frame, seed)


def test_params_cover_every_model():
    assert set(PARAMS) == set(model_names())


def test_periods_follow_each_other_and_train_only_on_labels_known_at_their_start():
    table, _ = market(0.0, 1, candles=3_000)
    periods = plan_periods(table, SETTINGS)
    assert [p.start for p in periods[1:]] == [p.end for p in periods[:-1]]
    assert periods[0].start == table["timestamp"].min() + SETTINGS.warmup
    for period in periods:
        window = training_rows(table, period, HORIZON, SETTINGS, pd.Timedelta("1h"))
        # the label of the newest training row reads the close of candle t + h, which closed
        # at t + h + 1 bars: no later than the period's first candle opened
        assert window["timestamp"].max() + pd.Timedelta(hours=HORIZON + 1) <= period.start
    rolling = ReplaySettings(retrain_every=SETTINGS.retrain_every, warmup=SETTINGS.warmup, window=pd.Timedelta(days=20))
    window = training_rows(table, periods[-1], HORIZON, rolling, pd.Timedelta("1h"))
    assert window["timestamp"].min() >= periods[-1].start - pd.Timedelta(days=20)


def test_the_audit_names_a_period_trained_on_a_label_of_its_own_time():
    honest = {"period": 0, "train_end": "2024-03-01T00:00:00+00:00", "first_predicted": "2024-03-01T06:00:00+00:00"}
    assert audit_periods([honest], HORIZON, pd.Timedelta("1h")) == []
    leaky = {**honest, "period": 3, "train_end": "2024-03-01T02:00:00+00:00"}
    (finding,) = audit_periods([honest, leaky], HORIZON, pd.Timedelta("1h"))
    assert finding.startswith("period 3: trained on a label known at 2024-03-01 08:00:00+00:00")


def replayed(phi: float, seed: int, workers: int = 1, candles: int = 6_000) -> dict:
    table, funding = market(phi, seed, candles)
    return replay(table, funding, PARAMS, HORIZON, settings=SETTINGS, prior_trials=1, workers=workers, progress=lambda line: None)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_on_a_planted_signal_the_replay_finds_it(seed):
    report = replayed(0.3, seed)
    assert report["leakage"] == []
    assert report["pooled"]["signal"]["rank_ic"] > 0 and report["pooled"]["signal"]["ic"] > 0
    periods = report["periods"]
    assert len(periods) == 4 and sum(p["rank_ic"] > 0 for p in periods) >= 3
    # every row predicted once, by the period it falls in, tagged with its models' versions
    signals = report["signals"]
    assert not signals.duplicated(["symbol", "timestamp"]).any()
    assert signals.groupby("period")["ensemble_version"].nunique().eq(1).all()
    assert signals["ensemble_version"].nunique() == len(periods)
    # the first period has nothing to calibrate on: it does not trade; later ones learn to
    assert periods[0]["trading"] == "no out-of-sample history yet: no trade"
    assert report["pooled"]["net"]["trades"] > 0 and report["pooled"]["gross"]["total_return"] > 0
    # meta-labeling: the bets it lets through reach their profit barrier more often than the
    # primary's bets taken all
    meta, always = report["meta"]["meta-labeled"], report["meta"]["primary, always acting"]
    assert meta["bets"] > 0 and meta["precision"] > always["precision"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_on_a_random_walk_the_replays_deflated_sharpe_is_not_significant(seed):
    report = replayed(0.0, seed)
    assert report["leakage"] == []
    assert report["pooled"]["deflated_sharpe"]["probability"] < 0.95
    # no skill beyond three standard errors of a rank IC (labels overlapping h rows count once)
    assert abs(report["pooled"]["signal"]["rank_ic"]) < 3 / np.sqrt(len(report["signals"]) / HORIZON)
    # meta-labeling manufactures none: its bets, if any, win no more often than all of them
    # (beyond two standard errors), and its Sharpe ratio is luck
    meta = report["meta"]["meta-labeled"]
    if meta["bets"]:
        rate = meta["success_rate"]
        assert meta["precision"] <= rate + 2 * np.sqrt(rate * (1 - rate) / max(1, meta["bets"] / HORIZON))
    assert meta["deflated_sharpe_p"] < 0.95


def test_the_replays_trades_equal_the_backtests_on_the_same_signal():
    """The held-out backtest's path and the replay's (targets decided period by period,
    stitched) trade the same signal alike: the same trades, costs and equity, to the bit."""
    from blofin_assets.trading.backtest import backtest, stitched_bars, symbol_bars, targets_of
    from blofin_assets.trading.costs import CostModel
    from blofin_assets.trading.sizing import Calibration, SizingRule

    table, funding = market(0.3, 4, candles=3_000)
    rows = table[table["split"] == "test"].reset_index(drop=True)
    rng = np.random.default_rng(4)
    p_up = np.clip(0.5 + 0.4 * np.sign(np.log(rows["target_price"] / rows["close"])) * rng.random(len(rows)) - 0.1, 0.01, 0.99)
    abstain = rng.random(len(rows)) < 0.05
    rule, costs, calibration = SizingRule(max_leverage=2.0, min_edge=0.02), CostModel(), Calibration(0.8, 0.05, 100)
    held_out = backtest(symbol_bars(rows, p_up, abstain, funding), rule, costs, n_trials=3, calibration=calibration)
    decided = rows.assign(p_up=p_up, abstain=abstain, target=targets_of(rule, calibration, p_up, abstain))
    halves = [decided.iloc[: len(decided) // 2], decided.iloc[len(decided) // 2 :]]  # two periods
    replayed = backtest(stitched_bars(pd.concat(halves, ignore_index=True), funding), rule, costs, n_trials=3)
    assert held_out["pooled"]["net"]["trades"] > 10
    assert replayed["equity"] == held_out["equity"]
    for symbol, figures in held_out["per_symbol"].items():
        assert replayed["per_symbol"][symbol]["net"] == figures["net"]


def test_periods_fitted_in_worker_processes_give_what_one_process_gives(monkeypatch):
    import blofin_assets.trading.replay as replay_module

    alone = replayed(0.3, 5, candles=3_500)
    monkeypatch.setattr(replay_module, "PROCESSES_FROM_ROWS", 0)  # processes even for this small table
    side_by_side = replayed(0.3, 5, workers=2, candles=3_500)
    pd.testing.assert_frame_equal(side_by_side["signals"], alone["signals"])
    assert side_by_side["equity"] == alone["equity"] and side_by_side["periods"] == alone["periods"]


def drift_replayed(rule: DriftRule, candles: int = 3_000) -> tuple[dict, ReplaySettings]:
    table, funding = market(0.3, 6, candles)
    settings = ReplaySettings(retrain_every=pd.Timedelta(days=40), warmup=pd.Timedelta(days=30), drift=rule)
    return replay(table, funding, PARAMS, HORIZON, settings=settings, prior_trials=1, progress=lambda line: None), settings


def test_with_drift_rules_that_never_flag_the_periods_are_the_schedules():
    quiet = DriftRule(check_every=pd.Timedelta(days=10), max_drop=10.0, psi_threshold=1e9)
    report, settings = drift_replayed(quiet)
    table, _ = market(0.3, 6, 3_000)
    planned = plan_periods(table, settings)
    assert [p["start"] for p in report["periods"]] == [p.start.isoformat() for p in planned]
    assert [p["retrained"] for p in report["periods"]] == ["end of the warm-up"] + ["schedule: every 40 days"] * (len(planned) - 1)
    assert report["settings"]["retraining"] == "schedule and drift rules, checked every 10 days" and report["leakage"] == []


def test_with_drift_rules_that_always_flag_every_check_retrains_and_says_why():
    eager = DriftRule(check_every=pd.Timedelta(days=10), psi_threshold=0.0, drifted_share=0.0)
    report, _ = drift_replayed(eager)
    periods = report["periods"]
    assert len(periods) > 3 and report["leakage"] == []
    for before, after in zip(periods, periods[1:]):
        assert pd.Timestamp(after["start"]) - pd.Timestamp(before["start"]) == pd.Timedelta(days=10)
        assert after["retrained"].startswith("drift rules: feature_drift of direction_predictor, risk_scorer"), after["retrained"]
        # each period trains on what was known at its start, less the held-out share that validates it
        assert pd.Timestamp(after["train_end"]) + pd.Timedelta(hours=HORIZON + 1) <= pd.Timestamp(after["start"])
        assert after["n_train"] > before["n_train"]
    # every candle after the warm-up predicted once, by the period it falls in
    signals = report["signals"]
    assert not signals.duplicated(["symbol", "timestamp"]).any() and signals["period"].nunique() == len(periods)

"""The backtest that replays the live loop: retrain on schedule, predict through the live code
path, trade with costs.

Over the whole history after a warm-up, every ``retrain_every`` (a period) the five models are
trained on the training window (every labelled row whose label was known at the period's
start: expanding, or the last ``window`` of them), and the period's candles are predicted by an
ensemble of them through ``EnsemblePredictor.signal``, the call behind the live ``predictions``
asset. The periods' signals are stitched into one out-of-sample signal per symbol, each row
tagged with the period's model versions, and traded with the costs and sizing of the backtest.

Every choice is made on what was known at the period's start, from the periods before it
(their out-of-sample outputs, as the daily pipeline makes its choices on walk-forward
out-of-fold outputs): the ensemble's weights, type and stacking meta-learner
(``choose_on_out_of_fold``), the calibration of P(UP) and the trading threshold. The first
period has no such history: equal weights, the weighted average, and no trade.

With a ``DriftRule`` (trading/drift_rule.py) a period also ends where the live loop's drift
rules flag one of its models at a check, and its models are validated, as the pipeline's are,
on the newest share of their window; each period records why it was retrained.

A label of candle t reads closes up to t + h, known once candle t + h has closed, at
t + (h + 1) bars: a period starting at s trains on the rows with t + (h + 1) bars <= s, so no
period's model saw a candle of the period it predicts (``audit_periods`` checks it).
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import logging
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from blofin_assets.ml.applicability import ApplicabilityGate
from blofin_assets.ml.dataset import KEY
from blofin_assets.ml.ensemble.build import choose_on_out_of_fold, chosen_ensemble
from blofin_assets.ml.ensemble.members import all_member_outputs
from blofin_assets.ml.ensemble.predictor import EnsemblePredictor
from blofin_assets.ml.metrics import classification_skill
from blofin_assets.ml.models import model_class
from blofin_assets.ml.splits import TRAIN
from blofin_assets.ml.training import build_model
from blofin_assets.trading.backtest import EDGE_CANDIDATES, SymbolBars, backtest, choose_min_edge, stitched_bars, targets_of
from blofin_assets.trading.costs import CostModel
from blofin_assets.trading.drift_rule import DriftRule, retrain_reasons, split_window, validated_metadata
from blofin_assets.trading.meta import meta_columns, meta_comparison
from blofin_assets.trading.report import signal_quality
from blofin_assets.trading.sizing import Calibration, SizingRule

log = logging.getLogger(__name__)
# Fewest out-of-sample rows before they choose the ensemble's weights and type (the purged
# cross-validation of the stacking meta-learner needs a few hundred rows per symbol).
MIN_HISTORY_ROWS = 500
# Rows below which periods are fitted in this process: starting a worker (imports, torch) costs
# more than it saves. Measured on 2 cores: 9k rows 6.4 s alone, 9.1 s on two workers; 38k rows
# 35.7 s against 33.7 s; 100k rows 221 s against 155 s.
PROCESSES_FROM_ROWS = 40_000


@dataclass(frozen=True)
class ReplaySettings:
    """When the replay retrains and on what.

    Parameters
    ----------
    retrain_every : pd.Timedelta
        Length of a period: the models are retrained at its start.
    warmup : pd.Timedelta
        History before the first period (its training window).
    window : pd.Timedelta, optional
        Rolling training window; None: expanding (every labelled row known at the start).
    drift : DriftRule, optional
        Also retrain where the live loop's drift rules flag a model (checked every
        ``drift.check_every``); None: on the schedule alone.
    """

    retrain_every: pd.Timedelta = pd.Timedelta(days=30)
    warmup: pd.Timedelta = pd.Timedelta(days=60)
    window: pd.Timedelta | None = None
    drift: DriftRule | None = None


@dataclass(frozen=True)
class Period:
    number: int
    start: pd.Timestamp  # first candle predicted (its open time)
    end: pd.Timestamp  # first candle of the next period


def bar_of(table: pd.DataFrame) -> pd.Timedelta:
    """The bar length: the most common step between a symbol's candles."""
    steps = table.sort_values(KEY)[KEY].groupby("symbol")["timestamp"].diff().dropna()
    return steps.mode().iloc[0] if len(steps) else pd.Timedelta("1h")


def plan_periods(table: pd.DataFrame, settings: ReplaySettings) -> list[Period]:
    """The periods after the warm-up, each ``retrain_every`` long (the last may be shorter)."""
    first, last = table["timestamp"].min(), table["timestamp"].max()
    starts = pd.date_range(first + settings.warmup, last, freq=settings.retrain_every)
    ends = [*starts[1:], last + bar_of(table)]
    return [Period(i, pd.Timestamp(s), pd.Timestamp(e)) for i, (s, e) in enumerate(zip(starts, ends))]


def training_rows(table: pd.DataFrame, period: Period, horizon: int, settings: ReplaySettings, bar: pd.Timedelta) -> pd.DataFrame:
    """The rows whose label was known at the period's start (within the window, if rolling)."""
    known = table["timestamp"] + (horizon + 1) * bar <= period.start
    if settings.window is not None:
        known &= table["timestamp"] >= period.start - settings.window
    return table[known].assign(split=TRAIN)


def period_rows(table: pd.DataFrame, period: Period) -> pd.DataFrame:
    return table[(table["timestamp"] >= period.start) & (table["timestamp"] < period.end)]


def version_of(name: str, params: dict, rows: pd.DataFrame) -> str:
    """A period model's version: a digest of what it was fitted with (the model, its
    parameters and its training window), so the same fit gets the same name."""
    spans = rows.groupby("symbol")["timestamp"].agg(["min", "max", "size"])
    text = json.dumps({"model": name, "params": params, "window": spans.astype(str).to_dict("index")}, sort_keys=True, default=str)
    return "replay-" + hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass
class PeriodFit:
    """One period's fitted members and gate, and their outputs on the period's rows."""

    period: Period
    members: dict
    versions: dict[str, str]
    gate: ApplicabilityGate
    n_train: int
    train_span: tuple[pd.Timestamp, pd.Timestamp]  # first and last training row
    rows: pd.DataFrame  # the period's rows
    outputs: pd.DataFrame  # KEY, target_direction and every member's ensemble columns
    reason: str = "schedule"  # why the period's models were trained when they were
    metadata: dict | None = None  # with a drift rule: what monitoring reads of each member


def fit_period(
    table: pd.DataFrame, period: Period, params: dict[str, dict], horizon: int, settings: ReplaySettings, gate: ApplicabilityGate, bar: pd.Timedelta
) -> PeriodFit:
    """Train every model on the period's training window (once each) and the gate beside them;
    with a drift rule, on the window less its held-out share, which validates them."""
    window = training_rows(table, period, horizon, settings, bar)
    held_out = None
    if settings.drift is not None:
        window, held_out = split_window(window, horizon, settings.drift)
    members, versions, metadata = {}, {}, {}
    for name, model_params in params.items():
        model = build_model(name, model_params, horizon)
        members[name] = model.fit(window, window[model.target].to_numpy())
        versions[name] = version_of(name, model_params, window)
        if held_out is not None:
            metadata[name] = validated_metadata(name, versions[name], members[name], window, held_out)
    fitted_gate = ApplicabilityGate(k=gate.k, quantile=gate.quantile).fit(window)
    span = (window["timestamp"].min(), window["timestamp"].max())
    fit = PeriodFit(period, members, versions, fitted_gate, int(len(window)), span, table.iloc[0:0], table.iloc[0:0], metadata=metadata or None)
    return with_rows(fit, table, period)


def with_rows(fit: PeriodFit, table: pd.DataFrame, period: Period) -> PeriodFit:
    """``fit`` predicting ``period``: its rows and every member's outputs on them."""
    rows = period_rows(table, period)
    if rows.empty:  # not known yet where a period of the drift rules ends
        return dataclasses.replace(fit, period=period, rows=rows, outputs=rows[[*KEY, "target_direction"]])
    outputs = pd.concat([rows[[*KEY, "target_direction"]], all_member_outputs(fit.members.values(), rows)], axis=1)
    return dataclasses.replace(fit, period=period, rows=rows, outputs=outputs.reset_index(drop=True))


def drift_fitted_periods(table, params, horizon, settings, gate, bar) -> Iterator[PeriodFit]:
    """Periods that end where the drift rules flag one of their models at a check, or where
    ``retrain_every`` has passed: one after the other, since where a period ends depends on
    its models."""
    rule, last = settings.drift, table["timestamp"].max()
    start, number, reason = table["timestamp"].min() + settings.warmup, 0, "end of the warm-up"
    while start <= last:
        fit = fit_period(table, Period(number, start, start), params, horizon, settings, gate, bar)
        check, next_reason = start + rule.check_every, None
        while check <= last:
            if check - start >= settings.retrain_every:
                next_reason = schedule_reason(settings)
                break
            flagged = retrain_reasons(fit.members, fit.metadata, table, check, horizon, bar, rule)
            if flagged:
                next_reason = "drift rules: " + describe_reasons(flagged)
                break
            check += rule.check_every
        end = check if next_reason is not None else last + bar
        yield dataclasses.replace(with_rows(fit, table, Period(number, start, end)), reason=reason)
        start, number, reason = end, number + 1, next_reason


# The worker processes' copy of what every period's fit reads (set once per process).
_SHARED: dict = {}


def _share(table, params, horizon, settings, gate, bar) -> None:
    _SHARED.update(table=table, params=params, horizon=horizon, settings=settings, gate=gate, bar=bar)


def _fit_shared(period: Period) -> PeriodFit:
    shared = _SHARED
    return fit_period(shared["table"], period, shared["params"], shared["horizon"], shared["settings"], shared["gate"], shared["bar"])


def fitted_periods(table, periods, params, horizon, settings, gate, bar, workers: int) -> Iterator[PeriodFit]:
    """Each period's fit, in order. The fits are independent once their windows are fixed:
    with ``workers`` > 1 (and a table of PROCESSES_FROM_ROWS rows or more) they run that many
    at a time in processes of their own (each model on one thread there), the table handed to
    each process once."""
    if workers <= 1 or len(periods) < 2 or len(table) < PROCESSES_FROM_ROWS:
        for period in periods:
            yield scheduled(fit_period(table, period, params, horizon, settings, gate, bar), settings)
        return
    one_thread = {name: {**p, **({"n_jobs": 1} if "n_jobs" in inspect.signature(model_class(name).__init__).parameters else {})} for name, p in params.items()}
    context = multiprocessing.get_context("spawn")  # torch's threads do not survive a fork
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_share, initargs=(table, one_thread, horizon, settings, gate, bar)) as pool:
        for fit in pool.map(_fit_shared, periods):
            yield scheduled(fit, settings)


def describe_reasons(flagged: list[dict]) -> str:
    """The reasons of a check, each once with the models it flagged."""
    grouped: dict[tuple, list[str]] = {}
    for r in flagged:
        grouped.setdefault((r["reason"], r["metric"], r["baseline"], r["current"]), []).append(r["model"])
    return "; ".join(f"{reason} of {', '.join(models)} ({metric}: {baseline:.4g} -> {current:.4g})" for (reason, metric, baseline, current), models in grouped.items())


def scheduled(fit: PeriodFit, settings: ReplaySettings) -> PeriodFit:
    return dataclasses.replace(fit, reason="end of the warm-up" if fit.period.number == 0 else schedule_reason(settings))


def schedule_reason(settings: ReplaySettings) -> str:
    return f"schedule: every {settings.retrain_every / pd.Timedelta(days=1):g} days"


def period_ensemble(fit: PeriodFit, history: pd.DataFrame, horizon: int) -> tuple[EnsemblePredictor, dict]:
    """The period's ensemble, as ensemble_config builds one: weights, type and meta-learner
    chosen on ``history`` (earlier periods' out-of-sample member outputs with
    target_direction; too few rows: equal weights, weighted average), the gate beside it."""
    usable = history if len(history) >= MIN_HISTORY_ROWS else history.iloc[0:0]
    ensembles, record, _ = choose_on_out_of_fold(fit.members, usable.reset_index(drop=True), horizon, fit.versions)
    ensemble = chosen_ensemble(ensembles, record)
    ensemble.gate_ = fit.gate
    ensemble.version_ = ensemble_digest(fit.versions)
    return ensemble, record


def predict_period(ensemble: EnsemblePredictor, rows: pd.DataFrame) -> pd.DataFrame:
    """A period's signal: ``EnsemblePredictor.signal``, the call behind the live ``predictions``
    asset (so the same ensemble gives the same signal for the same candle)."""
    return ensemble.signal(rows)


def trading_choice(history: list[SymbolBars], rule: SizingRule, costs: CostModel) -> tuple[Calibration, SizingRule, str]:
    """Calibration and threshold from earlier periods' stitched signal and what followed; none
    yet: no trade."""
    if not history or sum(len(b.p_up) for b in history) < MIN_HISTORY_ROWS:
        return Calibration(), dataclasses.replace(rule, min_edge=float("inf")), "no out-of-sample history yet: no trade"
    p = np.concatenate([b.p_up for b in history])
    up = np.concatenate([b.forward_return for b in history]) > 0
    calibration = Calibration.fit(p, up)
    chosen, _ = choose_min_edge(history, rule, costs, calibration)
    edge = "none paid its costs: no trade" if not np.isfinite(chosen.min_edge) else f"min_edge {chosen.min_edge:g}"
    return calibration, chosen, f"{calibration.describe('out-of-sample rows of earlier periods')}; {edge}"


def audit_periods(records: list[dict], horizon: int, bar: pd.Timedelta) -> list[str]:
    """Findings where a period's model could have seen a candle of the period it predicts:
    its newest training label known after the period's first predicted candle opened."""
    findings = []
    for record in records:
        if record["train_end"] is None:
            continue
        known = pd.Timestamp(record["train_end"]) + (horizon + 1) * bar
        if known > pd.Timestamp(record["first_predicted"]):
            findings.append(
                f"period {record['period']}: trained on a label known at {known}, after its first predicted candle "
                f"{record['first_predicted']}"
            )
    return findings


def replay(
    table: pd.DataFrame,
    funding: pd.DataFrame | None,
    params: dict[str, dict],
    horizon: int,
    *,
    settings: ReplaySettings = ReplaySettings(),
    rule: SizingRule = SizingRule(),
    costs: CostModel = CostModel(),
    gate: ApplicabilityGate = ApplicabilityGate(),
    prior_trials: int = 0,
    workers: int = 1,
    progress: Callable[[str], None] = log.info,
) -> dict:
    """Replay the live loop over ``table`` (features and targets of every symbol) with the
    models' hyperparameters ``params``; the stitched signal traded and reported as the
    backtest's, with the periods and their model versions. ``workers``: periods fitted at once."""
    bar = bar_of(table)
    periods = plan_periods(table, settings)
    described = {
        "retrain_every_days": settings.retrain_every / pd.Timedelta(days=1),
        "warmup_days": settings.warmup / pd.Timedelta(days=1),
        "window_days": None if settings.window is None else settings.window / pd.Timedelta(days=1),
        "retraining": "schedule" if settings.drift is None else f"schedule and drift rules, checked every {settings.drift.check_every / pd.Timedelta(days=1):g} days",
    }
    if not periods:
        span = (table["timestamp"].max() - table["timestamp"].min()) / pd.Timedelta(days=1)
        return {
            "periods": [],
            "settings": described,
            "skipped": f"the labelled history is {span:.0f} days, not longer than the warm-up of {described['warmup_days']:g} days: nothing to replay",
        }
    outputs: list[pd.DataFrame] = []  # earlier periods' member outputs: the ensemble's choices
    traded: list[pd.DataFrame] = []  # earlier periods' rows with their signal and targets
    records = []
    fits = (
        fitted_periods(table, periods, params, horizon, settings, gate, bar, workers)
        if settings.drift is None
        else drift_fitted_periods(table, params, horizon, settings, gate, bar)
    )
    for fit in fits:
        period = fit.period
        if fit.rows.empty or fit.n_train == 0:
            continue
        history = pd.concat(outputs, ignore_index=True) if outputs else fit.outputs.iloc[0:0]
        ensemble, record = period_ensemble(fit, history, horizon)
        signal = predict_period(ensemble, fit.rows)
        before = pd.concat(traded, ignore_index=True) if traded else None
        calibration, chosen, how = trading_choice(stitched_bars(before, funding), rule, costs)
        p_up, abstain = signal["p_up"].to_numpy(), signal["abstain"].to_numpy()
        rows = fit.rows.assign(
            p_up=p_up,
            abstain=abstain,
            target=targets_of(chosen, calibration, p_up, abstain),
            period=period.number,
            ensemble_version=ensemble.version_,
            **meta_columns(ensemble, fit.rows, p_up, abstain, before, rule, MIN_HISTORY_ROWS),
        )
        records.append(period_record(fit, ensemble, record, signal, how))
        outputs.append(fit.outputs)
        traded.append(rows)
        of = f"/{len(periods)}" if settings.drift is None else ""
        progress(
            f"replay period {period.number + 1}{of} ({period.start:%Y-%m-%d}..{period.end:%Y-%m-%d}, {fit.reason}): "
            f"{fit.n_train} training rows, {len(fit.rows)} predicted, {record['ensemble_type']}; {how}"
        )
    everything = pd.concat(traded, ignore_index=True)
    report = backtest(stitched_bars(everything, funding), rule, costs, n_trials=prior_trials + len(EDGE_CANDIDATES))
    report["meta"] = meta_comparison(everything, funding, rule, costs, prior_trials + len(EDGE_CANDIDATES))
    report["periods"] = records
    report["signals"] = everything[[*KEY, "p_up", "abstain", "target", "period", "ensemble_version", *(c for c in ("side", "p_win", "success", "meta_target") if c in everything)]]
    report["settings"] = described
    report["leakage"] = audit_periods(records, horizon, bar)
    return report


def period_record(fit: PeriodFit, ensemble: EnsemblePredictor, record: dict, signal: pd.DataFrame, how: str) -> dict:
    """What the report says of one period: its windows, ensemble, figures and versions."""
    rows, period = fit.rows, fit.period
    realized = np.log(rows["target_price"] / rows["close"]).to_numpy()
    return {
        "period": period.number,
        "retrained": fit.reason,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "train_start": fit.train_span[0].isoformat(),
        "train_end": fit.train_span[1].isoformat(),
        "first_predicted": rows["timestamp"].min().isoformat(),
        "n_train": fit.n_train,
        "n_predicted": int(len(rows)),
        "abstained": int(signal["abstain"].sum()),
        "ensemble_type": record["ensemble_type"],
        "weights": {name: float(w) for name, w in ensemble.weights.items() if name in ensemble.signal_members},
        "direction_skill": classification_skill(rows["target_direction"].to_numpy(), (signal["direction"] == "UP").to_numpy().astype(int)),
        "rank_ic": signal_quality(signal["p_up"].to_numpy() - 0.5, realized, rows["timestamp"])["rank_ic"],
        "trading": how,
        "ensemble_version": ensemble.version_,
        "versions": fit.versions,
    }


def ensemble_digest(versions: dict[str, str]) -> str:
    return "replay-" + hashlib.sha256(json.dumps(versions, sort_keys=True).encode()).hexdigest()[:12]

"""The live loop: ``predictions`` records the current models' signals for the newest candle of
every symbol (hourly), ``prediction_outcomes`` judges every recorded signal once its horizon
has passed, beside the validation figure and the naive baseline, with live/backtest parity as
a check."""

import dagster as dg
import pandas as pd

from blofin_assets.defs.config_bounds import CheckedConfig
from blofin_assets.defs.checks import logged
from blofin_assets.defs.freshness import HOURLY
from blofin_assets.defs.metadata import finite, md_table, present
from blofin_assets.defs.resources import ModelStoreResource, ResultsDatabase
from blofin_assets.ml.applicability import abstention_summary
from blofin_assets.trading.signals import signal_to_trade
from blofin_assets.ml.dataset import TrainingTable
from blofin_assets.ml.live import SIGNAL, judge, parity_differences, split_by_outcome
from blofin_assets.ml.splits import TRAIN
from blofin_assets.serving.signals import compute_signals, newest_rows
from blofin_assets.storage.ensemble_store import EnsembleStore
from blofin_assets.storage.predictions import read_predictions, record_predictions
from blofin_assets.storage.results import live_record_row

ABSTENTION, PARITY = "abstention_share", "live_backtest_parity"


class PredictionsConfig(CheckedConfig):
    bounds = {"max_abstain_share": (0.0, 1.0)}
    max_abstain_share: float = 0.3
    """A warning when the applicability gate turns away more than this share of the symbols."""


@dg.asset(
    group_name="live",
    kinds={"pandas", "sql"},
    deps=["ensemble_config"],
    freshness_policy=HOURLY,
    check_specs=[dg.AssetCheckSpec(ABSTENTION, asset="predictions", description="The gate turns away at most max_abstain_share of the symbols.")],
    description="The current models' and the ensemble's signals for each symbol's newest candle, recorded in ml_predictions.",
)
def predictions(
    context: dg.AssetExecutionContext,
    config: PredictionsConfig,
    features: pd.DataFrame,
    model_store: ModelStoreResource,
    results_db: ResultsDatabase,
):
    ensemble = EnsembleStore(model_store.get()).load()
    rows = newest_rows(features)
    signals = compute_signals(ensemble, rows, horizon=ensemble.horizon_, source="predictions asset")
    db = results_db.get()
    try:
        new = record_predictions(db, signals.records)
    finally:
        db.dispose()
    table = pd.DataFrame(
        [{"symbol": p["symbol"], "candle": p["timestamp"], **{k: p["ensemble"][k] for k in ("direction", "confidence", "abstain")}} for p in signals.payloads]
    )
    abstained = abstention_summary(table["abstain"].to_numpy(), config.max_abstain_share)
    context.log.info(f"{len(table)} symbol(s): {new} new ml_predictions rows; {abstained['abstained']} abstained")
    yield dg.Output(
        table,
        metadata={
            "signals": dg.MetadataValue.md(md_table(table)),
            "ensemble_version": ensemble.version_,
            "new_rows": new,
            "abstain_share": abstained["share"],
        },
    )
    yield logged(context, dg.AssetCheckResult(
        check_name=ABSTENTION,
        passed=not abstained["too_many"],
        severity=dg.AssetCheckSeverity.WARN,
        description=(
            f"{abstained['abstained']} of {abstained['rows']} symbols abstained ({abstained['share']:.0%}), above "
            f"max_abstain_share {config.max_abstain_share:.0%}: the markets look unlike the training rows, or the "
            "gate is set too tight (ensemble_config's applicability_quantile)"
            if abstained["too_many"]
            else f"{abstained['abstained']} of {abstained['rows']} symbols abstained"
        ),
    ))


class OutcomesConfig(CheckedConfig):
    bounds = {"last_n": (1, 1_000_000), "min_outcomes": (1, 1_000_000), "max_drop": (0.0, 1.0), "max_ece": (0.0, 1.0)}
    last_n: int = 500
    """Newest outcomes per model that the live figures are computed over."""
    min_outcomes: int = 50
    """Fewest outcomes before a live drop can ask for retraining."""
    max_drop: float = 0.10
    """Worsening against validation that counts as a drop (as model_performance's): a fall of
    a classifier's (or the signal's) skill over chance, a relative rise of a regressor's error."""
    max_ece: float = 0.05
    """The estimate from probabilities is trusted when their expected calibration error on
    labelled outcomes is at most this."""


def _validation_of(store, name: str, version: str) -> dict | None:
    _, metadata, _ = store.read(name, version)
    return metadata.get("validation", {}).get("pooled")


@dg.asset(
    group_name="monitoring",
    kinds={"pandas", "sql"},
    deps=["predictions"],
    check_specs=[dg.AssetCheckSpec(PARITY, asset="prediction_outcomes", description="Recorded live signals equal the backtest's signals for the same candles and versions.")],
    description="Recorded signals judged by what followed: live accuracy / error per model and the ensemble beside validation and baseline.",
)
def prediction_outcomes(
    context: dg.AssetExecutionContext,
    config: OutcomesConfig,
    features: pd.DataFrame,
    training_table: TrainingTable,
    model_store: ModelStoreResource,
    results_db: ResultsDatabase,
):
    store = model_store.get()
    saved = EnsembleStore(store)
    ensemble = saved.load()
    db = results_db.get()
    try:
        records = read_predictions(db)
    finally:
        db.dispose()
    table = training_table.frame
    train = table[table["split"] == TRAIN]
    evaluation = saved.read_config(ensemble.version_)["evaluation"][ensemble.ensemble_type]  # the signal's validation
    judged, parity, current = {}, [], 0
    for name in [*ensemble.members, SIGNAL]:
        version = ensemble.version_ if name == SIGNAL else ensemble.versions[name]
        mine = records[(records["model"] == name) & (records["version"] == version)]
        current += len(mine)
        outcomes, pending = split_by_outcome(mine, table)
        outcomes = outcomes.tail(config.last_n)
        model = None if name == SIGNAL else ensemble.members[name]
        validation = evaluation if model is None else _validation_of(store, name, version)
        if validation is None:
            continue
        judged[name] = judge(
            model, outcomes, pending, train, validation, training_table.horizon,
            max_drop=config.max_drop, min_outcomes=config.min_outcomes, max_ece=config.max_ece,
        )
        judged[name]["version"] = version
        if model is None and len(mine):
            replay_rows = features.merge(mine[["symbol", "timestamp"]], on=["symbol", "timestamp"])
            replayed, _, _ = signal_to_trade(ensemble, replay_rows, "ensemble")
            replayed = pd.concat([replay_rows[["symbol", "timestamp"]], replayed[["direction", "p_up"]]], axis=1)
            recorded = mine.assign(direction=mine["prediction"].map({1.0: "UP", 0.0: "DOWN"}))[["symbol", "timestamp", "direction", "p_up"]]
            parity = parity_differences(recorded, replayed)
    summary = pd.DataFrame(
        [{"model": n, "version": j["version"], "n": j["n"], "live": j["live"], "baseline": j["baseline"], "validation": j["validation"],
          "drop": j["drop"], "pending": j["pending"], "expected_skill": (j.get("estimate") or {}).get("expected_skill")} for n, j in judged.items()]
    )
    metadata = {"live_record": dg.MetadataValue.md(md_table(summary)), "recorded": len(records), "recorded_by_current_versions": current}
    for name, result in judged.items():
        metadata[f"live/{name}/{result['metric']}"] = finite(result["live"])
        metadata[f"live/{name}/drop"] = finite(result["drop"])
        if result.get("estimate"):
            metadata[f"estimate/{name}/expected_skill"] = finite(result["estimate"]["expected_skill"])
    context.log.info(f"live record: {len(records)} recorded signal(s); outcomes: " + ", ".join(f"{n} {j['n']}" for n, j in judged.items()))
    db = results_db.get()
    try:
        db.record([live_record_row(context.run.run_id, judged, len(records), current)])
    finally:
        db.dispose()
    yield dg.Output(judged, metadata=present(metadata))
    yield logged(context, dg.AssetCheckResult(
        check_name=PARITY,
        passed=not parity,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            f"{len(parity)} candle(s) where the recorded signal differs from the backtest's, e.g. {parity[0]}"
            if parity
            else "every recorded signal of the current ensemble equals the backtest's for its candle"
        ),
        metadata={"differences": len(parity)},
    ))

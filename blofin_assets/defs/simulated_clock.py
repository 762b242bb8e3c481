"""The live loop on a simulated clock: the project's own schedules, jobs and drift_sensor,
evaluated and run in the order their times fall (defs/cron.py), in the current Dagster instance (what
`blofin fast-forward` prints). The embedded market follows the clock through
BLOFIN_SYNTHETIC_END, which is set before each tick, so the runs (executed in this process)
see the bars closed by the simulated time."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import dagster as dg
import pandas as pd

from blofin_assets.defs.cron import Cron
from blofin_assets.defs.partitions import register_symbols
from blofin_assets.defs.resources import CandleSourceResource, ModelStoreResource
from blofin_assets.market.sources.synthetic import SyntheticSource
from blofin_assets.ml.live import SIGNAL
from blofin_assets.storage.retrain_log import read_retrain_log

SIMULATED_TIME = "blofin/simulated_time"
SCHEDULES = ("hourly_predictions", "daily_refresh")  # at one time, the hourly one first
CLOCK = "BLOFIN_SYNTHETIC_END"


class SimulatedClockError(Exception):
    """The configuration cannot run on a simulated clock."""


def _config_of(run_config: dict, resource: str) -> dict:
    return ((run_config.get("resources") or {}).get(resource) or {}).get("config") or {}


def _hhmm(when: pd.Timestamp) -> str:
    return f"{when:%m-%d %H:%M}"


def _num(value) -> str:
    return "-" if value is None else f"{value:.3f}"


class SimulatedLoop:
    """The loop over ``run_config`` (given to every run, as `dagster -c` would)."""

    def __init__(self, run_config: dict):
        from blofin_assets.definitions import RESOURCES, defs

        self.defs, self.resources, self.config = defs, RESOURCES, run_config
        source_config = _config_of(run_config, "candle_source")
        if "end" in source_config:
            raise SimulatedClockError("candle_source's end is set in the run config: the simulated clock decides where the candles end")
        self.source = CandleSourceResource(**source_config).source()
        if not isinstance(self.source, SyntheticSource):
            raise SimulatedClockError(
                f"the candle source is {self.source.describe()}: only the embedded synthetic market follows a simulated clock "
                "(unset BLOFIN_CANDLES_DIR, or leave candle_source's candles_dir and exchange unset)"
            )
        self.store = ModelStoreResource(**_config_of(run_config, "model_store")).get()
        self.schedules = [defs.resolve_schedule_def(name) for name in SCHEDULES]
        self.sensor = defs.resolve_sensor_def("drift_sensor")
        self.home = os.environ.get("DAGSTER_HOME", "")
        self.outcomes = None  # the current ensemble's outcomes at the last tick, and its version
        self.ensemble = None
        self.failed = 0

    def describe(self) -> str:
        return f"instance {self.home}; models {self.store.root}"

    def ticks(self, start: pd.Timestamp, end: pd.Timestamp) -> list[tuple[pd.Timestamp, dg.ScheduleDefinition]]:
        """Every (time, schedule) due after ``start`` up to ``end``, in time order."""
        due = [(when, order, schedule) for order, schedule in enumerate(self.schedules) for when in Cron(schedule.cron_schedule).due(start, end)]
        return [(when, schedule) for when, _, schedule in sorted(due, key=lambda d: d[:2])]

    def run(self, start: pd.Timestamp, end: pd.Timestamp) -> Iterator[str]:
        """Run the loop from ``start`` to ``end``, a line of the timeline at a time."""
        with dg.DagsterInstance.get() as instance:
            self.home = str(instance.root_directory)
            os.environ[CLOCK] = start.isoformat()
            cursor, earlier = self._caught_up(instance)
            if earlier:
                yield f"{_hhmm(start)}  drift_sensor          {earlier} earlier drift decision(s) left to the daemon"
            if self.store.release().get("ensemble") is None:
                yield f"{_hhmm(start)}  training              no released models here: every model, on the candles closed by now (minutes)"
                yield self._train(instance, start)
            for when, schedule in self.ticks(start, end):
                os.environ[CLOCK] = when.isoformat()
                yield from self._scheduled(instance, schedule, when)
                cursor, lines = self._sensed(instance, cursor, when)
                yield from lines

    def _config_for(self, op_names) -> dict:
        """The run config with only the ops a run has (Dagster refuses config for others), and
        Dagster's console log at errors only, so the timeline reads (the UI has every line)."""
        ops = {name: value for name, value in (self.config.get("ops") or {}).items() if name in set(op_names)}
        loggers = self.config.get("loggers") or {"console": {"config": {"log_level": "ERROR"}}}
        return {**self.config, "ops": ops, "loggers": loggers}

    def _tags(self, when: pd.Timestamp, *tags: dict) -> dict:
        return {key: value for more in tags for key, value in more.items()} | {SIMULATED_TIME: when.isoformat()}

    def _train(self, instance, when: pd.Timestamp) -> str:
        every = register_symbols(instance, self.source)
        # every asset but the replay: it retrains over the whole history (minutes), and no
        # schedule or sensor of the live loop reads it
        keys = [key for key in self.defs.resolve_asset_graph().get_all_asset_keys() if key.to_user_string() != "signal_replay"]
        result = self._materialize(instance, keys, self._tags(when, every))
        return self._outcome(result, when, "training", f"{len(keys)} assets materialized")

    def _materialize(self, instance, keys, tags: dict):
        """A run of ``keys``, as the daemon runs a sensor's asset selection: Dagster's job over
        every asset, restricted to them."""
        job = self.defs.resolve_implicit_global_asset_job_def()
        return job.execute_in_process(
            instance=instance, asset_selection=list(keys), resources=self.resources,
            run_config=self._config_for(k.path[-1] for k in keys), tags=tags, raise_on_error=False,
        )

    def _outcome(self, result, when: pd.Timestamp, what: str, success: str) -> str:
        if result.success:
            return f"{_hhmm(when)}  {what:<20}  {success}"
        self.failed += 1
        failures = [e.event_specific_data.error.message.strip().splitlines()[0] for e in result.all_events if e.is_step_failure]
        return f"{_hhmm(when)}  {what:<20}  run {result.run_id[:8]} FAILED: {failures[0] if failures else 'see the run in the UI'}"

    def _scheduled(self, instance, schedule: dg.ScheduleDefinition, when: pd.Timestamp) -> Iterator[str]:
        with dg.build_schedule_context(instance=instance, scheduled_execution_time=when.to_pydatetime(), resources=self.resources) as context:
            data = schedule.evaluate_tick(context)
        job = self.defs.resolve_job_def(schedule.job_name)
        for request in data.run_requests or []:
            tags = self._tags(when, {"dagster/schedule_name": schedule.name}, request.tags)
            config = self._config_for(job.graph.node_dict)
            result = job.execute_in_process(instance=instance, resources=self.resources, run_config=config, tags=tags, raise_on_error=False)
            if not result.success:
                yield self._outcome(result, when, schedule.name, "")
            elif schedule.name == "hourly_predictions":
                yield self._hourly_line(result, when)
            else:
                yield self._daily_line(result, when)

    def _hourly_line(self, result, when: pd.Timestamp) -> str:
        signals = result.asset_value("predictions")
        recorded = [e for e in result.get_asset_materialization_events() if e.asset_key == dg.AssetKey("predictions")]
        new = recorded[0].materialization.metadata["new_rows"].value if recorded else 0
        judged = result.asset_value("prediction_outcomes").get(SIGNAL) or {}
        n, version = judged.get("n", 0), judged.get("version")
        arrived = " (new ensemble)" if self.ensemble not in (None, version) else "" if self.outcomes is None else f" ({n - self.outcomes:+d})"
        self.outcomes, self.ensemble = n, version
        calls = " ".join(f"{s.split('-')[0]} {'-' if a else d}" for s, d, a in zip(signals["symbol"], signals["direction"], signals["abstain"]))
        return (
            f"{_hhmm(when)}  hourly_predictions    candle {pd.Timestamp(signals['candle'].max()):%H:%M}  {new} signals recorded ({calls})  "
            f"outcomes {n}{arrived}, {judged.get('pending', 0)} pending  "
            f"live accuracy {_num(judged.get('live'))} vs held-out {_num(judged.get('validation'))}"
        )

    def _daily_line(self, result, when: pd.Timestamp) -> str:
        decisions = result.asset_value("drift_decisions")
        flagged = {name: d for name, d in decisions.items() if d.get("retrain")}
        if not flagged:
            return f"{_hhmm(when)}  daily_refresh         drift decisions: no model flagged"
        said = "; ".join(
            f"{name} ({', '.join(r['reason'] for r in d['reasons'])}: {r0['metric']} {_num(r0['baseline'])} -> {_num(r0['current'])})"
            for name, d in flagged.items()
            for r0 in [d["reasons"][0]]
        )
        return f"{_hhmm(when)}  daily_refresh         drift decisions: retrain {said}"

    def _tick(self, instance, cursor: str | None):
        """drift_sensor's evaluation; its info line (the timeline says what it asked for) muted."""
        logging.disable(logging.INFO)
        try:
            with dg.build_sensor_context(instance=instance, definitions=self.defs, cursor=cursor) as context:
                return self.sensor.evaluate_tick(context)
        finally:
            logging.disable(logging.NOTSET)

    def _caught_up(self, instance) -> tuple[str | None, int]:
        """The sensor's cursor past every drift decision made before the clock started: those
        are the daemon's to act on, not this loop's."""
        cursor, earlier = None, 0
        while True:
            result = self._tick(instance, cursor)
            earlier += len(result.run_requests or [])
            if result.cursor in (None, cursor):
                return cursor, earlier
            cursor = result.cursor

    def _sensed(self, instance, cursor: str | None, when: pd.Timestamp) -> tuple[str | None, list[str]]:
        result = self._tick(instance, cursor)
        lines = []
        for request in result.run_requests or []:
            tags = request.tags
            model = tags["blofin/model"]
            lines.append(f"{_hhmm(when)}  drift_sensor          retraining {model} ({tags['blofin/reason']})")
            logged = len(read_retrain_log(self.store.root))
            run = self._materialize(instance, request.asset_selection, self._tags(when, {"dagster/sensor_name": self.sensor.name}, tags))
            decided = [e for e in read_retrain_log(self.store.root)[logged:] if e.get("model") == model and e.get("decision") in ("replaced", "kept")]
            said = f"{decided[-1]['decision']}: {decided[-1]['reason']}" if decided else "done"
            lines.append(self._outcome(run, when, "retraining", f"{model} {said}"))
        return result.cursor or cursor, lines

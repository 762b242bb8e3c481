"""Which run's stored output a step reads, and which stored outputs may go.

Every output is stored under the id of the run that wrote it, so runs at the same time never
read or overwrite each other's: two graph runs with different horizons each read their own
targets, models and validations. A step reads an input

- from its own run (or, for a re-execution, from the run whose output Dagster hands on) when
  that run materialized it, and otherwise
- from the newest materialization of it (per symbol, for a per-symbol asset) made by a run
  that has ended, so nothing still being written by a run in progress is read.

Pruning keeps, of one asset's (and symbol's) files, those of runs still in progress and that of
its newest recorded materialization; older ones go when a new one is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Optional

import dagster as dg

# Materializations looked through for one made by a run that has ended.
LOOKBACK = 20
RUN_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")  # Dagster's run ids


def producing_run(context: dg.InputContext) -> Optional[str]:
    """The run whose output Dagster hands this input on (this run, or a re-executed run's
    parent), or None when the asset was not materialized by this run."""
    upstream = context.upstream_output
    try:
        run_id = upstream.run_id if upstream is not None else None
    except dg.DagsterInvariantViolationError:
        return None
    # an asset from outside the run comes with a stand-in id (Dagster's "ephemeral" run)
    return run_id if run_id and RUN_ID.fullmatch(run_id) else None


def materializing_runs(instance: dg.DagsterInstance, key: dg.AssetKey, partition: Optional[str] = None) -> list[str]:
    """The runs of the newest materializations of ``key`` (of one partition), newest first."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, asset_partitions=[partition] if partition else None), limit=LOOKBACK
    ).records
    return [r.run_id for r in records]


def ended(instance: dg.DagsterInstance, run_ids: Iterable[str]) -> dict[str, bool]:
    """Whether each run has ended (a run deleted from the instance counts as ended)."""
    run_ids = list(dict.fromkeys(run_ids))
    runs = {r.run_id: r for r in instance.get_runs(dg.RunsFilter(run_ids=run_ids))} if run_ids else {}
    return {run_id: run_id not in runs or runs[run_id].is_finished for run_id in run_ids}


def newest_ended_run(instance: dg.DagsterInstance, key: dg.AssetKey, partition: Optional[str] = None) -> Optional[str]:
    """The run of the newest materialization of ``key`` (of ``partition``) by a run that has
    ended; None when there is none."""
    runs = materializing_runs(instance, key, partition)
    done = ended(instance, runs)
    return next((run_id for run_id in runs if done[run_id]), None)


def runs_to_keep(instance: dg.DagsterInstance, key: dg.AssetKey, partition: Optional[str], stored: Iterable[str]) -> set[str]:
    """Of the runs with ``stored`` outputs, those whose files stay: runs in progress, and the
    newest materialization's run."""
    stored = list(stored)
    newest = materializing_runs(instance, key, partition)[:1]
    done = ended(instance, stored)
    return {run_id for run_id in stored if not done[run_id]} | set(newest)

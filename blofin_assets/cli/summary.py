"""Print the latest run's held-out metrics beside their baselines: ``blofin summary``.

Reads the results database (``ml_model_results``) and models/ensemble/config.json, so it shows
what was stored, not what a process remembers.
"""

from __future__ import annotations

import argparse
import json
import sys

import pandas as pd

from blofin_assets import settings
from blofin_assets.ml.reporting import fmt, summary_row
from blofin_assets.storage.ensemble_store import EnsembleStore
from blofin_assets.storage.model_store import ModelStore
from blofin_assets.storage.results import ResultsDB
from blofin_assets.storage.retrain_log import read_retrain_log

COLUMNS = ["model", "metric", "value", "baseline", "skill", "walk_forward_skill", "ic", "audit", "n_test"]
BACKTEST_COLUMNS = ["symbol", "side", "total_return", "annual_return", "sharpe", "max_drawdown", "trades", "hit_rate", "turnover_per_day", "exposure"]
SIDES = {"net": "strategy, net", "gross": "strategy, gross", "hold_net": "buy and hold, net"}


def drift_text(settings: dict) -> str:
    """How the drift rules took part, when they did (older reports have no such setting)."""
    retraining = settings.get("retraining", "schedule")
    return "" if retraining == "schedule" else f" (and by the {retraining.removeprefix('schedule and ')})"


def summary_table(rows: list[dict]) -> pd.DataFrame:
    reports = [json.loads(r["metrics_json"]) for r in rows]
    return pd.DataFrame([summary_row(r["validation"]) for r in reports if "validation" in r])


def backtest_summary(rows: list[dict], asset: str = "signal_backtest") -> dict | None:
    """The figures the run's ``asset`` (signal_backtest or signal_replay) stored."""
    for row in rows:
        if row["model_name"] == asset:
            return json.loads(row["metrics_json"])["backtest"]
    return None


def backtest_table(backtest: dict) -> pd.DataFrame:
    """Per symbol and pooled: the strategy after costs, before them, and buy-and-hold after."""
    scopes = {**backtest["per_symbol"], "pooled": backtest["pooled"]}
    return pd.DataFrame(
        [{"symbol": scope, "side": label, **figures[kind]} for scope, figures in scopes.items() for kind, label in SIDES.items()]
    )


def replay_lines(replay: dict) -> list[str]:
    """The replayed live loop: its periods, how it traded, the pooled figures after costs."""
    periods = replay["periods"]
    if not periods:
        return [f"Replay of the live loop: skipped; {replay['skipped']}."]
    pooled = replay["pooled"]
    net, gross = pooled["net"], pooled["gross"]
    traded = [p for p in periods if not p["trading"].endswith("no trade")]
    return [
        f"Replay of the live loop (the figure to trust): {len(periods)} period(s) from {periods[0]['start'][:10]}, retrained every "
        f"{replay['settings']['retrain_every_days']:g} days{drift_text(replay['settings'])} on the "
        f"{'expanding' if replay['settings']['window_days'] is None else str(replay['settings']['window_days']) + '-day rolling'} window, "
        f"predicted through the live code path; traded in {len(traded)} of them ({replay['costs_text']}):",
        f"  pooled after costs: total return {fmt(net['total_return'])}, annual {fmt(net['annual_return'])}, Sharpe {fmt(net['sharpe'])}, "
        f"max drawdown {fmt(net['max_drawdown'])}, {net['trades']} trades; before costs {fmt(gross['total_return'])}; buy and hold "
        f"{fmt(pooled['hold_net']['total_return'])}. Signal: rank IC {fmt(pooled['signal']['rank_ic'])}, ICIR {fmt(pooled['signal']['icir'])}. "
        f"Deflated Sharpe P(real) {fmt(pooled['deflated_sharpe']['probability'])} after {replay['n_trials']} trials.",
        *meta_lines(replay.get("meta")),
    ]


def meta_lines(meta: dict | None) -> list[str]:
    """Meta-labeling beside the primary signal alone, in the replay after its first period."""
    if not meta:
        return []
    lines = ["  meta-labeling after the first period (bets: candles in the market; precision: share whose profit barrier came first):"]
    for name, figures in meta.items():
        lines.append(
            f"    {name:26s} bets {figures['bets']:6d}  precision {fmt(figures['precision'])}  recall {fmt(figures['recall'])}  "
            f"F1 {fmt(figures['f1'])}  net Sharpe {fmt(figures['net_sharpe'])}  net return {fmt(figures['net_total_return'])}"
        )
    return lines


def backtest_lines(backtest: dict) -> list[str]:
    """The costed backtest: what was traded and how, its table, costs, signal quality and the
    deflated Sharpe ratio, or why it never traded."""
    pooled = backtest["pooled"]
    sources = sorted({s["funding_source"] for s in backtest["per_symbol"].values()})
    lines = [
        f"Backtest of the {backtest['signal']} signal on the held-out period (one slice, models trained once), traded as BloFin perpetuals (long and short):",
        f"  {backtest['rule_text']}",
        f"  min_edge: {backtest['threshold']['chosen_by']}",
        f"  P(UP): {backtest['calibration']['text']}",
        f"  costs: {backtest['costs_text']}; funding: {', '.join(sources)}",
        render(backtest_table(backtest), BACKTEST_COLUMNS),
    ]
    net = pooled["net"]
    if net["trades"] == 0:
        lines.append(
            "No trade (see min_edge above). To see the signal traded anyway, give signal_backtest "
            "calibrate: false and min_edge: 0 (every P(UP) sized as the signal gives it)."
        )
    lines.append(
        f"Costs paid, pooled (share of equity): fees {fmt(net['fees'])}, slippage {fmt(net['slippage'])}, funding {fmt(net['funding'])}. "
        f"Signal: IC {fmt(pooled['signal']['ic'])}, rank IC {fmt(pooled['signal']['rank_ic'])}, ICIR {fmt(pooled['signal']['icir'])}. "
        f"Deflated Sharpe P(real) {fmt(pooled['deflated_sharpe']['probability'])} after {backtest['n_trials']} trials."
    )
    return lines


def ensemble_line(config: dict) -> str:
    """The ensembles' and the directional members' held-out direction accuracy, each with its
    skill over chance (its own baseline: chance agreement given how often it called UP)."""
    figures = ", ".join(
        f"{name} {result['accuracy']:.4f} (skill {fmt(result['skill'], 2)})" for name, result in config["evaluation"].items()
    )
    return f"Ensemble: {config['ensemble_type']} chosen. Held-out direction accuracy: {figures}"


def live_lines(rows: list[dict]) -> list[str] | None:
    """The live record of the run (prediction_outcomes): outcomes so far beside validation."""
    for row in rows:
        data = json.loads(row["metrics_json"])
        if "live_record" not in data:
            continue
        judged = data["live_record"]
        lines = [f"Live record: {data['recorded']} signal(s) recorded in ml_predictions"]
        earlier = data["recorded"] - data.get("current", data["recorded"])
        if earlier:
            lines[0] += f", {earlier} of them by earlier model versions (judged while those were current, not here)"
        scored = {name: j for name, j in judged.items() if j["n"]}
        if not scored:
            pending = sum(j["pending"] for j in judged.values())
            return [lines[0] + f"; no outcomes yet ({pending} waiting for their horizon to pass)"]
        for name, j in scored.items():
            lines.append(
                f"  {name:22s} {j['metric']} {fmt(j['live'])} over {j['n']} outcome(s), baseline {fmt(j['baseline'])}, "
                f"validation {fmt(j['validation'])}; {j['pending']} pending"
            )
        return lines
    return None


def monitoring_line(log: list[dict]) -> str | None:
    """What the newest monitoring run decided (drift_decisions), from the retrain log."""
    decisions = [e for e in log if e["decision"] in ("no_retrain", "retrain_requested")]
    if not decisions:
        return None
    newest = [e for e in decisions if e["run_id"] == decisions[-1]["run_id"]]
    flagged = [f"{e['model']} ({e['reason']})" for e in newest if e["decision"] == "retrain_requested"]
    return "Monitoring: " + ("retraining requested for " + ", ".join(flagged) if flagged else "no model needs retraining")


def render(table: pd.DataFrame, columns: list[str]) -> str:
    cells = [columns] + [[fmt(row[c]) for c in columns] for _, row in table.iterrows()]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in cells)


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="blofin summary", description=__doc__.splitlines()[0]).parse_args(argv)
    db = ResultsDB(settings.db_url())
    run_id = db.latest_run_id()
    if run_id is None:
        print(f"No results yet in {settings.masked(settings.db_url())}: run `make run` first.", file=sys.stderr)
        return 1
    rows = db.rows(run_id)
    db.dispose()
    print(f"\nHeld-out validation, run {run_id} (skill = share of the baseline's error removed; <= 0: no better)")
    print(render(summary_table(rows), COLUMNS))
    replayed = backtest_summary(rows, "signal_replay")
    if replayed is not None:
        print("\n" + "\n".join(replay_lines(replayed)))
    backtest = backtest_summary(rows)
    if backtest is not None:
        print("\n" + "\n".join(backtest_lines(backtest)))
    try:
        print("\n" + ensemble_line(EnsembleStore(ModelStore(settings.models_dir())).read_config()))
    except FileNotFoundError:
        pass  # no ensemble built yet
    live = live_lines(rows)
    if live:
        print("\n" + "\n".join(live))
    monitoring = monitoring_line(read_retrain_log(settings.models_dir()))
    if monitoring:
        print("\n" + monitoring)
    print(f"\nModels in {settings.models_dir()}; results in {settings.masked(settings.db_url())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

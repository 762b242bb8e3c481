"""`make bench` runs and reports every figure it promises (speed targets are the benchmark's
business, not a test's: nothing here is timed)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from blofin_assets.ml.models import model_names

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


@pytest.mark.e2e
def test_make_bench_reports_every_figure_beside_its_target():
    """Every part on small sizes (`--quick`), in one run: each part's figures, the targets
    beside them, and one JSON line with all of it last."""
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--quick"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    report = last_json(done.stdout)

    (result,) = report["graph"]["results"]
    assert result["success"] and result["total_candles"] == 2001  # 667 candles x 3 symbols
    # the training graph: the replay is measured apart, beside it
    from blofin_assets.definitions import defs

    every = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert set(result["asset_seconds"]) == set(result["asset_peak_rss_mb"]) == every - {"signal_replay"}
    replay = report["replay"]
    assert replay["periods"] >= 2 and replay["fits"] == replay["distinct_fits"] == len(model_names()) * replay["periods"] and replay["wall_seconds"] > 0
    assert result["peak_rss_mb"] > 0 and all(v > 0 for v in result["asset_peak_rss_mb"].values() if v is not None)

    predict = report["predict"]
    assert predict["calls"] == 1000 and 0 < predict["single_row_ms"]["p50"] <= predict["single_row_ms"]["p99"]
    assert 0 < predict["single_frame_row_ms"]["p50"] <= predict["single_frame_row_ms"]["p99"]
    assert predict["batch_rows_per_second"] > 0 and len(predict["member_p50_ms"]) == len(model_names())

    assert report["live"]["symbols"] == 3 and report["live"]["hourly_run_seconds"] > 0
    assert 0 < report["live"]["service_ms"]["p50"] <= report["live"]["service_ms"]["p99"]
    assert set(report["tuning"]["seconds_per_trial"]) == {"direction_predictor"}

    # the original configuration's run beside the project's (the same 2,000 candles' run)
    comparison = report["graph"]["comparison"]
    assert comparison["original_run"]["configuration"] == "original" and comparison["project_run"] == result
    estimators = comparison["original_run"]["estimators"]
    assert estimators["volatility_regressor"] == "sklearn.GradientBoostingRegressor"
    assert estimators["momentum_classifier"].startswith("sklearn.SVC(rbf)")
    assert set(comparison["models"]) == set(model_names())
    assert comparison["speedup"] == pytest.approx(comparison["original_seconds"] / comparison["project_seconds"], rel=0.01)

    # the targets this run measured, each printed beside its figure with its verdict
    figures = {row["figure"] for row in report["targets"]}
    assert figures == {
        "one row, five models + stacking", "batch prediction", "hourly prediction run, 3 symbols",
        f"replay of the live loop, 6,000 candles (3 symbols, {replay['periods']} periods)",
        f"{comparison['candles']:,} candles against the original configuration",
    }
    summary = done.stdout[done.stdout.index("targets:"):]
    for row in report["targets"]:
        line = next(line for line in summary.splitlines() if row["figure"] in line)
        assert row["measured"] in line and row["target"] in line and ("NOT met" in line) == (not row["met"])
    assert "candles" in done.stdout and "MB" in done.stdout


def _run(seconds: float, skills: dict[str, tuple[float, float]]) -> dict:
    """A run's figures as benchmarks.measure reports them: per model (skill, walk-forward std)."""
    models = {name: {"metric": "mae", "value": 1.0 - skill, "skill": skill, "wf_skill_std": std}
              for name, (skill, std) in skills.items()}
    return {"total_candles": 20_000, "wall_seconds": seconds, "models": models}


def test_the_comparison_judges_skill_against_two_walk_forward_deviations():
    from benchmarks.graph import compare

    ours = _run(10.0, {"risk_scorer": (0.10, 0.01), "price_predictor": (0.00, 0.02)})
    # risk: 0.10 against 0.11, within 2 x 0.01; price: 0.00 against 0.05, beyond 2 x 0.02.
    original = _run(110.0, {"risk_scorer": (0.11, 0.005), "price_predictor": (0.05, 0.01)})
    result = compare(ours, original)
    assert result["speedup"] == 11.0
    assert result["models"]["risk_scorer"]["no_worse"] is True
    assert result["models"]["price_predictor"]["no_worse"] is False
    assert result["met"] is False  # fast enough, but one model is worse

    better = compare(ours, _run(110.0, {"risk_scorer": (0.11, 0.005), "price_predictor": (0.01, 0.01)}))
    assert better["met"] is True
    assert compare(ours, _run(90.0, {"risk_scorer": (0.0, 0.0), "price_predictor": (0.0, 0.0)}))["met"] is False  # 9x

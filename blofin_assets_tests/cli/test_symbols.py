"""`blofin symbols`, as make run calls it: the source's symbols registered in the
DAGSTER_HOME instance, the range printed for --partition-range, a clear error for bad input."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import yaml

from blofin_assets.market.csv_files import write_candle_csv
from blofin_assets.market.synthetic import SyntheticMarket
from blofin_assets.defs.partitions import SYMBOL_PARTITIONS


def symbols(*options: str, env: dict | None = None) -> subprocess.CompletedProcess:
    # From the test's own folder: a .env in the project folder (written by `make run`) names
    # the project's instance, and wins over the test's DAGSTER_HOME as Dagster's rule says.
    return subprocess.run(
        [sys.executable, "-m", "blofin_assets.cli", "symbols", *options], capture_output=True, text=True, timeout=120, env=env,
        cwd=Path(os.environ["DAGSTER_HOME"]).parent,
    )


def registered() -> list[str]:
    with dg.DagsterInstance.get() as instance:
        return instance.get_dynamic_partitions(SYMBOL_PARTITIONS.name)


def test_the_default_source_registers_its_symbols_and_prints_their_range(isolated_env):
    done = symbols()
    assert done.returncode == 0, done.stderr
    assert done.stdout == "BTC-USDT...SOL-USDT\n"
    assert "added BTC-USDT, ETH-USDT, SOL-USDT" in done.stderr
    assert registered() == ["BTC-USDT", "ETH-USDT", "SOL-USDT"]


def test_registering_symbols_loads_no_model_library(isolated_env):
    """`make run` calls it before every run: it reads settings and the source, never a model,
    so scikit-learn, torch and xgboost (2-3 s to import) stay out of it."""
    code = (
        "import sys; from blofin_assets.cli import main\n"
        "assert main(['symbols']) in (0, None)\n"
        "print(sorted(m for m in ('sklearn', 'torch', 'xgboost') if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=Path(os.environ["DAGSTER_HOME"]).parent)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == "BTC-USDT...SOL-USDT\n" and done.stderr.splitlines()[-1] == "[]"


def test_the_run_configs_symbols_replace_those_no_longer_offered(isolated_env):
    assert symbols().returncode == 0
    config = isolated_env / "run.yaml"
    config.write_text(yaml.safe_dump({"resources": {"candle_source": {"config": {"symbols": ["ETH-USDT", "XRP-USDT"]}}}}))
    done = symbols("-c", str(config))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ETH-USDT...XRP-USDT\n"
    assert "added XRP-USDT; removed BTC-USDT, SOL-USDT" in done.stderr
    assert registered() == ["ETH-USDT", "XRP-USDT"]


def test_a_folder_of_csv_files_offers_its_files(isolated_env, monkeypatch):
    market = SyntheticMarket(symbols=("XRP-USDT", "DOGE-USDT"), candles_per_symbol=30).generate()
    write_candle_csv(market, isolated_env / "csv")
    monkeypatch.setenv("BLOFIN_CANDLES_DIR", str(isolated_env / "csv"))
    done = symbols()
    assert done.returncode == 0, done.stderr
    assert done.stdout == "DOGE-USDT...XRP-USDT\n" and registered() == ["DOGE-USDT", "XRP-USDT"]

    config = isolated_env / "run.yaml"
    config.write_text(yaml.safe_dump({"resources": {"candle_source": {"config": {"symbols": ["BTC-USDT"]}}}}))
    unknown = symbols("-c", str(config))
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert "unknown symbol(s) ['BTC-USDT']; available: ['DOGE-USDT', 'XRP-USDT']" in unknown.stderr
    assert registered() == ["DOGE-USDT", "XRP-USDT"]  # nothing changed

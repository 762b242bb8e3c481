"""One Dagster instance whatever the shell: `blofin` and `dagster` started in one folder resolve
DAGSTER_HOME under Dagster's own rule (the folder's .env over the exported variable)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from blofin_assets_tests.conftest import PROJECT_ROOT

BIN = Path(sys.executable).parent


def home(path: Path) -> Path:
    path.mkdir()
    shutil.copy(PROJECT_ROOT / "config" / "dagster.yaml", path / "dagster.yaml")
    return path


def symbols_in(path: Path) -> list[str]:
    with dg.DagsterInstance.from_config(str(path)) as instance:
        return instance.get_dynamic_partitions("symbol")


@pytest.mark.parametrize("exported, in_env_file", [(True, False), (False, True), (True, True)], ids=["exported", "env-file", "both"])
def test_blofin_and_dagster_use_the_same_instance(isolated_env, exported, in_env_file):
    folder = isolated_env / "project"
    folder.mkdir()
    shell_home, file_home = home(isolated_env / "exported_home"), home(isolated_env / "file_home")
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    if exported:
        env["DAGSTER_HOME"] = str(shell_home)
    if in_env_file:
        (folder / ".env").write_text(f"DAGSTER_HOME={file_home}\n")
    expected, other = (file_home, shell_home) if in_env_file else (shell_home, file_home)

    done = subprocess.run([str(BIN / "blofin"), "symbols"], cwd=folder, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert symbols_in(expected) == ["BTC-USDT", "ETH-USDT", "SOL-USDT"] and symbols_in(other) == []
    if exported and in_env_file:  # said, not silent
        assert f"DAGSTER_HOME={file_home} from {folder / '.env'} replaces the exported DAGSTER_HOME={shell_home}" in done.stderr

    if not (exported and in_env_file):
        return
    # Where the two could disagree: the partitions `blofin symbols` registered are the ones
    # `dagster asset materialize` finds (it failed with DagsterUnknownPartitionError).
    done = subprocess.run(
        [str(BIN / "dagster"), "asset", "materialize", "--select", "candles", "--partition", "ETH-USDT", "-m", "blofin_assets.definitions"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with dg.DagsterInstance.from_config(str(expected)) as instance:
        (record,) = instance.fetch_materializations(dg.AssetKey("candles"), limit=10).records
        assert record.partition_key == "ETH-USDT"

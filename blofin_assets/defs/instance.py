"""The Dagster instance a shell in the project folder gets, for Python code (Dagster's CLI finds
it by itself through .env)."""

import dagster as dg

from blofin_assets import settings


def project_instance() -> dg.DagsterInstance:
    """$DAGSTER_HOME's instance, or the one the .env of the current folder names."""
    settings.load_env_file()
    if not settings.dagster_home_set():
        raise RuntimeError(
            "DAGSTER_HOME is not set and there is no .env naming it here: run from the project folder "
            "after `make run` (it writes .env), or export DAGSTER_HOME=<project>/.dagster_home"
        )
    return dg.DagsterInstance.get()

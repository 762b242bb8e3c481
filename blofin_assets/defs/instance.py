"""The Dagster instance a shell in the project folder gets, for Python code (Dagster's CLI finds
it by itself through .env)."""

import dagster as dg

from blofin_assets import settings


def project_instance() -> dg.DagsterInstance:
    """The instance the .env of the current folder names, else $DAGSTER_HOME's: the rule of
    Dagster's CLI, so `blofin` and `dagster` started in one folder use the same instance."""
    settings.load_env_file()
    if not settings.dagster_home_set():
        raise RuntimeError(
            "DAGSTER_HOME is not set and there is no .env naming it here: run from the project folder "
            "after `make run` (it writes .env), or export DAGSTER_HOME=<project>/.dagster_home"
        )
    return dg.DagsterInstance.get()

"""A run that starts in the DAGSTER_HOME instance and then sleeps, for killing."""

import time

import dagster as dg


@dg.asset
def slow():
    print("STARTED", flush=True)
    time.sleep(300)


if __name__ == "__main__":
    with dg.DagsterInstance.get() as instance:
        dg.materialize([slow], instance=instance)

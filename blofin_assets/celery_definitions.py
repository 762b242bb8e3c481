"""The same graph on Dagster's Celery executor (pip install -e ".[celery]").

Every step becomes a Celery task that any worker listening on the broker may take, so the work
spreads over worker processes and machines. What the steps share must then live where every
worker sees it:

- the Dagster instance (runs, events): PostgreSQL, config/dagster-postgres.yaml;
- step outputs passed between assets: the two IO managers (values and per-symbol parts), both under
  $BLOFIN_IO_DIR (a shared folder, or object storage such as s3://bucket/prefix, which they
  open through universal_pathlib);
- trained models ($BLOFIN_MODELS_DIR) and results ($BLOFIN_DB_URL, PostgreSQL).

Run it with: blofin symbols, then dagster asset materialize --select '*'
-m blofin_assets.celery_definitions --partition-range <the range it printed>
(workers: dagster-celery worker start -A dagster_celery.app; see README, "Celery").
"""

from dagster_celery import celery_executor

from blofin_assets.definitions import RESOURCES, build_definitions

defs = build_definitions(celery_executor, RESOURCES)

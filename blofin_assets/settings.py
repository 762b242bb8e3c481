"""Where things live, from environment variables with project-local defaults.

BLOFIN_MODELS_DIR   trained models                  default: ./models
BLOFIN_DB_URL       results database (SQLAlchemy)   default: sqlite:///$DAGSTER_HOME/results.db
BLOFIN_CANDLES_DIR  folder of <SYMBOL>.csv files    default: unset -> embedded synthetic data
                    (where exchange candles are kept: default ./data/candles)
DAGSTER_HOME        Dagster instance folder         default: ./.dagster_home
BLOFIN_IO_DIR       per-symbol outputs; with the    default: $DAGSTER_HOME/storage
                    Celery executor every output (a folder all workers share, or a URL
                    such as s3://bucket/prefix)
BLOFIN_SYNTHETIC_END  where the embedded market's  default: now (the last bar closed
                    history ends: now, fixed (its      before the clock)
                    first bars from 2024-01-01, the
                    same whenever it runs) or a time
BLOFIN_DAILY_CRON   when daily_refresh runs (UTC)   default: 15 0 * * *
BLOFIN_HOURLY_CRON  when hourly_predictions runs    default: 5 * * * *
BLOFIN_SENSOR_INTERVAL  seconds between drift_sensor evaluations   default: 60
BLOFIN_REAP_DEAD_RUNS  on | off | auto: mark runs whose  default: auto (local SQLite
                    process died failed               instance only)
BLOFIN_SIGNING_KEY  a secret: model metadata, ensemble   default: unset (no signatures)
                    configs and the release are signed
                    with it (HMAC-SHA256) and refused
                    unsigned or changed
BLOFIN_RELEASE_WITNESS  with a signing key: the    default: $DAGSTER_HOME/release_witness
                    newest release seen of each store,
                    kept outside it to refuse a rollback
Read at call time, so a run sees the environment it runs in (the schedule's cron and the
sensor's interval when the definitions load: Dagster fixes both there).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from pathlib import Path

from dotenv import dotenv_values


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME") or ".dagster_home").expanduser().absolute()


def dagster_home_set() -> bool:
    return bool(os.environ.get("DAGSTER_HOME"))


def models_dir() -> Path:
    return Path(os.environ.get("BLOFIN_MODELS_DIR") or "models").expanduser().absolute()


def db_url() -> str:
    return os.environ.get("BLOFIN_DB_URL") or f"sqlite:///{dagster_home() / 'results.db'}"


def masked(url: str) -> str:
    """A database URL fit to print: its password replaced by ***."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # not a URL SQLAlchemy reads: show nothing that could be a secret
        return url.split("@")[-1]


def candles_dir() -> Path | None:
    value = os.environ.get("BLOFIN_CANDLES_DIR")
    return Path(value).expanduser().absolute() if value else None


def shared_io_dir() -> str:
    """Where steps leave their outputs for each other (the per-symbol ones always, every one on
    the Celery executor). A URL (with a scheme) is kept as it is; a path is made absolute,
    since workers may start elsewhere."""
    value = os.environ.get("BLOFIN_IO_DIR")
    if value and "://" in value:
        return value
    return str(Path(value).expanduser().absolute() if value else dagster_home() / "storage")


def exchange_candles_dir() -> Path:
    """Where candles fetched from an exchange are kept."""
    return candles_dir() or Path("data/candles").absolute()


def synthetic_end(configured: str | None = None):
    """Where the embedded market's history ends: a UTC timestamp, or None for its fixed first
    bars. ``configured`` (run config) wins over $BLOFIN_SYNTHETIC_END; ``now`` is read from the
    clock at call time, so each run sees the bars closed by when it runs."""
    import pandas as pd

    from blofin_assets.market.synthetic import utc

    value = (configured or os.environ.get("BLOFIN_SYNTHETIC_END") or "now").strip()
    if value.lower() == "now":
        return pd.Timestamp.now(tz="UTC")
    if value.lower() == "fixed":
        return None
    try:
        stamp = pd.Timestamp(value)
    except ValueError:
        stamp = pd.NaT
    if pd.isna(stamp):
        source = "candle_source's end" if configured else "BLOFIN_SYNTHETIC_END"
        raise ValueError(f"{source} must be now, fixed or a time such as 2026-01-01T00:00Z, got {value!r}")
    return utc(stamp)


def daily_cron() -> str:
    return os.environ.get("BLOFIN_DAILY_CRON") or "15 0 * * *"


def hourly_cron() -> str:
    return os.environ.get("BLOFIN_HOURLY_CRON") or "5 * * * *"


def sensor_interval_seconds() -> int:
    value = os.environ.get("BLOFIN_SENSOR_INTERVAL") or "60"
    try:
        seconds = int(value)
    except ValueError:
        raise ValueError(f"BLOFIN_SENSOR_INTERVAL must be a whole number of seconds, got {value!r}") from None
    if seconds < 1:
        raise ValueError(f"BLOFIN_SENSOR_INTERVAL must be at least 1 second, got {seconds}")
    return seconds


def sync_symbols_enabled() -> bool:
    """Whether new_symbols_sensor starts on (BLOFIN_SYNC_SYMBOLS, default on)."""
    value = (os.environ.get("BLOFIN_SYNC_SYMBOLS") or "on").strip().lower()
    if value not in ("on", "off"):
        raise ValueError(f"BLOFIN_SYNC_SYMBOLS must be on or off, got {value!r}")
    return value == "on"


def signing_key() -> bytes | None:
    value = os.environ.get("BLOFIN_SIGNING_KEY")
    if value is not None and len(value) < 16:
        raise ValueError("BLOFIN_SIGNING_KEY must be at least 16 characters (a random secret)")
    return value.encode() if value else None


def release_witness() -> Path:
    value = os.environ.get("BLOFIN_RELEASE_WITNESS")
    return Path(value).expanduser().absolute() if value else dagster_home() / "release_witness"


def reap_dead_runs(run_storage_module: str) -> bool:
    """Whether dead_runs_sensor marks runs with a dead process failed (BLOFIN_REAP_DEAD_RUNS:
    on, off, or auto = only for a local SQLite instance, where every run is on this machine)."""
    value = (os.environ.get("BLOFIN_REAP_DEAD_RUNS") or "auto").strip().lower()
    if value not in ("on", "off", "auto"):
        raise ValueError(f"BLOFIN_REAP_DEAD_RUNS must be on, off or auto, got {value!r}")
    return value == "on" or (value == "auto" and "sqlite" in run_storage_module)


def load_env_file(folder: str | Path = ".") -> list[str]:
    """Set the variables of ``folder/.env`` over the environment's, as Dagster's CLI does for
    the folder it starts in (``make`` writes DAGSTER_HOME there): `blofin` and `dagster`
    started in one folder then use one instance whatever the shell exported. Returns a note
    for each exported value the file replaced."""
    notes = []
    for key, value in dotenv_values(Path(folder) / ".env").items():
        if value is None:
            continue
        exported = os.environ.get(key)
        if exported is not None and exported != value:
            notes.append(f"{key}={value} from {Path(folder).absolute() / '.env'} replaces the exported {key}={exported} (as Dagster's CLI does)")
        os.environ[key] = value
    return notes


def share_cores() -> None:
    """Let OpenMP threads sleep while they wait (OMP_WAIT_POLICY=PASSIVE), unless the
    environment says otherwise. Runs when the package is imported, before XGBoost,
    scikit-learn or torch load their OpenMP runtime.

    libgomp's waiting threads spin first; when two busy processes share the cores (a sensor's
    run beside the daily one, Celery workers on one machine, the two test workers) their
    threads spin through each other's time slices. Measured on 2 cores, 8 XGBoost tuning
    trials: 3.3 s alone, over 10 minutes with a second such process beside it; with waiting
    threads asleep 4.7 s alone and 4.6 s each side by side. The whole graph alone at 9k
    candles: 19 s spinning, 21 s asleep. Ten percent alone against a tenfold collapse.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


M_ARENA_MAX = -8  # glibc's mallopt parameter for the most malloc arenas


def limit_malloc_arenas() -> bool:
    """At most one glibc malloc arena per core, unless MALLOC_ARENA_MAX is set (glibc then read
    it itself); returns whether the limit was set (not on other C libraries).

    glibc gives each new thread its own arena, up to 8 per core, and memory freed in one stays
    there: the threads of parallel folds, joblib, XGBoost and torch each left freed matrices
    in their own. Measured at 1M candles (20 symbols) on 2 cores: peak 3.32 GB with glibc's
    default, 2.95 GB with 2 arenas, and no slower (160 s, 152 s)."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_ARENA_MAX, max(1, os.cpu_count() or 1)))

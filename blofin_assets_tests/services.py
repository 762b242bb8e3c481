"""Access to the local services some tests need (PostgreSQL, RabbitMQ). Where a service is unreachable
those tests skip, unless BLOFIN_REQUIRE_SERVICES=1 (set by .ci/run): then they fail, so CI
always exercises them."""

import getpass
import os
import socket
import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

PG_URL = os.environ.get("BLOFIN_TEST_PG_URL", f"postgresql+psycopg://{getpass.getuser()}@127.0.0.1:5432/test")


def require(service: str, reason: str) -> None:
    message = f"{service} unavailable: {reason}"
    if os.environ.get("BLOFIN_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " (BLOFIN_REQUIRE_SERVICES=1)")
    pytest.skip(message)


def require_rabbitmq(host: str = "127.0.0.1", port: int = 5672) -> None:
    """The broker config/celery.yaml names."""
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as exc:
        require("RabbitMQ", f"{host}:{port}: {exc}")


def postgres_engine(url: str = PG_URL, **kwargs) -> sa.Engine:
    engine = sa.create_engine(url, **kwargs)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except Exception as exc:  # any failure to connect means: no server here
        engine.dispose()
        require("PostgreSQL", f"{url}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
    return engine


@contextmanager
def postgres_schema():
    """A fresh schema in the test database; yields a URL whose connections use it."""
    engine = postgres_engine()
    schema = f"blofin_test_{uuid.uuid4().hex[:10]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'create schema "{schema}"'))
    try:
        yield sa.make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'drop schema "{schema}" cascade'))
        engine.dispose()


@contextmanager
def postgres_database():
    """A fresh database on the server; yields a postgresql+psycopg2:// URL (dagster-postgres
    speaks psycopg2; SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3)."""
    engine = postgres_engine(isolation_level="AUTOCOMMIT")
    name = f"blofin_test_{uuid.uuid4().hex[:10]}"
    with engine.connect() as conn:
        conn.execute(sa.text(f'create database "{name}"'))
    try:
        url = sa.make_url(PG_URL).set(drivername="postgresql+psycopg2", database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'drop database "{name}" with (force)'))
        engine.dispose()

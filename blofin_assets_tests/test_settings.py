"""Where things live: environment variables, with project-local defaults."""

from pathlib import Path

from blofin_assets import settings


def test_the_shared_io_dir_defaults_to_the_instance_storage(isolated_env, monkeypatch):
    monkeypatch.delenv("BLOFIN_IO_DIR", raising=False)
    assert settings.shared_io_dir() == str(isolated_env / "dagster_home" / "storage")


def test_a_relative_shared_io_dir_is_made_absolute_and_a_url_kept(isolated_env, monkeypatch):
    monkeypatch.chdir(isolated_env)
    monkeypatch.setenv("BLOFIN_IO_DIR", "shared/io")
    assert settings.shared_io_dir() == str(isolated_env / "shared" / "io")
    assert Path(settings.shared_io_dir()).is_absolute()
    monkeypatch.setenv("BLOFIN_IO_DIR", "s3://bucket/blofin-io")
    assert settings.shared_io_dir() == "s3://bucket/blofin-io"


def test_database_urls_print_without_their_password():
    assert settings.masked("postgresql+psycopg://blofin:s3cret@db.example:5432/results") == "postgresql+psycopg://blofin:***@db.example:5432/results"
    assert settings.masked("sqlite:////tmp/results.db") == "sqlite:////tmp/results.db"
    assert "s3cret" not in settings.masked("not a url://blofin:s3cret@host")

"""Dagster's `dg` CLI works in the project as Dagster documents it. `dg check defs`, `dg list
defs` and `dg launch` are run by the README test as printed there; here `dg dev` serves the UI
on the project's instance without a warning the user need not act on."""

import signal
import subprocess
import time
import urllib.request

import pytest

from blofin_assets_tests.test_readme import clean_env, project_copy, shell


@pytest.fixture
def project(isolated_env):
    home = isolated_env / "home"
    home.mkdir()
    folder = project_copy(isolated_env)
    assert shell("make instance", folder, home).returncode == 0
    return folder, home


@pytest.mark.e2e
def test_dg_dev_serves_the_ui_on_the_project_instance(project):
    folder, home = project
    port = 3000 + int(time.time()) % 1000 + 1000
    ui = subprocess.Popen(
        ["bash", "-c", f"exec .venv/bin/dg dev -p {port}"], cwd=folder, env=clean_env(home),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                time.sleep(1)
        else:
            pytest.fail("dg dev did not answer within 120 s")
    finally:
        ui.send_signal(signal.SIGINT)
        try:
            output, _ = ui.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            ui.kill()
            output, _ = ui.communicate()
    assert "Warning" not in output, output[-3000:]

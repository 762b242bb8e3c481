"""The Dagster UI as users see it: dagster-webserver on a loopback port, the asset graph opened
in headless Chromium through Playwright, and a materialization launched through the GraphQL API
the Materialize button uses. Screenshots go to test-artifacts/."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from blofin_assets.definitions import defs
from blofin_assets_tests.conftest import quick_ops
from blofin_assets_tests.services import require

PROJECT_ROOT = Path(__file__).resolve().parents[1]
WEBSERVER = Path(sys.executable).with_name("dagster-webserver")
CHROMIUM = os.environ.get("BLOFIN_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The project's instance settings, but runs launched from the UI start at once: there is no
# daemon in this test to take them off a queue.
INSTANCE = """
telemetry:
  enabled: false
run_coordinator:
  module: dagster.core.run_coordinator
  class: DefaultRunCoordinator
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(url: str, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.loads(response.read())
    assert "errors" not in body, body["errors"]
    return body["data"]


@pytest.fixture
def webserver(isolated_env):
    if not Path(CHROMIUM).exists():
        require("Chromium", f"{CHROMIUM} not installed (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        require("Playwright", "pip install playwright")
    (Path(os.environ["DAGSTER_HOME"]) / "dagster.yaml").write_text(INSTANCE)
    port = free_port()
    log = open(isolated_env / "webserver.log", "w")
    process = subprocess.Popen(
        [str(WEBSERVER), "-w", str(PROJECT_ROOT / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(port)],
        cwd=isolated_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/server_info", timeout=2)
                break
            except OSError:
                assert process.poll() is None, (isolated_env / "webserver.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "dagster-webserver did not answer in 120 s"
                time.sleep(0.5)
        yield url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        log.close()


@pytest.mark.e2e
def test_the_asset_graph_in_a_browser_and_a_materialization_from_the_ui(webserver, tmp_path):
    from playwright.sync_api import sync_playwright

    expected = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    parents = {
        key.to_user_string(): {p.to_user_string() for p in defs.resolve_asset_graph().get(key).parent_keys}
        for key in defs.resolve_asset_graph().get_all_asset_keys()
    }
    nodes = graphql(webserver, "{ assetNodes { assetKey { path } dependencyKeys { path } groupName } }")["assetNodes"]
    served = {"/".join(n["assetKey"]["path"]): {"/".join(d["path"]) for d in n["dependencyKeys"]} for n in nodes}
    assert served == parents  # every asset, with exactly its lineage

    ARTIFACTS.mkdir(exist_ok=True)
    location = location_name(webserver)
    groups = {}
    for node in nodes:
        groups.setdefault(node["groupName"], set()).add("/".join(node["assetKey"]["path"]))
    children = {name: {c for c, ps in served.items() if name in ps} for name in served}
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg-config"), "XDG_CACHE_HOME": str(tmp_path / "xdg-cache")}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, env={**os.environ, **env})
        # Tall enough that the largest group's graph is drawn whole (off-screen nodes are not).
        page = browser.new_page(viewport={"width": 2000, "height": 4200})
        assert set(groups) == {"data", "features", "tuning", "training", "evaluation", "ensemble", "live", "monitoring"}
        for group, names in sorted(groups.items()):
            # Each group's lineage view: its assets as nodes, their neighbours in other groups
            # as links on the edges that lead to them.
            neighbours = set().union(*(served[n] | children[n] for n in names))
            page.goto(f"{webserver}/locations/{location}/asset-groups/{group}/lineage", wait_until="networkidle")
            wait_for_text(page, names | neighbours)
            page.screenshot(path=str(ARTIFACTS / f"ui-lineage-{group}.png"))

        # The global lineage on a laptop's window: one box per group, each name whole, the
        # training table between the data and the models (groups' assets are checked above).
        page.set_viewport_size({"width": 1440, "height": 900})
        page.goto(f"{webserver}/asset-groups", wait_until="networkidle")
        text = wait_for_text(page, set(groups))
        assert set(groups) <= set(text.split())
        page.screenshot(path=str(ARTIFACTS / "ui-global-lineage.png"))
        # Expanded (the graph's context menu): every asset is there and can be told apart. At
        # this zoom the view draws compact nodes and shortens names over about 18 characters
        # in the middle ("volati…_validation"); zoomed in, below, they are whole.
        # Nodes off the window are not drawn: the graph is dragged about, as a user would.
        page.mouse.click(1100, 700, button="right")
        page.get_by_role("menuitem", name="unfold_more Expand all groups").click()
        deadline = time.monotonic() + 60
        while len(unknown := unidentified(expected, page.inner_text("body"))) > len(expected) // 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        page.screenshot(path=str(ARTIFACTS / "ui-global-lineage-expanded.png"))
        for dx, dy in [(0, 350), (0, -700), (-500, 0), (0, 700)]:
            page.mouse.move(1000, 500)
            page.mouse.down()
            page.mouse.move(1000 + dx, 500 + dy, steps=8)
            page.mouse.up()
            time.sleep(1)
            unknown &= unidentified(expected, page.inner_text("body"))
        assert not unknown, f"not told apart in the expanded global lineage: {sorted(unknown)}"
        # Zoomed in as a user does to read (the graph's own + button), each asset reached by
        # "Jump to…" shows its name whole in its node.
        cut = names_cut_when_zoomed_in(page, expected)
        assert not cut, f"not whole in the zoomed-in global lineage: {sorted(cut)}"
        page.set_viewport_size({"width": 2000, "height": 4200})

        add_symbols(webserver, ["BTC-USDT", "ETH-USDT"])
        run_id = launch(webserver, sorted(expected), ["BTC-USDT", "ETH-USDT"])
        wait_for_success(webserver, run_id)
        # A laptop's window: what a user sees without scrolling sideways.
        page.set_viewport_size({"width": 1440, "height": 900})
        check_pages(page, webserver)
        check_every_asset_page(page, webserver, sorted(expected))
        browser.close()
    for name in expected:
        data = graphql(
            webserver,
            "query ($key: AssetKeyInput!) { assetNodeOrError(assetKey: $key) { ... on AssetNode { assetMaterializations(limit: 1) { runId } } } }",
            {"key": {"path": [name]}},
        )
        assert data["assetNodeOrError"]["assetMaterializations"][0]["runId"] == run_id, name
    assert expected == set(served)


def check_pages(page, url: str) -> None:
    """The pages a user opens after a run, as they look: screenshots in test-artifacts/."""
    page.goto(f"{url}/assets/candles", wait_until="networkidle")
    text = wait_for_text(page, {"1,400", "1h"})  # 2 symbols x 700 candles, bar size readable
    assert "Latest materialization" in text and "0 days" not in text
    page.screenshot(path=str(ARTIFACTS / "ui-candles.png"), full_page=True)

    # Each validation page draws its pictures in place, and its tables fit the window.
    for name, picture in (("direction_predictor", "predicted →"), ("price_predictor", "abs err")):
        page.goto(f"{url}/assets/{name}_validation", wait_until="networkidle")
        text = wait_for_text(page, {"walk_forward", "feature_importance"})
        assert "█" in text and picture in text
        assert metadata_row(page, "feature_importance").inner_text().count("[Show Markdown]") == 0
        assert metadata_row(page, "charts").get_by_text("[Show Markdown]").count() == 1  # the PNGs, one click deep
        for key in ("walk_forward", "metrics", "feature_importance", "confusion_matrix", "predicted_vs_actual"):
            row = metadata_row(page, key)
            if row.count():
                row.scroll_into_view_if_needed()
                assert_fits(page, row.locator("th").last, f"{name}_validation {key}")
        metadata_row(page, "walk_forward").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"ui-{name}-validation.png"))
        # Its charts (importance above the matrix or scatter) open in a dialog that fits the window.
        charts = metadata_row(page, "charts")
        charts.scroll_into_view_if_needed()
        charts.get_by_text("[Show Markdown]").click()
        close = page.get_by_role("dialog").get_by_role("button", name="Close")
        close.wait_for(timeout=10_000)
        time.sleep(1)  # the dialog fades in
        assert page.get_by_role("dialog").locator("img").count() == 2
        assert_fits(page, page.get_by_role("dialog").first, f"{name}_validation's charts dialog")
        page.screenshot(path=str(ARTIFACTS / f"ui-{name}-charts.png"))
        close.click()
        page.get_by_role("dialog").wait_for(state="detached", timeout=10_000)

    # The backtest's equity chart opens in a dialog whose Close button stays on screen.
    page.goto(f"{url}/assets/signal_backtest", wait_until="networkidle")
    wait_for_text(page, {"equity"})
    for key in ("figures", "deflated_sharpe"):
        metadata_row(page, key).scroll_into_view_if_needed()
        assert_fits(page, metadata_row(page, key).locator("th").last, f"signal_backtest {key}")
    equity = metadata_row(page, "equity")
    equity.scroll_into_view_if_needed()
    equity.get_by_text("[Show Markdown]").click()
    close = page.get_by_role("dialog").get_by_role("button", name="Close")
    close.wait_for(timeout=10_000)
    assert page.get_by_role("dialog").locator("img").count() == 1
    assert_fits(page, close, "the equity dialog's Close button")
    time.sleep(1)  # the dialog fades in
    page.screenshot(path=str(ARTIFACTS / "ui-backtest-equity.png"))
    close.click()
    page.get_by_role("dialog").wait_for(state="detached", timeout=10_000)


def check_every_asset_page(page, url: str, names: list[str]) -> None:
    """On every asset's page at 1440x900, each metadata row's key and value are whole: nothing
    runs past the panel or under the timestamp badge."""
    for name in names:
        page.goto(f"{url}/assets/{name}", wait_until="networkidle")
        wait_for_text(page, {name})
        # the metadata table's own rows (a markdown value may hold a table of its own)
        rows = page.locator("xpath=//th[normalize-space()='Value']/ancestor::table[1]/tbody/tr")
        for i in range(rows.count()):
            cells = rows.nth(i).locator("td")
            key = cells.first.inner_text().strip()[:80]
            for cell in (cells.first, cells.last):
                cell.scroll_into_view_if_needed()
                assert_fits(page, cell, f"{name}: {key}", whole_height=False)


def metadata_row(page, key: str):
    """The row of the latest materialization's metadata table whose first cell is ``key``."""
    return page.locator("tr").filter(has=page.locator("td", has_text=re.compile(rf"^{re.escape(key)}$"))).first


def assert_fits(page, element, what: str, whole_height: bool = True) -> None:
    """``element`` is on screen and not clipped: the point just inside its right edge is it.
    (``whole_height`` false: a tall element may run below the window, as long as nothing of it
    runs off to the side.)"""
    box, width, height = element.bounding_box(), page.viewport_size["width"], page.viewport_size["height"]
    assert box is not None, f"{what} is not shown"
    assert box["x"] >= 0 and box["x"] + box["width"] <= width and (not whole_height or box["y"] + box["height"] <= height), (what, box)
    visible = element.evaluate(
        "e => { const r = e.getBoundingClientRect();"
        " const y = Math.min(Math.max(r.top, 0) + Math.min(r.height / 2, 10), window.innerHeight - 1);"
        " return e.contains(document.elementFromPoint(r.right - 2, y)); }"
    )
    if not visible:
        page.screenshot(path=str(ARTIFACTS / "ui-cut-off.png"))
    assert visible, f"{what} is cut off or covered at its right edge (see test-artifacts/ui-cut-off.png)"


def names_cut_when_zoomed_in(page, names: set[str]) -> set[str]:
    """The names not shown whole in the graph's nodes (the SVG's HTML, not the sidebar's list)
    after zooming in until nodes are drawn in full and jumping to each asset."""
    def graph_text() -> str:
        return " ".join(page.locator("foreignObject > *").all_inner_texts())

    zoom_in = page.locator("button:has([aria-label='zoom_in'])").first  # the graph's + button
    for _ in range(30):  # until the nodes are drawn in full, their rows under the name
        if "Latest event" in graph_text():
            break
        zoom_in.click()
    cut = set()
    for name in sorted(names):
        page.get_by_placeholder("Jump to\u2026").fill(name)
        page.keyboard.press("Enter")
        deadline = time.monotonic() + 10
        while name not in graph_text().split():
            if time.monotonic() > deadline:
                cut.add(name)
                page.screenshot(path=str(ARTIFACTS / f"ui-global-lineage-{name}.png"))
                break
            time.sleep(0.25)
    return cut


def location_name(url: str) -> str:
    data = graphql(url, "{ workspaceOrError { ... on Workspace { locationEntries { name } } } }")
    return data["workspaceOrError"]["locationEntries"][0]["name"]


def wait_for_text(page, words: set[str], timeout: float = 60) -> str:
    """The page's text once every word shows and no node still says Loading (polled here:
    the UI's content security policy forbids Playwright's in-page wait functions)."""
    deadline = time.monotonic() + timeout
    while True:
        skip = page.get_by_role("button", name="Skip")  # the community sign-up dialog
        if skip.count():
            skip.first.click()
        text = page.inner_text("body")
        missing = {word for word in words if not shown(word, text)}
        if not missing and "Loading" not in text:
            return text
        if time.monotonic() > deadline:
            raise AssertionError(f"not shown after {timeout} s: {sorted(missing)}")
        time.sleep(0.5)


def shown(name: str, text: str) -> bool:
    """The UI shortens long names in links: "volatility_regress…_validation" shows
    volatility_regressor_validation."""
    for token in text.split():
        if token == name:
            return True
        if "\u2026" in token:
            head, _, tail = token.partition("\u2026")
            if name.startswith(head) and name.endswith(tail) and len(head) >= 8:
                return True
    return False


def unidentified(names: set[str], text: str) -> set[str]:
    """The names no shown token stands for alone: the token is the name, or its start and end
    around an ellipsis, matching no other name."""
    found = set()
    for token in text.split():
        head, cut, tail = token.partition("\u2026")
        matches = {n for n in names if n == token or (cut and len(head) >= 4 and n.startswith(head) and n.endswith(tail))}
        if len(matches) == 1:
            found |= matches
    return names - found


def add_symbols(url: str, symbols: list[str]) -> None:
    """Register symbol partitions the way the UI's "Add partition" dialog does."""
    mutation = """
    mutation ($repo: RepositorySelector!, $key: String!) {
      addDynamicPartition(repositorySelector: $repo, partitionsDefName: "symbol", partitionKey: $key) {
        __typename
        ... on PythonError { message }
      }
    }"""
    repo = {"repositoryLocationName": location_name(url), "repositoryName": "__repository__"}
    for symbol in symbols:
        result = graphql(url, mutation, {"repo": repo, "key": symbol})["addDynamicPartition"]
        assert result["__typename"] == "AddDynamicPartitionSuccess", result


def launch(url: str, assets: list[str], symbols: list[str]) -> str:
    """One run over the range of ``symbols``, as the partition dialog launches it."""
    mutation = """
    mutation ($params: ExecutionParams!) {
      launchPipelineExecution(executionParams: $params) {
        __typename
        ... on LaunchRunSuccess { run { runId } }
        ... on PythonError { message }
        ... on RunConfigValidationInvalid { errors { message } }
        ... on InvalidSubsetError { message }
      }
    }"""
    params = {
        "selector": {
            "repositoryLocationName": location_name(url),
            "repositoryName": "__repository__",
            "pipelineName": "__ASSET_JOB",
            "assetSelection": [{"path": [a]} for a in assets],
        },
        "runConfigData": {
            "resources": {"candle_source": {"config": {"candles_per_symbol": 700, "symbols": symbols}}},
            "ops": quick_ops(),
        },
        "executionMetadata": {
            "tags": [
                {"key": "dagster/asset_partition_range_start", "value": symbols[0]},
                {"key": "dagster/asset_partition_range_end", "value": symbols[-1]},
            ]
        },
        "mode": "default",
    }
    result = graphql(url, mutation, {"params": params})["launchPipelineExecution"]
    assert result["__typename"] == "LaunchRunSuccess", result
    return result["run"]["runId"]


def wait_for_success(url: str, run_id: str, timeout: float = 180) -> None:
    query = "query ($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = graphql(url, query, {"id": run_id})["runOrError"]["status"]
        if status == "SUCCESS":
            return
        assert status not in ("FAILURE", "CANCELED"), status
        time.sleep(1)
    raise AssertionError(f"run {run_id} did not succeed in {timeout} s")


"""The package's layers, checked on its source: the domain knows nothing of Dagster, imports go
one way (market <- ml <- trading <- storage <- serving <- defs, cli), no private Dagster module is used,
and nothing outside the model classes branches on a model's name or task."""

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "blofin_assets"
ORDER = ["market", "ml", "trading", "storage", "serving"]  # each may import only those before it
TOP = ["defs", "cli"]


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "blofin_assets" and len(parts) > 1 else None


def sources(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


@pytest.mark.parametrize("folder", ORDER)
def test_the_domain_imports_no_dagster_and_only_the_layers_below_it(folder):
    allowed = set(ORDER[: ORDER.index(folder) + 1]) | {"settings"}
    for path in sources(folder):
        found = imports(path)
        assert not any(m == "dagster" or m.startswith("dagster") for m in found), path
        above = {m for m in found if layer(m) and layer(m) not in allowed}
        assert not above, f"{path.relative_to(PACKAGE)} imports {sorted(above)}"


def test_the_command_line_programs_and_the_dagster_layer_do_not_import_each_other():
    for path in sources("defs"):
        assert not {m for m in imports(path) if layer(m) == "cli"}, path


def test_no_private_dagster_module_is_imported():
    for path in PACKAGE.rglob("*.py"):
        assert not [m for m in imports(path) if m.startswith("dagster._")], path


def test_no_model_name_or_task_branching_outside_the_model_classes():
    pattern = re.compile(r"""(==|!=) ?["'](direction_predictor|risk_scorer|price_predictor|momentum_classifier|volatility_regressor)["']|task ?(==|!=)""")
    for path in PACKAGE.rglob("*.py"):
        if (PACKAGE / "ml" / "models") in path.parents:
            continue
        hits = [line for line in path.read_text().splitlines() if pattern.search(line)]
        assert not hits, f"{path.relative_to(PACKAGE)}: {hits}"

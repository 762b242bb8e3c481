"""skops files: loading the definitions imports no skops, nor does skops import all of
scikit-learn; files still round-trip and refuse every type the caller did not name."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.ensemble import RandomForestRegressor

from blofin_assets.ml import skops_files


def test_loading_the_definitions_leaves_skops_unimported():
    code = "import sys, blofin_assets.definitions; print('skops.io' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_reading_a_file_does_not_import_all_of_scikit_learn(tmp_path):
    forest = RandomForestRegressor(n_estimators=2).fit(np.arange(12.0).reshape(6, 2), np.arange(6.0))
    skops_files.dump(forest, tmp_path / "forest.skops")
    code = (
        "import sys; from blofin_assets.ml import skops_files; "
        f"skops_files.load({str(tmp_path / 'forest.skops')!r}, trusted={FOREST!r}); "
        "print(sorted(m for m in ('sklearn.gaussian_process', 'sklearn.semi_supervised', 'torch') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


FOREST = ["sklearn.ensemble._forest.RandomForestRegressor", "sklearn.tree._classes.DecisionTreeRegressor", "sklearn.tree._tree.Tree"]


@pytest.mark.parametrize("skops_first", [False, True], ids=["skops imported here", "skops imported before"])
def test_a_file_round_trips_and_every_type_not_named_is_refused(tmp_path, skops_first):
    """Whether or not something imported skops first (it then lists every scikit-learn
    estimator as trusted), a load trusts only the types it names."""
    code = f"""
import numpy as np
{"import skops.io" if skops_first else ""}
from sklearn.ensemble import RandomForestRegressor
from sklearn.preprocessing import StandardScaler
from blofin_assets.ml import skops_files
from pathlib import Path
folder = Path({str(tmp_path)!r})
scaler = StandardScaler().fit(np.arange(12.0).reshape(6, 2))
skops_files.dump(scaler, folder / "scaler.skops")
loaded = skops_files.load(folder / "scaler.skops", trusted=["sklearn.preprocessing._data.StandardScaler"])
np.testing.assert_array_equal(loaded.mean_, scaler.mean_)
import sys
assert ('sklearn.gaussian_process' in sys.modules) == {skops_first!r}  # skops' listing ran only where it was imported first
forest = RandomForestRegressor(n_estimators=2).fit(np.arange(12.0).reshape(6, 2), np.arange(6.0))
skops_files.dump(forest, folder / "forest.skops")
for path, trusted in ((folder / "scaler.skops", []), (folder / "forest.skops", {FOREST[1:]!r})):
    try:
        skops_files.load(path, trusted=trusted)
        raise SystemExit(f"{{path.name}} loaded trusting only {{trusted}}")
    except Exception as refused:  # skops' UntrustedTypesFoundException (importing it would import skops)
        assert type(refused).__name__ == 'UntrustedTypesFoundException', repr(refused)
        print(refused)
assert skops_files.load(folder / "forest.skops", trusted={FOREST!r}).predict([[1.0, 2.0]]).shape == (1,)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    refused = done.stdout.splitlines()
    assert "sklearn.preprocessing._data.StandardScaler" in refused[0]
    assert "sklearn.ensemble._forest.RandomForestRegressor" in refused[1]

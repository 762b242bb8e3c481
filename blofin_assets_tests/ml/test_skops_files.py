"""skops files: loading the definitions imports no skops; files still round-trip and refuse
types nobody trusted."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.ensemble import RandomForestRegressor
from sklearn.preprocessing import StandardScaler
from skops.io.exceptions import UntrustedTypesFoundException

from blofin_assets.ml import skops_files


def test_loading_the_definitions_leaves_skops_unimported():
    code = "import sys, blofin_assets.definitions; print('skops.io' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_a_file_round_trips_and_an_untrusted_type_is_refused(tmp_path):
    scaler = StandardScaler().fit(np.arange(12.0).reshape(6, 2))
    skops_files.dump(scaler, tmp_path / "scaler.skops")
    loaded = skops_files.load(tmp_path / "scaler.skops", trusted=[])
    np.testing.assert_array_equal(loaded.mean_, scaler.mean_)
    forest = RandomForestRegressor(n_estimators=2).fit(np.arange(12.0).reshape(6, 2), np.arange(6.0))
    skops_files.dump(forest, tmp_path / "forest.skops")
    with pytest.raises(UntrustedTypesFoundException):
        skops_files.load(tmp_path / "forest.skops", trusted=[])
    assert skops_files.load(tmp_path / "forest.skops", trusted=["sklearn.tree._tree.Tree"]).predict([[1.0, 2.0]]).shape == (1,)

import json

import numpy as np
import pandas as pd

from blofin_assets.storage.jsonsafe import jsonable


def test_numpy_and_pandas_values_become_plain_json():
    value = {
        "i": np.int64(3),
        "f": np.float32(0.5),
        "nan": float("nan"),
        "inf": np.inf,
        "t": pd.Timestamp("2024-01-01T00:00:00Z"),
        "b": np.bool_(True),
        "a": np.array([1, 2]),
        "tuple": (1, 2.5),
        5: "int key",
    }
    plain = jsonable(value)
    assert plain == {
        "i": 3, "f": 0.5, "nan": None, "inf": None, "t": "2024-01-01T00:00:00+00:00", "b": True,
        "a": [1, 2], "tuple": [1, 2.5], "5": "int key",
    }
    assert json.loads(json.dumps(plain)) == plain

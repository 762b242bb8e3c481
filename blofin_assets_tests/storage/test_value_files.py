"""Unpartitioned asset values as archives of JSON, Parquet and .npy: what was written comes
back, and a file naming anything else (a pickle, an unlisted class) is refused without running."""

import io
import json
import pickle
import zipfile

import numpy as np
import pandas as pd
import pytest

from blofin_assets.ml.evaluation import Evaluation
from blofin_assets.storage.model_store import ModelRef
from blofin_assets.storage.value_files import TAG, VALUE, UnsafeValueError, decode_value, encode_value


class Planted:
    """A pickle that creates a file when it is loaded."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_every_kind_of_asset_value_comes_back_as_it_was():
    frame = pd.DataFrame(
        {
            "symbol": ["A", "B"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02"], utc=True),
            "p": [0.5, np.nan],
            "n": np.array([1, 2], dtype="int64"),
        }
    )
    indexed = frame.set_index("symbol")
    value = {
        "ref": ModelRef("direction_predictor", "v1", "/models/x"),
        "evaluation": Evaluation(report={"metric": "accuracy", "score": 0.51, "missing": None}, oof=frame, predictions=None),
        "comparison": indexed,
        "series": pd.Series([1.0, 2.0], name="equity"),
        "array": np.arange(6, dtype="float32").reshape(2, 3),
        "nested": [{"t": (1, "a"), "inf": float("inf"), "nan": float("nan"), "np": np.float64(0.25), "flag": np.bool_(True)}],
        "when": pd.Timestamp("2024-01-01T00:00:00Z"),
    }
    back = decode_value(encode_value(value))
    assert back["ref"] == value["ref"]
    assert back["evaluation"].report == value["evaluation"].report and back["evaluation"].predictions is None
    pd.testing.assert_frame_equal(back["evaluation"].oof, frame)
    pd.testing.assert_frame_equal(back["comparison"], indexed)
    pd.testing.assert_series_equal(back["series"], value["series"])
    np.testing.assert_array_equal(back["array"], value["array"])
    assert back["array"].dtype == np.float32
    nested = back["nested"][0]
    assert nested["t"] == (1, "a") and nested["inf"] == float("inf") and np.isnan(nested["nan"])
    assert nested["np"] == 0.25 and nested["flag"] is True
    assert back["when"] == value["when"]


def test_a_value_of_an_unknown_type_is_not_written():
    with pytest.raises(TypeError, match="cannot store a Planted"):
        encode_value({"x": Planted("/nonexistent")})


def _archive(tree: dict, members: dict[str, bytes] = {}) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(VALUE, json.dumps(tree))
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_files_that_name_code_are_refused_and_nothing_runs(tmp_path):
    pickle.loads(pickle.dumps(Planted(tmp_path / "control")))
    assert (tmp_path / "control").exists()  # the payload is live
    marker = tmp_path / "code-ran"
    payload = pickle.dumps(Planted(marker))
    attempts = {
        "a pickle in place of the file": (payload, "no zip archive"),
        "a class outside the list": (_archive({TAG: "dataclass", "class": "Planted", "fields": {"path": str(marker)}}), "names class 'Planted'"),
        "an extra field": (_archive({TAG: "dataclass", "class": "ModelRef", "fields": {"name": "a", "version": "b", "folder": "c", "x": 1}}), "has no fields"),
        "an unknown tag": (_archive({TAG: "pickle", "member": "p"}, {"p": payload}), "unknown tag 'pickle'"),
        "a pickled array": (_archive({TAG: "array", "member": "a.npy"}, {"a.npy": _npy_object_array(marker)}), "allow_pickle=False"),
        "a missing part": (_archive({TAG: "frame", "member": "../x.parquet"}), "does not hold"),
        "a float that is code": (_archive({TAG: "float", "repr": "__import__('os')"}), "not a float"),
    }
    for case, (data, message) in attempts.items():
        with pytest.raises((UnsafeValueError, ValueError), match=message):
            decode_value(data)
        assert not marker.exists(), case


def _npy_object_array(marker) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.array([Planted(marker)], dtype=object), allow_pickle=True)
    return buffer.getvalue()

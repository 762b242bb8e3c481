"""The value of an unpartitioned asset (a model reference, a validation, the comparison, the
ensemble config, the backtest, monitoring tables) as one file that reading runs no code from.

The file is a zip archive: ``value.json`` holds the value as JSON, in which a frame, a series or
an array stands as a tag naming a member of the archive (Parquet for frames and series, ``.npy``
read with ``allow_pickle=False`` for arrays), and a dataclass as a tag naming one of the few
classes listed in ``DATACLASSES``, rebuilt from its fields. A name outside that list, a member
that is not there, or any other tag is refused: unlike a pickle, the file cannot name code.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import zipfile
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from blofin_assets.market.targets import BarrierSpec, TargetScales
from blofin_assets.ml.dataset import HoldoutSpec, TargetSet, TrainingTable
from blofin_assets.ml.evaluation import Evaluation
from blofin_assets.storage.model_store import ModelRef

VALUE = "value.json"
TAG = "__blofin__"  # a JSON object holding this key is a tagged value, never plain data
DATACLASSES = {cls.__name__: cls for cls in (ModelRef, Evaluation, TargetSet, TrainingTable, TargetScales, HoldoutSpec, BarrierSpec)}
MAX_MEMBER_BYTES = 1 << 31  # refuse an archive member that would inflate past 2 GiB


class UnsafeValueError(ValueError):
    """A stored value names something the reader does not rebuild."""


class _Writer:
    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.count = 0

    def _member(self, suffix: str, data: bytes) -> str:
        self.count += 1
        name = f"part-{self.count}.{suffix}"
        self.archive.writestr(name, data)
        return name

    def tree(self, value):
        if isinstance(value, dict):
            if TAG in value:
                raise ValueError(f"a dict key may not be {TAG!r}")
            return {str(k): self.tree(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.tree(v) for v in value]
        if isinstance(value, tuple):
            return {TAG: "tuple", "items": [self.tree(v) for v in value]}
        if value is None or isinstance(value, (bool, str, int)):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {TAG: "float", "repr": repr(value)}
        if isinstance(value, np.generic):
            return self.tree(value.item())
        if isinstance(value, pd.Timestamp) or isinstance(value, datetime):
            return {TAG: "timestamp", "iso": pd.Timestamp(value).isoformat()}
        if isinstance(value, pd.DataFrame):
            return {TAG: "frame", "member": self._member("parquet", _parquet(value))}
        if isinstance(value, pd.Series):
            frame = value.to_frame(name="value" if value.name is None else str(value.name))
            return {TAG: "series", "member": self._member("parquet", _parquet(frame)), "unnamed": value.name is None}
        if isinstance(value, np.ndarray):
            if value.dtype == object:
                return self.tree(value.tolist())
            buffer = io.BytesIO()
            np.save(buffer, value, allow_pickle=False)
            return {TAG: "array", "member": self._member("npy", buffer.getvalue())}
        if dataclasses.is_dataclass(value) and type(value).__name__ in DATACLASSES:
            fields = {f.name: self.tree(getattr(value, f.name)) for f in dataclasses.fields(value)}
            return {TAG: "dataclass", "class": type(value).__name__, "fields": fields}
        raise TypeError(f"cannot store a {type(value).__name__} as an asset value (see storage/value_files.py)")


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame.rename(columns=str)), buffer)
    return buffer.getvalue()


def encode_value(value) -> bytes:
    """``value`` as the bytes of one archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        tree = _Writer(archive).tree(value)
        archive.writestr(VALUE, json.dumps(tree, allow_nan=False))
    return buffer.getvalue()


class _Reader:
    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive

    def _member(self, node: dict) -> bytes:
        name = node.get("member")
        try:
            info = self.archive.getinfo(name)
        except (KeyError, TypeError):
            raise UnsafeValueError(f"the stored value names a part {name!r} the file does not hold") from None
        if info.file_size > MAX_MEMBER_BYTES:
            raise UnsafeValueError(f"part {name!r} would inflate to {info.file_size} bytes")
        return self.archive.read(info)

    def tree(self, node):
        if isinstance(node, list):
            return [self.tree(v) for v in node]
        if not isinstance(node, dict):
            return node
        if TAG not in node:
            return {k: self.tree(v) for k, v in node.items()}
        kind = node[TAG]
        if kind == "tuple":
            return tuple(self.tree(v) for v in node["items"])
        if kind == "float":
            if node.get("repr") not in ("nan", "inf", "-inf"):
                raise UnsafeValueError(f"not a float: {node.get('repr')!r}")
            return float(node["repr"])
        if kind == "timestamp":
            return pd.Timestamp(str(node["iso"]))
        if kind == "frame":
            return pq.read_table(io.BytesIO(self._member(node))).to_pandas()
        if kind == "series":
            series = pq.read_table(io.BytesIO(self._member(node))).to_pandas().iloc[:, 0]
            return series.rename(None) if node.get("unnamed") else series
        if kind == "array":
            return np.load(io.BytesIO(self._member(node)), allow_pickle=False)
        if kind == "dataclass":
            cls = DATACLASSES.get(node.get("class"))
            if cls is None:
                raise UnsafeValueError(f"the stored value names class {node.get('class')!r}, not one of {sorted(DATACLASSES)}")
            names = {f.name for f in dataclasses.fields(cls)}
            fields = node.get("fields") or {}
            if not set(fields) <= names:
                raise UnsafeValueError(f"{cls.__name__} has no fields {sorted(set(fields) - names)}")
            return cls(**{k: self.tree(v) for k, v in fields.items()})
        raise UnsafeValueError(f"unknown tag {kind!r} in a stored value")


def decode_value(data: bytes):
    """The value ``encode_value`` wrote; anything else is refused unread."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UnsafeValueError("not a stored asset value (no zip archive): refused unread") from None
    with archive:
        return _Reader(archive).tree(json.loads(_Reader(archive)._member({"member": VALUE})))

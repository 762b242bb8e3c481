"""One symbol's part of a per-symbol asset as a Parquet file: a data format, so reading a file
never runs code (as a pickle would), whoever wrote it, and other tools can read it.

A candle or feature frame is stored as it is. A TargetSet stores its frame, and its scales,
horizon and holdout as JSON in the file's key-value metadata.
"""

from __future__ import annotations

import dataclasses
import io
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from blofin_assets.market.targets import BarrierSpec, TargetScales
from blofin_assets.ml.dataset import HoldoutSpec, TargetSet

KIND = b"blofin.kind"
TARGETS = b"blofin.targets"


def encode_part(part: pd.DataFrame | TargetSet) -> bytes:
    """``part`` as the bytes of a Parquet file."""
    extra = {}
    if isinstance(part, TargetSet):
        frame = part.frame
        extra[KIND] = b"targets"
        extra[TARGETS] = json.dumps(
            {
                "scales": {s: dataclasses.asdict(scale) for s, scale in part.scales.items()},
                "horizon": part.horizon,
                "holdout": dataclasses.asdict(part.holdout),
                "barrier": dataclasses.asdict(part.barrier),
            }
        ).encode()
    elif isinstance(part, pd.DataFrame):
        frame = part
        extra[KIND] = b"frame"
    else:
        raise TypeError(f"cannot store a {type(part).__name__} as a symbol's partition")
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **extra})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def decode_part(data: bytes) -> pd.DataFrame | TargetSet:
    """The frame or TargetSet ``encode_part`` wrote."""
    table = pq.read_table(io.BytesIO(data))
    metadata = table.schema.metadata or {}
    frame = table.to_pandas()
    if metadata.get(KIND) != b"targets":
        return frame
    stored = json.loads(metadata[TARGETS])
    scales = {
        s: TargetScales(**{k: tuple(v) if isinstance(v, list) else v for k, v in scale.items()})
        for s, scale in stored["scales"].items()
    }
    return TargetSet(frame, scales, int(stored["horizon"]), HoldoutSpec(**stored["holdout"]), BarrierSpec(**stored.get("barrier", {})))

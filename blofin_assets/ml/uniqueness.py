"""How much independent evidence overlapping labels carry: sample uniqueness (López de Prado,
*Advances in Financial Machine Learning*, ch. 4).

The label of the candle at t spans the candles t+1 .. t+s (s = h for a fixed-horizon label, the
bars to the first barrier for a barrier label). With c_u the number of labels spanning candle u,
a label's average uniqueness is the mean of 1 / c_u over its span: 1 for a label alone, 1/h for
one of h-long labels starting every candle. Used as sample weights, each candle's outcome counts
once in all instead of h times; their sum is the effective number of independent labels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def average_uniqueness(rows: pd.DataFrame, spans) -> np.ndarray:
    """Each row's average uniqueness; ``rows`` has symbol and timestamp, ``spans`` the candles
    each row's label spans. Candles are placed by time (a symbol's most common step between
    rows is a bar), so labels on either side of a gap do not overlap."""
    spans = np.asarray(spans, dtype=np.int64)
    if (spans < 1).any():
        raise ValueError("a label spans at least one candle")
    out = np.empty(len(rows))
    times = pd.DatetimeIndex(rows["timestamp"])
    for _, positions in rows.groupby("symbol", sort=False).indices.items():
        stamps = times[positions]
        steps = np.diff(np.sort(stamps.asi8))
        bar = int(pd.Series(steps).mode().iloc[0]) if len(steps) else 1
        start = ((stamps.asi8 - stamps.asi8.min()) // bar).astype(np.int64) + 1  # first candle spanned
        end = start + spans[positions]  # one past the last
        cover = np.zeros(int(end.max()) + 1)
        np.add.at(cover, start, 1.0)
        np.add.at(cover, end, -1.0)
        count = np.cumsum(cover)
        inverse = np.concatenate([[0.0], np.cumsum(np.where(count > 0, 1.0 / np.maximum(count, 1.0), 0.0))])
        out[positions] = (inverse[end] - inverse[start]) / spans[positions]
    return out

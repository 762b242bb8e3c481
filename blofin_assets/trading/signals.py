"""The signal a backtest trades: the ensemble's P(UP) for rows of features, or one directional
member's, with the ensemble's abstentions (rows unlike the training rows: no trade)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from blofin_assets.ml.ensemble.predictor import EnsemblePredictor, direction_frame


def signal_to_trade(ensemble: EnsemblePredictor, rows: pd.DataFrame, signal: str) -> tuple[pd.DataFrame, np.ndarray, str]:
    """(direction, confidence and p_up per row, abstain per row, label) of the ensemble's
    signal, or of one directional member's (``signal`` = its name): the same call the live
    ``predictions`` asset makes for the ensemble."""
    live = ensemble.signal(rows)
    abstain = live["abstain"].to_numpy(dtype=bool)
    if signal == "ensemble":
        return live[["direction", "confidence", "p_up"]], abstain, f"ensemble ({ensemble.ensemble_type})"
    if signal not in ensemble.signal_members:
        raise ValueError(f"signal must be 'ensemble' or one of {list(ensemble.signal_members)}, got {signal!r}")
    p_up = ensemble.members[signal].ensemble_outputs(rows)[ensemble.signal_members[signal]].to_numpy()
    return direction_frame(p_up, rows.index), abstain, signal

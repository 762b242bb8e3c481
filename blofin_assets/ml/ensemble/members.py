"""The common scale: what each model contributes to the ensemble, per row.

Each model class says it (``ensemble_columns``, ``ensemble_outputs``); for the built-in ones:

| member               | columns                                   | meaning |
|----------------------|-------------------------------------------|---------|
| direction_predictor  | p_up                                      | P(close in h candles > close now) |
| price_predictor      | price_p_up, expected_return               | Phi(mu / s) and mu: mu the predicted log return, s the spread of realized around predicted returns on its calibration rows (a Gaussian forecast) |
| momentum_classifier  | p_decelerating, p_neutral, p_accelerating | calibrated state probabilities |
| risk_scorer          | risk                                      | 0-100 |
| volatility_regressor | predicted_vol                             | realized volatility of the next h candles |

Only the members with a ``signal_column`` (direction, price) say which way the price goes:
weighted averaging and voting combine their P(UP). Momentum, risk and volatility describe the
path, not its direction: stacking uses them as features, and the backtest's position rule
uses risk as a filter.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from blofin_assets.ml.models import CandleModel


def is_member(model: CandleModel | type[CandleModel]) -> bool:
    return bool(model.ensemble_columns)


def stacking_features(models: Iterable[CandleModel]) -> list[str]:
    """The columns the stacking meta-learner learns from, member by member."""
    return [column for model in models for column in model.stacking_columns]


def all_member_outputs(models: Iterable[CandleModel], X: pd.DataFrame) -> pd.DataFrame:
    """Every given member's columns side by side, each model run once."""
    return pd.concat([model.ensemble_outputs(X) for model in models], axis=1)

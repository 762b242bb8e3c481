"""The common scale: what each model contributes to the ensemble, per row.

| member               | columns                                   | meaning |
|----------------------|-------------------------------------------|---------|
| direction_predictor  | p_up                                      | P(close in h candles > close now) |
| price_predictor      | price_p_up, expected_return               | Phi(mu / s) and mu: mu the predicted log return, s the spread of realized around predicted returns on its calibration rows (a Gaussian forecast) |
| momentum_classifier  | p_decelerating, p_neutral, p_accelerating | calibrated state probabilities |
| risk_scorer          | risk                                      | 0-100 |
| volatility_regressor | predicted_vol                             | realized volatility of the next h candles |

Only the first two say which way the price goes: weighted averaging and voting combine their
P(UP). Momentum, risk and volatility describe the path, not its direction: stacking uses them
as features, and the backtest's position rule uses risk as a filter.
"""

from __future__ import annotations

import pandas as pd

from blofin_assets.market.targets import MOMENTUM_STATES
from blofin_assets.ml.models.base import CandleModel

MEMBER_COLUMNS = {
    "direction_predictor": ("p_up",),
    "price_predictor": ("price_p_up", "expected_return"),
    "momentum_classifier": tuple(f"p_{state}" for state in MOMENTUM_STATES),
    "risk_scorer": ("risk",),
    "volatility_regressor": ("predicted_vol",),
}
# The column holding each directional member's P(UP).
SIGNAL_COLUMNS = {"direction_predictor": "p_up", "price_predictor": "price_p_up"}


def member_outputs(model: CandleModel, X: pd.DataFrame) -> pd.DataFrame:
    """``model``'s contribution to the ensemble for the rows of ``X``, on the common scale."""
    name = model.name
    if name == "direction_predictor":
        data = {"p_up": model.predict_proba(X)[:, 1]}
    elif name == "price_predictor":
        expected = model.predict_log_return(X)
        data = {"price_p_up": model.up_probability(expected), "expected_return": expected}
    elif name == "momentum_classifier":
        proba = model.predict_proba(X)
        data = {column: proba[:, i] for i, column in enumerate(MEMBER_COLUMNS[name])}
    elif name == "risk_scorer":
        data = {"risk": model.predict(X)}
    elif name == "volatility_regressor":
        data = {"predicted_vol": model.predict(X)}
    else:
        raise ValueError(f"{name} is not an ensemble member; members are {sorted(MEMBER_COLUMNS)}")
    return pd.DataFrame(data, index=X.index)


def all_member_outputs(models: dict[str, CandleModel], X: pd.DataFrame) -> pd.DataFrame:
    """Every given member's columns side by side, each model run once."""
    return pd.concat([member_outputs(model, X) for model in models.values()], axis=1)

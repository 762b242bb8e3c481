"""Technical features, computed per symbol and strictly causal: the value at candle t uses
candles <= t only, so appending future candles never changes an earlier value.

Formulas (r_t = ln(close_t / close_{t-1}); EMA_n has alpha = 2/(n+1); Wilder smoothing has
alpha = 1/n; both recursive from the first candle, never adjusted with later data):

- close            the close price (level; kept for targets and price models, not a model input)
- returns          r_t
- rsi_14           100 - 100 / (1 + Wilder14(gains) / Wilder14(losses)) of close-to-close changes
- macd             (EMA12(close) - EMA26(close)) / close   (in units of price, so symbols compare)
- macd_signal      EMA9(macd);   macd_hist = macd - macd_signal
- volume_sma       SMA20(volume) (level; not a model input);  volume_ratio = volume / volume_sma
- volatility_std   sample std of r over the last 20 candles
- atr              Wilder14(true range) / close, true range = max(h-l, |h-c_prev|, |l-c_prev|)
- drawdown         close / max(close over the last 50 candles) - 1   (<= 0)
- sharpe           mean(r) / std(r) over the last 20 candles (per candle, not annualised)
- momentum_roc     close / close 10 candles ago - 1
- stoch_k          100 * (close - min(low,14)) / (max(high,14) - min(low,14)); 50 when the range is 0
- stoch_d          SMA3(stoch_k)
- adx              Wilder14 of DX = 100 |+DI - -DI| / (+DI + -DI), DI from Wilder14 of directional moves
- parkinson_vol    sqrt(mean(ln(high/low)^2 over 20 candles) / (4 ln 2))

The first WARMUP_CANDLES rows of each symbol are dropped: by then every rolling window is full
and the recursive averages have forgotten their start (EMA26 keeps < 0.1% of its seed after
100 steps). Rows are dropped, never filled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WARMUP_CANDLES = 100

FEATURE_COLUMNS = (
    "close",
    "returns",
    "rsi_14",
    "macd",
    "macd_signal",
    "macd_hist",
    "volume_sma",
    "volume_ratio",
    "volatility_std",
    "atr",
    "drawdown",
    "sharpe",
    "momentum_roc",
    "stoch_k",
    "stoch_d",
    "adx",
    "parkinson_vol",
)
# Price and volume levels differ by orders of magnitude between symbols; pooled models see
# only the scale-free columns.
MODEL_FEATURES = tuple(c for c in FEATURE_COLUMNS if c not in ("close", "volume_sma"))


def _ema(x: pd.Series, span: int) -> pd.Series:
    return x.ewm(span=span, adjust=False).mean()


def _wilder(x: pd.Series, n: int) -> pd.Series:
    return x.ewm(alpha=1.0 / n, adjust=False).mean()


def symbol_features(candles: pd.DataFrame) -> pd.DataFrame:
    """All feature columns for ONE symbol's candles (sorted by time), warm-up rows included."""
    close, high, low, volume = (candles[c] for c in ("close", "high", "low", "volume"))
    prev_close = close.shift(1)
    r = np.log(close / prev_close)
    out = pd.DataFrame(index=candles.index)
    out["close"] = close
    out["returns"] = r

    change = close.diff()
    gain = _wilder(change.clip(lower=0.0), 14)
    loss = _wilder((-change).clip(lower=0.0), 14)
    out["rsi_14"] = 100.0 - 100.0 / (1.0 + gain / loss.replace(0.0, np.nan))
    out.loc[(loss == 0) & (gain > 0), "rsi_14"] = 100.0

    macd = (_ema(close, 12) - _ema(close, 26)) / close
    out["macd"] = macd
    out["macd_signal"] = _ema(macd, 9)
    out["macd_hist"] = macd - out["macd_signal"]

    out["volume_sma"] = volume.rolling(20, min_periods=20).mean()
    out["volume_ratio"] = volume / out["volume_sma"].replace(0.0, np.nan)
    out["volatility_std"] = r.rolling(20, min_periods=20).std()

    true_range = pd.concat(
        [high - low, (high - prev_close).abs(), (low - prev_close).abs()], axis=1
    ).max(axis=1, skipna=False)
    atr = _wilder(true_range, 14)
    out["atr"] = atr / close

    out["drawdown"] = close / close.rolling(50, min_periods=50).max() - 1.0
    mean_r = r.rolling(20, min_periods=20).mean()
    out["sharpe"] = mean_r / out["volatility_std"].replace(0.0, np.nan)
    out["momentum_roc"] = close / close.shift(10) - 1.0

    lowest = low.rolling(14, min_periods=14).min()
    highest = high.rolling(14, min_periods=14).max()
    span = highest - lowest
    stoch_k = (100.0 * (close - lowest) / span.replace(0.0, np.nan)).where(span != 0, 50.0)
    out["stoch_k"] = stoch_k.where(span.notna())
    out["stoch_d"] = out["stoch_k"].rolling(3, min_periods=3).mean()

    out["adx"] = _adx(high, low, atr, 14)
    hl2 = np.log(high / low) ** 2
    out["parkinson_vol"] = np.sqrt(hl2.rolling(20, min_periods=20).mean() / (4.0 * np.log(2.0)))
    return out


def _adx(high: pd.Series, low: pd.Series, atr: pd.Series, n: int) -> pd.Series:
    up = high.diff()
    down = -low.diff()
    plus_dm = up.where((up > down) & (up > 0), 0.0).where(up.notna())
    minus_dm = down.where((down > up) & (down > 0), 0.0).where(down.notna())
    safe_atr = atr.replace(0.0, np.nan)
    plus_di = 100.0 * _wilder(plus_dm, n) / safe_atr
    minus_di = 100.0 * _wilder(minus_dm, n) / safe_atr
    total = (plus_di + minus_di).replace(0.0, np.nan)
    dx = (100.0 * (plus_di - minus_di).abs() / total).fillna(0.0).where(plus_di.notna())
    return _wilder(dx, n)


def compute_features(candles: pd.DataFrame) -> pd.DataFrame:
    """Features for every symbol of a validated candle frame.

    Returns ``symbol, timestamp`` plus FEATURE_COLUMNS; each symbol's series is computed on its
    own (no window crosses symbols), its first WARMUP_CANDLES rows and any row with an
    undefined value are dropped.
    """
    parts = []
    for symbol, group in candles.groupby("symbol", sort=True):
        group = group.reset_index(drop=True)
        feats = symbol_features(group).iloc[WARMUP_CANDLES:]
        feats.insert(0, "timestamp", group["timestamp"].iloc[WARMUP_CANDLES:])
        feats.insert(0, "symbol", str(symbol))
        parts.append(feats.replace([np.inf, -np.inf], np.nan).dropna())
    if not parts:
        return pd.DataFrame(columns=["symbol", "timestamp", *FEATURE_COLUMNS])
    return pd.concat(parts, ignore_index=True)

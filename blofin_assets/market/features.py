"""Technical features, computed per symbol and strictly causal: the value at candle t uses
candles <= t only, so appending future candles never changes an earlier value.

The indicators traders compare with their charting tools (RSI, MACD, ATR, ADX, SMA, fast
stochastic) are computed by TA-Lib itself, seeded as TA-Lib seeds them (Wilder and EMA averages
start from a simple average of their first n values), so after the warm-up they equal TA-Lib's
to float precision; then scaled by close where noted. r_t = ln(close_t / close_{t-1}).

- close            the close price (level; kept for targets and price models, not a model input)
- returns          r_t
- rsi_14           TA-Lib RSI(close, 14); 50 while the series has not moved since its start
- macd             MACD(12, 26) line / close   (the usual MACD, in units of price, so symbols compare)
- macd_signal      EMA9 of the MACD line (TA-Lib's signal) / close;  macd_hist = macd - macd_signal
- volume_sma       SMA20(volume) (level; not a model input)
- volume_ratio     volume / volume_sma; 1 (neutral: volume as usual) where volume_sma is 0, as on
                   feeds that report no volume
- volatility_std   sample std of r over the last 20 candles
- atr              TA-Lib ATR(14) / close
- drawdown         close / max(close over the last 50 candles) - 1   (<= 0)
- sharpe           mean(r) / std(r) over the last 20 candles (per candle, not annualised);
                   0 (neutral) over a flat stretch, where std is 0
- momentum_roc     close / close 10 candles ago - 1   (TA-Lib ROC / 100)
- stoch_k          100 * (close - min(low,14)) / (max(high,14) - min(low,14)) (TA-Lib STOCHF
                   fast %K); 50 when the range is 0 (a flat stretch)
- stoch_d          SMA3(stoch_k)
- adx              TA-Lib ADX(14)
- parkinson_vol    sqrt(mean(ln(high/low)^2 over 20 candles) / (4 ln 2))

The first WARMUP_CANDLES rows of each symbol are dropped (every window full, TA-Lib's longest
lookback, MACD's 33, passed). After that no row is dropped for zero volume or a flat
stretch: those get the neutral values above (``NEUTRAL_WHEN_UNDEFINED``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import talib

WARMUP_CANDLES = 100
# The value a feature takes where its formula divides by zero (no volume, no movement).
NEUTRAL_WHEN_UNDEFINED = {"rsi_14": 50.0, "volume_ratio": 1.0, "sharpe": 0.0, "stoch_k": 50.0}

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


def symbol_features(candles: pd.DataFrame) -> pd.DataFrame:
    """All feature columns for ONE symbol's candles (sorted by time), warm-up rows included."""
    close, high, low, volume = (candles[c].to_numpy(dtype="float64") for c in ("close", "high", "low", "volume"))
    out = pd.DataFrame(index=candles.index)
    out["close"] = close
    r = pd.Series(np.log(close[1:] / close[:-1]), index=candles.index[1:]).reindex(candles.index)
    out["returns"] = r

    rsi = talib.RSI(close, 14)
    unmoved = np.cumsum(np.abs(np.diff(close, prepend=close[0]))) == 0  # TA-Lib says 0 there
    out["rsi_14"] = np.where(unmoved & ~np.isnan(rsi), NEUTRAL_WHEN_UNDEFINED["rsi_14"], rsi)

    macd, signal, hist = talib.MACD(close, 12, 26, 9)
    out["macd"] = macd / close
    out["macd_signal"] = signal / close
    out["macd_hist"] = hist / close

    # A window without volume, told by its maximum: TA-Lib's running sum leaves a residue of
    # about 1e-15 where the true mean is 0.
    silent = pd.Series(volume).rolling(20).max().to_numpy() == 0
    volume_sma = np.where(silent, 0.0, talib.SMA(volume, 20))
    out["volume_sma"] = volume_sma
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = volume / volume_sma
    out["volume_ratio"] = np.where(silent, NEUTRAL_WHEN_UNDEFINED["volume_ratio"], ratio)
    out["volatility_std"] = r.rolling(20, min_periods=20).std()

    out["atr"] = talib.ATR(high, low, close, 14) / close

    close_s = pd.Series(close, index=candles.index)
    out["drawdown"] = close_s / close_s.rolling(50, min_periods=50).max() - 1.0
    mean_r = r.rolling(20, min_periods=20).mean()
    std_r = out["volatility_std"]
    out["sharpe"] = (mean_r / std_r.replace(0.0, np.nan)).where(std_r != 0, NEUTRAL_WHEN_UNDEFINED["sharpe"]).where(std_r.notna())
    out["momentum_roc"] = talib.ROC(close, 10) / 100.0

    fastk, fastd = talib.STOCHF(high, low, close, fastk_period=14, fastd_period=3, fastd_matype=talib.MA_Type.SMA)
    span = pd.Series(high, index=candles.index).rolling(14).max() - pd.Series(low, index=candles.index).rolling(14).min()
    stoch_k = pd.Series(fastk, index=candles.index).where(span != 0, NEUTRAL_WHEN_UNDEFINED["stoch_k"]).where(span.notna())
    out["stoch_k"] = stoch_k
    out["stoch_d"] = stoch_k.rolling(3, min_periods=3).mean()

    out["adx"] = talib.ADX(high, low, close, 14)
    hl2 = pd.Series(np.log(high / low) ** 2, index=candles.index)
    out["parkinson_vol"] = np.sqrt(hl2.rolling(20, min_periods=20).mean() / (4.0 * np.log(2.0)))
    return out


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

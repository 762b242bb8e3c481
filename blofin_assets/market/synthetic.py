"""A deterministic synthetic candle generator with the structure real crypto candles have.

Per symbol, log returns follow  r_t = mu_k + phi_k * r_{t-1} + sigma_t * z_t  where
- k is a hidden market regime (calm / up-trend / down-trend / turbulent) from a sticky
  Markov chain, so trends, mean reversion and volatility level change over time;
- sigma_t^2 = m_k * h_t with h_t = omega + alpha * e_{t-1}^2 + beta * h_{t-1}, e_t = sqrt(h_t) z_t:
  a GARCH(1,1) scaled by the regime's multiplier m_k, giving volatility clustering;
- z_t is Student-t with 4 degrees of freedom scaled to unit variance, giving fat tails.
Highs and lows extend past open/close by half-normal wicks proportional to sigma_t, so
low <= open, close <= high always holds; volume is log-normal and rises with |r_t| / sigma_t.
Every random component draws from its own stream, so asking for more candles appends to the
series and never changes the earlier ones (as a live market does). ``shift_at`` multiplies
volatility by ``shift_volatility`` from that time on: a regime change monitoring must catch.
``planted_momentum`` adds that autocorrelation to every regime's, and with ``shift_at`` turns
it into mean reversion from then on: a signal the models learn, then a market that trades
against it (a live drop the monitoring must catch).
``regime_changes=False`` keeps the market in its calm regime throughout (GARCH clustering and
fat tails remain): a stationary control for monitoring.
The series always begins at ``start``; ``end`` chooses which part of it is served: without it
the first ``candles_per_symbol`` bars, with it the last ``candles_per_symbol`` bars closed by
``end``. A market that follows the clock passes the current time: each bar that closes brings
one new candle and leaves every earlier one as it was, on any machine.
The weak autocorrelation phi_k is deliberate and small: models can find a little real
direction skill, as on real markets, and much more volatility skill.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

DEFAULT_SYMBOLS = ("BTC-USDT", "ETH-USDT", "SOL-USDT")

# Start price and hourly volatility per symbol, roughly as these markets were in 2024.
_PROFILES = {
    "BTC-USDT": (42_000.0, 0.0065),
    "ETH-USDT": (2_300.0, 0.0080),
    "SOL-USDT": (100.0, 0.0120),
}

# Regimes: (drift per hour, autocorrelation, volatility multiplier).
_REGIMES = np.array(
    [
        [0.00000, 0.00, 0.70],  # calm
        [0.00015, 0.10, 1.00],  # up-trend
        [-0.00015, 0.10, 1.20],  # down-trend
        [0.00000, -0.08, 1.90],  # turbulent
    ]
)
_STAY = 0.995  # chance a regime lasts another hour: mean regime length ~200 hours
_GARCH_ALPHA, _GARCH_BETA = 0.08, 0.90
_T_DOF = 4.0
# Every bar since ``start`` is generated (that is what keeps a candle the same whatever the
# end): this bounds the work (2.3 years of minute bars, a few seconds per symbol).
MAX_BARS = 1_200_000


def utc(value: str | pd.Timestamp) -> pd.Timestamp:
    """``value`` as a UTC timestamp (a time without a zone is taken as UTC)."""
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


@dataclass(frozen=True)
class SyntheticMarket:
    """Parameters of the embedded synthetic data. Same parameters, same candles.

    Parameters
    ----------
    symbols : tuple of str
        Symbols to generate (known ones get their 2024 price and volatility).
    candles_per_symbol : int
        Candles per symbol.
    bar : str
        Bar size (pandas frequency, e.g. 1h).
    seed : int
        Seed of every random stream.
    start : str
        Time of the first candle.
    shift_at : str, optional
        From this time on, volatility is multiplied by ``shift_volatility``.
    shift_volatility : float
        The factor of that regime change.
    regime_changes : bool
        False keeps one calm regime throughout.
    planted_momentum : float
        Autocorrelation added to every regime's (0: none); negated from ``shift_at`` on.
    end : str or pandas.Timestamp, optional
        Serve the last ``candles_per_symbol`` bars closed by this time (a bar opened at t closes
        at t + bar) instead of the first ones.
    """

    symbols: tuple[str, ...] = DEFAULT_SYMBOLS
    candles_per_symbol: int = 3000
    bar: str = "1h"
    seed: int = 3
    start: str = "2024-01-01T00:00:00Z"
    shift_at: str | None = None
    shift_volatility: float = 3.0
    regime_changes: bool = True
    planted_momentum: float = 0.0
    end: str | pd.Timestamp | None = None

    def generate(self) -> pd.DataFrame:
        if self.candles_per_symbol < 2:
            raise ValueError("candles_per_symbol must be at least 2")
        if not self.symbols:
            raise ValueError("at least one symbol is needed")
        first, total = self.window()
        frames = [self._symbol_candles(symbol, total).iloc[first:] for symbol in self.symbols]
        return pd.concat(frames, ignore_index=True)

    def window(self) -> tuple[int, int]:
        """(index of the first bar served, bars generated from ``start``)."""
        n = self.candles_per_symbol
        if self.end is None:
            return 0, n
        start, end, bar = utc(self.start), utc(self.end), pd.Timedelta(self.bar)
        closed = (end - start) // bar  # bars whose close is at or before end
        if closed < n:
            raise ValueError(
                f"synthetic market: {n} bars of {self.bar} closed by {end.isoformat()} would begin before its "
                f"start {start.isoformat()} ({closed} fit); ask for fewer candles or a later end"
            )
        if closed > MAX_BARS:
            raise ValueError(
                f"synthetic market: {end.isoformat()} is {closed:,} bars of {self.bar} after its start {start.isoformat()}, "
                f"more than the {MAX_BARS:,} it generates: use a longer bar or a later start"
            )
        return closed - n, closed

    def _symbol_candles(self, symbol: str, n: int) -> pd.DataFrame:
        # crc32 rather than hash(): Python salts str hashes per process.
        symbol_id = zlib.crc32(symbol.encode())

        def stream(component: int) -> np.random.Generator:
            return np.random.default_rng([self.seed, symbol_id, component])

        hours = pd.Timedelta(self.bar) / pd.Timedelta("1h")
        price0, hourly_vol = _PROFILES.get(symbol, (10.0 + symbol_id % 990, 0.01))
        base_vol = hourly_vol * np.sqrt(hours)
        timestamps = pd.date_range(self.start, periods=n, freq=self.bar, tz="UTC")

        if self.regime_changes:
            regimes = _regime_path(stream(0), stream(1), stream(2), n, stay=_STAY ** hours)
        else:
            regimes = np.zeros(n, dtype=np.int64)
        drift, phi, vol_mult = (_REGIMES[regimes, i] for i in range(3))
        drift = drift * hours
        shifted = timestamps >= utc(self.shift_at) if self.shift_at is not None else np.zeros(n, dtype=bool)
        vol_mult = np.where(shifted, vol_mult * self.shift_volatility**2, vol_mult)
        phi = phi + np.where(shifted, -self.planted_momentum, self.planted_momentum)
        z = stream(3).standard_t(_T_DOF, size=n) / np.sqrt(_T_DOF / (_T_DOF - 2))
        returns, sigma = _garch_returns(z, drift, phi, vol_mult, base_vol)

        close = price0 * np.exp(np.cumsum(returns))
        gap = stream(4).normal(0.0, 0.05, size=n) * sigma
        open_ = np.concatenate([[price0], close[:-1]]) * np.exp(gap)
        wick_hi = np.abs(stream(5).normal(0.0, 0.5, size=n)) * sigma
        wick_lo = np.abs(stream(6).normal(0.0, 0.5, size=n)) * sigma
        high = np.maximum(open_, close) * np.exp(wick_hi)
        low = np.minimum(open_, close) * np.exp(-wick_lo)
        surprise = np.abs(returns) / np.maximum(sigma, 1e-12)
        volume = 1_000_000.0 / price0 * np.exp(stream(7).normal(0.0, 0.4, size=n)) * (1.0 + 0.6 * surprise)

        return pd.DataFrame(
            {
                "symbol": symbol,
                "timestamp": timestamps,
                "open": open_,
                "high": high,
                "low": low,
                "close": close,
                "volume": volume,
            }
        )


def _regime_path(first, switching, choosing, n: int, stay: float) -> np.ndarray:
    switches = switching.random(n) > stay
    choices = choosing.integers(1, len(_REGIMES), size=n)  # offset to another regime
    path = np.empty(n, dtype=np.int64)
    state = int(first.integers(len(_REGIMES)))
    for t in range(n):
        if switches[t]:
            state = (state + choices[t]) % len(_REGIMES)
        path[t] = state
    return path


def _garch_returns(z, drift, phi, vol_mult, base_vol):
    n = len(z)
    omega = base_vol**2 * (1.0 - _GARCH_ALPHA - _GARCH_BETA)
    var = base_vol**2
    e = 0.0  # GARCH innovation before the regime's scaling, so the recursion stays stationary
    prev = 0.0
    returns = np.empty(n)
    sigma = np.empty(n)
    for t in range(n):
        var = omega + _GARCH_ALPHA * e**2 + _GARCH_BETA * var
        e = np.sqrt(var) * z[t]
        sigma[t] = np.sqrt(var * vol_mult[t])
        prev = drift[t] + phi[t] * prev + sigma[t] * z[t]
        returns[t] = prev
    return returns, sigma

"""Market calendars: when a market is closed, so that a hole in its candles over a closure is
expected rather than refused as a gap.

Crypto trades around the clock; FX closes every weekend, stock exchanges every weekend and on
holidays. A calendar is one of:

- ``24/7``: never closed; every missing bar counts.
- ``weekdays``: closed Saturday and Sunday (UTC), and on the holidays.
- ``auto`` (the default): the symbol's own recurring weekly closure, recognised from its candles:
  a slot of the week (the bar's position from Monday 00:00 UTC) with a candle in fewer than
  ``CLOSED_SHARE`` of the weeks covered is a closure. Crypto candles show none, so ``auto`` is
  24/7 for them; with fewer than ``MIN_WEEKS`` weeks of candles nothing is recognised.

Where a market has closures, holidays are expected too: the listed ones (``MM-DD`` every year,
or ``YYYY-MM-DD``), and any run of at most one day of missing bars that adjoins the weekly
closure (a long weekend: Good Friday, a Monday holiday, Christmas on a Monday). A day missing in
the middle of the week that is not listed still counts as a gap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

CALENDARS = ("auto", "24/7", "weekdays")
DEFAULT_HOLIDAYS = ("01-01", "12-25")  # closed on nearly every exchange that closes at all
WEEK = pd.Timedelta(weeks=1)
DAY = pd.Timedelta(days=1)
MONDAY = pd.Timestamp("2024-01-01", tz="UTC")  # any Monday 00:00 UTC anchors the week's slots
MIN_WEEKS = 4
CLOSED_SHARE = 0.2
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def week_slots(timestamps, bar: pd.Timedelta) -> np.ndarray:
    """Each timestamp's bar-sized slot of the week, counted from Monday 00:00 UTC."""
    offset = (pd.DatetimeIndex(timestamps) - MONDAY) % WEEK
    return np.asarray(offset // bar, dtype="int64")


@dataclass(frozen=True)
class MarketCalendar:
    """The weekly slots a market is closed (empty: 24/7) and its listed holidays."""

    bar: pd.Timedelta
    closed_slots: frozenset[int] = frozenset()
    holidays: tuple[str, ...] = DEFAULT_HOLIDAYS

    @property
    def always_open(self) -> bool:
        return not self.closed_slots

    def closed(self, timestamps: pd.DatetimeIndex) -> np.ndarray:
        """Whether each timestamp falls on a weekly closure or a listed holiday."""
        if self.always_open:
            return np.zeros(len(timestamps), dtype=bool)
        in_closure = np.isin(week_slots(timestamps, self.bar), list(self.closed_slots))
        days = timestamps.strftime("%Y-%m-%d")
        listed = np.isin(days, self.holidays) | np.isin(days.str[5:], self.holidays)
        return in_closure | listed

    def unexplained(self, missing: pd.DatetimeIndex) -> pd.DatetimeIndex:
        """The bars of one hole that no closure explains; none when the rest is a long weekend
        (at most a day of bars next to the weekly closure)."""
        closed = self.closed(missing)
        rest = missing[~closed]
        if closed.any() and len(rest) * self.bar <= DAY and adjoins(missing, closed):
            return rest[:0]
        return rest

    def describe(self) -> str:
        if self.always_open:
            return "24/7"
        runs = closed_runs(sorted(self.closed_slots), int(WEEK / self.bar))
        spans = [f"{slot_label(a, self.bar)} - {slot_label(b + 1, self.bar)}" for a, b in runs]
        return "closed " + ", ".join(spans) + " UTC, and holidays"


def adjoins(missing: pd.DatetimeIndex, closed: np.ndarray) -> bool:
    """Whether the open bars of a hole form one run touching its closed bars (before or after)."""
    open_at = np.flatnonzero(~closed)
    return bool(open_at.size == 0 or open_at[0] == 0 or open_at[-1] == len(missing) - 1 or closed[open_at[0] - 1])


def closed_runs(slots: list[int], n_slots: int) -> list[tuple[int, int]]:
    """Consecutive slots as (first, last) runs, a run over Sunday night joined to Monday's."""
    runs: list[list[int]] = []
    for slot in slots:
        if runs and slot == runs[-1][1] + 1:
            runs[-1][1] = slot
        else:
            runs.append([slot, slot])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][1] == n_slots - 1:
        runs[0][0] = runs.pop()[0]
    return [(a, b) for a, b in runs]


def slot_label(slot: int, bar: pd.Timedelta) -> str:
    at = MONDAY + slot * bar
    return f"{DAY_NAMES[at.day_of_week]} {at:%H:%M}"


def recognise_calendar(timestamps: pd.Series, bar: pd.Timedelta, setting: str = "auto", holidays=DEFAULT_HOLIDAYS) -> MarketCalendar:
    """The calendar ``setting`` names for one symbol's candles (see the module's docstring)."""
    if setting not in CALENDARS:
        raise ValueError(f"calendar {setting!r}: expected one of {', '.join(CALENDARS)}")
    holidays = tuple(holidays)
    if setting == "24/7" or WEEK % bar != pd.Timedelta(0):
        return MarketCalendar(bar, frozenset(), holidays)
    n_slots = int(WEEK / bar)
    if setting == "weekdays":
        weekend = np.flatnonzero(pd.DatetimeIndex([MONDAY + i * bar for i in range(n_slots)]).day_of_week >= 5)
        return MarketCalendar(bar, frozenset(int(s) for s in weekend), holidays)
    stamps = pd.DatetimeIndex(timestamps)
    weeks = (stamps.max() - stamps.min()) / WEEK
    if weeks < MIN_WEEKS:
        return MarketCalendar(bar, frozenset(), holidays)
    share = np.bincount(week_slots(stamps, bar), minlength=n_slots) / weeks
    return MarketCalendar(bar, frozenset(int(s) for s in np.flatnonzero(share < CLOSED_SHARE)), holidays)

"""The times a cron string falls on, for running the schedules on a simulated clock (Dagster
has no public iterator of a schedule's ticks).

The five standard fields (minute, hour, day of month, month, day of week), each ``*``, a
number, a range ``a-b``, a step ``*/n``, ``a/n`` or ``a-b/n``, or a list of those; day of week
0-7, 0 and 7 both Sunday. As in cron, when both day fields are restricted a day matching either
is due. Times are UTC, as the project's schedules are.
"""

from __future__ import annotations

import pandas as pd

FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7))


def _values(field: str, low: int, high: int) -> set[int]:
    values = set()
    for part in field.split(","):
        span, _, step = part.partition("/")
        step = int(step) if step else 1
        if span == "*":
            first, last = low, high
        elif "-" in span:
            first, last = (int(v) for v in span.split("-", 1))
        else:
            first = int(span)
            last = high if step != 1 or part.endswith("/") else first  # "5/15": from 5 on, every 15
        if step < 1 or not low <= first <= last <= high:
            raise ValueError(part)
        values |= set(range(first, last + 1, step))
    return values


class Cron:
    """A parsed cron string; ``due(start, end)`` lists its times after start up to end."""

    def __init__(self, text: str):
        fields = text.split()
        if len(fields) != 5:
            raise ValueError(f"cron {text!r}: five fields expected (minute hour day-of-month month day-of-week)")
        try:
            self.minutes, self.hours, self.days, self.months, weekdays = (
                _values(field, low, high) for field, (_, low, high) in zip(fields, FIELDS)
            )
        except ValueError as exc:
            raise ValueError(f"cron {text!r}: {exc} is not understood (numbers, *, ranges a-b, steps /n and lists)") from None
        self.weekdays = {d % 7 for d in weekdays}
        self.text = text
        self.any_day, self.any_weekday = fields[2].startswith("*"), fields[4].startswith("*")

    def matches(self, when: pd.Timestamp) -> bool:
        if when.minute not in self.minutes or when.hour not in self.hours or when.month not in self.months:
            return False
        day, weekday = when.day in self.days, (when.day_of_week + 1) % 7 in self.weekdays  # pandas: Monday 0; cron: Sunday 0
        return day and weekday if self.any_day or self.any_weekday else day or weekday

    def due(self, start: pd.Timestamp, end: pd.Timestamp) -> list[pd.Timestamp]:
        """Its times after ``start``, up to and including ``end`` (whole minutes, UTC)."""
        minutes = pd.date_range(start.floor("min") + pd.Timedelta(minutes=1), end, freq="min")
        return [when for when in minutes if self.matches(when)]

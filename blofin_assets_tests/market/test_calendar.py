"""Market calendars: closures are expected holes, outages in trading time are still gaps."""

import numpy as np
import pandas as pd
import pytest

from blofin_assets.market.calendar import recognise_calendar
from blofin_assets.market.schema import find_gaps, market_calendars


def series(timestamps: pd.DatetimeIndex, symbol: str, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 1.1 * np.exp(np.cumsum(rng.normal(0, 0.001, len(timestamps))))
    return pd.DataFrame(
        {"symbol": symbol, "timestamp": timestamps, "open": close, "high": close * 1.001, "low": close * 0.999, "close": close, "volume": 0.0}
    )


def fx_hours(start="2023-11-06", end="2024-01-29") -> pd.DatetimeIndex:
    """Hourly FX: closed from Friday 22:00 to Sunday 22:00 UTC every week."""
    hours = pd.date_range(start, end, freq="1h", tz="UTC", inclusive="left")
    friday_night = (hours.day_of_week == 4) & (hours.hour >= 22)
    sunday_day = (hours.day_of_week == 6) & (hours.hour < 22)
    return hours[~(friday_night | (hours.day_of_week == 5) | sunday_day)]


def stock_days(start="2022-01-03", end="2024-01-01") -> pd.DatetimeIndex:
    days = pd.date_range(start, end, freq="1D", tz="UTC", inclusive="left")
    return days[days.day_of_week < 5]


def drop(index: pd.DatetimeIndex, start: str, end: str) -> pd.DatetimeIndex:
    return index[(index < pd.Timestamp(start, tz="UTC")) | (index >= pd.Timestamp(end, tz="UTC"))]


def test_the_weekly_fx_closure_is_recognised_and_its_weekends_are_not_gaps():
    candles = series(fx_hours(), "EUR-USD")
    calendars = market_calendars(candles)
    assert calendars["EUR-USD"].describe() == "closed Fri 22:00 - Sun 22:00 UTC, and holidays"
    assert find_gaps(candles, 3.0, calendars) == []
    assert len(find_gaps(candles, 3.0)) == 12  # without a calendar each of the 12 weekends is a gap


def test_christmas_on_a_monday_is_a_long_weekend_and_new_year_a_listed_holiday():
    hours = drop(fx_hours(), "2023-12-24T22:00", "2023-12-25T22:00")  # Christmas Monday 2023
    hours = drop(hours, "2023-12-31T22:00", "2024-01-01T22:00")  # New Year's Day, a Monday too
    hours = drop(hours, "2024-01-17T00:00", "2024-01-17T22:00")  # a Wednesday, listed below
    candles = series(hours, "EUR-USD")
    assert find_gaps(candles, 3.0, market_calendars(candles, holidays=["01-01", "12-25", "2024-01-17"])) == []


def test_an_outage_in_trading_time_still_fails_however_long_the_weekends_are():
    candles = series(drop(fx_hours(), "2023-12-06T00:00", "2023-12-08T00:00"), "EUR-USD")  # Wednesday and Thursday
    (gap,) = find_gaps(candles, 3.0, market_calendars(candles))
    assert (gap["after"], gap["before"], gap["in_trading_time"]) == ("2023-12-05T23:00:00+00:00", "2023-12-08T00:00:00+00:00", 48)


def test_daily_stocks_with_holiday_weekends_pass_and_a_missing_week_does_not():
    days = drop(stock_days(), "2023-04-07", "2023-04-08")  # Good Friday
    days = drop(days, "2023-05-29", "2023-05-30")  # a Monday holiday
    candles = series(days, "SPY")
    calendars = market_calendars(candles)
    assert calendars["SPY"].describe() == "closed Sat 00:00 - Mon 00:00 UTC, and holidays"
    assert find_gaps(candles, 3.0, calendars) == []
    outage = series(drop(days, "2023-09-11", "2023-09-16"), "SPY")  # Monday to Friday
    (gap,) = find_gaps(outage, 3.0, market_calendars(outage))
    assert gap["missing_bars"] == 9 and gap["in_trading_time"] == 5  # two weekends and five trading days


def test_crypto_trades_around_the_clock_so_a_missing_weekend_is_a_gap():
    hours = pd.date_range("2024-01-01", periods=24 * 7 * 8, freq="1h", tz="UTC")
    candles = series(drop(hours, "2024-01-13", "2024-01-15"), "BTC-USDT")
    calendars = market_calendars(candles)
    assert calendars["BTC-USDT"].always_open and calendars["BTC-USDT"].describe() == "24/7"
    (gap,) = find_gaps(candles, 3.0, calendars)
    assert gap["in_trading_time"] == 48


def test_a_calendar_can_be_named_instead_of_recognised():
    candles = series(fx_hours(), "EUR-USD")
    assert len(find_gaps(candles, 3.0, market_calendars(candles, "24/7"))) == 12
    # weekdays: closed all of Saturday and Sunday; Friday's last two hours still count, within tolerance
    assert find_gaps(candles, 3.0, market_calendars(candles, "weekdays")) == []
    with pytest.raises(ValueError, match="expected one of auto, 24/7, weekdays"):
        recognise_calendar(candles["timestamp"], pd.Timedelta("1h"), "nyse")


def test_too_few_weeks_recognise_nothing():
    candles = series(fx_hours("2024-01-01", "2024-01-20"), "EUR-USD")
    assert market_calendars(candles)["EUR-USD"].always_open

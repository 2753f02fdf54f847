"""Time windows (rule 6): the exact share of a line's tokens sent inside an off-peak window, from
the request's hourly profile, counted minute by minute in the window's zone."""

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from functools import lru_cache
from zoneinfo import ZoneInfo

from offers.estimator.request import HOURS
from offers.models import WEEKDAYS


@lru_cache(maxsize=512)
def _window_minutes(key, as_of):
    """Per UTC hour h: the minutes of h inside the window, summed over the 7 days from as_of, in
    hours (/60) and averaged over the days (/7), exactly. `key` is (start, end, tz, days)."""
    start, end, tz, days = key
    zone = ZoneInfo(tz)
    s = int(start[:2]) * 60 + int(start[3:])
    e = int(end[:2]) * 60 + int(end[3:])
    allowed = None if days is None else {WEEKDAYS.index(d) for d in days}

    def on(weekday):
        return allowed is None or weekday in allowed

    def inside(t, wd):
        # Past midnight (e <= s) the evening part belongs to its day, the morning to the day before.
        if s < e:
            return s <= t < e and on(wd)
        return (t >= s and on(wd)) or (t < e and on((wd - 1) % 7))

    counts = [0] * HOURS
    for k in range(7):
        day = as_of + timedelta(days=k)
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        for hour in range(HOURS):
            begin = midnight + timedelta(hours=hour)
            first = begin.astimezone(zone)
            last = (begin + timedelta(minutes=59)).astimezone(zone)
            if first.utcoffset() == last.utcoffset():
                # One offset all hour (the usual case): step through local minutes arithmetically.
                t0, wd0 = first.hour * 60 + first.minute, first.weekday()
                for minute in range(60):
                    t, wd = t0 + minute, wd0
                    if t >= 24 * 60:
                        t, wd = t - 24 * 60, (wd + 1) % 7
                    counts[hour] += inside(t, wd)
            else:  # the offset changes within this hour: convert each minute
                for minute in range(60):
                    local = (begin + timedelta(minutes=minute)).astimezone(zone)
                    counts[hour] += inside(local.hour * 60 + local.minute, local.weekday())
    return tuple(Fraction(c, 60 * 7) for c in counts)


def window_share(window, hourly_usage, as_of):
    """The share of tokens sent inside `window` (rule 6), exact: sum over the UTC hours of
    share(h) x the hours of h inside the window (averaged over the 7 days from as_of)."""
    key = (
        window["start"],
        window["end"],
        window["tz"],
        tuple(window["days"]) if window.get("days") else None,
    )
    minutes = _window_minutes(key, as_of)
    total = sum(hourly_usage, Fraction(0))
    return sum((w * m for w, m in zip(hourly_usage, minutes, strict=True)), Fraction(0)) / total

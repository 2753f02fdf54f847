"""Pricing dimensions of a price row (catalog-format.md: service_tier, region, time_window, mode,
reply-length band): the canonical time window, and the keys that name a window and a price slot.
Pure functions of values, used by the models, the importer, the seed builder and the estimator."""

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"\A([01]\d|2[0-3]):([0-5]\d)\Z")


def clean_time_window(value):
    """The canonical dict of a `time_window` value, or raise ValueError with what is wrong.

    {"start": "HH:MM", "end": "HH:MM", "tz": "Area/City", "days": [weekday, ...] or None}:
    requests sent in [start, end) local time (past midnight when end <= start); days in week
    order without repeats, None meaning every day. None stays None (all day)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("must be an object with start, end, tz and days, or null")
    unknown = set(value) - {"start", "end", "tz", "days"}
    if unknown:
        raise ValueError(f"unknown keys: {', '.join(sorted(map(str, unknown)))}")
    out = {}
    for key in ("start", "end"):
        text = value.get(key)
        if not isinstance(text, str) or not _HHMM.match(text):
            raise ValueError(f"{key} must be a time HH:MM (00:00 to 23:59)")
        out[key] = text
    if out["start"] == out["end"]:
        raise ValueError("start and end must differ (a window of the whole day is no window)")
    tz = value.get("tz")
    if not isinstance(tz, str) or not _is_zone(tz):
        raise ValueError("tz must be an IANA time zone such as Asia/Shanghai or UTC")
    out["tz"] = tz
    days = value.get("days")
    if days is not None:
        if not isinstance(days, list) or not days or any(d not in WEEKDAYS for d in days):
            raise ValueError(f"days must be a non-empty list of {', '.join(WEEKDAYS)}, or null")
        if len(set(days)) != len(days):
            raise ValueError("days must not repeat")
        days = sorted(days, key=WEEKDAYS.index)
    out["days"] = days
    return out


def _is_zone(name):
    if name.strip() != name or not name or "\x00" in name or len(name) > 64:
        return False
    try:
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError, OSError):
        return False
    return True


def window_key(window):
    """A sortable string naming a time window ("" for all day): "16:30-00:30 UTC mon,tue"."""
    if not window:
        return ""
    days = ",".join(window["days"]) if window.get("days") else "*"
    return f"{window['start']}-{window['end']} {window['tz']} {days}"


def dimensions_key(row):
    """The slot key of any price-like object (a row, an import record, a seed row, a scraper
    observation): service tier, region, window, mode and reply-length band, with what it lacks read
    as the format's defaults."""
    window = getattr(row, "time_window", None)
    if hasattr(window, "to_json"):  # a scraper observation's window object
        window = window.to_json()
    band_max = getattr(row, "tier_max_output_tokens", None)
    return (
        getattr(row, "service_tier", None) or "standard",
        getattr(row, "region", None) or "",
        window_key(window),
        getattr(row, "mode", None) or "",
        getattr(row, "tier_min_output_tokens", None) or 0,
        -1 if band_max is None else band_max,
    )

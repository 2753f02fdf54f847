"""The estimate page's query string: its keys, the default example, and edits of it (lines added,
removed, a bare link). The whole input lives in the query string (GET), so an estimate can be
bookmarked and shared; forms.py reads it and validates it."""

import re

from django.http import QueryDict
from django.utils import timezone

from offers.models import Price
from offers.web.browse.currency import pick_currency

PREFIX = "usage"
# The page is for people typing; programs with thousands of lines use the API.
MAX_PAGE_LINES = 50
DEFAULT_LINE = {
    "model": "gpt-4o",
    "input_tokens": 30_000_000,
    "cached_input_tokens": 0,
    "output_tokens": 10_000_000,
}
OVERRIDE_KEY_RE = re.compile(rf"^{PREFIX}-(\d+)-override-(.+)$")
# Claude lines (rule 10) also carry cache writes and the long context window; written only when set,
# so an OpenAI estimate's link is as before.
CLAUDE_LINE_FIELDS = ("cache_write_5m_tokens", "cache_write_1h_tokens", "context_window")
LINE_FIELDS = (
    "model", "input_tokens", "cached_input_tokens", "output_tokens", "requests", "service_tier", *CLAUDE_LINE_FIELDS,
)  # fmt: skip
SETTINGS = (
    "months", "currency", "as_of", "include_expired", "region", "hourly_profile", "hourly_usage", "sample",
    "baseline", "billed_usd",
)  # fmt: skip
# Example lines per baseline (rule 10): what a first visit with ?baseline=anthropic shows.
DEFAULT_LINES = {
    "anthropic": {
        "model": "claude-sonnet-4-5",
        "input_tokens": 30_000_000,
        "cached_input_tokens": 0,
        "output_tokens": 10_000_000,
    },
}


def default_query(request):
    """The example shown on a first visit: one gpt-4o line, 12 months, today, the display currency."""
    query = lines_query(
        [DEFAULT_LINES.get(request.GET.get("baseline"), DEFAULT_LINE)],
        {"months": 12, "currency": pick_currency(request), "as_of": timezone.localdate().isoformat()},
    )
    for key in SETTINGS:  # e.g. ?currency=CNY from the header's currency switch
        if request.GET.get(key):
            query[key] = request.GET[key]
    return query


def lines_query(lines, settings):
    """The page's query string for usage lines (dicts) and settings (months, currency, ...)."""
    query = QueryDict(mutable=True)
    query[f"{PREFIX}-TOTAL_FORMS"] = str(len(lines))
    query[f"{PREFIX}-INITIAL_FORMS"] = "0"
    for i, line in enumerate(lines):
        for key in LINE_FIELDS:
            value = line.get(key)
            if key == "service_tier" and value == Price.ServiceTier.STANDARD:
                value = None  # the select's empty choice
            if key in CLAUDE_LINE_FIELDS and value in (None, "", 0, "0"):
                continue
            query[f"{PREFIX}-{i}-{key}"] = "" if value is None else str(value)
        for provider, model in sorted((line.get("overrides") or {}).items()):
            if model:
                query[f"{PREFIX}-{i}-override-{provider}"] = model
    for key, value in settings.items():
        if isinstance(value, list):  # hourly_usage
            value = ",".join(str(v) for v in value)
        if value not in (None, "", False):
            query[key] = "on" if value is True else str(value)
    return query


def edit_lines(query, *, add=False, remove=None):
    """A copy of the page's query string with a blank line added or line `remove` taken out."""
    try:
        total = max(0, min(int(query.get(f"{PREFIX}-TOTAL_FORMS", "0")), MAX_PAGE_LINES))
    except ValueError:
        total = 0
    lines = [{key: query.get(f"{PREFIX}-{i}-{key}", "") for key in LINE_FIELDS} for i in range(total)]
    for line in lines:
        line["overrides"] = {}
    for key, value in query.items():
        match = OVERRIDE_KEY_RE.match(key)
        if match and int(match[1]) < total:
            lines[int(match[1])]["overrides"][match[2]] = value.strip()
    if remove is not None and 0 <= remove < len(lines):
        del lines[remove]
    if add and len(lines) < MAX_PAGE_LINES:
        lines.append(dict.fromkeys(LINE_FIELDS, ""))
    settings = {key: query.get(key) for key in SETTINGS}
    return lines_query(lines, settings)


def without_empty_overrides(query):
    """A copy of `query` without the override selects left on "mapped": links stay readable."""
    clean = query.copy()
    for key in list(clean):
        if OVERRIDE_KEY_RE.match(key) and not clean.get(key, "").strip():
            del clean[key]
    return clean

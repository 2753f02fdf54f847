"""Read a Claude bill: the Usage & Cost Admin API's usage report into usage lines, its cost report
into what Anthropic billed, and the difference between the two.

Usage (GET /v1/organizations/usage_report/messages; shared/pages/anthropic-usage): one page
`{"data": [buckets], "has_more", "next_page"}`, a JSON list of such pages, or the bare list of
buckets. A bucket is `{"starting_at", "ending_at", "results": [...]}` (RFC 3339 times; 1m, 1h or 1d
wide). A result counts `uncached_input_tokens`, `cache_read_input_tokens`,
`cache_creation.ephemeral_5m_input_tokens`, `cache_creation.ephemeral_1h_input_tokens` and
`output_tokens`; `model`, `service_tier` and `context_window` are null unless the report was grouped
by them. A usage line (DESIGN.md rule 10) counts them as:

    input_tokens          = uncached + cache reads + 5-minute writes + 1-hour writes
    cached_input_tokens   = cache reads
    cache_write_5m_tokens = 5-minute writes;  cache_write_1h_tokens = 1-hour writes
    output_tokens         = output

Monthly average = total over the period / its length x 30 days, the period running from the
earliest bucket start to the latest bucket end (empty buckets count); half up to whole tokens. The
report has no request counts, so `requests` is None.

One line per model, service tier and context window. Tiers: "standard", "batch", "flex" as named;
"priority" and "priority_on_demand" -> "priority"; null -> "standard"; anything else counts as
standard and is listed in `unknown_tiers`. A "200k-1M" context window (requests above 200K input
tokens, which Anthropic prices whole at the long-context rate) gives the line `"context_window":
"200k-1M"`, so the estimator can price it at the prompt tier above 200K; "0-200k" and null leave
the key out. Model names: the catalog's slug itself, else a dated snapshot (claude-sonnet-4-20250514)
counts as its alias (claude-sonnet-4, else claude-sonnet-4-0), "-latest" as the one dated snapshot
the catalog knows; other names go to `unknown`, results without a model to `ungrouped` (or to
`unassigned_model`). Hourly buckets give `hourly_usage`: tokens per UTC hour of the bucket start.

Costs (GET /v1/organizations/cost_report, 1d buckets): `amount` is a decimal string in cents
("123.78912" = 1.2378912 USD). Token costs are what the usage import is checked against; web
search, code execution and other cost types are kept apart.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from offers.bills.openai import showable
from offers.catalog.safety import printable

MAX_BYTES = 5 * 1024 * 1024
MONTH_SECONDS = 30 * 86400
TIERS = ("standard", "batch", "flex", "priority")
TIER_NAMES = {
    "standard": "standard",
    "batch": "batch",
    "flex": "flex",
    "priority": "priority",
    "priority_on_demand": "priority",
}
LONG_CONTEXT = "200k-1M"
CONTEXT_WINDOWS = ("0-200k", LONG_CONTEXT)
SNAPSHOT = re.compile(r"^(?P<base>.+?)-(?:\d{8}|latest)$")
# (line field, path in a result)
FIELDS = (
    ("uncached", ("uncached_input_tokens",)),
    ("cache_read", ("cache_read_input_tokens",)),
    ("write_5m", ("cache_creation", "ephemeral_5m_input_tokens")),
    ("write_1h", ("cache_creation", "ephemeral_1h_input_tokens")),
    ("output", ("output_tokens",)),
)
CENTS = Decimal(100)


class BillError(Exception):
    """The file cannot be read as a Claude usage or cost report; the message says why and where."""


@dataclass
class Counts:
    uncached: int = 0
    cache_read: int = 0
    write_5m: int = 0
    write_1h: int = 0
    output: int = 0

    def add(self, other):
        for name, _path in FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def monthly(self, seconds):
        """Monthly averages over `seconds`: round half up of total x 30 days / period."""
        return Counts(
            **{
                name: (2 * getattr(self, name) * MONTH_SECONDS + seconds) // (2 * seconds)
                for name, _p in FIELDS
            }
        )

    @property
    def input_tokens(self):
        return self.uncached + self.cache_read + self.write_5m + self.write_1h

    @property
    def output_tokens(self):
        return self.output

    @property
    def tokens(self):
        return self.input_tokens + self.output

    def line(self, model, tier, context_window):
        line = {
            "model": model,
            "service_tier": tier,
            "input_tokens": self.input_tokens,
            "cached_input_tokens": self.cache_read,
            "cache_write_5m_tokens": self.write_5m,
            "cache_write_1h_tokens": self.write_1h,
            "output_tokens": self.output,
            "requests": None,
        }
        if context_window == LONG_CONTEXT:
            line["context_window"] = LONG_CONTEXT
        return line


@dataclass
class ImportedClaudeUsage:
    start: datetime
    end: datetime
    lines: list  # usage lines (module docstring), monthly
    unknown: list = field(default_factory=list)  # [(name in the report, monthly Counts)]
    ungrouped: Counts | None = None  # monthly, results without a model
    renamed: dict = field(default_factory=dict)  # snapshot name -> catalog slug
    hourly_usage: list | None = None  # 24 token counts per UTC hour (hourly buckets), else None
    unknown_tiers: list = field(default_factory=list)  # service_tier values counted as standard
    unshown_tiers: int = 0  # such values that cannot be shown (control, format, surrogate characters)
    format: str = "anthropic-usage-report"

    @property
    def seconds(self):
        return int((self.end - self.start).total_seconds())

    @property
    def days(self):
        return Decimal(self.seconds) / 86400


@dataclass
class ClaudeCosts:
    start: datetime
    end: datetime
    tokens_usd: Decimal  # cost_type "tokens", in dollars, over the period
    other_usd: dict  # {cost_type: dollars}: web_search, code_execution, ...
    by_model: dict  # {model as in the report: token dollars}

    @property
    def monthly_tokens_usd(self):
        """Token dollars per 30 days, exact (rounding is for display)."""
        return self.tokens_usd * MONTH_SECONDS / Decimal(int((self.end - self.start).total_seconds()))


def looks_like_claude(raw):
    """Whether an uploaded export is Anthropic's (its buckets have "starting_at"; OpenAI's have
    "start_time"), judged on its first 64 KB."""
    head = raw[:65536]
    return b'"starting_at"' in head and b'"start_time"' not in head


def catalog_model(name, known):
    """The catalog slug for a model name in a report, or None (module docstring)."""
    if name in known:
        return name
    m = SNAPSHOT.match(name)
    if not m:
        return None
    base = m["base"]
    if name.endswith("-latest"):
        dated = sorted(k for k in known if re.fullmatch(re.escape(base) + r"-\d{8}", k))
        return dated[0] if len(dated) == 1 else None
    for candidate in (base, base + "-0"):
        if candidate in known:
            return candidate
    return None


# --- reading JSON -------------------------------------------------------------------------------


def _load(raw):
    if len(raw) > MAX_BYTES:
        raise BillError(
            _("The file is %(size)s MB; the limit is %(max)s MB. Export a shorter period.")
            % {"size": f"{len(raw) / 1024 / 1024:.1f}", "max": MAX_BYTES // (1024 * 1024)}
        )
    try:
        text = raw.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        raise BillError(_("The file is not UTF-8 text: upload the API's JSON response as saved.")) from None
    if not text:
        raise BillError(_("The file is empty."))
    try:
        return json.loads(text, parse_float=Decimal)
    except (ValueError, RecursionError) as exc:
        raise BillError(_("The file is not valid JSON (%(error)s).") % {"error": exc}) from None


def _buckets(doc):
    """(path, bucket) for every bucket of a page, a list of pages or a bare list of buckets."""
    if isinstance(doc, dict):
        if not isinstance(doc.get("data"), list):
            raise BillError(
                _("$.data is missing: expected the Admin API's report response (a page with data).")
            )
        pages = [("$.", doc)]
    elif isinstance(doc, list):
        if doc and all(isinstance(p, dict) and isinstance(p.get("data"), list) for p in doc):
            pages = [(f"$[{i}].", p) for i, p in enumerate(doc)]
        else:
            pages = [("$", {"data": doc})]
    else:
        raise BillError(_("Expected a JSON object or list from the Admin API."))
    out = []
    for prefix, page in pages:
        for i, bucket in enumerate(page["data"]):
            path = f"{prefix}data[{i}]" if prefix != "$" else f"$[{i}]"
            if not isinstance(bucket, dict):
                raise BillError(_("%(path)s is not an object.") % {"path": path})
            if not isinstance(bucket.get("results"), list):
                raise BillError(_("%(path)s.results is missing or not a list.") % {"path": path})
            start, end = _time(bucket, "starting_at", path), _time(bucket, "ending_at", path)
            if end <= start:
                raise BillError(_("%(path)s.ending_at is not after starting_at.") % {"path": path})
            out.append((path, start, end, bucket["results"]))
    if not out:
        raise BillError(_("The file holds no buckets."))
    return out


def _time(item, key, path):
    value = item.get(key)
    try:
        when = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        when = None
    if when is None or when.tzinfo is None:
        raise BillError(
            _("%(path)s.%(key)s is missing or not a time such as 2025-08-01T00:00:00Z.")
            % {"path": path, "key": key}
        )
    return when


def _tokens(result, keys, path):
    value = result
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    where = f"{path}.{'.'.join(keys)}"
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise BillError(_("%(path)s is not a number.") % {"path": where})
    if value < 0 or value != int(value):
        raise BillError(_("%(path)s is not a whole number of 0 or more.") % {"path": where})
    return int(value)


def _name(result, key, path):
    value = result.get(key)
    if value is not None and not isinstance(value, str):
        raise BillError(_("%(path)s.%(key)s is not a name.") % {"path": path, "key": key})
    return (value or "").strip() or None


# --- the usage report ---------------------------------------------------------------------------


def read_usage_report(raw, *, known_models, unassigned_model=None):
    """Parse a usage_report/messages response (bytes) into monthly usage lines; raises BillError."""
    buckets = _buckets(_load(raw))
    known = set(known_models)
    by_line, unknown, renamed, unknown_tiers = {}, {}, {}, {}
    ungrouped, hourly, hourly_ok = None, [0] * 24, True
    for path, start, end, results in buckets:
        first, last = start.astimezone(UTC), (end - timedelta(microseconds=1)).astimezone(UTC)
        hourly_ok = hourly_ok and (first.date(), first.hour) == (last.date(), last.hour)
        for k, result in enumerate(results):
            rpath = f"{path}.results[{k}]"
            if not isinstance(result, dict):
                raise BillError(_("%(path)s is not an object.") % {"path": rpath})
            if "amount" in result and "uncached_input_tokens" not in result:
                raise BillError(
                    _("This is a cost report (amounts, not tokens): upload the usage report here.")
                )
            counts = Counts(**{name: _tokens(result, keys, rpath) for name, keys in FIELDS})
            hourly[start.astimezone(UTC).hour] += counts.tokens
            tier_name = _name(result, "service_tier", rpath)
            tier = TIER_NAMES.get((tier_name or "standard").lower())
            if tier is None:
                tier = "standard"
                # An ordered set (name -> can it be shown): one lookup a result, however many names.
                shown = (tier_name or "").strip()[:40]
                if shown not in unknown_tiers:
                    unknown_tiers[shown] = showable(shown)
            window = _name(result, "context_window", rpath)
            if window is not None and window not in CONTEXT_WINDOWS:
                raise BillError(
                    _("%(path)s.context_window is %(value)s, not 0-200k or 200k-1M.")
                    % {"path": rpath, "value": printable(window[:40])}
                )
            name = _name(result, "model", rpath) or unassigned_model
            if name is None:
                ungrouped = ungrouped or Counts()
                ungrouped.add(counts)
                continue
            model = catalog_model(name, known)
            if model is None:
                unknown.setdefault(name, Counts()).add(counts)
                continue
            if model != name:
                renamed[name] = model
            by_line.setdefault((model, tier, window), Counts()).add(counts)
    start = min(b[1] for b in buckets)
    end = max(b[2] for b in buckets)
    seconds = int((end - start).total_seconds())
    lines = [c.monthly(seconds).line(m, t, w) for (m, t, w), c in by_line.items()]
    lines.sort(key=lambda ln: (-(ln["input_tokens"] + ln["output_tokens"]), ln["model"],
                               TIERS.index(ln["service_tier"]), ln.get("context_window", "")))  # fmt: skip
    return ImportedClaudeUsage(
        start=start,
        end=end,
        lines=lines,
        unknown=sorted(
            ((n, c.monthly(seconds)) for n, c in unknown.items()), key=lambda x: (-x[1].tokens, x[0])
        ),
        ungrouped=ungrouped.monthly(seconds) if ungrouped else None,
        renamed=dict(sorted(renamed.items())),
        hourly_usage=hourly if hourly_ok and any(hourly) else None,
        unknown_tiers=[name for name, shown in unknown_tiers.items() if shown],
        unshown_tiers=sum(1 for shown in unknown_tiers.values() if not shown),
    )


# --- the cost report ----------------------------------------------------------------------------


def read_cost_report(raw):
    """Parse a cost_report response (bytes): dollars of token costs and of other costs; BillError."""
    buckets = _buckets(_load(raw))
    tokens, other, by_model = Decimal(0), {}, {}
    for path, _start, _end, results in buckets:
        for k, result in enumerate(results):
            rpath = f"{path}.results[{k}]"
            if not isinstance(result, dict):
                raise BillError(_("%(path)s is not an object.") % {"path": rpath})
            if "amount" not in result:
                raise BillError(_("%(path)s.amount is missing: this is not a cost report.") % {"path": rpath})
            currency = _name(result, "currency", rpath) or "USD"
            if currency != "USD":
                raise BillError(
                    _("%(path)s.currency is %(c)s; cost reports are in USD.") % {"path": rpath, "c": currency}
                )
            try:
                cents = Decimal(str(result["amount"]))
            except InvalidOperation:
                cents = None
            if cents is None or not cents.is_finite() or isinstance(result["amount"], bool):
                raise BillError(_("%(path)s.amount is not a decimal number of cents.") % {"path": rpath})
            dollars = cents / CENTS
            cost_type = _name(result, "cost_type", rpath) or "tokens"
            if cost_type == "tokens":
                tokens += dollars
                model = _name(result, "model", rpath)
                if model:
                    by_model[model] = by_model.get(model, Decimal(0)) + dollars
            else:
                other[cost_type] = other.get(cost_type, Decimal(0)) + dollars
    return ClaudeCosts(
        start=min(b[1] for b in buckets),
        end=max(b[2] for b in buckets),
        tokens_usd=tokens,
        other_usd=dict(sorted(other.items())),
        by_model=dict(sorted(by_model.items())),
    )


def difference(priced_monthly_usd, costs):
    """How the imported usage, priced at Anthropic's list prices (monthly USD), compares with what
    the cost report billed for tokens (per 30 days): {"priced", "billed", "difference", "percent"},
    exact Decimals; percent None when nothing was billed. Positive = the import prices higher."""
    billed = costs.monthly_tokens_usd
    diff = Decimal(priced_monthly_usd) - billed
    return {
        "priced": Decimal(priced_monthly_usd),
        "billed": billed,
        "difference": diff,
        "percent": None if billed == 0 else diff * 100 / billed,
    }

"""Turn an OpenAI usage export into monthly usage lines for the estimator.

Accepted (shared/pages/SOURCES.md):

- the Usage API's completions response (GET /v1/organization/usage/completions, any bucket
  width): one page `{"object": "page", "data": [buckets], "has_more", "next_page"}`, a JSON list
  of such pages, the bare `data` list of buckets, or flattened result rows carrying their own
  start_time / end_time (as notebooks print them), also under any key of a JSON object;
- the platform dashboard's usage CSV export (one row per day and model, numbers as "59200.0").

Monthly average = total over the period in the file / its length in days x 30, where the period
runs from the earliest bucket start to the latest bucket end (empty buckets count: a day without
traffic is a day of the period). Token counts are rounded half up to whole tokens.

Dated snapshot names (gpt-4o-2024-08-06, gpt-3.5-turbo-0125) count as their base model when the
catalog knows the base. Names the catalog does not know (fine-tuned models, ...) are returned in
`unknown`, never dropped; results not grouped by model (model null, the default of the API) are
returned in `ungrouped`, or added to `unassigned_model` when the caller names one.

Service tiers (DESIGN.md rule 6) stay apart: one line per model and tier, each with its
`service_tier`. A row's tier is read from the export's `batch` and `service_tier` (the dashboard
CSV's columns, the Usage API's results grouped by `batch` or `service_tier`):
- `batch` true ("True", "true", "1", true) -> "batch", whatever `service_tier` says;
- otherwise `service_tier` "default", "auto", "standard" or empty / null / absent -> "standard",
  "flex" -> "flex", "priority" or "scale" (Scale Tier, OpenAI's reserved-capacity tier) ->
  "priority", "batch" -> "batch";
- any other value is counted as "standard" and listed in `unknown_tiers` (each distinct value once,
  in the order met), for the page to say so; a value that cannot be shown (a control or format
  character, a NUL, an unpaired surrogate) is counted as standard without being named, in
  `unshown_tiers`.

Hourly buckets (`bucket_width=1h`, or a CSV of hourly rows) give the hourly profile: when every
bucket lies within one UTC hour, `hourly_usage` is 24 weights, the tokens (input + output, of
every row, known model or not) per UTC hour 0-23 of the bucket's start, summed over the days.
Daily buckets say nothing about the hour: `hourly_usage` is None.
"""

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from offers.catalog.safety import visible

MAX_BYTES = 5 * 1024 * 1024
MONTH_SECONDS = 30 * 86400
SNAPSHOT_RE = re.compile(r"^(?P<base>.+?)-(?:\d{4}-\d{2}-\d{2}|\d{4})$")
TIERS = ("standard", "batch", "flex", "priority")
TIER_NAMES = {
    "": "standard",
    "default": "standard",
    "auto": "standard",
    "standard": "standard",
    "flex": "flex",
    "priority": "priority",
    "scale": "priority",
    "batch": "batch",
}
TRUE_WORDS = {"true", "1", "yes"}
FALSE_WORDS = {"false", "0", "no", ""}
CSV_REQUIRED = ("start_time", "end_time", "model", "input_tokens", "output_tokens")
FIELDS = (
    ("input_tokens", "input_tokens"),
    ("cached_input_tokens", "input_cached_tokens"),
    ("output_tokens", "output_tokens"),
    ("requests", "num_model_requests"),
)


class UsageImportError(Exception):
    """The file cannot be read as usage; the message says why, for the user."""


@dataclass
class Totals:
    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    requests: int = 0

    def add(self, other):
        for name, _key in FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def monthly(self, seconds):
        """Monthly averages over a period of `seconds`: round half up of total x 30 days / period."""
        return Totals(
            **{
                name: (2 * getattr(self, name) * MONTH_SECONDS + seconds) // (2 * seconds)
                for name, _k in FIELDS
            }
        )

    @property
    def tokens(self):
        return self.input_tokens + self.output_tokens


@dataclass
class ImportedUsage:
    format: str  # "usage-api" or "csv"
    start: datetime
    end: datetime
    # [{"model", "service_tier", "input_tokens", "cached_input_tokens", "output_tokens", "requests"}] per month
    lines: list
    unknown: list = field(default_factory=list)  # [(name as in the file, monthly Totals)]
    ungrouped: Totals | None = None  # monthly, for rows with no model
    renamed: dict = field(default_factory=dict)  # snapshot name -> base model
    hourly_usage: list | None = None  # 24 token counts per UTC hour, from hourly buckets; else None
    unknown_tiers: list = field(default_factory=list)  # service_tier values counted as standard
    unshown_tiers: int = 0  # distinct service_tier values counted as standard that cannot be shown

    @property
    def days(self):
        return Decimal((self.end - self.start).total_seconds()) / 86400


def base_model(name, known):
    """The catalog's OpenAI model for a name in an export, or None."""
    if name in known:
        return name
    match = SNAPSHOT_RE.match(name)
    if match and match["base"] in known:
        return match["base"]
    return None


def read_usage(raw, *, known_models, unassigned_model=None):
    """Parse an export (bytes) into monthly usage; raises UsageImportError with a clear message."""
    if len(raw) > MAX_BYTES:
        raise UsageImportError(
            _("The file is %(size)s MB; the limit is %(max)s MB. Export a shorter period.")
            % {"size": f"{len(raw) / 1024 / 1024:.1f}", "max": MAX_BYTES // (1024 * 1024)}
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageImportError(
            _("The file is not UTF-8 text: upload the JSON or CSV export as it was downloaded.")
        ) from None
    text = text.strip()
    if not text:
        raise UsageImportError(_("The file is empty."))
    if text[0] in "[{":
        records, fmt = _json_records(text), "usage-api"
    else:
        records, fmt = _csv_records(text), "csv"
    return _summarise(records, fmt, set(known_models), unassigned_model)


# --- JSON -------------------------------------------------------------------------------------


def _json_records(text):
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise UsageImportError(_("The file is not valid JSON (%(error)s).") % {"error": exc}) from None
    records = []
    for path, item in _buckets_or_rows(doc, ""):
        if "results" in item:
            results = item["results"]
            if not isinstance(results, list):
                raise UsageImportError(_("%(path)s.results is not a list.") % {"path": path})
            start, end = _time(item, "start_time", path), _time(item, "end_time", path)
            records.append((start, end, None, path))
            for k, result in enumerate(results):
                rpath = f"{path}.results[{k}]"
                if not isinstance(result, dict):
                    raise UsageImportError(_("%(path)s is not an object.") % {"path": rpath})
                records.append((start, end, result, rpath))
        else:
            records.append((_time(item, "start_time", path), _time(item, "end_time", path), item, path))
    return records


def _buckets_or_rows(doc, path):
    """(path, dict) for each bucket (with "results") or flattened row found in the document."""
    if isinstance(doc, dict):
        if isinstance(doc.get("data"), list):  # a page
            return [
                (f"{path}data[{i}]", b) for i, b in enumerate(doc["data"]) if _is_dict(b, f"{path}data[{i}]")
            ]
        if "results" in doc or "input_tokens" in doc:
            return [(path or "$", doc)]
        found = []
        for key, value in doc.items():
            usage_like = isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
            if usage_like and any("results" in v or "input_tokens" in v or "data" in v for v in value):
                found.extend(_buckets_or_rows(value, f"{path}{key}"))
        if not found:
            raise UsageImportError(
                _("No usage buckets found: expected the Usage API's completions response (a page with data).")
            )
        return found
    if isinstance(doc, list):
        out = []
        for i, item in enumerate(doc):
            _is_dict(item, f"{path}[{i}]")
            if isinstance(item.get("data"), list):  # a list of pages
                out.extend(_buckets_or_rows(item, f"{path}[{i}]."))
            else:
                out.append((f"{path}[{i}]", item))
        return out
    raise UsageImportError(_("Expected a JSON object or list from the Usage API."))


def _is_dict(item, path):
    if not isinstance(item, dict):
        raise UsageImportError(_("%(path)s is not an object.") % {"path": path or "$"})
    return True


def _time(item, key, path):
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise UsageImportError(
            _("%(path)s.%(key)s is missing or not a Unix time.") % {"path": path, "key": key}
        )
    seconds = _number(value, f"{path}.{key}")
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise UsageImportError(
            _("%(path)s.%(key)s is not a valid time.") % {"path": path, "key": key}
        ) from None


def _number(value, path):
    """A whole, non-negative number from 123, 123.0 or "59200.0"."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise UsageImportError(_("%(path)s is not a number.") % {"path": path})
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise UsageImportError(
            _("%(path)s is not a number: %(value)s") % {"path": path, "value": visible(str(value)[:40])}
        ) from None
    if not number.is_finite() or number < 0 or number != number.to_integral_value() or number > 10**18:
        raise UsageImportError(
            _("%(path)s is not a whole number of 0 or more: %(value)s")
            % {"path": path, "value": visible(str(value)[:40])}
        )
    return int(number)


# --- CSV --------------------------------------------------------------------------------------


def _csv_records(text):
    reader = csv.DictReader(io.StringIO(text))
    columns = set(reader.fieldnames or ())
    if "amount_value" in columns and "input_tokens" not in columns:
        raise UsageImportError(
            _("This is the dashboard's costs CSV (amounts, not tokens). Export usage instead.")
        )
    missing = [c for c in CSV_REQUIRED if c not in columns]
    if missing:
        raise UsageImportError(
            _("This CSV is not the dashboard's usage export: missing columns %(cols)s.")
            % {"cols": ", ".join(missing)}
        )
    records = []
    row_label = _("row %(n)s")  # translated once, not per row
    try:
        for n, row in enumerate(reader, start=2):
            path = row_label % {"n": n}
            if None in row:  # more cells than columns
                raise UsageImportError(_("%(path)s has more cells than the header.") % {"path": path})
            records.append((_time(row, "start_time", path), _time(row, "end_time", path), row, path))
    except csv.Error as exc:
        raise UsageImportError(_("The CSV cannot be read: %(error)s") % {"error": exc}) from None
    return records


# --- both -------------------------------------------------------------------------------------


def showable(text):
    """True when `text` has no character a page cannot show as it is (Unicode category C: control,
    format such as bidi overrides, surrogate, private use, unassigned)."""
    return not any(unicodedata.category(c)[0] == "C" for c in text)


def service_tier(row, path, unknown_tiers):
    """The rule-6 tier of an export row from its `batch` and `service_tier` (module docstring).

    `unknown_tiers` is a dict used as an ordered set (name -> True if it can be shown), so each
    row costs one lookup, whatever the number of distinct values."""
    batch = row.get("batch")
    if isinstance(batch, str):
        word = batch.strip().lower()
        if word not in TRUE_WORDS | FALSE_WORDS:
            raise UsageImportError(
                _("%(path)s.batch is not true or false: %(value)s")
                % {"path": path, "value": visible(batch[:40])}
            )
        batch = word in TRUE_WORDS
    elif batch is not None and not isinstance(batch, bool):
        raise UsageImportError(
            _("%(path)s.batch is not true or false: %(value)s")
            % {"path": path, "value": visible(str(batch)[:40])}
        )
    if batch:
        return "batch"
    tier = row.get("service_tier")
    if tier is None:
        return "standard"
    if not isinstance(tier, str):
        raise UsageImportError(_("%(path)s.service_tier is not a tier name.") % {"path": path})
    name = tier.strip().lower()
    if name not in TIER_NAMES:
        shown = tier.strip()[:40]
        if shown not in unknown_tiers:
            unknown_tiers[shown] = showable(shown)
        return "standard"
    return TIER_NAMES[name]


def _hourly(records):
    """Tokens per UTC hour 0-23 when every bucket lies within one UTC hour; else None."""
    weights = [0] * 24
    for start, end, row, _path in records:
        last = end - timedelta(microseconds=1)
        if end <= start or (start.date(), start.hour) != (last.date(), last.hour):
            return None
        if row is not None:
            weights[start.hour] += row["_tokens"]
    return weights if any(weights) else None


def _summarise(records, fmt, known, unassigned_model):
    if not records:
        raise UsageImportError(_("The file holds no usage buckets."))
    start = min(r[0] for r in records)
    end = max(r[1] for r in records)
    seconds = int((end - start).total_seconds())
    if seconds <= 0:
        raise UsageImportError(_("The period in the file is empty (end_time is not after start_time)."))
    by_line, unknown, renamed, unknown_tiers = {}, {}, {}, {}
    ungrouped = None
    hourly_rows = []
    for row_start, row_end, row, path in records:
        if row is None:
            hourly_rows.append((row_start, row_end, None, path))
            continue
        if "input_tokens" not in row and "amount" in row:
            raise UsageImportError(
                _(
                    "This looks like a Costs export (amounts, not tokens). Upload the usage (completions) export instead."
                )
            )
        totals = Totals(**{name: _number(row.get(key), f"{path}.{key}") for name, key in FIELDS})
        if totals.cached_input_tokens > totals.input_tokens:
            raise UsageImportError(_("%(path)s has more cached than input tokens.") % {"path": path})
        hourly_rows.append((row_start, row_end, {"_tokens": totals.tokens}, path))
        tier = service_tier(row, path, unknown_tiers)
        name = row.get("model")
        if name is not None and not isinstance(name, str):
            raise UsageImportError(_("%(path)s.model is not a model name.") % {"path": path})
        name = (name or "").strip()
        if not name:
            if unassigned_model:
                by_line.setdefault((unassigned_model, tier), Totals()).add(totals)
            else:
                ungrouped = ungrouped or Totals()
                ungrouped.add(totals)
            continue
        model = base_model(name, known)
        if model is None:
            unknown.setdefault(name, Totals()).add(totals)
            continue
        if model != name:
            renamed[name] = model
        by_line.setdefault((model, tier), Totals()).add(totals)

    lines = []
    for (model, tier), totals in by_line.items():
        m = totals.monthly(seconds)
        lines.append(
            {
                "model": model,
                "service_tier": tier,
                "input_tokens": m.input_tokens,
                "cached_input_tokens": m.cached_input_tokens,
                "output_tokens": m.output_tokens,
                "requests": m.requests or None,
            }
        )
    lines.sort(
        key=lambda line: (
            -(line["input_tokens"] + line["output_tokens"]),
            line["model"],
            TIERS.index(line["service_tier"]),
        )
    )
    return ImportedUsage(
        format=fmt,
        start=start,
        end=end,
        lines=lines,
        unknown=sorted(
            ((n, t.monthly(seconds)) for n, t in unknown.items()), key=lambda x: (-x[1].tokens, x[0])
        ),
        ungrouped=ungrouped.monthly(seconds) if ungrouped else None,
        renamed=dict(sorted(renamed.items())),
        hourly_usage=_hourly(hourly_rows),
        unknown_tiers=[name for name, shown in unknown_tiers.items() if shown],
        unshown_tiers=sum(1 for shown in unknown_tiers.values() if not shown),
    )

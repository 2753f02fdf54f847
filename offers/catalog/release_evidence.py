"""What the recorded aggregated feeds say about when each model became callable.

A catalog release date is the earliest day a source gives for the model being callable, never a
guess before it (catalog-format.md: `released_on`). The recorded feeds give two kinds of dates:
models.dev's `release_date` (a day, or only a month: "2025-04") for each provider listing the model,
and OpenRouter's `created` (the day OpenRouter listed it). LiteLLM gives only `deprecation_date`
(read into deprecated_on by the curated files) and genai-prices only the `start_date` of a price
change, so neither says when a model was released.

An entry is about a catalog model when its id (models.dev: the part after the last "/") equals
the model slug without case, or when the curated file names the entry's label in the model's
`feed_ids` (a model the feeds call otherwise: "openrouter bytedance-seed/seed-1.6").
Where models.dev lists the model under the vendor's own provider ids (those scrapers.sources.
models_dev maps to the catalog provider), only those entries, OpenRouter's entries under the
vendor's own prefix (OpenRouter routes them to the vendor's API) and the `feed_ids` ones count:
other hosts list a model before its maker released it (a preview, the open weights, a placeholder
such as helicone's 2025-01-01 for gpt-5), so their dates are not evidence about the vendor's API. Without a listing of the vendor's own, every entry
counts (a reseller of the vendor's API can only sell what the vendor serves). A models.dev date on
the first of a month is read as that month (hosts write a month as its first day). A curated file
may reject any entry by its label, saying why (`feed_dates_rejected`).

`evidence()` gives, for one catalog model, the interval [earliest, latest] in which its release
must lie by the remaining entries: a day entry is [day, day], a month entry [first, last day of
the month]; earliest = the smallest start, latest = the smallest end.
"""

import calendar
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

from scrapers.sources import models_dev, openrouter

MODELS_DEV_FILE = "feeds/models-dev-api.json"
OPENROUTER_FILE = "feeds/openrouter-models.json"


@dataclass(frozen=True)
class FeedDate:
    """One feed's date for one model id: `label` names the entry ("models.dev zhipuai/glm-4.7",
    "openrouter z-ai/glm-4.7"), `start`..`end` the days it allows (equal for a day)."""

    label: str
    provider: str | None  # the catalog provider whose own listing this is, or None (a third party)
    key: str  # the id compared with catalog slugs
    start: date
    end: date

    @property
    def text(self):
        if self.start == self.end:
            return f"{self.label} {self.start.isoformat()}"
        return f"{self.label} {self.start.isoformat()[:7]}"


def _interval(value):
    """'2025-04-14' -> (that day, that day); '2025-04' -> (first, last day of April); else None."""
    if not isinstance(value, str):
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return day, day
        if len(value) == 7:
            year, month = int(value[:4]), int(value[5:])
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:
        return None
    return None


def read_models_dev(text):
    doc = json.loads(text)
    out = []
    for feed_id, entry in sorted(doc.items()):
        if not isinstance(entry, dict) or not isinstance(entry.get("models"), dict):
            continue
        for model_id, model in sorted(entry["models"].items()):
            span = _interval(model.get("release_date")) if isinstance(model, dict) else None
            if span and span[0] == span[1] and span[0].day == 1:
                span = _interval(model["release_date"][:7])
            if span:
                out.append(FeedDate(f"models.dev {feed_id}/{model_id}", models_dev.PROVIDERS.get(feed_id),
                                    model_id.lower().rsplit("/", 1)[-1], *span))  # fmt: skip
    return out


def read_openrouter(text):
    doc = json.loads(text)
    out = []
    for entry in doc.get("data") or []:
        ident = entry.get("id") if isinstance(entry, dict) else None
        created = entry.get("created") if isinstance(entry, dict) else None
        if not isinstance(ident, str) or "/" not in ident or ":" in ident or ident.startswith("~"):
            continue
        if not isinstance(created, int) or isinstance(created, bool):
            continue
        day = datetime.fromtimestamp(created, UTC).date()
        vendor, model = ident.split("/", 1)
        out.append(FeedDate(f"openrouter {ident}", openrouter.PROVIDERS.get(vendor), model.lower(), day, day))
    return out


@lru_cache(maxsize=4)
def _load(pages_dir):
    base = Path(pages_dir)
    dates = []
    if (base / MODELS_DEV_FILE).is_file():
        dates += read_models_dev((base / MODELS_DEV_FILE).read_text(encoding="utf-8"))
    if (base / OPENROUTER_FILE).is_file():
        dates += read_openrouter((base / OPENROUTER_FILE).read_text(encoding="utf-8"))
    return tuple(dates)


def feed_dates(pages_dir):
    return _load(str(Path(pages_dir).resolve()))


@dataclass(frozen=True)
class Evidence:
    counted: tuple  # FeedDate entries the interval rests on
    left_out: tuple  # (FeedDate, reason)

    @property
    def earliest(self):
        return min((d.start for d in self.counted), default=None)

    @property
    def latest(self):
        return min((d.end for d in self.counted), default=None)

    def verdict(self, released_on):
        """None when released_on lies in [earliest, latest] (or no entry counts), else "early" or
        "late"; a null released_on with counted entries is "late" (unknown although a feed knows)."""
        if not self.counted:
            return None
        if released_on is None or released_on > self.latest:
            return "late"
        if released_on < self.earliest:
            return "early"
        return None


VENDOR_LISTED = "models.dev lists the model under the vendor's own API (module rule)"


def evidence(provider, model, dates):
    """The feed evidence for one curated model dict (slug, feed_ids, feed_dates_rejected)."""
    slug = model["slug"].lower()
    extra = set(model.get("feed_ids") or [])
    rejected = model.get("feed_dates_rejected") or {}
    about = [d for d in dates if d.key == slug or d.label in extra]
    left_out = [(d, f"curated: {rejected[d.label]}") for d in about if d.label in rejected]
    about = [d for d in about if d.label not in rejected]
    own = [d for d in about if d.provider == provider]
    if any(d.label.startswith("models.dev ") for d in own):
        left_out += [(d, VENDOR_LISTED) for d in about if d not in own and d.label not in extra]
        about = [d for d in about if d in own or d.label in extra]
    return Evidence(tuple(about), tuple(left_out))


LITELLM_FILE = "feeds/litellm-model_prices_and_context_window.json"


def feed_deprecations(pages_dir):
    """LiteLLM's `deprecation_date`s of the vendors' own API entries (the providers
    scrapers.sources.litellm maps to a catalog provider): {(provider, model id): {date: label}}."""
    from scrapers.sources import litellm

    path = Path(pages_dir) / LITELLM_FILE
    if not path.is_file():
        return {}
    out = {}
    for key, entry in json.loads(path.read_text(encoding="utf-8")).items():
        if not isinstance(entry, dict) or not entry.get("deprecation_date"):
            continue
        vendor = entry.get("litellm_provider")
        provider = litellm.PROVIDERS.get(vendor)
        span = _interval(entry["deprecation_date"])
        if provider is None or span is None or span[0] != span[1]:
            continue
        model = (key.split("/", 1)[1] if key.startswith(f"{vendor}/") else key).lower()
        out.setdefault((provider, model), {})[span[0]] = f"LiteLLM {key}"
    return out

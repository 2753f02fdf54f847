"""Build the seed catalog (data/catalog.json) from the recorded pages and the curated files.

Prices a vendor's own page shows come from the recording of that page, read by the project's own
parsers (scrapers/sources); everything no page says lives in data/curated/: one JSON file per
provider (its description, which recording to read and which of its models to leave out and why,
each model's name, kind and release date with the source of that date, price rows no recording
holds: history and the vendors without a recording, and programmes), mappings.json (which model
of each vendor replaces each OpenAI model, ranked, with the reason) and exchange_rates.json.
A model's release date carries its evidence beside it: `released_source`, `released_on_is_upper_bound`,
`released_note` (why it differs from the feeds' dates), `feed_ids` and `feed_dates_rejected`
(offers.catalog.release_evidence, checked by tests/test_release_dates.py); none of them reaches the catalog.

The document is written with the exporter's own functions (offers.catalog.io) over plain objects
instead of database rows, so it is byte for byte what `export_catalog` writes after
`import_catalog` of it, and the same inputs always give the same bytes.
"""

# size: one builder of one document (recordings, curated files, feeds); the offers part is seed_offers.py

import json
import re
from dataclasses import fields as dc_fields
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

from offers import tokens
from offers.catalog import io as catalog_io
from offers.catalog.seed_offers import recorded_programs
from offers.models import Model, clean_time_window, dimensions_key, window_key
from scrapers.sources import get as get_source

from . import mapping_checks

CURATED_DIR = Path(__file__).resolve().parents[2] / "data" / "curated"
PROVIDER_KEYS = (
    "slug", "name", "name_zh", "website", "pricing_url", "docs_url", "api_base_url",
    "openai_compatible", "region", "notes",
)  # fmt: skip
MODEL_KEYS = (
    "name",
    "kind",
    "context_window",
    "max_output_tokens",
    "capabilities",
    "released_on",
    "deprecated_on",
)
# Capabilities come from models.dev's recorded api.json (shared/pages SOURCES.md: recorded 2026-06-13):
# the entry of the same model id (compared without case: "MiniMax-M3" is minimax-m3) under the
# provider ids of the vendor's own API, mainland ("-cn") and international; resellers, coding and
# token plans are not read. `tool_call` gives tools, `reasoning` reasoning, an image among
# `modalities.input` vision, `structured_output` json. Where two of the vendor's entries list the
# model, only what both say is kept. A curated `capabilities` list (with `capabilities_source`)
# replaces the feed's for that model. The catalog has no field for the source: it is this rule.
MODELS_DEV_FILE = "feeds/models-dev-api.json"
MODELS_DEV_PROVIDERS = {
    "openai": ("openai",),
    "anthropic": ("anthropic",),
    "deepseek": ("deepseek",),
    "alibaba": ("alibaba", "alibaba-cn"),
    "moonshot": ("moonshotai", "moonshotai-cn"),
    "zhipu": ("zhipuai", "zai"),
    "minimax": ("minimax", "minimax-cn"),
    "tencent": ("tencent-tokenhub",),
    "stepfun": ("stepfun",),
}

# Price dimensions a parser may emit beside the standard all-day home price. The importer's
# PriceRec tells which of them the catalog format of this checkout can hold.
DIMENSIONS = {
    "service_tier": "standard",
    "region": None,
    "time_window": None,
    "tier_min_output_tokens": None,
    "tier_max_output_tokens": None,
    "mode": None,
}


class SeedError(Exception):
    """The curated files and the recordings do not fit together; the message says where."""


class _Row(SimpleNamespace):
    """A price row as the exporter reads it from the database."""

    service_tier = "standard"
    region = None
    time_window = None
    tier_min_output_tokens = None
    tier_max_output_tokens = None
    mode = None
    note = ""

    @property
    def dimensions_key(self):
        return dimensions_key(self)


class _Record(SimpleNamespace):
    """A programme or benefit as the exporter reads it: an optional text field the curated file
    does not set reads as "" (how the database stores an unset text), so a key the exporter learns
    later is left out of the document, as for a database row without it."""

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return ""


class _Rel(list):
    """Stands in for a related manager: `.all()` gives the items."""

    def all(self):
        return self


def _day(value):
    return date.fromisoformat(value) if value else None


def _dec(value):
    return Decimal(str(value)) if value is not None else None


def _feed_capabilities(entry):
    caps = set()
    if entry.get("tool_call") is True:
        caps.add("tools")
    if entry.get("reasoning") is True:
        caps.add("reasoning")
    if "image" in ((entry.get("modalities") or {}).get("input") or []):
        caps.add("vision")
    if entry.get("structured_output") is True:
        caps.add("json")
    return caps


def feed_capabilities(pages_dir):
    """{(provider slug, model slug): (capabilities, "models.dev <id>/<model>[, ...]")} from the
    recorded models.dev feed, by the rule above; {} without the file."""
    path = Path(pages_dir) / MODELS_DEV_FILE
    if not path.is_file():
        return {}
    doc = json.loads(path.read_text(encoding="utf-8"))
    found = {}
    for provider, ids in MODELS_DEV_PROVIDERS.items():
        for feed_id in ids:
            for model_id, entry in sorted((doc.get(feed_id) or {}).get("models", {}).items()):
                if isinstance(entry, dict):
                    key = (provider, model_id.lower())
                    found.setdefault(key, []).append(
                        (f"models.dev {feed_id}/{model_id}", _feed_capabilities(entry))
                    )
    out = {}
    for key, entries in found.items():
        caps = set.intersection(*(c for _src, c in entries))
        ordered = [c for c in Model.CAPABILITIES if c in caps]
        out[key] = (ordered, ", ".join(src for src, _c in entries))
    return out


def model_capabilities(provider, m, feed):
    """The curated list if the curated file sets one (it must say where it comes from), else the
    feed's for that model, else none known."""
    if "capabilities" in m:
        if not m.get("capabilities_source"):
            raise SeedError(f"{provider}: {m['slug']} sets capabilities without capabilities_source")
        return list(m["capabilities"])
    caps, _source = feed.get((provider, m["slug"].lower()), ([], None))
    return list(caps)


def model_tokenizer(provider, m):
    """The curated tokenizer: a registry name with the source that says the model uses it, or ""
    (none published)."""
    name = m.get("tokenizer")
    if not name:
        return ""
    if name not in tokens.NAMES:
        raise SeedError(f"{provider}: {m['slug']} names tokenizer {name!r}, not in the registry")
    if not m.get("tokenizer_source"):
        raise SeedError(f"{provider}: {m['slug']} sets tokenizer without tokenizer_source")
    return name


def supported_dimensions():
    names = {f.name for f in dc_fields(catalog_io.PriceRec)}
    return {k: v for k, v in DIMENSIONS.items() if k in names}


def load_curated(curated_dir=CURATED_DIR):
    curated_dir = Path(curated_dir)
    providers = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(curated_dir.glob("*.json"))
        if p.name
        not in ("mappings.json", "exchange_rates.json", "crosscheck.json", "anthropic_endpoints.json")
    ]
    mappings = json.loads((curated_dir / "mappings.json").read_text(encoding="utf-8"))
    rates = json.loads((curated_dir / "exchange_rates.json").read_text(encoding="utf-8"))
    return providers, mappings, rates


def excluded(recording, model_id, entry=None):
    """The reason a recorded model is left out of the seed, or None: the recording's rules, then
    those of the one file (`entry`), e.g. models only an international page lists."""
    rules = list(recording.get("exclude", [])) + list((entry or {}).get("exclude", []))
    for rule in rules:
        if re.search(rule["pattern"], model_id):
            return rule["reason"]
    return None


def file_checked_on(recording, entry):
    """The day a recorded file was made: its own `checked_on` (pages of one vendor were recorded on
    different days, e.g. bigmodel.cn and Z.ai), else the recording's."""
    return _day(entry.get("checked_on") or recording["checked_on"])


@lru_cache(maxsize=64)
def _parse(source_slug, path, size, mtime):
    """A recording parsed once per process (parsers are pure functions of the text; the Alibaba
    document takes a minute): size and mtime in the key, so a changed file is read again."""
    return tuple(get_source(source_slug).parse(Path(path).read_text(encoding="utf-8")))


def parse_file(source_slug, path):
    stat = Path(path).stat()
    return _parse(source_slug, str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)


def recorded_observations(recording, pages_dir):
    """Observations of the recording's files, keyed by catalog model slug (aliases applied, left
    out models dropped), each with the URL it was read from and the day that file was recorded."""
    source = get_source(recording["source"])
    aliases = recording.get("aliases", {})
    by_model = {}
    for entry in recording["files"]:
        checked = file_checked_on(recording, entry)
        for obs in parse_file(recording["source"], Path(pages_dir) / entry["file"]):
            if obs.provider != source.PROVIDER:
                continue
            if "region" in entry and getattr(obs, "region", None) != entry["region"]:
                raise SeedError(
                    f"{entry['file']}: the curated file says its prices are region {entry['region']!r}, "
                    f"but the parser reads {obs.model} {obs.kind} as {getattr(obs, 'region', None)!r}"
                )
            slug = aliases.get(obs.model, obs.model)
            if obs.model not in aliases and excluded(recording, obs.model, entry):
                continue
            by_model.setdefault(slug, []).append((obs, entry["source_url"], checked))
    return by_model


def _recorded_rows(model, observations, recording, dims, history):
    """The recording's rows of one model. They hold from `prices_since` if the curated file says,
    else from the end of the model's curated history rows, else from its release (the price is
    taken to be unchanged since), else from the day its file was recorded (each row is checked on
    the day of the file it comes from)."""
    since = _day(model.get("prices_since"))
    if since is None:
        ends = [row.valid_to for row in history if row.valid_to is not None]
        released = _day(model.get("released_on"))
        since = max(ends) if ends else released
    rows, seen = [], set()
    for obs, url, checked in observations:
        values = {k: getattr(obs, k, default) for k, default in DIMENSIONS.items()}
        if any(values[k] != default for k, default in DIMENSIONS.items() if k not in dims):
            continue  # a dimension this checkout's catalog format cannot hold yet
        key = (obs.kind, obs.currency, obs.tier_min_input_tokens, obs.tier_max_input_tokens, repr(values))
        if key in seen:  # pages list a model once per section; the first is the parser's choice
            continue
        seen.add(key)
        row = _Row(
            kind=obs.kind,
            amount=obs.amount,
            currency=obs.currency,
            tier_min_input_tokens=obs.tier_min_input_tokens,
            tier_max_input_tokens=obs.tier_max_input_tokens,
            valid_from=since if since is not None and since <= checked else checked,
            valid_to=None,
            source_url=url,
            checked_on=checked,
            method="scraped",
            # "derived" where the parser worked the number out by a rule the page states
            # (Alibaba's half-price batch rows); the note says the rule, or a permanent discount's
            # list price.
            confidence=getattr(obs, "confidence", "official"),
            note=getattr(obs, "note", None) or "",
        )
        for k in dims:
            setattr(row, k, values[k])
        if getattr(row, "time_window", None):
            row.time_window = clean_time_window(row.time_window)
        rows.append(row)
    return rows


def derived_rows(spec, rows, dims):
    """`rows` and the rows a curated `derived_prices` spec works out from them (data/curated/
    anthropic.json: prices a page gives only as a rule, e.g. batch = 0.5 x, or cache writes on top of
    long-context prices). Each rule reads the current rows of `from_kind` / `from_service_tier`
    (only prompt-tiered ones with `long_context_only`) and adds, per row, one of `kind` /
    `service_tier` at amount x `factor`, same tier, currency and dates, confidence "derived", the
    rule in its note; a slot that already has a row keeps it. Rules apply in order."""
    out = list(rows)

    def slot(kind, tier, row):
        return (kind, tier, row.tier_min_input_tokens, row.tier_max_input_tokens, row.currency,
                getattr(row, "region", None), window_key(getattr(row, "time_window", None)))  # fmt: skip

    taken = {slot(r.kind, getattr(r, "service_tier", "standard"), r) for r in out if r.valid_to is None}
    for n, rule in enumerate(spec.get("rules", [])):
        if rule["service_tier"] != "standard" and "service_tier" not in dims:
            continue  # this checkout's catalog format cannot hold service tiers
        factor = _dec(rule["factor"])
        for src in list(out):
            if src.valid_to is not None or src.kind != rule["from_kind"]:
                continue
            if getattr(src, "service_tier", "standard") != rule["from_service_tier"]:
                continue
            if rule.get("long_context_only") and src.tier_min_input_tokens is None:
                continue
            key = slot(rule["kind"], rule["service_tier"], src)
            if key in taken:
                continue
            taken.add(key)
            row = _Row(
                kind=rule["kind"],
                amount=src.amount * factor,
                currency=src.currency,
                tier_min_input_tokens=src.tier_min_input_tokens,
                tier_max_input_tokens=src.tier_max_input_tokens,
                valid_from=src.valid_from,
                valid_to=None,
                source_url=rule["source_url"],
                checked_on=src.checked_on,
                method="manual",
                confidence="derived",
                note=rule["note"],
            )
            for k in dims:
                setattr(row, k, getattr(src, k, DIMENSIONS[k]))
            if "service_tier" in dims:
                row.service_tier = rule["service_tier"]
            out.append(row)
        if not rule.get("note"):
            raise SeedError(f"derived_prices.rules[{n}] has no note saying the rule")
    return out


def _curated_row(raw, dims):
    row = _Row(
        kind=raw["kind"],
        amount=_dec(raw["amount"]) * catalog_io.PER_MILLION / raw.get("per", catalog_io.PER_MILLION),
        currency=raw["currency"],
        tier_min_input_tokens=raw.get("tier_min_input_tokens"),
        tier_max_input_tokens=raw.get("tier_max_input_tokens"),
        valid_from=_day(raw["valid_from"]),
        valid_to=_day(raw.get("valid_to")),
        source_url=raw["source_url"],
        checked_on=_day(raw["checked_on"]),
        method=raw.get("method", "manual"),
        confidence=raw.get("confidence", "reported"),
        note=raw.get("note") or "",
    )
    for k, default in dims.items():
        setattr(row, k, raw.get(k, default))
    return row


def _program(raw, models_by_slug):
    benefits = []
    for b in raw.get("benefits", []):
        benefit = _Record(
            kind=b["kind"],
            description=b.get("description", ""),
            tokens=b.get("tokens"),
            ratio=_dec(b.get("ratio")),
            valid_days=b.get("valid_days"),
            percent=_dec(b.get("percent")),
            months=b.get("months"),
            # A plan's price is stored (and exported) as its amount.
            amount=_dec(b.get("price") if b["kind"] == "plan" else b.get("amount")),
            currency=b.get("currency") or "",
            per_model=bool(b.get("per_model")),
            period=b.get("period") or "",
            models=_Rel(models_by_slug[s] for s in b.get("models", [])),
        )
        benefits.append(benefit)
    return _Record(
        slug=raw["slug"],
        name=raw["name"],
        name_zh=raw.get("name_zh") or "",
        eligibility_zh=raw.get("eligibility_zh") or "",
        notes_zh=raw.get("notes_zh") or "",
        announced_on=_day(raw.get("announced_on")),
        starts_on=_day(raw.get("starts_on")),
        ends_on=_day(raw.get("ends_on")),
        confirmed_on=_day(raw.get("confirmed_on")),
        category=raw.get("category") or "",
        audience=raw.get("audience"),
        eligibility=raw.get("eligibility") or "",
        openai_users_only=raw.get("openai_users_only"),
        new_users_only=raw.get("new_users_only"),
        enterprise_only=raw.get("enterprise_only"),
        benefits=_Rel(benefits),
        source_urls=list(raw["source_urls"]),
        confidence=raw.get("confidence", "reported"),
        checked_on=_day(raw.get("checked_on")),
        notes=raw.get("notes") or "",
    )


def build_provider(cur, pages_dir, dims, feed=None):
    p = cur["provider"]
    recording = cur.get("recording")
    observed = recorded_observations(recording, pages_dir) if recording else {}
    models = {m["slug"]: m for m in cur.get("models", [])}
    missing = sorted(set(observed) - set(models))
    if missing:
        raise SeedError(
            f"{p['slug']}: the recording prices {', '.join(missing)}: describe them in data/curated/"
            f"{p['slug']}.json (models) or leave them out there (recording.exclude, with the reason)"
        )
    curated_prices = {}
    for raw in cur.get("prices", []):
        if raw["model"] not in models:
            raise SeedError(f"{p['slug']}: a price row names {raw['model']!r}, which is not in models")
        curated_prices.setdefault(raw["model"], []).append(_curated_row(raw, dims))
    model_objs = []
    for slug in sorted(models):
        m = models[slug]
        rows = curated_prices.get(slug, [])
        if slug in observed:
            # A curated current row competes with the recording's rows of the same slot only
            # (service tier, region, window, mode and reply band: models.dimensions_key): a 2024
            # model may still be listed in a batch section beside its curated price, and a tier the
            # page does not show (MiniMax's priority tier) may be curated beside the recorded rows.
            recorded_keys = {dimensions_key(obs) for obs, _url, _checked in observed[slug]}
            clash = [row for row in rows if row.valid_to is None and dimensions_key(row) in recorded_keys]
            if clash:
                raise SeedError(
                    f"{p['slug']}: {slug} has a current curated price row, but its recording prices it: "
                    "curated rows of a recorded model are history (valid_to set)"
                )
            rows = rows + _recorded_rows(m, observed[slug], recording, dims, rows)
        if cur.get("derived_prices"):  # rules read recorded and curated rows alike
            rows = derived_rows(cur["derived_prices"], rows, dims)
        obj = SimpleNamespace(
            slug=slug,
            name=m.get("name") or slug,
            kind=m.get("kind", "chat"),
            context_window=m.get("context_window"),
            max_output_tokens=m.get("max_output_tokens"),
            capabilities=model_capabilities(p["slug"], m, feed or {}),
            released_on=_day(m.get("released_on")),
            deprecated_on=_day(m.get("deprecated_on")),
            tokenizer=model_tokenizer(p["slug"], m),
            prices=_Rel(rows),
        )
        model_objs.append(obj)
    by_slug = {m.slug: m for m in model_objs}
    found = recorded_programs(recording, pages_dir, p["slug"], set(models), cur, file_checked_on)
    raws = list(cur.get("programs", [])) + found
    programs = sorted((_program(raw, by_slug) for raw in raws), key=lambda x: x.slug)
    out = {k: p.get(k) for k in PROVIDER_KEYS}
    out["models"] = [catalog_io.export_model(m) for m in model_objs]
    out["programs"] = [catalog_io.export_program(x) for x in programs]
    return out


def build_rates(spec, pages_dir):
    """Rates of the fx sources' recordings (the pairs and dates the spec asks for) and the curated
    ones, one per (base, quote, date): a curated rate wins over a recorded one."""
    rates = {}
    for entry in spec.get("recorded", []):
        pairs = {tuple(pair) for pair in entry["pairs"]}
        since = _day(entry.get("from"))
        for r in parse_file(entry["source"], Path(pages_dir) / entry["file"]):
            if (r.base, r.quote) in pairs and (since is None or r.date >= since):
                rates[(r.base, r.quote, r.date)] = {
                    "base": r.base,
                    "quote": r.quote,
                    "rate": catalog_io.fmt_decimal(r.rate),
                    "date": r.date.isoformat(),
                    "source_url": entry["source_url"],
                }
    for raw in spec.get("curated", []):
        rates[(raw["base"], raw["quote"], _day(raw["date"]))] = {
            "base": raw["base"],
            "quote": raw["quote"],
            "rate": catalog_io.fmt_decimal(_dec(raw["rate"])),
            "date": raw["date"],
            "source_url": raw.get("source_url"),
        }
    return [rates[k] for k in sorted(rates)]


def expand_mappings(spec):
    """mappings.json names a class per OpenAI model and a ranked ladder per vendor and class;
    `overrides` replace one (OpenAI model, vendor) ladder. Returns catalog mapping objects."""
    out = []
    for openai_model, cls in sorted(spec["openai_classes"].items()):
        for provider, ladders in sorted(spec["vendors"].items()):
            ladder = spec.get("overrides", {}).get(openai_model, {}).get(provider)
            if ladder is None:
                ladder = ladders.get(cls)
            for rank, step in enumerate(ladder or [], start=1):
                out.append(
                    {
                        "openai_model": openai_model,
                        "provider": provider,
                        "model": step["model"],
                        "rank": rank,
                        "note": step.get("note") or None,
                        "fit": step.get("fit"),
                    }
                )
    return out


def expand_baseline_mappings(spec):
    """Mappings from the models of another baseline (mappings.json `from_providers`, e.g. Claude
    models): each model takes a class and every vendor's ladder for it (plus the baseline's own
    extra `vendors`, e.g. OpenAI for a team leaving Claude), the class note as the mapping's note.
    fit: the step's own, else like_for_like, except a "small" model whose counterpart stands in the
    vendor's flagship ladder too (the vendor has no smaller model), which is "larger"."""
    out = []
    for from_provider, spec_from in sorted(spec.get("from_providers", {}).items()):
        vendors = {**spec["vendors"], **spec_from.get("vendors", {})}
        for from_model, entry in sorted(spec_from["classes"].items()):
            cls = entry["class"]
            for provider, ladders in sorted(vendors.items()):
                flagship = {step["model"] for step in ladders.get("flagship", [])}
                for rank, step in enumerate(ladders.get(cls) or [], start=1):
                    fit = step.get("fit")
                    note = entry["note"] + (f"; {step['note']}" if step.get("note") else "")
                    if fit is None and cls == "small" and step["model"] in flagship:
                        fit = "larger"
                        if not step.get("note"):
                            note += "; the vendor's small ladder uses a flagship model here (no smaller one)"
                    out.append(
                        {
                            "from_provider": from_provider,
                            "from_model": from_model,
                            "provider": provider,
                            "model": step["model"],
                            "rank": rank,
                            "note": note,
                            "fit": fit or "like_for_like",
                        }
                    )
    return out


def check_mappings(mappings, providers, curated):
    """Raise SeedError naming every mapping that breaks offers.catalog.mapping_checks' rules; then drop
    `fit` from the mappings if this checkout's catalog format cannot hold it yet."""
    flags = {(cur["provider"]["slug"], m["slug"]): m for cur in curated for m in cur.get("models", [])}
    models = {}
    for p in providers:
        for m in p["models"]:
            models[(p["slug"], m["slug"])] = dict(
                m, multimodal=flags.get((p["slug"], m["slug"]), {}).get("multimodal")
            )
    found = mapping_checks.problems(mappings, models)
    if found:
        raise SeedError("data/curated/mappings.json:\n" + "\n".join(found))
    if "fit" not in {f.name for f in dc_fields(catalog_io.MappingRec)}:
        for m in mappings:
            m.pop("fit", None)
    return mappings


def build_document(pages_dir, curated_dir=CURATED_DIR):
    providers, mappings, rates = load_curated(curated_dir)
    dims = supported_dimensions()
    feed = feed_capabilities(pages_dir)
    built = sorted((build_provider(cur, pages_dir, dims, feed) for cur in providers), key=lambda p: p["slug"])
    doc = {
        "format": catalog_io.FORMAT,
        "providers": built,
        "mappings": check_mappings(expand_mappings(mappings), built, providers)
        + expand_baseline_mappings(mappings),
        "exchange_rates": build_rates(rates, pages_dir),
    }
    catalog_io.parse_catalog(doc)  # raises CatalogError with every problem's JSON path
    return doc


def build_bytes(pages_dir, curated_dir=CURATED_DIR):
    return catalog_io.dumps(build_document(pages_dir, curated_dir))

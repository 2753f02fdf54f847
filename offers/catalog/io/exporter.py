"""`export_document` and `dumps`: the canonical catalog document, so that export -> import into an
empty database -> export gives the same bytes."""

import json
from decimal import Decimal

from django.db.models import Prefetch

from offers.catalog.io.document import (
    PER_MILLION,
)
from offers.catalog.io.records import (
    FORMAT,
)
from offers.catalog.io.validate import (
    BENEFIT_COLUMNS,
    BENEFIT_FIELDS,
)
from offers.models import (
    Benefit,
    ExchangeRate,
    MigrationProgram,
    Model,
    ModelMapping,
    Price,
    Provider,
    clean_time_window,
)

# --- export -------------------------------------------------------------------------------------


def fmt_decimal(value):
    """Decimal -> canonical string: no exponent, no trailing zeros ("2.5", "100", "0")."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _iso(value):
    return value.isoformat() if value else None


def export_document(*, include_unpublished=False):
    """The catalog as a canonical dict (key order and list order as catalog-format.md)."""
    providers = Provider.objects.all() if include_unpublished else Provider.objects.published()
    programs = (
        MigrationProgram.objects.all()
        if include_unpublished
        else MigrationProgram.objects.filter(is_published=True)
    )
    providers = providers.order_by("slug").prefetch_related(
        Prefetch("models", queryset=Model.objects.order_by("slug")),
        Prefetch("models__prices", queryset=Price.objects.approved()),
        Prefetch("programs", queryset=programs.order_by("slug")),
        Prefetch("programs__benefits", queryset=Benefit.objects.order_by("position", "id")),
        Prefetch("programs__benefits__models", queryset=Model.objects.only("id", "slug")),
    )
    doc_providers = []
    exported = set()
    for provider in providers:
        exported.add(provider.pk)
        doc_providers.append(
            {
                "slug": provider.slug,
                "name": provider.name,
                "name_zh": provider.name_zh or None,
                "website": provider.website or None,
                "pricing_url": provider.pricing_url or None,
                "docs_url": provider.docs_url or None,
                "api_base_url": provider.api_base_url or None,
                "openai_compatible": provider.openai_compatible,
                "region": provider.region or None,
                "notes": provider.notes or None,
                "models": [export_model(m) for m in provider.models.all()],
                "programs": [export_program(p) for p in provider.programs.all()],
            }
        )
    mappings = sorted(
        (
            m
            for m in ModelMapping.objects.select_related("openai_model__provider", "provider", "model")
            if m.provider_id in exported and m.openai_model.provider_id in exported
        ),
        key=mapping_sort_key,
    )
    return {
        "format": FORMAT,
        "providers": doc_providers,
        "mappings": [export_mapping(m) for m in mappings],
        "exchange_rates": [
            {
                "base": r.base,
                "quote": r.quote,
                "rate": fmt_decimal(r.rate),
                "date": _iso(r.date),
                "source_url": r.source_url or None,
            }
            for r in ExchangeRate.objects.order_by("base", "quote", "date")
        ],
    }


def mapping_sort_key(m):
    """OpenAI's mappings first (by openai_model, provider, rank), then other baselines' (by
    from_provider, from_model, provider, rank)."""
    source = m.openai_model.provider.slug
    return (source != "openai", source, m.openai_model.slug, m.provider.slug, m.rank)


def export_mapping(m):
    source = m.openai_model.provider.slug
    head = (
        {"openai_model": m.openai_model.slug}
        if source == "openai"
        else {"from_provider": source, "from_model": m.openai_model.slug}
    )
    return {
        **head,
        "provider": m.provider.slug,
        "model": m.model.slug,
        "rank": m.rank,
        "note": m.note or None,
        "fit": m.fit,
    }


def _price_sort_key(p):
    return (
        p.kind,
        *p.dimensions_key,
        p.tier_min_input_tokens if p.tier_min_input_tokens is not None else -1,
        p.tier_max_input_tokens if p.tier_max_input_tokens is not None else 2**64,
        p.currency,
        p.valid_from,
    )


def export_model(model):
    return {
        "slug": model.slug,
        "name": model.name,
        "kind": model.kind,
        "context_window": model.context_window,
        "max_output_tokens": model.max_output_tokens,
        "capabilities": list(model.capabilities or []),
        "released_on": _iso(model.released_on),
        **({"tokenizer": model.tokenizer} if model.tokenizer else {}),
        "deprecated_on": _iso(model.deprecated_on),
        "prices": [
            {
                "kind": p.kind,
                "amount": fmt_decimal(p.amount),
                "currency": p.currency,
                "per": PER_MILLION,
                "tier_min_input_tokens": p.tier_min_input_tokens,
                "tier_max_input_tokens": p.tier_max_input_tokens,
                "valid_from": _iso(p.valid_from),
                "valid_to": _iso(p.valid_to),
                "source_url": p.source_url,
                "checked_on": _iso(p.checked_on),
                "method": p.method,
                "confidence": p.confidence,
                **_price_dimensions(p),
            }
            for p in sorted(model.prices.all(), key=_price_sort_key)
        ],
    }


def _price_dimensions(price):
    """The optional pricing dimensions, each left out at its default (always the same way)."""
    out = {}
    if price.service_tier != Price.ServiceTier.STANDARD:
        out["service_tier"] = price.service_tier
    if price.region:
        out["region"] = price.region
    if getattr(price, "tier_min_output_tokens", None) is not None:
        out["tier_min_output_tokens"] = price.tier_min_output_tokens
    if getattr(price, "tier_max_output_tokens", None) is not None:
        out["tier_max_output_tokens"] = price.tier_max_output_tokens
    if getattr(price, "mode", None):
        out["mode"] = price.mode
    if getattr(price, "note", ""):
        out["note"] = price.note
    if price.time_window:
        window = clean_time_window(price.time_window)
        out["time_window"] = {"start": window["start"], "end": window["end"], "tz": window["tz"],
                              "days": window["days"]}  # fmt: skip
    return out


def _export_benefit(benefit):
    out = {"kind": benefit.kind}
    names = BENEFIT_FIELDS.get(benefit.kind)
    slugs = sorted(m.slug for m in benefit.models.all())
    if names is None:  # a perk: models only when it names some
        if slugs:
            out["models"] = slugs
    else:
        for name in names:
            if name == "models":
                out["models"] = slugs
            elif name == "per_model":  # optional, written only when true
                if getattr(benefit, "per_model", False):
                    out["per_model"] = True
            else:
                value = getattr(benefit, BENEFIT_COLUMNS.get(name, name))
                out[name] = fmt_decimal(value) if isinstance(value, Decimal) else (value or None)
    if benefit.description:
        out["description"] = benefit.description
    return out


def export_program(program):
    out = {
        "slug": program.slug,
        "name": program.name,
        "name_zh": program.name_zh or None,
        "announced_on": _iso(program.announced_on),
        "starts_on": _iso(program.starts_on),
        "ends_on": _iso(program.ends_on),
        **({"confirmed_on": _iso(program.confirmed_on)} if program.confirmed_on else {}),
        **({"category": program.category} if getattr(program, "category", "") else {}),
        **({"audience": program.audience} if getattr(program, "audience", None) else {}),
        "eligibility": program.eligibility or None,
        "openai_users_only": program.openai_users_only,
        "new_users_only": program.new_users_only,
        "enterprise_only": program.enterprise_only,
        "benefits": [_export_benefit(b) for b in program.benefits.all()],
        "source_urls": list(program.source_urls),
        "confidence": program.confidence,
        "checked_on": _iso(program.checked_on),
        "notes": program.notes or None,
    }
    # Optional keys, written only when set, so catalogs without them export unchanged.
    if program.eligibility_zh:
        out["eligibility_zh"] = program.eligibility_zh
    if program.notes_zh:
        out["notes_zh"] = program.notes_zh
    return out


def dumps(document):
    """The canonical bytes of a document."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

"""`parse_catalog`: a whole `banjia.catalog/1` document validated into records, or every error
with its JSON path (catalog-format.md)."""

from decimal import Decimal

from django.core.exceptions import ValidationError

from offers import tokens
from offers.catalog.io.document import (
    AMOUNT_LIMIT,
    AMOUNT_PLACES,
    CURRENCY_RE,
    MODEL_ID_RE,
    PER_MILLION,
    PROVIDER_TEXT,
    PROVIDER_URLS,
    SLUG_RE,
    TOKENIZER_RE,
    Checker,
    url_validator,
)
from offers.catalog.io.records import (
    FORMAT,
    BenefitRec,
    Catalog,
    CatalogError,
    MappingRec,
    ModelRec,
    PriceRec,
    ProgramRec,
    ProviderRec,
    RateRec,
)
from offers.models import (
    Benefit,
    MigrationProgram,
    Model,
    ModelMapping,
    Price,
    clean_time_window,
)


def parse_catalog(document, *, known_models=None):
    """Validate a loaded JSON document; return a Catalog or raise CatalogError with every error.

    `known_models` is a set of (provider_slug, model_slug, kind) already in the database, so a
    document may refer to models it does not itself define.
    """
    ck = Checker()
    if not isinstance(document, dict):
        raise CatalogError(["$: must be an object with format, providers, mappings, exchange_rates"])
    if document.get("format") != FORMAT:
        ck.err("format", f'must be "{FORMAT}"')

    providers = []
    seen_providers, seen_programs = {}, {}
    for i, raw in enumerate(ck.list(document.get("providers"), "providers", required=False)):
        path = f"providers[{i}]"
        rec = _parse_provider(ck, raw, path)
        if rec is None:
            continue
        if rec.slug in seen_providers:
            ck.err(f"{path}.slug", f"duplicate provider slug {rec.slug!r} (also {seen_providers[rec.slug]})")
        seen_providers.setdefault(rec.slug, path)
        for j, program in enumerate(rec.programs):
            where = f"{path}.programs[{j}].slug"
            if program.slug in seen_programs:
                ck.err(where, f"duplicate program slug {program.slug!r} (also {seen_programs[program.slug]})")
            seen_programs.setdefault(program.slug, where)
        providers.append(rec)

    model_kinds = dict(
        ((p, m), kind) for p, m, kind in (known_models or set())
    )  # fmt: skip
    for prov in providers:
        for m in prov.models:
            model_kinds[(prov.slug, m.slug)] = m.fields["kind"]

    # Benefits may only name models of the programme's own provider.
    for i, prov in enumerate(providers):
        for j, program in enumerate(prov.programs):
            for k, benefit in enumerate(program.benefits):
                for n, slug in enumerate(benefit.models):
                    if (prov.slug, slug) not in model_kinds:
                        ck.err(
                            f"providers[{i}].programs[{j}].benefits[{k}].models[{n}]",
                            f"unknown model {slug!r} of provider {prov.slug!r}",
                        )

    mappings = []
    seen_mappings = {}
    for i, raw in enumerate(ck.list(document.get("mappings"), "mappings", required=False)):
        rec = _parse_mapping(ck, raw, f"mappings[{i}]", model_kinds)
        if rec is None:
            continue
        key = (rec.openai_model, rec.provider, rec.rank)
        if key in seen_mappings:
            ck.err(f"mappings[{i}]", f"duplicate of {seen_mappings[key]} (same openai_model, provider, rank)")
        seen_mappings.setdefault(key, f"mappings[{i}]")
        mappings.append(rec)

    rates = []
    seen_rates = {}
    for i, raw in enumerate(ck.list(document.get("exchange_rates"), "exchange_rates", required=False)):
        path = f"exchange_rates[{i}]"
        d = ck.obj(raw, path)
        if d is None:
            continue
        base = ck.text(d, "base", path, required=True, pattern=CURRENCY_RE)
        quote = ck.text(d, "quote", path, required=True, pattern=CURRENCY_RE)
        rate = ck.decimal(d, "rate", path, required=True, positive=True, maximum=Decimal("1e9"))
        day = ck.day(d, "date", path, required=True)
        source = ck.text(d, "source_url", path, url=True, max_length=1000)
        if base and quote and base == quote:
            ck.err(f"{path}.quote", "must differ from base")
        if None in (base, quote, rate, day):
            continue
        if (base, quote, day) in seen_rates:
            ck.err(path, f"duplicate of {seen_rates[(base, quote, day)]} (same base, quote, date)")
        seen_rates.setdefault((base, quote, day), path)
        rates.append(RateRec(base, quote, rate, day, source or ""))

    for key in sorted(set(document) - {"format", "providers", "mappings", "exchange_rates"}):
        ck.err(str(key), "unknown key")

    if ck.total:
        ck.fail()
    return Catalog(providers, mappings, rates)


def _parse_provider(ck, raw, path):
    d = ck.obj(raw, path)
    if d is None:
        return None
    slug = ck.text(d, "slug", path, required=True, pattern=SLUG_RE, max_length=64)
    fields = {"name": ck.text(d, "name", path, required=True, max_length=200)}
    for key in PROVIDER_TEXT:
        fields[key] = ck.text(d, key, path, url=key in PROVIDER_URLS, max_length=500) or ""
    fields["openai_compatible"] = ck.boolean(d, "openai_compatible", path)
    rec = ProviderRec(slug, fields)

    seen = {}
    for j, raw_model in enumerate(ck.list(d.get("models"), f"{path}.models", required=False)):
        model = _parse_model(ck, raw_model, f"{path}.models[{j}]")
        if model is None:
            continue
        if model.slug in seen:
            ck.err(
                f"{path}.models[{j}].slug", f"duplicate model slug {model.slug!r} (also {seen[model.slug]})"
            )
        seen.setdefault(model.slug, f"{path}.models[{j}]")
        rec.models.append(model)

    for j, raw_program in enumerate(ck.list(d.get("programs"), f"{path}.programs", required=False)):
        program = _parse_program(ck, raw_program, f"{path}.programs[{j}]")
        if program is not None:
            rec.programs.append(program)
    return rec if slug else None


def _parse_model(ck, raw, path):
    d = ck.obj(raw, path)
    if d is None:
        return None
    slug = ck.text(d, "slug", path, required=True, pattern=MODEL_ID_RE, max_length=128)
    fields = {
        "name": ck.text(d, "name", path, required=True, max_length=200),
        "kind": ck.choice(d, "kind", path, set(Model.Kind.values), default="chat"),
        "context_window": ck.integer(d, "context_window", path, minimum=1),
        "max_output_tokens": ck.integer(d, "max_output_tokens", path, minimum=1),
        "released_on": ck.day(d, "released_on", path),
        "deprecated_on": ck.day(d, "deprecated_on", path),
        "tokenizer": ck.text(d, "tokenizer", path, pattern=TOKENIZER_RE, max_length=64) or "",
    }
    if fields["tokenizer"] and fields["tokenizer"] not in tokens.NAMES:
        ck.err(f"{path}.tokenizer", f"must be a tokenizer in Banjia's registry: {', '.join(tokens.NAMES)}")
    caps = ck.list(d.get("capabilities"), f"{path}.capabilities", required=False)
    for n, cap in enumerate(caps):
        if cap not in Model.CAPABILITIES:
            ck.err(f"{path}.capabilities[{n}]", f"must be one of {', '.join(Model.CAPABILITIES)}")
    if len(set(map(str, caps))) != len(caps):
        ck.err(f"{path}.capabilities", "must not repeat a capability")
    fields["capabilities"] = [c for c in caps if c in Model.CAPABILITIES]
    for key in ("context_window", "max_output_tokens"):  # PositiveIntegerField's range
        if fields[key] and fields[key] > 2**31 - 1:
            ck.err(f"{path}.{key}", "is too large")
    rec = ModelRec(slug, fields)

    keys, current = {}, {}
    for k, raw_price in enumerate(ck.list(d.get("prices"), f"{path}.prices", required=False)):
        where = f"{path}.prices[{k}]"
        price = _parse_price(ck, raw_price, where)
        if price is None:
            continue
        if price.key in keys:
            ck.err(
                where,
                f"duplicate of {keys[price.key]} (same kind, currency, tier, valid_from, service "
                "tier, region, time window, mode and reply-length band)",
            )
        keys.setdefault(price.key, where)
        if price.valid_to is None:
            if price.slot in current:
                ck.err(
                    where,
                    f"second current price for the same kind, tier, currency, service tier, region, "
                    f"time window, mode and reply-length band as {current[price.slot]}",
                )
            current.setdefault(price.slot, where)
        rec.prices.append(price)
    return rec if slug else None


def _parse_price(ck, raw, path):
    d = ck.obj(raw, path)
    if d is None:
        return None
    kind = ck.choice(d, "kind", path, set(Price.Kind.values))
    amount = ck.decimal(d, "amount", path, required=True)
    currency = ck.text(d, "currency", path, required=True, pattern=CURRENCY_RE)
    per = ck.integer(d, "per", path, minimum=1)
    tier_min = ck.integer(d, "tier_min_input_tokens", path)
    tier_max = ck.integer(d, "tier_max_input_tokens", path)
    valid_from = ck.day(d, "valid_from", path, required=True)
    valid_to = ck.day(d, "valid_to", path)
    source_url = ck.text(d, "source_url", path, required=True, url=True, max_length=1000)
    checked_on = ck.day(d, "checked_on", path, required=True)
    method = ck.choice(d, "method", path, set(Price.Method.values), default="manual")
    confidence = ck.choice(d, "confidence", path, set(Price.Confidence.values), default="official")
    service_tier = ck.choice(d, "service_tier", path, set(Price.ServiceTier.values), default="standard")
    region = None
    if d.get("region") is not None:
        region = ck.choice(d, "region", path, set(Price.Region.values), default="")
        region = region or None
    time_window = None
    if d.get("time_window") is not None:
        try:
            time_window = clean_time_window(d["time_window"])
        except ValueError as exc:
            ck.err(f"{path}.time_window", str(exc))
    if tier_min is not None and tier_max is not None and tier_max < tier_min:
        ck.err(f"{path}.tier_max_input_tokens", "must be >= tier_min_input_tokens")
    out_min = ck.integer(d, "tier_min_output_tokens", path)
    out_max = ck.integer(d, "tier_max_output_tokens", path)
    if out_min is not None and out_max is not None and out_max < out_min:
        ck.err(f"{path}.tier_max_output_tokens", "must be >= tier_min_output_tokens")
    mode = None
    if d.get("mode") is not None:
        mode = ck.choice(d, "mode", path, set(Price.Mode.values), default="") or None
    note = ck.text(d, "note", path, max_length=2000) or ""
    if valid_from and valid_to and valid_to <= valid_from:
        ck.err(f"{path}.valid_to", "must be after valid_from")
    if amount is not None and per not in (None, PER_MILLION):
        scaled = amount * PER_MILLION / per
        if scaled >= AMOUNT_LIMIT:
            ck.err(f"{path}.amount", "is too large")
            amount = None
        elif scaled != scaled.quantize(AMOUNT_PLACES):
            ck.err(f"{path}.amount", f"is not exact to 10 decimal places per 1M tokens (per {per})")
            amount = None
        else:
            amount = scaled
    if amount is not None and amount >= AMOUNT_LIMIT:
        ck.err(f"{path}.amount", "is too large")
        amount = None
    elif amount is not None and amount != amount.quantize(AMOUNT_PLACES):
        ck.err(f"{path}.amount", "has more than 10 decimal places per 1M tokens")
        amount = None
    if None in (kind, amount, currency, valid_from, source_url, checked_on):
        return None
    return PriceRec(
        kind, amount, currency, tier_min, tier_max, valid_from, valid_to,
        source_url, checked_on, method, confidence, path, service_tier, region, time_window,
        out_min, out_max, mode, note,
    )  # fmt: skip


def _parse_program(ck, raw, path):
    d = ck.obj(raw, path)
    if d is None:
        return None
    slug = ck.text(d, "slug", path, required=True, pattern=SLUG_RE, max_length=100)
    fields = {
        "name": ck.text(d, "name", path, required=True, max_length=300),
        "name_zh": ck.text(d, "name_zh", path, max_length=300) or "",
        "announced_on": ck.day(d, "announced_on", path),
        "starts_on": ck.day(d, "starts_on", path),
        "ends_on": ck.day(d, "ends_on", path),
        "confirmed_on": ck.day(d, "confirmed_on", path),
        "eligibility": ck.text(d, "eligibility", path) or "",
        "openai_users_only": ck.boolean(d, "openai_users_only", path),
        "new_users_only": ck.boolean(d, "new_users_only", path),
        "enterprise_only": ck.boolean(d, "enterprise_only", path),
        "confidence": ck.choice(d, "confidence", path, set(Price.Confidence.values), default="reported"),
        "checked_on": ck.day(d, "checked_on", path),
        "notes": ck.text(d, "notes", path) or "",
        "category": ck.choice(d, "category", path, set(MigrationProgram.Category.values), default="") or "",
        "audience": None,
        # Optional Chinese texts: absent (or null) means none.
        "eligibility_zh": ck.text(d, "eligibility_zh", path) or "",
        "notes_zh": ck.text(d, "notes_zh", path) or "",
    }
    if d.get("audience") is not None:
        fields["audience"] = ck.choice(d, "audience", path, set(MigrationProgram.Audience.values)) or None
    if fields["starts_on"] and fields["ends_on"] and fields["ends_on"] < fields["starts_on"]:
        ck.err(f"{path}.ends_on", "must not be before starts_on")
    urls = ck.list(d.get("source_urls"), f"{path}.source_urls")
    if isinstance(d.get("source_urls"), list) and not urls:
        ck.err(f"{path}.source_urls", "must list at least one URL")
    clean_urls = []
    for n, url in enumerate(urls):
        if not isinstance(url, str):
            ck.err(f"{path}.source_urls[{n}]", "must be an http(s) URL")
            continue
        try:
            url_validator(url)
        except ValidationError:
            ck.err(f"{path}.source_urls[{n}]", "must be an http(s) URL")
            continue
        clean_urls.append(url)
    fields["source_urls"] = clean_urls
    benefits = []
    for k, raw_benefit in enumerate(ck.list(d.get("benefits"), f"{path}.benefits", required=False)):
        benefit = _parse_benefit(ck, raw_benefit, f"{path}.benefits[{k}]")
        if benefit is not None:
            benefits.append(benefit)
    return ProgramRec(slug, fields, benefits) if slug else None


BENEFIT_FIELDS = {
    "free_tokens": ("tokens", "models", "valid_days", "per_model"),
    "matched_tokens": ("ratio", "models", "valid_days"),
    "discount": ("percent", "months", "models"),
    "credit": ("amount", "currency", "valid_days"),
    "plan": ("price", "currency", "period"),
}
# Document key -> model field, where they differ: a plan's price is stored in `amount`.
BENEFIT_COLUMNS = {"price": "amount"}


def _parse_benefit(ck, raw, path):
    d = ck.obj(raw, path)
    if d is None:
        return None
    kind = ck.choice(d, "kind", path, set(Benefit.Kind.values))
    if kind is None:
        return None
    allowed = set(BENEFIT_FIELDS.get(kind, ("models",))) | {"kind", "description"}
    for key in sorted(set(d) - allowed):
        ck.err(f"{path}.{key}", f"is not a field of a {kind} benefit")
    fields = {"description": ck.text(d, "description", path) or ""}
    if kind == "free_tokens":
        fields["tokens"] = ck.integer(d, "tokens", path, required=True, minimum=1)
        fields["per_model"] = bool(ck.boolean(d, "per_model", path))
    elif kind == "matched_tokens":
        fields["ratio"] = ck.decimal(d, "ratio", path, required=True, positive=True, maximum=Decimal("1e5"))
        if fields["ratio"] is not None and fields["ratio"] != fields["ratio"].quantize(Decimal("1e-6")):
            ck.err(f"{path}.ratio", "has more than 6 decimal places")
    elif kind == "discount":
        fields["percent"] = ck.decimal(d, "percent", path, required=True, positive=True, maximum=Decimal(100))
        fields["months"] = ck.integer(d, "months", path, minimum=1)
    elif kind == "credit":
        fields["amount"] = ck.decimal(d, "amount", path, required=True, positive=True, maximum=AMOUNT_LIMIT)
        fields["currency"] = ck.text(d, "currency", path, required=True, pattern=CURRENCY_RE) or ""
    elif kind == "plan":
        price = ck.decimal(d, "price", path, required=True, maximum=AMOUNT_LIMIT)
        if price is not None and price < 0:
            ck.err(f"{path}.price", "must be a decimal >= 0")
        fields["amount"] = price
        fields["currency"] = ck.text(d, "currency", path, required=True, pattern=CURRENCY_RE) or ""
        fields["period"] = ck.choice(d, "period", path, set(Benefit.Period.values)) or ""
    if kind in ("free_tokens", "matched_tokens", "credit"):
        fields["valid_days"] = ck.integer(d, "valid_days", path, minimum=1)
    models = []
    for n, slug in enumerate(ck.list(d.get("models"), f"{path}.models", required=False)):
        if not isinstance(slug, str) or not slug:
            ck.err(f"{path}.models[{n}]", "must be a model slug")
        elif slug not in models:
            models.append(slug)
    return BenefitRec(kind, fields, sorted(models))


def _parse_mapping(ck, raw, path, model_kinds):
    """A mapping from an OpenAI model (`openai_model`) or from another baseline's model
    (`from_provider` + `from_model`, e.g. Anthropic's)."""
    d = ck.obj(raw, path)
    if d is None:
        return None
    if "from_provider" in d or "from_model" in d:
        if "openai_model" in d:
            ck.err(f"{path}.openai_model", "give either openai_model or from_provider and from_model")
        from_provider = ck.text(d, "from_provider", path, required=True, pattern=SLUG_RE, max_length=64)
        source, source_key = ck.text(d, "from_model", path, required=True), "from_model"
    else:
        from_provider = "openai"
        source, source_key = ck.text(d, "openai_model", path, required=True), "openai_model"
    provider = ck.text(d, "provider", path, required=True)
    model = ck.text(d, "model", path, required=True)
    rank = ck.integer(d, "rank", path, minimum=1)
    if d.get("rank") is None:
        rank = 1
    note = ck.text(d, "note", path) or ""
    fit = ck.choice(d, "fit", path, set(ModelMapping.Fit.values), default="like_for_like")
    if source and from_provider and (from_provider, source) not in model_kinds:
        ck.err(f"{path}.{source_key}", f"unknown model {source!r} of provider {from_provider!r}")
    if provider and provider == from_provider:
        ck.err(f"{path}.provider", f"must be a provider other than {from_provider}")
    if provider and model and (provider, model) not in model_kinds:
        ck.err(f"{path}.model", f"unknown model {model!r} of provider {provider!r}")
    if None in (source, from_provider, provider, model, rank, fit):
        return None
    return MappingRec(source, provider, model, rank, note, fit, from_provider)

"""The vendor's counterpart of an OpenAI model on a date (DESIGN.md, estimator rule 4).

One ranked list of mappings serves every date: the counterpart of an OpenAI model at a vendor on
date d is the best-ranked mapping whose model is *available* on d, i.e. released (released_on
null or <= d) and not yet retired (deprecated_on null or > d). Rank 1 is today's like-for-like
model; lower ranks are older ones that an earlier date falls back to.

Everything that picks "the vendor's model for this OpenAI model" (the estimator, the estimate
page's model choice, the vendor page's snippet, the model page's "replaces", the compare page)
goes through `counterparts` (one query for any number of OpenAI models and vendors) or its
single form `counterpart`.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q

from offers.models import ModelMapping, today


def is_available(released_on, deprecated_on, on: date) -> bool:
    """Rule 4 in Python: released (null or <= on) and not yet retired (null or > on)."""
    return (released_on is None or released_on <= on) and (deprecated_on is None or deprecated_on > on)


def available_on(on: date, prefix: str = "") -> Q:
    """Q for models available on `on` (`prefix` "model__" when filtering mappings)."""
    return (Q(**{f"{prefix}released_on__isnull": True}) | Q(**{f"{prefix}released_on__lte": on})) & (
        Q(**{f"{prefix}deprecated_on__isnull": True}) | Q(**{f"{prefix}deprecated_on__gt": on})
    )


def mapping_queryset(on: date, *, openai_models=None, providers=None, models=None):
    """Mappings whose model is available on `on`, best rank first within each (OpenAI model,
    provider). Filters take ids or instances; None means all."""
    qs = ModelMapping.objects.filter(available_on(on, "model__"))
    if openai_models is not None:
        qs = qs.filter(openai_model__in=list(openai_models))
    if providers is not None:
        qs = qs.filter(provider__in=list(providers))
    if models is not None:
        qs = qs.filter(model__in=list(models))
    return qs.order_by("openai_model_id", "provider_id", "rank")


def counterparts(on: date | None = None, *, openai_models=None, providers=None, values=None) -> dict:
    """{(openai model id, provider id): counterpart} in one query.

    Without `values` each counterpart is the mapped `Model` (with its provider) and the mapping
    row's OpenAI model is reachable as `.mapping_openai_model` (its rank and fit as `.mapping_rank`,
    `.mapping_fit`). With `values` (field names of
    ModelMapping, e.g. "model_id", "model__slug"), each counterpart is the named tuple of those
    fields: faster where thousands of rows are read (the estimator)."""
    on = on or today()
    qs = mapping_queryset(on, openai_models=openai_models, providers=providers)
    best = {}
    if values is not None:
        fields = ("openai_model_id", "provider_id", *values)
        for row in qs.values_list(*fields, named=True):
            best.setdefault((row.openai_model_id, row.provider_id), row)
        return best
    for mapping in qs.select_related("openai_model__provider", "model__provider"):
        key = (mapping.openai_model_id, mapping.provider_id)
        if key not in best:
            model = mapping.model
            model.mapping_openai_model = mapping.openai_model
            model.mapping_rank = mapping.rank
            model.mapping_fit = mapping.fit
            best[key] = model
    return best


def counterpart(openai_model, provider, on: date | None = None):
    """The `Model` replacing `openai_model` at `provider` on `on` (default today), or None."""
    openai_id = getattr(openai_model, "pk", openai_model)
    provider_id = getattr(provider, "pk", provider)
    found = counterparts(on, openai_models=[openai_id], providers=[provider_id])
    return found.get((openai_id, provider_id))

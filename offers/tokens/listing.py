"""The registry as the API and the pages list it: each tokenizer with the models that use it.

Cost: one query (published models naming a tokenizer, with their provider's slug).
"""

from offers.models import Model

from .registry import REGISTRY


def models_by_tokenizer():
    """{tokenizer name: ["provider/model", ...]} over published models, sorted."""
    found = {}
    rows = (
        Model.objects.published()
        .exclude(tokenizer="")
        .order_by("provider__slug", "slug")
        .values_list("tokenizer", "provider__slug", "slug")
    )
    for name, provider, slug in rows:
        found.setdefault(name, []).append(f"{provider}/{slug}")
    return found


def tokenizer_listing():
    """The registry in order, each entry as `TokenizerSpec.as_dict()` plus `models`."""
    used = models_by_tokenizer()
    return [{**spec.as_dict(), "models": used.get(spec.name, [])} for spec in REGISTRY]

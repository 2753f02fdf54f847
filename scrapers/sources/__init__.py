"""The registry of sources: slug -> module with SLUG, KIND (vendor | feed | fx), URLS and a pure
`parse(text)`. Vendor modules also name VENDOR and PROVIDER (the catalog slug)."""

from importlib import import_module

# Order as in DESIGN.md: vendor pages, then feeds, then exchange rates.
SLUGS = (
    "openai", "deepseek", "zhipu", "moonshot", "alibaba", "volcengine", "tencent", "minimax",
    "anthropic",
    "litellm", "openrouter", "models-dev",
    "ecb", "fx-monthly",
)  # fmt: skip


class UnknownSource(KeyError):
    def __str__(self):
        return f"unknown source {self.args[0]!r}; known: {', '.join(SLUGS)}"


def get(slug):
    if slug not in SLUGS:
        raise UnknownSource(slug)
    return import_module(f"{__name__}.{slug.replace('-', '_')}")


def all_sources():
    return [get(slug) for slug in SLUGS]


def vendor_providers():
    """Catalog providers whose own page is a source: feeds never change their prices."""
    return {get(slug).PROVIDER for slug in SLUGS if get(slug).KIND == "vendor"}

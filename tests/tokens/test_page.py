"""/tokens/: counts under every tokenizer and the input cost at each vendor's flagship."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import ModelFactory, ModelMappingFactory, PriceFactory, ProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    openai = ProviderFactory(slug="openai", name="OpenAI")
    deepseek = ProviderFactory(slug="deepseek", name="DeepSeek")
    kimi = ProviderFactory(slug="moonshot", name="Moonshot")
    gpt = ModelFactory(
        provider=openai, slug="gpt-4o", name="GPT-4o", tokenizer="o200k_base", released_on=None
    )
    ds = ModelFactory(provider=deepseek, slug="deepseek-v4-pro", tokenizer="deepseek-v3", released_on=None)
    k2 = ModelFactory(provider=kimi, slug="kimi-k2", tokenizer="", released_on=None)
    on = date(2024, 1, 1)
    PriceFactory(model=gpt, kind="input", amount=Decimal("2.5"), currency="USD", valid_from=on)
    PriceFactory(model=ds, kind="input", amount=Decimal("3"), currency="CNY", valid_from=on)
    PriceFactory(model=k2, kind="input", amount=Decimal("4"), currency="CNY", valid_from=on)
    ModelMappingFactory(openai_model=gpt, provider=deepseek, model=ds)
    ModelMappingFactory(openai_model=gpt, provider=kimi, model=k2)
    return gpt


def test_counts_and_costs_for_a_linked_text(client, catalog):
    # "hello world" is 2 tokens under every registry tokenizer (tests/tokens/test_counting.py)
    response = client.get(reverse("offers:tokens"), {"text": "hello world"})
    assert response.status_code == 200
    html = response.content.decode()
    result = response.context["result"]
    assert [r.tokens for r in result["per_tokenizer"]] == [2] * 8
    costs = {r.model.slug: r for r in result["costs"]}
    # gpt-4o: 2 x 2.5 / 1,000,000 = 0.000005 USD; deepseek: 2 x 3 / 1M = 0.000006 CNY
    assert costs["gpt-4o"].cost == Decimal("0.000005")
    assert costs["deepseek-v4-pro"].cost == Decimal("0.000006")
    # Moonshot publishes no tokenizer: gpt-4o's count stands in, 2 x 4 / 1M = 0.000008 CNY
    assert costs["kimi-k2"].assumed
    assert costs["kimi-k2"].cost == Decimal("0.000008")
    assert "0.000006 CNY" in html
    assert "unknown: not published" in html
    assert "?text=hello+world" in html


def test_chinese_text_counts_differ_by_tokenizer(client, catalog):
    response = client.post(reverse("offers:tokens"), {"text": "我们已经重置了您账户的密码，请重新登录。"})
    counts = {r.spec.name: r.tokens for r in response.context["result"]["per_tokenizer"]}
    assert counts["cl100k_base"] > counts["o200k_base"]
    assert counts["deepseek-v3"] < counts["cl100k_base"]


def test_bad_text_is_a_form_error(client, catalog):
    response = client.get(reverse("offers:tokens"), {"text": "a\x00b"})
    assert response.status_code == 200
    assert response.context["result"] is None
    assert response.context["form"].errors["text"] == ["Null characters are not allowed."]


def test_text_over_a_megabyte_is_a_form_error(client, catalog):
    response = client.post(reverse("offers:tokens"), {"text": "a" * 1_000_001})
    assert response.context["form"].errors["text"] == ["The text is over 1,000,000 bytes (UTF-8)."]


def test_empty_page(client, catalog):
    response = client.get(reverse("offers:tokens"))
    assert response.status_code == 200
    assert response.context["result"] is None


def test_the_page_in_chinese(client, catalog):
    response = client.get(reverse("offers:tokens"), {"text": "你好"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = response.content.decode()
    assert "Token 计数器" in html
    assert "各分词器下的 token 数" in html
    assert "未知：未公开" in html


def test_the_model_page_names_the_tokenizer(client, catalog):
    url = reverse("offers:model", args=["deepseek", "deepseek-v4-pro"])
    assert "<code>deepseek-v3</code>" in client.get(url).content.decode()
    url = reverse("offers:model", args=["moonshot", "kimi-k2"])
    assert "not published: tokens assumed equal" in client.get(url).content.decode()


def test_the_model_table_names_each_tokenizer(client, catalog):
    html = client.get(reverse("offers:models")).content.decode()
    assert "<code>deepseek-v3</code>" in html
    assert "<code>o200k_base</code>" in html
    assert "not published" in html  # kimi-k2

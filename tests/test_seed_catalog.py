"""The seed catalog data/catalog.json: complete, sourced, and true to shared/research."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import F

from offers.catalog_io import import_catalog
from offers.models import MigrationProgram, Model, ModelMapping, Price, Provider

SEED = Path(__file__).resolve().parent.parent / "data" / "catalog.json"
VENDORS = {
    "zhipu", "baidu", "alibaba", "tencent", "moonshot", "deepseek", "volcengine", "minimax",
    "sensetime", "baichuan", "01ai", "iflytek", "stepfun",
}  # fmt: skip


@pytest.fixture
def seed(db):
    import_catalog(SEED.read_bytes())


def test_providers(seed):
    assert set(Provider.objects.values_list("slug", flat=True)) == VENDORS | {"openai"}
    # Base URLs from research/migration_facts.md, "OpenAI-compatible base URLs".
    assert Provider.objects.get(slug="zhipu").api_base_url == "https://open.bigmodel.cn/api/paas/v4/"
    assert Provider.objects.get(slug="moonshot").api_base_url == "https://api.moonshot.cn/v1"
    assert (
        Provider.objects.get(slug="alibaba").api_base_url
        == "https://dashscope.aliyuncs.com/compatible-mode/v1"
    )


def test_openai_models_from_35_turbo_to_gpt5_and_embeddings(seed):
    slugs = set(Model.objects.filter(provider__slug="openai").values_list("slug", flat=True))
    assert {"gpt-3.5-turbo", "gpt-4o", "gpt-4o-mini", "gpt-4.1", "o3", "gpt-5", "gpt-5-mini"} <= slugs
    assert {"text-embedding-3-small", "text-embedding-3-large"} <= slugs


def test_openai_gpt4o_history(seed):
    # research: mid-2024 gpt-4o 5/15 USD per 1M, later 2.5/10 (the 2024-08-06 price).
    rows = Price.objects.filter(model__provider__slug="openai", model__slug="gpt-4o", kind="input")
    assert [(r.amount, r.valid_to is None) for r in rows.order_by("valid_from")] == [
        (Decimal("5"), False),
        (Decimal("2.5"), True),
    ]
    on_block_day = Price.objects.current(on=date(2024, 7, 9)).get(model__slug="gpt-4o", kind="output")
    assert on_block_day.amount == Decimal("15")


def test_mid_2024_vendor_prices(seed):
    # research: GLM-4 100/100 CNY per 1M in July 2024; ERNIE-4.0-8K 120/120.
    july = date(2024, 7, 19)
    glm4 = Price.objects.current(on=july).filter(model__provider__slug="zhipu", model__slug="glm-4")
    assert {(p.kind, p.amount, p.currency) for p in glm4} >= {
        ("input", Decimal("100"), "CNY"),
        ("output", Decimal("100"), "CNY"),
    }
    ernie = Price.objects.current(on=july).filter(model__provider__slug="baidu", model__slug="ernie-4.0-8k")
    assert {(p.kind, p.amount) for p in ernie} >= {("input", Decimal("120")), ("output", Decimal("120"))}


def test_every_price_and_programme_is_sourced_and_dated(seed):
    assert not Price.objects.filter(source_url="").exists()
    # Checked dates are real reading dates: never after the research was gathered (2026-11-24),
    # never before the price they check came into force.
    assert not Price.objects.filter(checked_on__gt=date(2026, 11, 24)).exists()
    assert not Price.objects.filter(checked_on__lt=F("valid_from")).exists()
    assert Price.objects.count() > 200
    for program in MigrationProgram.objects.all():
        assert program.source_urls, program.slug
        assert program.checked_on is not None, program.slug
    # Vendors price in their own currency: CNY for the Chinese vendors' own pages.
    assert set(Price.objects.filter(model__provider__slug="zhipu").values_list("currency", flat=True)) == {
        "CNY"
    }


def test_july_2024_programmes(seed):
    zhipu = MigrationProgram.objects.get(provider__slug="zhipu")
    # research: 150M tokens = 50M GLM-4 + 100M GLM-4-Air, plus training and consulting.
    tokens = {
        tuple(b.models.values_list("slug", flat=True)): b.tokens
        for b in zhipu.benefits.filter(kind="free_tokens")
    }
    assert tokens == {("glm-4",): 50_000_000, ("glm-4-air",): 100_000_000}
    assert {"training", "consulting"} <= set(zhipu.benefits.values_list("kind", flat=True))
    tencent = MigrationProgram.objects.get(provider__slug="tencent")
    assert tencent.ends_on == date(2024, 7, 31)  # "until end of July 2024"
    assert tencent.benefits.get(kind="free_tokens").tokens == 100_000_000
    alibaba = MigrationProgram.objects.get(provider__slug="alibaba")
    assert alibaba.benefits.get(kind="free_tokens").tokens == 22_000_000
    providers = set(MigrationProgram.objects.values_list("provider__slug", flat=True))
    assert {"zhipu", "baidu", "alibaba", "tencent", "sensetime", "baichuan", "01ai"} <= providers


def test_every_openai_chat_model_maps_to_every_vendor(seed):
    chat = Model.objects.filter(provider__slug="openai", kind="chat")
    for model in chat:
        mapped = set(
            ModelMapping.objects.filter(openai_model=model, rank=1).values_list("provider__slug", flat=True)
        )
        assert mapped == VENDORS, model.slug
    wrong = [m for m in ModelMapping.objects.select_related("model") if m.model.provider_id != m.provider_id]
    assert wrong == []


def test_usd_cny_rates_from_mid_2024(seed):
    from offers.models import ExchangeRate

    rates = {r.date: r.rate for r in ExchangeRate.objects.filter(base="USD", quote="CNY")}
    assert min(rates) <= date(2024, 12, 31)
    # ECB 2025-05-09: CNY 8.1470 per EUR / USD 1.1252 per EUR = 7.24049... CNY per USD
    assert rates[date(2025, 5, 9)].quantize(Decimal("0.0001")) == Decimal("7.2405")


def test_only_models_the_sources_call_free_cost_zero():
    # research: ERNIE Speed and Lite free since 21 May 2024, hunyuan-lite and Spark Lite since
    # 22 May 2024; Zhipu's pricing page lists its Flash models as free. Nothing else is 0.
    free = {"ernie-lite-128k", "ernie-lite-8k", "ernie-speed-128k", "ernie-speed-8k", "lite", "hunyuan-lite",
            "glm-4-flash", "glm-4.7-flash"}  # fmt: skip
    doc = json.loads(SEED.read_text())
    zero = {
        model["slug"]
        for provider in doc["providers"]
        for model in provider["models"]
        for price in model["prices"]
        if Decimal(price["amount"]) == 0
    }
    assert zero == free

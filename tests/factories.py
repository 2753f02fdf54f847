"""factory_boy factories for the catalog. Shared by every test module: add, don't rewrite."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from offers.models import Benefit, ExchangeRate, MigrationProgram, Model, ModelMapping, Price, Provider


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"vendor-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    openai_compatible = True


class ModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Model
        django_get_or_create = ("provider", "slug")

    provider = factory.SubFactory(ProviderFactory)
    slug = factory.Sequence(lambda n: f"model-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.upper())
    kind = Model.Kind.CHAT
    context_window = 128000


class PriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Price

    model = factory.SubFactory(ModelFactory)
    kind = Price.Kind.INPUT
    amount = Decimal("1")
    currency = "USD"
    valid_from = dt.date(2024, 1, 1)
    valid_to = None
    source_url = "https://example.com/pricing"
    checked_on = dt.date(2024, 7, 1)
    method = Price.Method.MANUAL
    confidence = Price.Confidence.OFFICIAL
    status = Price.Status.APPROVED


class MigrationProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MigrationProgram

    provider = factory.SubFactory(ProviderFactory)
    slug = factory.Sequence(lambda n: f"program-{n}")
    name = factory.Sequence(lambda n: f"Programme {n}")
    starts_on = dt.date(2024, 6, 25)
    source_urls = factory.LazyFunction(lambda: ["https://example.com/news"])


class BenefitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Benefit

    program = factory.SubFactory(MigrationProgramFactory)
    kind = Benefit.Kind.FREE_TOKENS
    tokens = 1_000_000


class ModelMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModelMapping

    openai_model = factory.SubFactory(
        ModelFactory, provider=factory.SubFactory(ProviderFactory, slug="openai", name="OpenAI")
    )
    model = factory.SubFactory(ModelFactory)
    provider = factory.LazyAttribute(lambda o: o.model.provider)
    rank = 1


class ExchangeRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExchangeRate

    base = "USD"
    quote = "CNY"
    rate = Decimal("7.1")
    date = dt.date(2024, 7, 1)
    source_url = "https://example.com/fx"


# --- estimator helpers (offers/estimator.py tests) ------------------------------------------------


def priced_model(provider, slug, *, input, output, cached=None, currency="USD", **price_fields):
    """A model with approved prices per 1M tokens; `provider` is a Provider or a slug."""
    if not isinstance(provider, Provider):
        provider = ProviderFactory(slug=provider)
    model = ModelFactory(provider=provider, slug=slug)
    for kind, amount in (
        (Price.Kind.INPUT, input),
        (Price.Kind.CACHED_INPUT, cached),
        (Price.Kind.OUTPUT, output),
    ):
        if amount is not None:
            PriceFactory(
                model=model, kind=kind, amount=Decimal(str(amount)), currency=currency, **price_fields
            )
    return model


def map_model(openai_model, model, rank=1):
    """`model` replaces `openai_model` at its provider with this rank."""
    return ModelMappingFactory(openai_model=openai_model, model=model, provider=model.provider, rank=rank)


# --- Browse pages' test catalog (offers.browse, tests/test_views*.py, tests/e2e) ---


def _browse_price(model, kind, amount, currency, **extra):
    return PriceFactory(model=model, kind=kind, amount=Decimal(amount), currency=currency, **extra)


def build_browse_catalog():
    """A small catalog for the browse pages' tests (offers.browse, views, e2e).

    Rates: 1 USD = 7 CNY (2024-07-01). Prices per 1M tokens:
      openai/gpt-4o        input 2.50 USD, output 10 USD
      zhipu/glm-4          input 100 CNY, output 100 CNY
      zhipu/glm-4-air      input 1 CNY,   output 1 CNY
      zhipu/glm-long       tiered input: 0-32K 2 CNY, 32K+ 4 CNY; no output price
      acme/acme-1          input 3 EUR (no EUR rate stored)
    Programmes: zhipu "move" (active: 50M on glm-4 + 100M on glm-4-air + training),
    tencent "old" (expired 2024-07-31: 10M free tokens on every model).
    """
    ExchangeRateFactory(base="USD", quote="CNY", rate=Decimal("7"), date=dt.date(2024, 7, 1))
    openai = ProviderFactory(slug="openai", name="OpenAI", api_base_url="https://api.openai.com/v1")
    zhipu = ProviderFactory(
        slug="zhipu", name="Zhipu AI", name_zh="智谱", api_base_url="https://open.bigmodel.cn/api/paas/v4/"
    )
    tencent = ProviderFactory(
        slug="tencent", name="Tencent Hunyuan", name_zh="腾讯混元", openai_compatible=False
    )
    acme = ProviderFactory(slug="acme", name="Acme", openai_compatible=None)
    gpt4o = ModelFactory(
        provider=openai, slug="gpt-4o", name="GPT-4o", context_window=128000, capabilities=["vision", "tools"]
    )
    glm4 = ModelFactory(
        provider=zhipu, slug="glm-4", name="GLM-4", context_window=128000, capabilities=["tools"]
    )
    air = ModelFactory(provider=zhipu, slug="glm-4-air", name="GLM-4-Air", context_window=32000)
    long = ModelFactory(provider=zhipu, slug="glm-long", name="GLM-Long", context_window=1000000)
    embed = ModelFactory(
        provider=zhipu, slug="embedding-3", name="Embedding-3", kind=Model.Kind.EMBEDDING, context_window=8000
    )
    hunyuan = ModelFactory(provider=tencent, slug="hunyuan-pro", name="Hunyuan Pro", context_window=32000)
    acme1 = ModelFactory(provider=acme, slug="acme-1.5/chat:latest", name="Acme 1", context_window=None)
    _browse_price(gpt4o, Price.Kind.INPUT, "2.50", "USD", checked_on=dt.date.today())
    _browse_price(gpt4o, Price.Kind.OUTPUT, "10", "USD", checked_on=dt.date.today())
    # History: GLM-4 used to cost 120 CNY.
    _browse_price(
        glm4, Price.Kind.INPUT, "120", "CNY", valid_from=dt.date(2024, 1, 1), valid_to=dt.date(2024, 6, 1)
    )
    _browse_price(glm4, Price.Kind.INPUT, "100", "CNY", valid_from=dt.date(2024, 6, 1))
    _browse_price(glm4, Price.Kind.OUTPUT, "100", "CNY", valid_from=dt.date(2024, 6, 1))
    _browse_price(air, Price.Kind.INPUT, "1", "CNY", checked_on=dt.date.today())
    _browse_price(air, Price.Kind.OUTPUT, "1", "CNY", checked_on=dt.date.today())
    _browse_price(long, Price.Kind.INPUT, "2", "CNY", tier_min_input_tokens=0, tier_max_input_tokens=32000)
    _browse_price(long, Price.Kind.INPUT, "4", "CNY", tier_min_input_tokens=32001, tier_max_input_tokens=None)
    _browse_price(embed, Price.Kind.INPUT, "0.5", "CNY")
    _browse_price(hunyuan, Price.Kind.INPUT, "30", "CNY")
    _browse_price(hunyuan, Price.Kind.OUTPUT, "100", "CNY")
    _browse_price(acme1, Price.Kind.INPUT, "3", "EUR")
    # A pending scraped price never shows.
    _browse_price(
        air, Price.Kind.INPUT, "0.01", "CNY", status=Price.Status.PENDING, valid_from=dt.date(2024, 8, 1)
    )
    ModelMappingFactory(openai_model=gpt4o, provider=zhipu, model=glm4)
    ModelMappingFactory(openai_model=gpt4o, provider=tencent, model=hunyuan)
    move = MigrationProgramFactory(
        provider=zhipu,
        slug="zhipu-move",
        name="Special migration plan",
        name_zh="特别搬家计划",
        announced_on=dt.date(2024, 6, 25),
        starts_on=dt.date(2024, 6, 25),
        # A source showed it on offer today, so rule 5 counts it as active.
        confirmed_on=timezone.localdate(),
        eligibility="OpenAI API users",
        openai_users_only=True,
        confidence="reported",
        source_urls=["https://example.com/zhipu-news"],
    )
    BenefitFactory(program=move, kind=Benefit.Kind.FREE_TOKENS, tokens=50_000_000, position=0).models.set(
        [glm4]
    )
    BenefitFactory(program=move, kind=Benefit.Kind.FREE_TOKENS, tokens=100_000_000, position=1).models.set(
        [air]
    )
    BenefitFactory(program=move, kind=Benefit.Kind.TRAINING, tokens=None, position=2)
    old = MigrationProgramFactory(
        provider=tencent,
        slug="tencent-old",
        name="Free Hunyuan tokens",
        starts_on=dt.date(2024, 7, 1),
        ends_on=dt.date(2024, 7, 31),
        source_urls=["https://example.com/tencent-news"],
    )
    BenefitFactory(program=old, kind=Benefit.Kind.FREE_TOKENS, tokens=10_000_000)
    BenefitFactory(
        program=old, kind=Benefit.Kind.DISCOUNT, tokens=None, percent=Decimal("20"), months=3, position=1
    )
    return {
        "openai": openai,
        "zhipu": zhipu,
        "tencent": tencent,
        "acme": acme,
        "gpt4o": gpt4o,
        "glm4": glm4,
        "air": air,
        "long": long,
        "embed": embed,
        "hunyuan": hunyuan,
        "acme1": acme1,
        "move": move,
        "old": old,
    }


# Rule 9 without a sample (or without a tokenizer on either side): an alternative line's tokens are
# the baseline's, ratio 1, counts null. What every such line carries as `tokens`.
ASSUMED = {
    "tokenizer": None,
    "baseline_tokenizer": None,
    "sample_tokens": None,
    "baseline_sample_tokens": None,
    "ratio": "1.000000",
}

"""factory_boy factories for the catalog. Shared by every test module: add, don't rewrite."""

import datetime as dt
from decimal import Decimal

import factory

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

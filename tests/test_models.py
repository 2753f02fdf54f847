"""Database constraints guard the catalog's invariants on SQLite and PostgreSQL alike."""

import datetime as dt
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from offers.models import Benefit, ExchangeRate, MigrationProgram, Price
from tests.factories import (
    ExchangeRateFactory,
    MigrationProgramFactory,
    ModelFactory,
    PriceFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db


def violates(constraint, make):
    with pytest.raises(IntegrityError) as exc, transaction.atomic():
        make()
    # SQLite names CHECK constraints in its message; PostgreSQL names every constraint.
    message = str(exc.value)
    assert constraint in message or "UNIQUE" in message


def test_one_current_approved_price_per_slot():
    price = PriceFactory()
    violates("offers_price_one_current_approved", lambda: PriceFactory(model=price.model))
    # A pending row, a closed row, another tier or another currency may coexist.
    PriceFactory(model=price.model, status=Price.Status.PENDING)
    PriceFactory(model=price.model, valid_from=date(2023, 1, 1), valid_to=date(2024, 1, 1))
    PriceFactory(model=price.model, tier_min_input_tokens=32001)
    PriceFactory(model=price.model, currency="CNY")


def test_tier_null_and_zero_minimum_are_the_same_slot():
    price = PriceFactory(tier_min_input_tokens=None, tier_max_input_tokens=32000)
    violates(
        "offers_price_one_current_approved",
        lambda: PriceFactory(model=price.model, tier_min_input_tokens=0, tier_max_input_tokens=32000),
    )


def test_amount_is_never_negative_and_zero_is_free():
    PriceFactory(amount=Decimal("0"))
    violates("offers_price_amount_gte_0", lambda: PriceFactory(amount=Decimal("-0.01"), kind="output"))


def test_valid_to_after_valid_from():
    violates(
        "offers_price_valid_to_after_from",
        lambda: PriceFactory(valid_from=date(2024, 7, 1), valid_to=date(2024, 7, 1)),
    )


def test_unique_slugs():
    provider = ProviderFactory(slug="zhipu")
    ModelFactory(provider=provider, slug="glm-4")
    violates("offers_model_unique_provider_slug", lambda: ModelFactory._meta.model.objects.create(
        provider=provider, slug="glm-4", name="again"))  # fmt: skip
    MigrationProgramFactory(slug="p")
    violates("slug", lambda: MigrationProgram.objects.create(provider=provider, slug="p", name="again"))


def test_benefit_kinds_need_their_fields():
    program = MigrationProgramFactory()
    violates(
        "offers_benefit_free_tokens_has_tokens",
        lambda: Benefit.objects.create(program=program, kind="free_tokens"),
    )
    violates(
        "offers_benefit_discount_percent_range",
        lambda: Benefit.objects.create(program=program, kind="discount", percent=Decimal("101")),
    )
    Benefit.objects.create(program=program, kind="training")


def test_exchange_rate_is_positive_and_unique_per_day():
    ExchangeRateFactory()
    violates("offers_exchangerate_unique_day", ExchangeRateFactory)
    violates("offers_exchangerate_rate_gt_0", lambda: ExchangeRate.objects.create(
        base="USD", quote="EUR", rate=Decimal("0"), date=date(2024, 1, 1)))  # fmt: skip


def test_current_queryset_uses_half_open_validity():
    old = PriceFactory(valid_from=date(2024, 1, 1), valid_to=date(2024, 7, 1), amount=Decimal("5"))
    new = PriceFactory(model=old.model, valid_from=date(2024, 7, 1), amount=Decimal("2.5"))
    PriceFactory(model=old.model, valid_from=date(2024, 8, 1), status=Price.Status.PENDING, kind="output")
    assert list(Price.objects.current(on=date(2024, 6, 30))) == [old]
    assert list(Price.objects.current(on=date(2024, 7, 1))) == [new]  # valid_to is exclusive
    assert list(Price.objects.current(on=date(2023, 12, 31))) == []


def test_tier_labels():
    assert PriceFactory.build(tier_min_input_tokens=None, tier_max_input_tokens=32000).tier_label == "0–32K"
    assert (
        PriceFactory.build(tier_min_input_tokens=32001, tier_max_input_tokens=128000).tier_label == "32K–128K"
    )
    assert PriceFactory.build(tier_min_input_tokens=272001, tier_max_input_tokens=None).tier_label == "272K–∞"
    assert PriceFactory.build().tier_label == ""


# --- rule 5: when a programme applies --------------------------------------------------------


@pytest.mark.parametrize(
    ("dates", "on", "expected"),
    [
        # ends_on inclusive
        (
            {"starts_on": dt.date(2024, 7, 1), "ends_on": dt.date(2024, 12, 31)},
            dt.date(2024, 12, 31),
            ("active", None),
        ),
        (
            {"starts_on": dt.date(2024, 7, 1), "ends_on": dt.date(2024, 12, 31)},
            dt.date(2025, 1, 1),
            ("ended", dt.date(2024, 12, 31)),
        ),
        # not started: starts_on, else announced_on
        ({"announced_on": dt.date(2024, 7, 9)}, dt.date(2024, 7, 8), ("not_started", dt.date(2024, 7, 9))),
        # no end: confirmed 2024-07-10 + 90 days = 2024-10-08 is the last day it counts
        (
            {"starts_on": dt.date(2024, 7, 1), "confirmed_on": dt.date(2024, 7, 10)},
            dt.date(2024, 10, 8),
            ("active", None),
        ),
        (
            {"starts_on": dt.date(2024, 7, 1), "confirmed_on": dt.date(2024, 7, 10)},
            dt.date(2024, 10, 9),
            ("unconfirmed", dt.date(2024, 7, 10)),
        ),
        # no confirmation: announced_on stands in (2024-06-25 + 90 = 2024-09-23)
        ({"announced_on": dt.date(2024, 6, 25)}, dt.date(2024, 9, 24), ("unconfirmed", dt.date(2024, 6, 25))),
        # no date at all: never confirmed, never applies
        ({}, dt.date(2024, 7, 10), ("unconfirmed", None)),
    ],
)
def test_programme_status_on_a_date_follows_rule_5(dates, on, expected):
    fields = {"starts_on": None, **dates}
    program = MigrationProgramFactory(**fields)
    assert program.status_on(on) == expected
    # the queryset agrees with the Python rule
    assert MigrationProgram.objects.active(on=on).filter(pk=program.pk).exists() == (expected[0] == "active")


def test_confirm_today_moves_confirmed_on_forward_only():
    from offers.catalog.services import confirm_program

    program = MigrationProgramFactory(confirmed_on=dt.date(2024, 7, 10))
    assert confirm_program(program, on=dt.date(2026, 11, 30))
    assert MigrationProgram.objects.get().confirmed_on == dt.date(2026, 11, 30)
    assert not confirm_program(program, on=dt.date(2026, 11, 1))  # earlier: nothing to do

"""The offer board for today's offers: values at list price worked out by hand, filters by kind of
offer and audience, today's offers first with history one click away, cards grouped by vendor."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import translation

from offers.web import browse
from tests.factories import BenefitFactory, MigrationProgramFactory, ProviderFactory, priced_model

pytestmark = pytest.mark.django_db
AUG_15 = dt.date(2026, 8, 15)
CNY = {"currency": "CNY", "valid_from": dt.date(2026, 1, 1)}


@pytest.fixture
def board():
    alibaba = ProviderFactory(slug="alibaba", name="Alibaba Cloud")
    qa = priced_model(alibaba, "qwen-a", input="2", output="8", **CNY)
    qb = priced_model(alibaba, "qwen-b", input="0.2", output="0.8", **CNY)
    zhipu = ProviderFactory(slug="zhipu", name="Zhipu AI")
    priced_model(zhipu, "glm-x", input="8", output="28", **CNY)
    priced_model(zhipu, "glm-y", input="0.5", output="3", **CNY)
    minimax = ProviderFactory(slug="minimax", name="MiniMax")

    def program(provider, slug, category, confirmed=dt.date(2026, 8, 10), **fields):
        fields = {"confidence": "official", **fields}
        return MigrationProgramFactory(provider=provider, slug=slug, category=category, starts_on=confirmed,
                                       confirmed_on=confirmed, checked_on=confirmed, **fields)  # fmt: skip

    quota = program(alibaba, "alibaba-quota", "new_users", new_users_only=True)
    BenefitFactory(program=quota, tokens=1_000_000, per_model=True, valid_days=90).models.set([qa, qb])
    discount = program(alibaba, "alibaba-discount", "promotion")
    BenefitFactory(program=discount, kind="discount", tokens=None, percent=D("20")).models.set([qa])
    pack = program(zhipu, "zhipu-pack", "new_users", confirmed=dt.date(2026, 7, 20), new_users_only=True)
    BenefitFactory(program=pack, tokens=20_000_000)
    plan = program(minimax, "minimax-plan", "plan", confirmed=dt.date(2026, 7, 20))
    for price in ("119", "49"):
        BenefitFactory(
            program=plan, kind="plan", tokens=None, amount=D(price), currency="CNY", period="month"
        )
    claude = program(zhipu, "zhipu-claude", "migration", confirmed=dt.date(2025, 9, 7), audience="anthropic",
                     confidence="reported")  # fmt: skip
    BenefitFactory(program=claude, tokens=20_000_000)
    old = program(zhipu, "zhipu-2024", "migration", confirmed=dt.date(2024, 7, 3), audience="openai")
    BenefitFactory(program=old, tokens=50_000_000)


def cards(**kwargs):
    with translation.override("en"):
        return {c.program.slug: c for c in browse.offer_board(currency="CNY", on=AUG_15, **kwargs)}


def test_values_at_list_price(board):
    got = cards()
    # 1M tokens for each model, valued at the cheapest covered model: qwen-b, 1M x 0.2 CNY/1M = 0.2 CNY
    quota = got["alibaba-quota"].worth
    assert (quota.money.amount, quota.money.currency, quota.kind) == (D("0.2"), "CNY", "tokens")
    assert "for each model you use" in quota.note
    assert "QWEN-B" in quota.note
    # 20M for every model, at Zhipu's cheapest model glm-y: 20 x 0.5 = 10 CNY, and it says so
    pack = got["zhipu-pack"].worth
    assert pack.money.amount == D("10")
    assert "for every model, valued at the cheapest paid one (GLM-Y)" in pack.note
    # 20% off qwen-a on a typical month: (10M x 2 + 2M x 8) / 1M = 36 CNY; 20% = 7.2 CNY
    assert got["alibaba-discount"].worth.money.amount == D("7.2")
    # A plan's value is its price: the cheapest monthly plan, 49 CNY (not a guess at tokens)
    plan = got["minimax-plan"]
    assert (plan.worth.money.amount, plan.worth.kind) == (D("49"), "plan")
    assert [b.amount for b in plan.plans] == [D("119"), D("49")]
    assert plan.benefits == []


def test_today_first_history_one_click_away(board):
    # 2026-08-15: the 2024 programme (last seen 2024-07-03, 773 days before) is history. The Claude
    # one (last seen 2025-09-07, 342 days before: within a year) stays on the board, marked as not
    # confirmed since then; the rest applies today (seen in July and August 2026).
    current = cards(when="current")
    assert set(current) == {"alibaba-quota", "alibaba-discount", "zhipu-pack", "minimax-plan", "zhipu-claude"}
    assert (current["zhipu-claude"].state, current["zhipu-claude"].state_date) == (
        "unconfirmed",
        dt.date(2025, 9, 7),
    )
    assert set(cards(when="history")) == {"zhipu-2024"}


def test_filters_by_kind_of_offer_and_audience(board):
    assert set(cards(category="new_users")) == {"alibaba-quota", "zhipu-pack"}
    assert set(cards(category="plan")) == {"minimax-plan"}
    assert set(cards(audience="anthropic")) == {"zhipu-claude"}
    assert set(cards(audience="openai")) == {"zhipu-2024"}
    assert set(cards(audience="anyone")) == {
        "alibaba-quota",
        "alibaba-discount",
        "zhipu-pack",
        "minimax-plan",
    }


def test_grouped_by_vendor_sorted_by_value(board):
    order = [c.program.slug for c in browse.offer_board(currency="CNY", on=AUG_15, sort="value", grouped=True,
                                                        when="current")]  # fmt: skip
    # By value: minimax-plan 49, zhipu-pack 10, alibaba-discount 7.2, alibaba-quota 0.2, then the
    # lapsed zhipu-claude (20M x 0.5 = 10, not confirmed since 2025); vendors in the order of their
    # best card, each vendor's cards together.
    assert order == ["minimax-plan", "zhipu-pack", "zhipu-claude", "alibaba-discount", "alibaba-quota"]


def test_the_page_in_english_and_chinese(client, board):
    html = client.get(
        reverse("offers:home"), {"currency": "CNY", "audience": "anthropic", "when": "all"}
    ).content.decode()
    assert 'id="zhipu-claude"' in html
    assert "For Claude users" in html
    assert "Reported by the press and others" in html
    html = client.get(
        reverse("offers:home"), {"currency": "CNY"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "给搬家团队的优惠" in html


def test_home_query_count_stays_flat(client, board, django_assert_num_queries):
    # 1 vendor choices, 2 rates, 3 programmes, 4 benefits, 5 benefit models, 6 current prices
    with django_assert_num_queries(6):
        client.get(reverse("offers:home"), {"when": "all"})
    extra = ProviderFactory(slug="extra")
    for i in range(10):
        model = priced_model(extra, f"x-{i}", input="1", output="2", **CNY)
        p = MigrationProgramFactory(provider=extra, slug=f"extra-{i}", confirmed_on=dt.date(2026, 8, 1))
        BenefitFactory(program=p, tokens=1_000_000).models.set([model])
        BenefitFactory(program=p, tokens=2_000_000)  # every model
    with django_assert_num_queries(6):
        client.get(reverse("offers:home"), {"when": "all"})


def test_vendor_and_model_pages_list_the_offers_that_touch_them(client, board):
    html = client.get(reverse("offers:vendor", args=["alibaba"])).content.decode()
    assert 'id="alibaba-quota"' in html
    assert 'id="alibaba-discount"' in html
    html = client.get(reverse("offers:model", args=["alibaba", "qwen-b"])).content.decode()
    assert 'id="alibaba-quota"' in html  # covers qwen-b
    assert 'id="alibaba-discount"' not in html  # qwen-a only

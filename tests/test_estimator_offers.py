"""Rule 5 over today's offers: per-model pools, new_users_only against the request's new_customer,
audience against the baseline, plans shown never counted, and offers left out once unconfirmed.

The catalog is written here (not the seed); every figure is worked out by hand in the comments.
Rates: 1 USD = 7 CNY. Usage per month: gpt-4o 2M input + 1M output (3M tokens), gpt-4o-mini 4M
input + 1M output (5M tokens); 3 months, in CNY."""

import datetime as dt
from decimal import Decimal as D

import pytest

from offers.estimator import estimate, parse_request
from tests.factories import (
    BenefitFactory,
    ExchangeRateFactory,
    MigrationProgramFactory,
    map_model,
    priced_model,
)

pytestmark = pytest.mark.django_db

AUG_15, DEC_6 = dt.date(2026, 8, 15), dt.date(2026, 12, 6)


@pytest.fixture
def catalog():
    ExchangeRateFactory(base="USD", quote="CNY", rate=D("7"), date=dt.date(2026, 1, 1))
    gpt4o = priced_model("openai", "gpt-4o", input="2.5", output="10")
    mini = priced_model("openai", "gpt-4o-mini", input="0.15", output="0.6")
    cny = {"currency": "CNY", "valid_from": dt.date(2026, 1, 1)}
    # Alibaba: qwen3.8-max 2/8 CNY, qwen3.7-flash 0.2/0.8 CNY per 1M tokens.
    qmax = priced_model("alibaba", "qwen3.8-max", input="2", output="8", **cny)
    qflash = priced_model("alibaba", "qwen3.7-flash", input="0.2", output="0.8", **cny)
    map_model(gpt4o, qmax)
    map_model(mini, qflash)
    # Zhipu: glm-5.2 8/28 CNY, glm-4.7-flashx 0.5/3 CNY.
    glm = priced_model("zhipu", "glm-5.2", input="8", output="28", **cny)
    flashx = priced_model("zhipu", "glm-4.7-flashx", input="0.5", output="3", **cny)
    map_model(gpt4o, glm)
    map_model(mini, flashx)
    quota = MigrationProgramFactory(provider=qmax.provider, slug="alibaba-new-user-free-quota", category="new_users",
                                    starts_on=dt.date(2026, 8, 10), confirmed_on=dt.date(2026, 8, 10),
                                    new_users_only=True)  # fmt: skip
    b = BenefitFactory(program=quota, kind="free_tokens", tokens=1_000_000, per_model=True, valid_days=90)
    b.models.set([qmax, qflash])
    pack = MigrationProgramFactory(provider=glm.provider, slug="zhipu-new-user-pack", category="new_users",
                                   starts_on=dt.date(2026, 7, 20), confirmed_on=dt.date(2026, 7, 20),
                                   new_users_only=True)  # fmt: skip
    BenefitFactory(program=pack, kind="free_tokens", tokens=20_000_000)
    plan = MigrationProgramFactory(provider=glm.provider, slug="zhipu-glm-coding-plan", category="plan",
                                   starts_on=dt.date(2026, 7, 20), confirmed_on=dt.date(2026, 7, 20))  # fmt: skip
    BenefitFactory(program=plan, kind="plan", tokens=None, amount=D("20"), currency="CNY", period="month")
    claude = MigrationProgramFactory(provider=glm.provider, slug="zhipu-claude-migration-2025", audience="anthropic",
                                     category="migration", starts_on=dt.date(2026, 7, 20),
                                     confirmed_on=dt.date(2026, 8, 1))  # fmt: skip
    BenefitFactory(program=claude, kind="free_tokens", tokens=20_000_000)


def run(as_of, **extra):
    body = {
        "usage": [
            {"model": "gpt-4o", "input_tokens": 2_000_000, "output_tokens": 1_000_000},
            {"model": "gpt-4o-mini", "input_tokens": 4_000_000, "output_tokens": 1_000_000},
        ],
        "months": 3,
        "currency": "CNY",
        "as_of": as_of.isoformat(),
        **extra,
    }
    result = estimate(parse_request(body))
    return {a["provider"]: a for a in result["alternatives"]}


def left_out(alt):
    return {x["program"]: (x["reason"], x["date"]) for x in alt["programs_left_out"]}


def test_per_model_quota_and_account_pack_count_on_august_15(catalog):
    alts = run(AUG_15)
    alibaba, zhipu = alts["alibaba"], alts["zhipu"]
    # Alibaba list: qwen3.8-max 2M x 2 + 1M x 8 = 12 CNY, qwen3.7-flash 4M x 0.2 + 1M x 0.8 = 1.6 CNY:
    # 13.6 a month, 40.8 over 3 months. 1M tokens for EACH model (valid 90 days: months 1-3):
    # month 1 covers 1M of qwen3.8-max's 3M (12 x 2/3 = 8) and 1M of qwen3.7-flash's 5M
    # (1.6 x 4/5 = 1.28): 9.28; both pools are spent, months 2-3 cost 13.6 each.
    # Total 9.28 + 27.2 = 36.48; benefits 40.8 - 36.48 = 4.32. (One shared 1M pool would save 1.7.)
    assert (alibaba["total_list_cost"], alibaba["total_cost"], alibaba["benefits_value"]) == (
        "40.80",
        "36.48",
        "4.32",
    )
    assert alibaba["programs"] == ["alibaba-new-user-free-quota"]
    # Zhipu list: glm-5.2 2M x 8 + 1M x 28 = 44, glm-4.7-flashx 4M x 0.5 + 1M x 3 = 5: 49 a month,
    # 147 in all. The 20M pack: months 1 and 2 fully covered (8M each, 4M left), month 3 half
    # (4M of 8M): 49 / 2 = 24.5. Benefits 147 - 24.5 = 122.5.
    assert (zhipu["total_list_cost"], zhipu["total_cost"], zhipu["benefits_value"]) == (
        "147.00",
        "24.50",
        "122.50",
    )
    # The plan is shown, never counted; the Claude users' programme is not for an OpenAI baseline.
    assert (zhipu["programs"], zhipu["plans"]) == (["zhipu-new-user-pack"], ["zhipu-glm-coding-plan"])
    assert left_out(zhipu) == {"zhipu-claude-migration-2025": ("audience", None)}


def test_a_customer_already_at_the_vendor_gets_no_new_user_offer(catalog):
    alts = run(AUG_15, new_customer=False)
    # Nothing counted: the totals are the list totals (40.8 and 147).
    assert (alts["alibaba"]["total_cost"], alts["zhipu"]["total_cost"]) == ("40.80", "147.00")
    assert left_out(alts["alibaba"]) == {"alibaba-new-user-free-quota": ("new_users_only", None)}
    assert left_out(alts["zhipu"])["zhipu-new-user-pack"] == ("new_users_only", None)


def test_unconfirmed_on_december_6(catalog):
    alts = run(DEC_6)
    # Last seen 2026-08-10 (+ 90 days = 2026-11-08) and 2026-07-20 (+ 90 = 2026-10-18): unconfirmed.
    assert alts["alibaba"]["total_cost"] == alts["alibaba"]["total_list_cost"] == "40.80"
    assert left_out(alts["alibaba"]) == {"alibaba-new-user-free-quota": ("unconfirmed", "2026-08-10")}
    assert left_out(alts["zhipu"])["zhipu-new-user-pack"] == ("unconfirmed", "2026-07-20")


def test_new_customer_must_be_a_boolean(catalog):
    from offers.estimator import EstimateError

    with pytest.raises(EstimateError) as err:
        run(AUG_15, new_customer="yes")
    assert "new_customer" in err.value.errors

"""The estimator rules of DESIGN.md, case by case; every expected value is worked out by hand."""

import datetime as dt
from decimal import Decimal

import pytest

from offers.estimator import EstimateError, estimate, parse_request, run
from tests.factories import (
    ASSUMED,
    BenefitFactory,
    ExchangeRateFactory,
    MigrationProgramFactory,
    PriceFactory,
    ProviderFactory,
    map_model,
    priced_model,
)

pytestmark = pytest.mark.django_db

AS_OF = "2024-07-10"


@pytest.fixture
def openai():
    """OpenAI's July 2024 prices: gpt-4o 5 / 15 USD, gpt-4o-mini 0.15 / 0.075 cached / 0.6 USD per 1M."""
    provider = ProviderFactory(slug="openai", name="OpenAI")
    return {
        "gpt-4o": priced_model(provider, "gpt-4o", input=5, output=15),
        "gpt-4o-mini": priced_model(provider, "gpt-4o-mini", input="0.15", cached="0.075", output="0.6"),
    }


def body(*lines, **options):
    """A request: lines are (model, input, cached, output[, extra fields])."""
    usage = [
        {
            "model": m,
            "input_tokens": i,
            "cached_input_tokens": c,
            "output_tokens": o,
            **(extra[0] if extra else {}),
        }
        for m, i, c, o, *extra in lines
    ]
    return {"usage": usage, "months": 12, "currency": "USD", "as_of": AS_OF, **options}


def alt(result, slug):
    return next(a for a in result["alternatives"] if a["provider"] == slug)


def detail(data):
    req = parse_request({**data, "detail": True})
    return estimate(req)


def vendor(openai, slug="zhipu", model="glm-4", *, input=1, output=1, openai_model="gpt-4o", **kw):
    m = priced_model(slug, model, input=input, output=output, **kw)
    map_model(openai[openai_model], m)
    return m


def program(provider_slug, *benefits, **fields):
    prog = MigrationProgramFactory(provider=ProviderFactory(slug=provider_slug), **fields)
    for position, (kind, values) in enumerate(benefits):
        models = values.pop("models", [])
        b = BenefitFactory(program=prog, position=position, kind=kind, **values)
        b.models.set(models)
    return prog


# --- pricing ----------------------------------------------------------------------------------


def test_baseline_and_one_alternative(openai):
    vendor(openai, input=1, output=2)
    result = run(body(("gpt-4o", 30_000_000, 0, 10_000_000)))
    # OpenAI: 30 x 5 + 10 x 15 = 300.00 a month, x 12 = 3600.00
    assert result["baseline"] == {
        "provider": "openai",
        "monthly_cost": "300.00",
        "total_cost": "3600.00",
        "lines": [{"model": "gpt-4o", "monthly_cost": "300.00"}],
    }
    # Zhipu: 30 x 1 + 10 x 2 = 50.00 a month, 600.00 in 12; savings 3000.00 = 83.33 % of 3600
    assert result["alternatives"] == [
        {
            "provider": "zhipu",
            "monthly_list_cost": "50.00",
            "total_list_cost": "600.00",
            "benefits_value": "0.00",
            "total_cost": "600.00",
            "savings": "3000.00",
            "savings_percent": "83.33",
            "lines": [
                {
                    "openai_model": "gpt-4o",
                    "baseline_model": "gpt-4o",
                    "model": "glm-4",
                    "monthly_cost": "50.00",
                    "tokens": ASSUMED,
                }
            ],
            "programs": [],
            "perks": [],
            "programs_left_out": [],
        }
    ]
    assert result["incomplete"] == []
    assert result["fx"] == []
    assert list(result) == [
        "as_of",
        "months",
        "currency",
        "fx",
        "baseline",
        "alternatives",
        "sample",
        "incomplete",
        "warnings",
        "recommended",  # rule 8: zhipu's one line is priced on checked rows of a like-for-like model
    ]
    assert result["recommended"] == "zhipu"
    assert (result["as_of"], result["months"], result["currency"]) == (AS_OF, 12, "USD")


def test_cached_input_uses_cached_price_or_input_price_when_missing(openai):
    vendor(openai, input=1, output=2, openai_model="gpt-4o-mini")  # no cached_input row
    result = run(body(("gpt-4o-mini", 10_000_000, 4_000_000, 2_000_000)))
    # OpenAI: 6 x 0.15 + 4 x 0.075 + 2 x 0.6 = 0.9 + 0.3 + 1.2 = 2.40
    assert result["baseline"]["monthly_cost"] == "2.40"
    # Zhipu has no cached price: 6 x 1 + 4 x 1 (input price) + 2 x 2 = 14.00
    assert alt(result, "zhipu")["monthly_list_cost"] == "14.00"


def test_rounding_half_up_only_when_written(openai):
    vendor(openai, input="0.001", output="0.001")
    # 1,000,005 input at 5 USD/1M = 5.000025 plus 1,000 output at 15 = 0.015: 5.015025 -> "5.02".
    # 12 months: 5.015025 x 12 = 60.1803 -> "60.18" (multiplying the rounded 5.02 would give 60.24).
    result = run(body(("gpt-4o", 1_000_005, 0, 1_000)))
    assert result["baseline"]["monthly_cost"] == "5.02"
    assert result["baseline"]["total_cost"] == "60.18"


def test_half_up_at_exactly_half_a_cent(openai):
    vendor(openai)
    # 1,000 input tokens at 5 USD/1M = 0.005 exactly -> half up -> "0.01" (banker's would give 0.00)
    result = run(body(("gpt-4o", 1_000, 0, 0), months=1))
    assert result["baseline"]["monthly_cost"] == "0.01"


def test_tiers_by_requests_and_lowest_tier_without(openai):
    glm = vendor(openai, input=None, output=None)
    for kind, low, high in (("input", 1, 2), ("output", 3, 6)):
        PriceFactory(model=glm, kind=kind, amount=Decimal(low), tier_max_input_tokens=32_000)
        PriceFactory(model=glm, kind=kind, amount=Decimal(high), tier_min_input_tokens=32_001)

    def cost(input_tokens, requests):
        line = ("gpt-4o", input_tokens, 0, 1_000_000, {"requests": requests})
        return alt(run(body(line)), "zhipu")["monthly_list_cost"]

    # 64M / 2000 = 32000 tokens a prompt -> first tier: 64 x 1 + 1 x 3 = 67.00
    assert cost(64_000_000, 2000) == "67.00"
    # 64M / 1999 = 32016.008 -> 32017 -> second tier: 64 x 2 + 1 x 6 = 134.00
    assert cost(64_000_000, 1999) == "134.00"
    # 64,000,001 / 2000 = 32000.0005: rounded up to 32001 whole tokens -> second tier:
    # 64.000001 x 2 + 6 = 134.000002 -> "134.00"
    assert cost(64_000_001, 2000) == "134.00"
    # no requests: the lowest tier, 67.00
    assert cost(64_000_000, None) == "67.00"


def test_prompt_longer_than_every_tier_is_unpriced(openai):
    glm = vendor(openai, input=None, output=None)
    PriceFactory(model=glm, kind="input", amount=Decimal(1), tier_max_input_tokens=32_000)
    PriceFactory(model=glm, kind="output", amount=Decimal(1), tier_max_input_tokens=32_000)
    result = run(body(("gpt-4o", 40_000_000, 0, 0, {"requests": 1000})))  # 40,000 a prompt
    assert result["alternatives"] == []
    assert result["incomplete"] == [
        {"provider": "zhipu", "reason": "glm-4 has no input price tier for a prompt of 40,000 tokens"}
    ]


def test_missing_price_or_mapping_goes_to_incomplete_never_free(openai):
    vendor(openai, "zhipu", "glm-4", output=None)  # no output price
    ProviderFactory(slug="baidu")  # nothing mapped
    vendor(openai, "deepseek", "deepseek-chat", input=1, output=1)
    result = run(body(("gpt-4o", 1_000_000, 0, 0)))
    assert [a["provider"] for a in result["alternatives"]] == ["deepseek"]
    assert result["incomplete"] == [
        {"provider": "baidu", "reason": "no model mapped for gpt-4o"},
        {"provider": "zhipu", "reason": "glm-4 has no output price on 2024-07-10"},
    ]


def test_price_history_is_read_on_as_of(openai):
    glm = priced_model("zhipu", "glm-4", input=100, output=100, valid_to=dt.date(2024, 5, 21))
    for kind in ("input", "output"):
        PriceFactory(model=glm, kind=kind, amount=Decimal(1), valid_from=dt.date(2024, 5, 21))
    map_model(openai["gpt-4o"], glm)
    # before the price war: 1 x 100 = 100.00; after: 1 x 1 = 1.00 (valid_to is exclusive)
    assert (
        alt(run(body(("gpt-4o", 1_000_000, 0, 0), as_of="2024-05-20")), "zhipu")["monthly_list_cost"]
        == "100.00"
    )
    assert (
        alt(run(body(("gpt-4o", 1_000_000, 0, 0), as_of="2024-05-21")), "zhipu")["monthly_list_cost"]
        == "1.00"
    )


def test_override_replaces_the_rank1_model(openai):
    vendor(openai, "zhipu", "glm-4", input=10, output=10)
    priced_model("zhipu", "glm-4-air", input=1, output=1)
    line = ("gpt-4o", 1_000_000, 0, 0, {"overrides": {"zhipu": "glm-4-air"}})
    result = run(body(line))
    assert alt(result, "zhipu")["lines"] == [
        {
            "openai_model": "gpt-4o",
            "baseline_model": "gpt-4o",
            "model": "glm-4-air",
            "monthly_cost": "1.00",
            "tokens": ASSUMED,
        }
    ]


def test_unpublished_providers_are_left_out(openai):
    vendor(openai, "zhipu", "glm-4")
    hidden = vendor(openai, "hidden", "h-1")
    hidden.provider.is_published = False
    hidden.provider.save()
    result = run(body(("gpt-4o", 1_000_000, 0, 0)))
    assert [a["provider"] for a in result["alternatives"]] == ["zhipu"]


def test_providers_filter(openai):
    vendor(openai, "zhipu", "glm-4")
    vendor(openai, "deepseek", "deepseek-chat")
    result = run(body(("gpt-4o", 1_000_000, 0, 0), providers=["deepseek"]))
    assert [a["provider"] for a in result["alternatives"]] == ["deepseek"]
    assert result["incomplete"] == []


# --- programmes ---------------------------------------------------------------------------------

# Zhipu at 1 USD per 1M input and output; usage 30M + 10M = 40M tokens = 40.00 a month.
LINE = ("gpt-4o", 30_000_000, 0, 10_000_000)


def test_free_tokens_spanning_months(openai):
    vendor(openai)
    program("zhipu", ("free_tokens", {"tokens": 100_000_000}))
    result = detail(body(LINE, months=4))
    z = alt(result, "zhipu")
    # month 1: 40M of 100M -> free; month 2: free (20M left); month 3: 20M of 40M -> u 0.5 -> 20.00;
    # month 4: 40.00. Total 60.00; list 160.00; benefits 100.00; baseline 300 x 4 = 1200.00
    assert [m["cost"] for m in z["detail"]["months"]] == ["0.00", "0.00", "20.00", "40.00"]
    assert [m["cumulative"] for m in z["detail"]["months"]] == ["0.00", "0.00", "20.00", "60.00"]
    assert z["total_list_cost"] == "160.00"
    assert z["total_cost"] == "60.00"
    assert z["benefits_value"] == "100.00"
    assert z["savings"] == "1140.00"  # 1200 - 60
    assert z["savings_percent"] == "95.00"  # 1140 / 1200
    assert z["detail"]["benefits"][0]["used"] == ["40000000", "40000000", "20000000", "0"]
    assert z["programs"] == [z["detail"]["programs"][0]["slug"]]


@pytest.mark.parametrize(
    ("valid_days", "costs"),
    [
        # usable in month m while (m-1) x 30 < V
        (45, ["0.00", "0.00", "40.00", "40.00"]),  # months 1 (0 < 45) and 2 (30 < 45)
        (60, ["0.00", "0.00", "40.00", "40.00"]),  # month 3 starts on day 60: not < 60
        (61, ["0.00", "0.00", "0.00", "40.00"]),
        (30, ["0.00", "40.00", "40.00", "40.00"]),
        (None, ["0.00", "0.00", "0.00", "0.00"]),
    ],
)
def test_pool_validity_runs_out_mid_horizon(openai, valid_days, costs):
    vendor(openai)
    program("zhipu", ("free_tokens", {"tokens": 1_000_000_000, "valid_days": valid_days}))
    z = alt(detail(body(LINE, months=4)), "zhipu")
    assert [m["cost"] for m in z["detail"]["months"]] == costs


def overlapping_catalog(openai):
    """Two lines: gpt-4o -> glm-4 (2 USD/1M), gpt-4o-mini -> glm-4-air (1 USD/1M); 10M input each:
    glm-4 20.00 + glm-4-air 10.00 = 30.00 a month."""
    a = vendor(openai, "zhipu", "glm-4", input=2, output=2)
    b = vendor(openai, "zhipu", "glm-4-air", input=1, output=1, openai_model="gpt-4o-mini")
    return a, b


LINES2 = (("gpt-4o", 10_000_000, 0, 0), ("gpt-4o-mini", 10_000_000, 0, 0))


def test_two_pools_on_overlapping_models(openai):
    a, _b = overlapping_catalog(openai)
    program(
        "zhipu",
        ("free_tokens", {"tokens": 5_000_000, "models": [a]}),
        ("free_tokens", {"tokens": 12_000_000}),  # every model
    )
    z = alt(detail(body(*LINES2, months=2)), "zhipu")
    # month 1: pool 1 on glm-4: E = 10M, c = 5M, u(glm-4) = 0.5;
    #   pool 2 on all: E = 0.5 x 10M + 10M = 15M, c = 12M, keep 0.2: u(glm-4) = 0.1, u(air) = 0.2;
    #   cost = 0.1 x 20 + 0.2 x 10 = 4.00. month 2: 30.00. total 34.00
    assert [m["cost"] for m in z["detail"]["months"]] == ["4.00", "30.00"]
    assert z["total_cost"] == "34.00"
    assert [b["used"] for b in z["detail"]["benefits"]] == [["5000000", "0"], ["12000000", "0"]]
    # value at list price: pool 1 saved 0.5 x 20 = 10.00; pool 2 saved 0.4 x 20 + 0.8 x 10 = 16.00
    assert [b["value_total"] for b in z["detail"]["benefits"]] == ["10.00", "16.00"]
    assert z["benefits_value"] == "26.00"


def test_programmes_apply_in_catalog_order_by_slug(openai):
    a, _b = overlapping_catalog(openai)
    # DESIGN.md: pools apply "in the order programmes and benefits are listed"; the catalog lists
    # programmes by slug, so "a-late" goes first although "z-early" started earlier.
    program(
        "zhipu",
        ("free_tokens", {"tokens": 5_000_000, "models": [a]}),
        slug="a-late",
        starts_on=dt.date(2024, 7, 1),
    )
    program("zhipu", ("free_tokens", {"tokens": 12_000_000}), slug="z-early", starts_on=dt.date(2024, 6, 1))
    z = alt(detail(body(*LINES2, months=2)), "zhipu")
    # month 1: glm-4 pool: E = 10M, c = 5M, u(glm-4) = 0.5; all-pool: E = 0.5 x 10M + 10M = 15M,
    #   c = 12M, keep 0.2: u(glm-4) 0.1, u(air) 0.2; cost = 0.1 x 20 + 0.2 x 10 = 4.00.
    #   month 2: both pools spent: 20 + 10 = 30.00. total 34.00
    assert [m["cost"] for m in z["detail"]["months"]] == ["4.00", "30.00"]
    assert z["programs"] == ["a-late", "z-early"]


def test_matched_tokens_pool_is_one_month_of_openai_tokens(openai):
    vendor(openai)
    program("zhipu", ("matched_tokens", {"tokens": None, "ratio": Decimal(2)}))
    z = alt(detail(body(LINE, months=3)), "zhipu")
    # pool = 2 x 40M = 80M: months 1 and 2 free, month 3 40.00
    assert [m["cost"] for m in z["detail"]["months"]] == ["0.00", "0.00", "40.00"]


def test_matched_pool_counts_all_lines_but_covers_only_its_models(openai):
    a, _b = overlapping_catalog(openai)
    program("zhipu", ("matched_tokens", {"tokens": None, "ratio": Decimal("0.5"), "models": [a]}))
    z = alt(detail(body(*LINES2, months=2)), "zhipu")
    # pool = 0.5 x (10M + 10M) = 10M, only for glm-4 (10M a month): month 1 glm-4 free -> 10.00;
    # month 2: 30.00
    assert [m["cost"] for m in z["detail"]["months"]] == ["10.00", "30.00"]


def test_discount_after_pools_and_discounts_multiply(openai):
    vendor(openai)
    program(
        "zhipu",
        ("discount", {"tokens": None, "percent": Decimal(50), "months": 2}),
        ("free_tokens", {"tokens": 20_000_000}),  # listed after the discount, still applied first
        ("discount", {"tokens": None, "percent": Decimal(10), "months": None}),
    )
    z = alt(detail(body(LINE, months=3)), "zhipu")
    # month 1: pool 20M of 40M -> u 0.5: 40 x 0.5 x 0.5 x 0.9 = 9.00
    # month 2: 40 x 0.5 x 0.9 = 18.00; month 3: 40 x 0.9 = 36.00. total 63.00 of list 120.00
    assert [m["cost"] for m in z["detail"]["months"]] == ["9.00", "18.00", "36.00"]
    assert z["benefits_value"] == "57.00"
    # values: 50 % discount 10.00 + 20.00; pool 20.00; 10 % discount 1.00 + 2.00 + 4.00
    assert [b["value_total"] for b in z["detail"]["benefits"]] == ["30.00", "20.00", "7.00"]


def test_discount_only_on_its_models(openai):
    a, _b = overlapping_catalog(openai)
    program("zhipu", ("discount", {"tokens": None, "percent": Decimal(25), "models": [a]}))
    z = alt(run(body(*LINES2, months=1)), "zhipu")
    # glm-4 20 x 0.75 = 15 + glm-4-air 10 = 25.00
    assert z["total_cost"] == "25.00"


def test_credit_in_another_currency(openai):
    vendor(openai)
    ExchangeRateFactory(base="USD", quote="CNY", rate=Decimal("7.2"), date=dt.date(2024, 7, 1))
    program("zhipu", ("credit", {"tokens": None, "amount": Decimal(100), "currency": "CNY"}))
    result = detail(body(LINE, months=2))
    z = alt(result, "zhipu")
    # 100 CNY / 7.2 (inverse of USD/CNY) = 13.8888... USD, all taken in month 1:
    # 40 - 13.888.. = 26.111.. ; month 2 40.00; total 66.111.. -> "66.11"; benefits 13.888.. -> "13.89"
    assert [m["cost"] for m in z["detail"]["months"]] == ["26.11", "40.00"]
    assert z["total_cost"] == "66.11"
    assert z["benefits_value"] == "13.89"
    assert result["fx"] == [{"base": "USD", "quote": "CNY", "rate": "7.2", "date": "2024-07-01"}]


def test_credit_spreads_over_months_and_expires(openai):
    vendor(openai)
    program(
        "zhipu", ("credit", {"tokens": None, "amount": Decimal(100), "currency": "USD", "valid_days": 60})
    )
    z = alt(detail(body(LINE, months=4)), "zhipu")
    # month 1 uses 40, month 2 uses 40, month 3 (day 60) is past the validity: 20 left unused
    assert [m["cost"] for m in z["detail"]["months"]] == ["0.00", "0.00", "40.00", "40.00"]
    assert z["detail"]["benefits"][0]["used"] == ["40.00", "40.00", "0.00", "0.00"]


def test_perks_and_programmes_listed(openai):
    vendor(openai)
    program(
        "zhipu",
        ("training", {"tokens": None}),
        ("consulting", {"tokens": None}),
        ("training", {"tokens": None}),
        slug="zhipu-2024",
    )
    z = alt(run(body(LINE, months=1)), "zhipu")
    assert z["perks"] == ["consulting", "training"]
    assert z["programs"] == ["zhipu-2024"]
    assert z["benefits_value"] == "0.00"


def test_expired_programme_only_with_include_expired(openai):
    vendor(openai)
    program(
        "zhipu",
        ("free_tokens", {"tokens": 40_000_000}),
        slug="zhipu-2024",
        starts_on=dt.date(2024, 6, 25),
        ends_on=dt.date(2024, 7, 31),
    )
    later = body(LINE, months=1, as_of="2025-01-01")
    assert alt(run(later), "zhipu")["programs"] == []
    assert alt(run(later), "zhipu")["total_cost"] == "40.00"
    expired = alt(run({**later, "include_expired": True}), "zhipu")
    assert expired["programs"] == ["zhipu-2024"]
    assert expired["total_cost"] == "0.00"
    # ends_on is inclusive; a programme not yet started does not apply
    assert alt(run(body(LINE, months=1, as_of="2024-07-31")), "zhipu")["total_cost"] == "0.00"
    assert alt(run(body(LINE, months=1, as_of="2024-06-24")), "zhipu")["total_cost"] == "40.00"


def test_unpublished_programme_never_applies(openai):
    vendor(openai)
    program("zhipu", ("free_tokens", {"tokens": 40_000_000}), is_published=False)
    assert alt(run(body(LINE, months=1, include_expired=True)), "zhipu")["total_cost"] == "40.00"


# --- currency -----------------------------------------------------------------------------------


def test_inverse_rate(openai):
    vendor(openai)
    ExchangeRateFactory(base="CNY", quote="USD", rate=Decimal("0.14"), date=dt.date(2024, 7, 1))
    result = run(body(("gpt-4o", 1_000_000, 0, 0), months=1, currency="CNY"))
    # 5 USD / 0.14 = 35.714285... CNY
    assert result["baseline"]["monthly_cost"] == "35.71"
    assert result["fx"] == [{"base": "CNY", "quote": "USD", "rate": "0.14", "date": "2024-07-01"}]


def test_cross_rate_through_usd(openai):
    vendor(openai, input=7, output=7, currency="CNY")
    ExchangeRateFactory(base="USD", quote="CNY", rate=Decimal(7), date=dt.date(2024, 7, 1))
    ExchangeRateFactory(base="USD", quote="EUR", rate=Decimal("0.9"), date=dt.date(2024, 7, 1))
    result = run(body(("gpt-4o", 1_000_000, 0, 0), months=1, currency="EUR"))
    # OpenAI 5 USD x 0.9 = 4.50 EUR; Zhipu 7 CNY x (1/7) x 0.9 = 0.90 EUR
    assert result["baseline"]["monthly_cost"] == "4.50"
    assert alt(result, "zhipu")["monthly_list_cost"] == "0.90"
    assert result["fx"] == [
        {"base": "USD", "quote": "CNY", "rate": "7", "date": "2024-07-01"},
        {"base": "USD", "quote": "EUR", "rate": "0.9", "date": "2024-07-01"},
    ]


def test_latest_rate_on_or_before_as_of(openai):
    vendor(openai)
    for day, rate in (
        (dt.date(2024, 6, 1), "7.0"),
        (dt.date(2024, 7, 1), "7.2"),
        (dt.date(2024, 8, 1), "7.5"),
    ):
        ExchangeRateFactory(base="USD", quote="CNY", rate=Decimal(rate), date=day)
    result = run(body(("gpt-4o", 1_000_000, 0, 0), months=1, currency="CNY"))
    assert result["baseline"]["monthly_cost"] == "36.00"  # 5 x 7.2
    assert result["fx"] == [{"base": "USD", "quote": "CNY", "rate": "7.2", "date": "2024-07-01"}]


def test_rate_after_as_of_is_used_and_flagged(openai):
    vendor(openai)
    ExchangeRateFactory(base="USD", quote="CNY", rate=Decimal("7.3"), date=dt.date(2024, 8, 1))
    ExchangeRateFactory(base="USD", quote="CNY", rate=Decimal("7.4"), date=dt.date(2024, 9, 1))
    result = run(body(("gpt-4o", 1_000_000, 0, 0), months=1, currency="CNY"))
    assert result["baseline"]["monthly_cost"] == "36.50"  # 5 x 7.3, the earliest later rate
    assert result["fx"] == [
        {"base": "USD", "quote": "CNY", "rate": "7.3", "date": "2024-08-01", "after_as_of": True}
    ]


def test_vendor_price_without_any_rate_is_incomplete(openai):
    vendor(openai, "moonshot", "kimi", currency="JPY")
    result = run(body(("gpt-4o", 1_000_000, 0, 0)))
    assert result["incomplete"] == [{"provider": "moonshot", "reason": "no exchange rate from JPY to USD"}]


# --- ranking ------------------------------------------------------------------------------------


def test_ranking_by_total_then_slug(openai):
    vendor(openai, "zhipu", "glm-4", input=2, output=2)
    vendor(openai, "deepseek", "deepseek-chat", input=2, output=2)
    vendor(openai, "baidu", "ernie", input=3, output=3)
    vendor(openai, "alibaba", "qwen", input=1, output=1)
    result = run(body(("gpt-4o", 1_000_000, 0, 0), months=1))
    # alibaba 1.00 < deepseek 2.00 = zhipu 2.00 (tie: by slug) < baidu 3.00
    assert [(a["provider"], a["total_cost"]) for a in result["alternatives"]] == [
        ("alibaba", "1.00"),
        ("deepseek", "2.00"),
        ("zhipu", "2.00"),
        ("baidu", "3.00"),
    ]


def test_zero_baseline_gives_null_savings_percent(openai):
    vendor(openai)
    z = alt(run(body(("gpt-4o", 0, 0, 0))), "zhipu")
    assert z["savings"] == "0.00"
    assert z["savings_percent"] is None


def test_negative_savings_when_the_vendor_costs_more(openai):
    vendor(openai, input=10, output=10)
    z = alt(run(body(("gpt-4o", 1_000_000, 0, 0), months=1)), "zhipu")
    # 10.00 against 5.00: savings -5.00, -100.00 %
    assert (z["savings"], z["savings_percent"]) == ("-5.00", "-100.00")


# --- errors that need the catalog ---------------------------------------------------------------


def test_unknown_model_and_missing_openai_price_are_errors(openai):
    priced_model(ProviderFactory(slug="openai"), "o1", input=None, output=None)
    with pytest.raises(EstimateError) as exc:
        run(body(("gpt-5-turbo", 1, 0, 1), ("o1", 1, 0, 1), ("gpt-4o-2024-08-06", 1, 0, 1)))
    errors = exc.value.errors
    assert set(errors) == {"usage[0].model", "usage[1].model", "usage[2].model"}
    assert "not an OpenAI model" in errors["usage[0].model"][0]
    assert "no input price" in errors["usage[1].model"][0]


def test_currency_without_any_rate_is_an_error(openai):
    vendor(openai)
    with pytest.raises(EstimateError) as exc:
        run(body(("gpt-4o", 1, 0, 1), currency="XYZ"))
    assert list(exc.value.errors) == ["currency"]


def test_unknown_override_and_provider_are_errors(openai):
    vendor(openai)
    with pytest.raises(EstimateError) as exc:
        run(
            body(
                ("gpt-4o", 1, 0, 1, {"overrides": {"zhipu": "glm-9", "nobody": "x"}}),
                providers=["zhipu", "acme"],
            )
        )
    assert set(exc.value.errors) == {"usage[0].overrides.zhipu", "providers[1]"}


def test_many_lines_of_many_models_are_grouped(openai):
    vendor(openai)
    vendor(openai, "zhipu", "glm-4-air", openai_model="gpt-4o-mini")
    program("zhipu", ("free_tokens", {"tokens": 150_000_000}))
    lines = [("gpt-4o" if i % 2 else "gpt-4o-mini", 1_000_000, 0, 1_000_000) for i in range(100)]
    result = run(body(*lines, months=2))
    z = alt(result, "zhipu")
    # 100 lines (the most a request may have) x 2M tokens = 200M tokens a month = 200.00 USD at 1 USD/1M.
    # Month 1: pool 150M of 200M -> 50.00; month 2: 200.00 -> 250.00
    assert z["monthly_list_cost"] == "200.00"
    assert z["total_cost"] == "250.00"
    # OpenAI: 50 x (5 + 15) + 50 x (0.15 + 0.6) = 1,000 + 37.50 = 1,037.50 a month
    assert result["baseline"]["monthly_cost"] == "1037.50"


def test_embedding_lines_need_only_an_input_price(openai):
    provider = openai["gpt-4o"].provider
    embed = priced_model(provider, "text-embedding-3-small", input="0.02", output=None)
    embed.kind = "embedding"
    embed.save()
    zhipu = priced_model("zhipu", "embedding-3", input="0.07", output=None, currency="USD")
    zhipu.kind = "embedding"
    zhipu.save()
    map_model(embed, zhipu)
    result = run(body(("text-embedding-3-small", 100_000_000, 0, 0), months=1))
    # OpenAI: 100M x 0.02 / 1M = 2.00 USD; Zhipu: 100M x 0.07 / 1M = 7.00 USD
    assert result["baseline"]["monthly_cost"] == "2.00"
    assert alt(result, "zhipu")["monthly_list_cost"] == "7.00"
    # Output tokens on an embedding model with no output price: unknown, never free.
    with pytest.raises(EstimateError) as exc:
        run(body(("text-embedding-3-small", 100_000_000, 0, 5), months=1))
    assert "usage[0].model" in exc.value.errors


def test_a_retired_rank1_model_gives_way_to_the_next_rank(openai):
    old = priced_model("deepseek", "deepseek-chat", input=1, output=2)
    old.deprecated_on = dt.date(2024, 7, 1)
    old.save()
    new = priced_model("deepseek", "deepseek-v4", input=3, output=6)
    map_model(openai["gpt-4o"], old, rank=1)
    map_model(openai["gpt-4o"], new, rank=2)
    result = run(body(("gpt-4o", 1_000_000, 0, 1_000_000), months=1))
    # deepseek-chat retired on 2024-07-01 < as_of 2024-07-10: rank 2 prices the line,
    # 1M x 3 + 1M x 6 = 9.00 USD
    assert alt(result, "deepseek")["lines"] == [
        {
            "openai_model": "gpt-4o",
            "baseline_model": "gpt-4o",
            "model": "deepseek-v4",
            "monthly_cost": "9.00",
            "tokens": ASSUMED,
        }
    ]
    before = run(body(("gpt-4o", 1_000_000, 0, 1_000_000), months=1, as_of="2024-06-30"))
    # Still served on 2024-06-30: rank 1, 1M x 1 + 1M x 2 = 3.00 USD
    assert alt(before, "deepseek")["lines"] == [
        {
            "openai_model": "gpt-4o",
            "baseline_model": "gpt-4o",
            "model": "deepseek-chat",
            "monthly_cost": "3.00",
            "tokens": ASSUMED,
        }
    ]


# --- what a snapshot keeps between requests ---------------------------------------------------


def test_requests_sharing_a_snapshot_keep_their_own_counts_and_language(openai):
    """Requests that differ only in token counts share a snapshot and the vendor's prepared
    benefits (engine._vendor); each is still priced on its own counts, and a note written in the
    benefits' preparation (a credit that cannot be converted) is in each request's language."""
    from django.utils import translation

    vendor(openai)  # zhipu glm-4: 1 / 1 USD per 1M
    program(
        "zhipu",
        ("matched_tokens", {"tokens": None, "ratio": Decimal("0.5")}),
        ("credit", {"tokens": None, "amount": Decimal(100), "currency": "JPY"}),
    )
    one = detail(body(("gpt-4o", 30_000_000, 0, 10_000_000), months=2))
    two = detail(body(("gpt-4o", 60_000_000, 0, 20_000_000), months=2))
    with translation.override("zh-hans"):
        three = detail(body(("gpt-4o", 60_000_000, 0, 20_000_000), months=2))
    # One: 40M tokens a month cost 40.00; matched 0.5 x 40M = 20M tokens cover half of month 1
    # (20.00), month 2 costs 40.00: total 60.00.
    assert alt(one, "zhipu")["total_cost"] == "60.00"
    # Two: 80M tokens cost 80.00 a month; matched 0.5 x 80M = 40M cover half of month 1: 40 + 80.
    assert alt(two, "zhipu")["total_cost"] == "120.00"
    assert alt(three, "zhipu")["total_cost"] == "120.00"
    # No JPY rate: the credit is not counted, and says so in the request's language.
    notes = [b["note"] for b in alt(two, "zhipu")["detail"]["benefits"]]
    assert notes == [None, "not counted: no exchange rate from JPY to USD"]
    notes = [b["note"] for b in alt(three, "zhipu")["detail"]["benefits"]]
    assert notes == [None, "未计入：没有从 JPY 到 USD 的汇率"]

"""Estimates a checker would work out by hand from DESIGN.md ("Estimator rules"): each scenario
imports its own small catalog (catalog-format.md), runs one request through both the CLI and the
API, and compares the contract's fields with values computed in the comments."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from offers.catalog.io import import_catalog
from tests.factories import ASSUMED

pytestmark = pytest.mark.django_db

URL = "/api/v1/estimate"
AS_OF = "2024-07-10"
SOURCE = "https://example.com/prices"


# --- catalog documents --------------------------------------------------------------------------


def price(kind, amount, currency="USD", *, tier=None, valid_from="2024-01-01"):
    row = {
        "kind": kind,
        "amount": amount,
        "currency": currency,
        "valid_from": valid_from,
        "source_url": SOURCE,
        "checked_on": "2024-07-01",
    }
    if tier is not None:
        row["tier_min_input_tokens"], row["tier_max_input_tokens"] = tier
    return row


def model(slug, *prices, kind="chat"):
    return {"slug": slug, "name": slug.upper(), "kind": kind, "prices": list(prices)}


def chat(slug, input, output, currency="USD", cached=None):
    rows = [price("input", input, currency), price("output", output, currency)]
    if cached is not None:
        rows.append(price("cached_input", cached, currency))
    return model(slug, *rows)


def program(slug, *benefits, starts_on=None, ends_on=None, confirmed_on=AS_OF):
    # Confirmed on as_of by default: a programme no source ever showed never applies (rule 5).
    return {
        "slug": slug,
        "name": slug,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "confirmed_on": confirmed_on,
        "benefits": list(benefits),
        "source_urls": [SOURCE],
    }


def provider(slug, *models, programs=()):
    return {"slug": slug, "name": slug.title(), "models": list(models), "programs": list(programs)}


# OpenAI as the checker prices it: gpt-4o 2 / 8 USD per 1M (cached 1), gpt-4o-mini 0.15 / 0.6.
OPENAI = provider("openai", chat("gpt-4o", "2", "8", cached="1"), chat("gpt-4o-mini", "0.15", "0.6"))


def load(*providers, mappings, rates=()):
    """Import a catalog: OpenAI plus `providers`; mappings as (openai model, provider, model)."""
    import_catalog(
        {
            "format": "banjia.catalog/1",
            "providers": [OPENAI, *providers],
            "mappings": [
                {"openai_model": o, "provider": p, "model": m, "rank": 1, "note": None}
                for o, p, m in mappings
            ],
            "exchange_rates": [
                {"base": b, "quote": q, "rate": r, "date": d, "source_url": SOURCE} for b, q, r, d in rates
            ],
        }
    )


# --- running one request both ways -------------------------------------------------------------


def line(model, input_tokens, output_tokens=0, cached=0, **extra):
    return {
        "model": model,
        "input_tokens": input_tokens,
        "cached_input_tokens": cached,
        "output_tokens": output_tokens,
        **extra,
    }


def both(client, tmp_path, usage, *, months, currency="USD", as_of=AS_OF, include_expired=False, **body):
    """The API answer for the whole body, checked equal to the CLI's answer for the same request
    with months, currency, as_of and include_expired given as options."""
    path = tmp_path / "usage.json"
    path.write_text(json.dumps({"usage": usage, **body}))
    args = [str(path), "--months", str(months), "--currency", currency, "--as-of", as_of]
    if include_expired:
        args.append("--include-expired")
    out = StringIO()
    call_command("estimate", *args, stdout=out, stderr=StringIO())
    from_cli = json.loads(out.getvalue())

    full = {
        "usage": usage,
        "months": months,
        "currency": currency,
        "as_of": as_of,
        "include_expired": include_expired,
        **body,
    }
    response = client.post(URL, data=json.dumps(full), content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json() == from_cli
    return from_cli


def alt(result, slug):
    return next(a for a in result["alternatives"] if a["provider"] == slug)


def totals(a):
    return {
        k: a[k] for k in ("monthly_list_cost", "total_list_cost", "benefits_value", "total_cost", "savings")
    }


# --- the scenarios ------------------------------------------------------------------------------


def test_free_pool_spans_three_months_then_discount_applies_to_what_is_left(client, tmp_path):
    load(
        provider(
            "alpha",
            chat("a-chat", "1", "2"),
            programs=[
                program(
                    "alpha-move",
                    {"kind": "free_tokens", "tokens": 40_000_000, "models": [], "valid_days": None},
                    {"kind": "discount", "percent": "10", "months": 3, "models": []},
                    {"kind": "training"},
                )
            ],
        ),
        mappings=[("gpt-4o", "alpha", "a-chat")],
    )
    result = both(client, tmp_path, [line("gpt-4o", 10_000_000, 5_000_000)], months=4)
    # OpenAI: 10 x 2 + 5 x 8 = 60.00 a month, x 4 = 240.00
    assert result["baseline"] == {
        "provider": "openai",
        "monthly_cost": "60.00",
        "total_cost": "240.00",
        "lines": [{"model": "gpt-4o", "monthly_cost": "60.00"}],
    }
    # alpha: 10 x 1 + 5 x 2 = 20.00 a month, list 80.00; 15M tokens a month against a 40M pool:
    # month 1: c = 15M (25M left), u = 0 -> 0; month 2: c = 15M (10M left) -> 0;
    # month 3: E = 15M, c = 10M, u = 1 - 10/15 = 1/3: 20 x 1/3 = 6.666.., discount 10% -> 6.00;
    # month 4: pool spent, discount over (months 1-3): 20.00. total 26.00
    # benefits 80 - 26 = 54.00; savings 240 - 26 = 214.00 = 214 / 240 x 100 = 89.1666..% -> 89.17
    a = alt(result, "alpha")
    assert totals(a) == {
        "monthly_list_cost": "20.00",
        "total_list_cost": "80.00",
        "benefits_value": "54.00",
        "total_cost": "26.00",
        "savings": "214.00",
    }
    assert a["savings_percent"] == "89.17"
    assert a["lines"] == [
        {
            "openai_model": "gpt-4o",
            "baseline_model": "gpt-4o",
            "model": "a-chat",
            "monthly_cost": "20.00",
            "tokens": ASSUMED,
        }
    ]
    assert (a["programs"], a["perks"]) == (["alpha-move"], ["training"])
    assert result["fx"] == []
    assert result["incomplete"] == []
    assert (result["as_of"], result["months"], result["currency"]) == (AS_OF, 4, "USD")


def test_pool_valid_45_days_serves_months_1_and_2_then_a_matched_pool(client, tmp_path):
    load(
        provider(
            "beta",
            chat("b-chat", "1", "1"),
            programs=[
                program(
                    "beta-move",
                    {"kind": "free_tokens", "tokens": 100_000_000, "models": [], "valid_days": 45},
                    {"kind": "matched_tokens", "ratio": "0.5", "models": [], "valid_days": None},
                )
            ],
        ),
        mappings=[("gpt-4o", "beta", "b-chat")],
    )
    result = both(client, tmp_path, [line("gpt-4o", 30_000_000)], months=4)
    # OpenAI: 30 x 2 = 60.00 a month, 240.00
    # beta: 30 x 1 = 30.00 a month, list 120.00. Free pool (100M, 45 days): usable while
    # (m-1) x 30 < 45: month 1 (0) and month 2 (30), not month 3 (60): months 1, 2 free (60M used,
    # 40M left unusable). Matched pool = 0.5 x 30M = 15M: months 1, 2 nothing left to cover (E = 0);
    # month 3: E = 30M, c = 15M, u = 0.5 -> 15.00; month 4: 30.00. total 45.00
    # benefits 120 - 45 = 75.00; savings 240 - 45 = 195.00 = 81.25 %
    a = alt(result, "beta")
    assert totals(a) == {
        "monthly_list_cost": "30.00",
        "total_list_cost": "120.00",
        "benefits_value": "75.00",
        "total_cost": "45.00",
        "savings": "195.00",
    }
    assert a["savings_percent"] == "81.25"
    assert a["perks"] == []


def test_two_pools_on_overlapping_models_apply_in_catalog_order(client, tmp_path):
    # "gamma-1" lists first (slug order) although "gamma-2" started earlier.
    load(
        provider(
            "gamma",
            chat("g-big", "2", "2"),
            chat("g-small", "1", "1"),
            programs=[
                program(
                    "gamma-1",
                    {"kind": "free_tokens", "tokens": 4_000_000, "models": ["g-big"], "valid_days": None},
                    starts_on="2024-07-01",
                ),
                program(
                    "gamma-2",
                    {"kind": "free_tokens", "tokens": 9_000_000, "models": [], "valid_days": None},
                    starts_on="2024-06-01",
                ),
            ],
        ),
        mappings=[("gpt-4o", "gamma", "g-big"), ("gpt-4o-mini", "gamma", "g-small")],
    )
    usage = [line("gpt-4o", 10_000_000), line("gpt-4o-mini", 10_000_000)]
    result = both(client, tmp_path, usage, months=2)
    # OpenAI: 10 x 2 = 20 + 10 x 0.15 = 1.5 -> 21.50 a month, 43.00
    assert result["baseline"]["monthly_cost"] == "21.50"
    assert result["baseline"]["lines"] == [
        {"model": "gpt-4o", "monthly_cost": "20.00"},
        {"model": "gpt-4o-mini", "monthly_cost": "1.50"},
    ]
    # gamma: g-big 10 x 2 = 20, g-small 10 x 1 = 10: 30.00 a month, list 60.00.
    # month 1: gamma-1 on g-big: E = 10M, c = 4M, u(big) = 0.6;
    #   gamma-2 on all: E = 0.6 x 10M + 10M = 16M, c = 9M, keep 7/16:
    #   u(big) = 0.6 x 7/16 = 0.2625, u(small) = 0.4375; cost 0.2625 x 20 + 0.4375 x 10 = 9.625.
    # month 2: both pools spent: 30. total 39.625 -> 39.63 (half up); benefits 60 - 39.625 =
    # 20.375 -> 20.38; savings 43 - 39.625 = 3.375 -> 3.38 = 3.375 / 43 x 100 = 7.8488..% -> 7.85
    a = alt(result, "gamma")
    assert totals(a) == {
        "monthly_list_cost": "30.00",
        "total_list_cost": "60.00",
        "benefits_value": "20.38",
        "total_cost": "39.63",
        "savings": "3.38",
    }
    assert a["savings_percent"] == "7.85"
    assert a["programs"] == ["gamma-1", "gamma-2"]
    assert a["lines"] == [
        {
            "openai_model": "gpt-4o",
            "baseline_model": "gpt-4o",
            "model": "g-big",
            "monthly_cost": "20.00",
            "tokens": ASSUMED,
        },
        {
            "openai_model": "gpt-4o-mini",
            "baseline_model": "gpt-4o-mini",
            "model": "g-small",
            "monthly_cost": "10.00",
            "tokens": ASSUMED,
        },
    ]


def test_cny_credit_into_usd_through_the_inverse_rate_with_exact_half_cents(client, tmp_path):
    load(
        provider(
            "delta",
            chat("d-chat", "7", "14", "CNY"),
            chat("d-mini", "0.035", "0.07", "CNY"),
            programs=[
                program(
                    "delta-credit",
                    {"kind": "credit", "amount": "210", "currency": "CNY", "valid_days": 40},
                )
            ],
        ),
        mappings=[("gpt-4o", "delta", "d-chat"), ("gpt-4o-mini", "delta", "d-mini")],
        rates=[("USD", "CNY", "7", "2024-07-01")],  # only USD/CNY: CNY -> USD is 1/7
    )
    usage = [line("gpt-4o", 10_000_000, 5_000_000), line("gpt-4o-mini", 1_000_000)]
    result = both(client, tmp_path, usage, months=3)
    # OpenAI: 10 x 2 + 5 x 8 = 60; 1 x 0.15 = 0.15: 60.15 a month, 180.45
    # delta: d-chat 10 x 7 + 5 x 14 = 140 CNY / 7 = 20 USD; d-mini 1 x 0.035 = 0.035 CNY / 7 =
    # 0.005 USD exactly -> "0.01" (half up; 1/7 is no finite decimal, the sum must stay exact).
    # list 20.005 a month -> 20.01; x 3 = 60.015 -> 60.02.
    # credit 210 CNY / 7 = 30 USD, usable while (m-1) x 30 < 40: months 1, 2.
    # month 1: 20.005 all taken (9.995 left) -> 0; month 2: 20.005 - 9.995 = 10.01; month 3: 20.005.
    # total 30.015 -> 30.02; benefits 60.015 - 30.015 = 30.00; savings 180.45 - 30.015 = 150.435
    # -> 150.44 = 150.435 / 180.45 x 100 = 83.3665..% -> 83.37
    a = alt(result, "delta")
    assert a["lines"] == [
        {
            "openai_model": "gpt-4o",
            "baseline_model": "gpt-4o",
            "model": "d-chat",
            "monthly_cost": "20.00",
            "tokens": ASSUMED,
        },
        {
            "openai_model": "gpt-4o-mini",
            "baseline_model": "gpt-4o-mini",
            "model": "d-mini",
            "monthly_cost": "0.01",
            "tokens": ASSUMED,
        },
    ]
    assert totals(a) == {
        "monthly_list_cost": "20.01",
        "total_list_cost": "60.02",
        "benefits_value": "30.00",
        "total_cost": "30.02",
        "savings": "150.44",
    }
    assert a["savings_percent"] == "83.37"
    assert result["baseline"]["total_cost"] == "180.45"
    # the stored row that was used (as its inverse), rate as a string
    assert result["fx"] == [{"base": "USD", "quote": "CNY", "rate": "7", "date": "2024-07-01"}]


def test_eur_prices_into_cny_through_usd(client, tmp_path):
    load(
        provider("epsilon", chat("e-chat", "2", "4", "EUR")),
        mappings=[("gpt-4o", "epsilon", "e-chat")],
        rates=[
            ("EUR", "USD", "1.1", "2024-07-01"),
            ("USD", "CNY", "7.2", "2024-07-01"),
            ("USD", "CNY", "7.3", "2024-06-01"),  # older: not the latest on or before as_of
            ("USD", "CNY", "9", "2024-08-01"),  # after as_of: not used while an earlier rate exists
        ],
    )
    result = both(client, tmp_path, [line("gpt-4o", 10_000_000, 5_000_000)], months=2, currency="CNY")
    # OpenAI: 60 USD x 7.2 = 432.00 CNY a month, 864.00
    # epsilon: 10 x 2 + 5 x 4 = 40 EUR; no EUR/CNY (nor CNY/EUR): EUR -> USD -> CNY =
    # 40 x 1.1 x 7.2 = 316.80 CNY a month, 633.60; savings 864 - 633.6 = 230.40
    # = 230.4 / 864 x 100 = 26.666..% -> 26.67
    assert result["baseline"]["monthly_cost"] == "432.00"
    assert result["baseline"]["total_cost"] == "864.00"
    a = alt(result, "epsilon")
    assert totals(a) == {
        "monthly_list_cost": "316.80",
        "total_list_cost": "633.60",
        "benefits_value": "0.00",
        "total_cost": "633.60",
        "savings": "230.40",
    }
    assert a["savings_percent"] == "26.67"
    # both legs of the cross, each the latest on or before as_of, sorted by base, quote, date
    assert result["fx"] == [
        {"base": "EUR", "quote": "USD", "rate": "1.1", "date": "2024-07-01"},
        {"base": "USD", "quote": "CNY", "rate": "7.2", "date": "2024-07-01"},
    ]


def test_only_a_rate_after_as_of_is_used_and_flagged(client, tmp_path):
    load(
        provider("zeta", chat("z-chat", "1", "1", "CNY")),
        mappings=[("gpt-4o", "zeta", "z-chat")],
        rates=[("USD", "CNY", "7.3", "2024-08-01"), ("USD", "CNY", "7", "2024-09-01")],
    )
    result = both(client, tmp_path, [line("gpt-4o", 10_000_000)], months=1, currency="CNY")
    # no USD/CNY on or before 2024-07-10: the earliest later one, 7.3 (2024-08-01), flagged.
    # OpenAI: 10 x 2 = 20 USD x 7.3 = 146.00 CNY; zeta: 10 x 1 = 10.00 CNY, no rate needed.
    # savings 136.00 = 136 / 146 x 100 = 93.150..% -> 93.15
    assert result["fx"] == [
        {"base": "USD", "quote": "CNY", "rate": "7.3", "date": "2024-08-01", "after_as_of": True}
    ]
    assert result["baseline"]["total_cost"] == "146.00"
    a = alt(result, "zeta")
    assert (a["total_cost"], a["savings"], a["savings_percent"]) == ("10.00", "136.00", "93.15")


def test_expired_and_future_programmes_only_with_include_expired(client, tmp_path):
    load(
        provider(
            "eta",
            chat("h-chat", "1", "1"),
            programs=[
                program(
                    "eta-expired",
                    {"kind": "free_tokens", "tokens": 10_000_000, "models": [], "valid_days": None},
                    starts_on="2024-06-01",
                    ends_on="2024-06-30",
                ),
                program(
                    "eta-future",
                    {"kind": "credit", "amount": "5", "currency": "USD", "valid_days": None},
                    starts_on="2024-08-01",
                ),
                # no start known, ends on as_of (inclusive): in force
                program(
                    "eta-open",
                    {"kind": "discount", "percent": "50", "months": None, "models": []},
                    ends_on=AS_OF,
                ),
            ],
        ),
        mappings=[("gpt-4o", "eta", "h-chat")],
    )
    usage = [line("gpt-4o", 10_000_000)]
    current = alt(both(client, tmp_path, usage, months=2), "eta")
    # only eta-open: 10.00 a month x 50% = 5.00 x 2 = 10.00; benefits 20 - 10 = 10.00
    assert current["programs"] == ["eta-open"]
    assert (current["total_cost"], current["benefits_value"]) == ("10.00", "10.00")

    assert current["programs_left_out"] == [
        {"program": "eta-expired", "reason": "ended", "date": "2024-06-30"},
        {"program": "eta-future", "reason": "not_started", "date": "2024-08-01"},
    ]

    everything = alt(both(client, tmp_path, usage, months=2, include_expired=True), "eta")
    # rule 5: include_expired counts the ended programme, never the one not yet started.
    # Pools before discounts: month 1: pool 10M covers the 10M -> 0; month 2: pool spent,
    # 10 x 50% = 5. total 5.00; benefits 20 - 5 = 15.00; savings: OpenAI 10 x 2 = 20 a month,
    # 40.00 - 5.00 = 35.00 = 87.50 %
    assert everything["programs"] == ["eta-expired", "eta-open"]
    assert everything["programs_left_out"] == [
        {"program": "eta-future", "reason": "not_started", "date": "2024-08-01"}
    ]
    assert totals(everything) == {
        "monthly_list_cost": "10.00",
        "total_list_cost": "20.00",
        "benefits_value": "15.00",
        "total_cost": "5.00",
        "savings": "35.00",
    }
    assert everything["savings_percent"] == "87.50"


def test_missing_output_price_or_mapping_is_incomplete_and_providers_filter(client, tmp_path):
    load(
        provider("theta", model("t-chat", price("input", "1"))),  # no output price
        provider("iota", chat("i-chat", "1", "1")),  # nothing mapped for gpt-4o-mini
        provider("kappa", chat("k-chat", "1", "1"), chat("k-mini", "0.1", "0.1")),
        mappings=[
            ("gpt-4o", "theta", "t-chat"),
            ("gpt-4o-mini", "theta", "t-chat"),
            ("gpt-4o", "iota", "i-chat"),
            ("gpt-4o", "kappa", "k-chat"),
            ("gpt-4o-mini", "kappa", "k-mini"),
        ],
    )
    usage = [line("gpt-4o", 1_000_000, 1_000_000), line("gpt-4o-mini", 1_000_000)]
    result = both(client, tmp_path, usage, months=1)
    # kappa: 1 x 1 + 1 x 1 = 2 + 1 x 0.1 = 2.10; theta and iota are not ranked
    assert [a["provider"] for a in result["alternatives"]] == ["kappa"]
    assert alt(result, "kappa")["total_cost"] == "2.10"
    reasons = {i["provider"]: i["reason"] for i in result["incomplete"]}
    assert list(reasons) == ["iota", "theta"]
    assert "gpt-4o-mini" in reasons["iota"]
    assert "t-chat" in reasons["theta"]
    assert "output" in reasons["theta"].lower()

    only = both(client, tmp_path, usage, months=1, providers=["theta"])
    assert only["alternatives"] == []
    assert [i["provider"] for i in only["incomplete"]] == ["theta"]
    # the baseline does not depend on the filter: 1 x 2 + 1 x 8 = 10 + 1 x 0.15 = 10.15
    assert only["baseline"]["total_cost"] == "10.15"


def test_tie_at_the_cent_is_ranked_by_slug(client, tmp_path):
    load(
        # nu is cheaper to the tenth of a cent, but both write 10.00: the slug decides
        provider("nu", chat("n-chat", "1.0001", "1")),
        provider("mu", chat("m-chat", "1.0004", "1")),
        provider(
            "xi",
            chat("x-chat", "2", "1"),
            programs=[
                program("xi-half", {"kind": "discount", "percent": "50", "months": None, "models": []})
            ],
        ),
        mappings=[("gpt-4o", "nu", "n-chat"), ("gpt-4o", "mu", "m-chat"), ("gpt-4o", "xi", "x-chat")],
    )
    result = both(client, tmp_path, [line("gpt-4o", 10_000_000)], months=1)
    # mu: 10 x 1.0004 = 10.004 -> 10.00; nu: 10 x 1.0001 = 10.001 -> 10.00;
    # xi: 10 x 2 = 20 x 50% = 10.00. All 10.00: mu, nu, xi by slug.
    assert [(a["provider"], a["total_cost"]) for a in result["alternatives"]] == [
        ("mu", "10.00"),
        ("nu", "10.00"),
        ("xi", "10.00"),
    ]


def test_tiers_by_requests_and_cached_input_with_and_without_a_cached_price(client, tmp_path):
    load(
        provider(
            "lambda",
            model(
                "l-chat",
                price("input", "1", tier=(None, 32_000)),
                price("input", "2", tier=(32_001, None)),
                price("output", "2", tier=(None, 32_000)),
                price("output", "4", tier=(32_001, None)),
            ),
        ),
        provider("omicron", chat("o-chat", "2", "4", cached="0.5")),
        provider("pi", chat("p-chat", "2", "4")),  # no cached price: cached tokens at the input price
        mappings=[
            ("gpt-4o", "lambda", "l-chat"),
            ("gpt-4o", "omicron", "o-chat"),
            ("gpt-4o", "pi", "p-chat"),
        ],
    )
    long_prompts = line("gpt-4o", 10_000_000, 1_000_000, cached=4_000_000, requests=200)
    result = both(client, tmp_path, [long_prompts], months=1)
    # OpenAI: (10 - 4) x 2 + 4 x 1 (cached) + 1 x 8 = 12 + 4 + 8 = 24.00
    assert result["baseline"]["total_cost"] == "24.00"
    # lambda: 10M / 200 = 50,000 tokens a prompt -> the 32,001+ tier; no cached price:
    #   10 x 2 + 1 x 4 = 24.00
    # omicron: (10 - 4) x 2 + 4 x 0.5 + 1 x 4 = 12 + 2 + 4 = 18.00
    # pi: (10 - 4) x 2 + 4 x 2 + 1 x 4 = 12 + 8 + 4 = 24.00 (ties lambda: by slug)
    assert [(a["provider"], a["total_cost"]) for a in result["alternatives"]] == [
        ("omicron", "18.00"),
        ("lambda", "24.00"),
        ("pi", "24.00"),
    ]
    assert alt(result, "pi")["savings_percent"] == "0.00"

    # 10M / 400 = 25,000 a prompt, and no requests at all (the lowest tier): 10 x 1 + 1 x 2 = 12.00
    short_prompts = line("gpt-4o", 10_000_000, 1_000_000, cached=4_000_000, requests=400)
    no_requests = line("gpt-4o", 10_000_000, 1_000_000, cached=4_000_000, requests=None)
    for usage in (short_prompts, no_requests):
        assert alt(both(client, tmp_path, [usage], months=1), "lambda")["total_cost"] == "12.00"


def test_an_openai_model_launched_after_as_of_is_priced_at_its_launch_price_with_a_warning(client, tmp_path):
    # gpt-4o-mini here has only a later row: 0.15 / 0.6 USD from 2024-07-18 (its launch), plus a
    # price cut from 2024-09-01 that must not be used; as_of 2024-07-10 is before both.
    mini = model(
        "gpt-4o-mini",
        price("input", "0.15", valid_from="2024-07-18"),
        price("output", "0.6", valid_from="2024-07-18"),
        {**price("input", "0.1", valid_from="2024-09-01")},
    )
    mini["prices"][0]["valid_to"] = "2024-09-01"
    import_catalog(
        {
            "format": "banjia.catalog/1",
            "providers": [provider("openai", mini), provider("zz", chat("zz-small", "0.1", "0.1"))],
            "mappings": [
                {
                    "openai_model": "gpt-4o-mini",
                    "provider": "zz",
                    "model": "zz-small",
                    "rank": 1,
                    "note": None,
                }
            ],
            "exchange_rates": [],
        }
    )
    result = both(client, tmp_path, [line("gpt-4o-mini", 100_000_000, 10_000_000)], months=1)
    # baseline at the launch price: 100M x 0.15 + 10M x 0.6 = 15 + 6 = 21.00 USD a month
    assert result["baseline"]["monthly_cost"] == "21.00"
    # zz: 110M x 0.1 = 11.00
    assert alt(result, "zz")["total_cost"] == "11.00"
    assert result["warnings"][0]["code"] == "baseline_price_after_as_of"
    assert (result["warnings"][0]["model"], result["warnings"][0]["date"]) == ("gpt-4o-mini", "2024-07-18")

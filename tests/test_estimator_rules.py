"""Estimator rules 4 (availability on a date), 5 (programme lifecycle) and 6 (service tier,
region, off-peak windows), priced by hand over small catalogs written for the purpose.
Every expected figure is worked out in the comment beside it."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from offers.catalog.counterparts import counterpart, counterparts
from offers.catalog.io import import_catalog
from offers.estimator import EstimateError, parse_request, window_share
from offers.models import MigrationProgram, Model, Provider
from tests.factories import ASSUMED

pytestmark = pytest.mark.django_db

URL = "/api/v1/estimate"
SOURCE = "https://example.com/prices"
SHANGHAI_NIGHT = {
    "start": "00:30",
    "end": "08:30",
    "tz": "Asia/Shanghai",
    "days": ["mon", "tue", "wed", "thu", "fri"],
}


def price(kind, amount, currency="USD", **extra):
    return {
        "kind": kind,
        "amount": amount,
        "currency": currency,
        "valid_from": "2024-01-01",
        "source_url": SOURCE,
        "checked_on": "2024-07-01",
        **extra,
    }


def chat(slug, input, output, currency="USD", *extra_rows, released_on=None, deprecated_on=None):
    return {
        "slug": slug,
        "name": slug.upper(),
        "kind": "chat",
        "released_on": released_on,
        "deprecated_on": deprecated_on,
        "prices": [price("input", input, currency), price("output", output, currency), *extra_rows],
    }


def provider(slug, *models, programs=()):
    return {"slug": slug, "name": slug.title(), "models": list(models), "programs": list(programs)}


def program(slug, *benefits, **dates):
    return {"slug": slug, "name": slug, "benefits": list(benefits), "source_urls": [SOURCE], **dates}


def load(*providers, mappings, rates=()):
    """mappings: (openai model, provider, model, rank)."""
    import_catalog(
        {
            "format": "banjia.catalog/1",
            "providers": list(providers),
            "mappings": [
                {"openai_model": o, "provider": p, "model": m, "rank": r, "note": None}
                for o, p, m, r in mappings
            ],
            "exchange_rates": [
                {"base": b, "quote": q, "rate": r, "date": d, "source_url": SOURCE} for b, q, r, d in rates
            ],
        }
    )


def post(client, body):
    response = client.post(URL, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def alt(result, slug):
    return next(a for a in result["alternatives"] if a["provider"] == slug)


def totals(a):
    keys = (
        "monthly_list_cost",
        "total_list_cost",
        "benefits_value",
        "total_cost",
        "savings",
        "savings_percent",
    )
    return tuple(a[k] for k in keys)


# --- rules 4 and 5: one catalog, two dates ----------------------------------------------------


@pytest.fixture
def dated_catalog():
    load(
        provider("openai", chat("gpt-4o", "2.5", "10")),
        provider(
            "zeta",
            # the 2024 model, retired mid-2026, and its 2025 successor (rank 1)
            chat("z-old", "100", "100", "CNY", released_on="2024-01-16", deprecated_on="2026-06-30"),
            chat("z-new", "4", "16", "CNY", released_on="2025-07-28"),
            programs=[
                # 2024 offer without an end, last seen on 2024-07-09
                program(
                    "zeta-2024",
                    {"kind": "free_tokens", "tokens": 10_000_000, "models": ["z-old"], "valid_days": None},
                    starts_on="2024-07-09",
                    confirmed_on="2024-07-09",
                ),
                program(
                    "zeta-2026",
                    {"kind": "discount", "percent": "50", "months": None, "models": []},
                    starts_on="2026-09-01",
                    ends_on="2026-12-31",
                ),
                program(
                    "zeta-ended",
                    {"kind": "credit", "amount": "10", "currency": "CNY", "valid_days": None},
                    starts_on="2025-01-01",
                    ends_on="2025-06-30",
                ),
                program("zeta-never", {"kind": "training"}),  # no date at all: never confirmed
                program(
                    "zeta-hidden",
                    {"kind": "discount", "percent": "90", "months": None, "models": []},
                    starts_on="2024-01-01",
                    ends_on="2030-01-01",
                ),
            ],
        ),
        provider("eta", chat("e-future", "1", "1", "CNY", released_on="2025-01-01")),
        mappings=[
            ("gpt-4o", "zeta", "z-new", 1),
            ("gpt-4o", "zeta", "z-old", 2),
            ("gpt-4o", "eta", "e-future", 1),
        ],
        rates=[("USD", "CNY", "7.1", "2024-07-01"), ("USD", "CNY", "7.2", "2026-11-01")],
    )
    MigrationProgram.objects.filter(slug="zeta-hidden").update(is_published=False)


USAGE = [{"model": "gpt-4o", "input_tokens": 10_000_000, "output_tokens": 2_000_000}]


def test_counterpart_on_a_date(dated_catalog):
    gpt4o = Model.objects.get(slug="gpt-4o")
    zeta = Provider.objects.get(slug="zeta")
    # z-new (rank 1) is not released before 2025-07-28: z-old stands in; z-old is retired on
    # 2026-06-30 (deprecated_on is the first day it is gone).
    assert counterpart(gpt4o, zeta, date(2024, 7, 10)).slug == "z-old"
    assert counterpart(gpt4o, zeta, date(2025, 7, 27)).slug == "z-old"
    assert counterpart(gpt4o, zeta, date(2025, 7, 28)).slug == "z-new"
    assert counterpart(gpt4o, zeta, date(2026, 6, 29)).slug == "z-new"
    assert counterpart(gpt4o.pk, zeta.pk, date(2026, 11, 30)).slug == "z-new"
    eta = Provider.objects.get(slug="eta")
    assert counterpart(gpt4o, eta, date(2024, 7, 10)) is None
    # the bulk form: every (OpenAI model, provider) in one query
    found = counterparts(date(2024, 7, 10))
    assert {k: m.slug for k, m in found.items()} == {(gpt4o.pk, zeta.pk): "z-old"}


def test_as_of_2024_uses_the_2024_model_and_programme(client, dated_catalog):
    result = post(client, {"usage": USAGE, "months": 2, "currency": "CNY", "as_of": "2024-07-10"})
    # baseline: 10M x 2.5 + 2M x 10 = 45 USD x 7.1 = 319.50 CNY a month, 639.00 over 2
    assert (result["baseline"]["monthly_cost"], result["baseline"]["total_cost"]) == ("319.50", "639.00")
    # eta's only model comes out in 2025: no available mapping
    assert result["incomplete"] == [{"provider": "eta", "reason": "no model mapped for gpt-4o"}]
    zeta = alt(result, "zeta")
    assert zeta["lines"] == [
        {
            "openai_model": "gpt-4o",
            "baseline_model": "gpt-4o",
            "model": "z-old",
            "monthly_cost": "1200.00",
            "tokens": ASSUMED,
        }
    ]
    # z-old: 12M x 100 CNY = 1200 a month. zeta-2024 (confirmed the day before) applies: its
    # 10M pool covers 10 of 12M in month 1 -> 1200 x 2/12 = 200; month 2 1200. total 1400.00;
    # benefits 2400 - 1400 = 1000.00; savings 639 - 1400 = -761.00 = -119.09 % (761/639 = 1.190923)
    assert totals(zeta) == ("1200.00", "2400.00", "1000.00", "1400.00", "-761.00", "-119.09")
    assert zeta["programs"] == ["zeta-2024"]
    # the unpublished one is left out of the public answer altogether
    assert zeta["programs_left_out"] == [
        {"program": "zeta-2026", "reason": "not_started", "date": "2026-09-01"},
        {"program": "zeta-ended", "reason": "not_started", "date": "2025-01-01"},
        {"program": "zeta-never", "reason": "unconfirmed", "date": None},
    ]


def test_as_of_2026_uses_todays_model_and_drops_the_unconfirmed_offer(client, dated_catalog):
    result = post(client, {"usage": USAGE, "months": 2, "currency": "CNY", "as_of": "2026-11-30"})
    # baseline: 45 USD x 7.2 = 324.00 a month, 648.00
    assert result["baseline"]["total_cost"] == "648.00"
    assert result["fx"] == [{"base": "USD", "quote": "CNY", "rate": "7.2", "date": "2026-11-01"}]
    # eta: 12M x 1 CNY = 12 a month, 24.00; savings 624.00 = 96.30 % (624/648 = 0.962963)
    # zeta: z-old retired -> z-new: 10M x 4 + 2M x 16 = 72 a month, 144; zeta-2026's 50 % off:
    # 36 a month = 72.00; benefits 72.00; savings 576.00 = 88.89 % (576/648 = 0.888889)
    assert [a["provider"] for a in result["alternatives"]] == ["eta", "zeta"]
    assert totals(alt(result, "eta")) == ("12.00", "24.00", "0.00", "24.00", "624.00", "96.30")
    zeta = alt(result, "zeta")
    assert zeta["lines"][0]["model"] == "z-new"
    assert totals(zeta) == ("72.00", "144.00", "72.00", "72.00", "576.00", "88.89")
    assert zeta["programs"] == ["zeta-2026"]
    # zeta-2024 was last seen 2024-07-09: 90 days later (2024-10-07) it stopped counting
    assert zeta["programs_left_out"] == [
        {"program": "zeta-2024", "reason": "unconfirmed", "date": "2024-07-09"},
        {"program": "zeta-ended", "reason": "ended", "date": "2025-06-30"},
        {"program": "zeta-never", "reason": "unconfirmed", "date": None},
    ]


def test_include_expired_counts_ended_and_unconfirmed_never_unpublished(client, dated_catalog):
    body = {"usage": USAGE, "months": 2, "currency": "CNY", "as_of": "2026-11-30", "include_expired": True}
    zeta = alt(post(client, body), "zeta")
    assert zeta["programs"] == ["zeta-2024", "zeta-2026", "zeta-ended", "zeta-never"]
    assert zeta["programs_left_out"] == []
    assert zeta["perks"] == ["training"]
    # z-new 72 a month; zeta-2024's pool is for z-old only (no effect); 50 % off -> 36 a month;
    # zeta-ended's 10 CNY credit in month 1 -> 26; month 2 36. total 62.00; benefits 144 - 62 = 82.00
    assert (zeta["total_cost"], zeta["benefits_value"]) == ("62.00", "82.00")


def test_pages_pick_the_counterpart_of_their_date(dated_catalog):
    from offers.web import browse

    zeta = Provider.objects.get(slug="zeta")
    # the vendor page's snippet: z-old in July 2024 (z-new not yet released), z-new today
    page = browse.vendor_page(zeta, openai_model="gpt-4o", on=date(2024, 7, 10))
    assert page.snippet.model.slug == "z-old"
    assert 'model="z-old",  # was "gpt-4o"' in page.snippet.python
    assert (
        browse.vendor_page(zeta, openai_model="gpt-4o", on=date(2026, 11, 30)).snippet.model.slug == "z-new"
    )
    # the model page's "replaces": only where the model is the counterpart on that date
    z_old, z_new = Model.objects.get(slug="z-old"), Model.objects.get(slug="z-new")
    assert browse.model_page(z_old, on=date(2024, 7, 10)).replaces == ["gpt-4o"]
    assert browse.model_page(z_old, on=date(2026, 11, 30)).replaces == []
    assert browse.model_page(z_new, on=date(2026, 11, 30)).replaces == ["gpt-4o"]
    # compare: each column names its vendor's counterpart of the baseline model
    comparison = browse.compare([("zeta", "z-old"), ("eta", "e-future")], on=date(2024, 7, 10))
    assert [c.counterpart and c.counterpart.slug for c in comparison.columns] == ["z-old", None]
    comparison = browse.compare([("zeta", "z-old"), ("eta", "e-future")], on=date(2026, 11, 30))
    assert [c.counterpart and c.counterpart.slug for c in comparison.columns] == ["z-new", "e-future"]


def test_compare_page_names_the_counterpart_and_the_check_age(client, dated_catalog):
    html = client.get("/compare/", {"m": ["zeta/z-old", "eta/e-future"]}).content.decode()
    # today (after 2026-06-30) zeta's counterpart of gpt-4o is z-new; eta's is the column's model
    row = html[html.index('class="counterpart"') :]
    row = row[: row.index("</tr>")]
    assert "Z-NEW" in row
    assert "this model" in row
    assert 'class="checked"' in html


# --- rule 6: service tiers -------------------------------------------------------------------


@pytest.fixture
def tier_catalog():
    load(
        provider(
            "openai",
            chat(
                "gpt-4o",
                "2.5",
                "10",
                "USD",
                price("input", "1.25", service_tier="batch"),
                price("output", "5", service_tier="batch"),
            ),
            chat("gpt-4o-mini", "0.15", "0.6"),
        ),  # fmt: skip
        provider(
            "bat",
            chat(
                "b-chat",
                "1",
                "2",
                "USD",
                price("input", "0.5", service_tier="batch"),
                price("output", "1", service_tier="batch"),
            ),
        ),  # fmt: skip
        provider("nob", chat("n-chat", "0.8", "1.6")),
        mappings=[
            ("gpt-4o", "bat", "b-chat", 1),
            ("gpt-4o", "nob", "n-chat", 1),
            ("gpt-4o-mini", "bat", "b-chat", 1),
            ("gpt-4o-mini", "nob", "n-chat", 1),
        ],
    )


def test_batch_lines_at_openai_and_at_vendors_with_and_without_batch_rows(client, tier_catalog):
    usage = [
        {"model": "gpt-4o", "input_tokens": 10_000_000, "output_tokens": 1_000_000, "service_tier": "batch"},
        {"model": "gpt-4o-mini", "input_tokens": 10_000_000, "output_tokens": 0, "service_tier": "batch"},
    ]
    result = post(client, {"usage": usage, "months": 1, "as_of": "2024-07-10"})
    # OpenAI: gpt-4o batch 10 x 1.25 + 1 x 5 = 17.50; gpt-4o-mini has no batch rows: standard
    # 10 x 0.15 = 1.50, said on the line. Total 19.00
    assert result["baseline"]["lines"] == [
        {"model": "gpt-4o", "monthly_cost": "17.50"},
        {"model": "gpt-4o-mini", "monthly_cost": "1.50", "tier_used": "standard"},
    ]
    assert result["baseline"]["monthly_cost"] == "19.00"
    # bat has batch rows: 10 x 0.5 + 1 x 1 = 6.00 and 10 x 0.5 = 5.00 -> 11.00
    bat = alt(result, "bat")
    assert [(x["monthly_cost"], x.get("tier_used")) for x in bat["lines"]] == [("6.00", None), ("5.00", None)]
    assert bat["monthly_list_cost"] == "11.00"
    # nob has none: standard 10 x 0.8 + 1 x 1.6 = 9.60 and 10 x 0.8 = 8.00 -> 17.60
    nob = alt(result, "nob")
    assert [(x["monthly_cost"], x.get("tier_used")) for x in nob["lines"]] == [
        ("9.60", "standard"),
        ("8.00", "standard"),
    ]
    assert nob["monthly_list_cost"] == "17.60"


def test_standard_lines_ignore_batch_rows(client, tier_catalog):
    usage = [{"model": "gpt-4o", "input_tokens": 10_000_000, "output_tokens": 1_000_000}]
    result = post(client, {"usage": usage, "months": 1, "as_of": "2024-07-10"})
    # 10 x 2.5 + 1 x 10 = 35.00; bat 10 x 1 + 1 x 2 = 12.00
    assert result["baseline"]["lines"] == [{"model": "gpt-4o", "monthly_cost": "35.00"}]
    assert alt(result, "bat")["lines"][0]["monthly_cost"] == "12.00"


# --- rule 6: off-peak windows ----------------------------------------------------------------


@pytest.fixture
def window_catalog():
    load(
        provider("openai", chat("gpt-4o", "2.5", "10")),
        provider(
            "offp",
            chat(
                "o-chat",
                "2",
                "8",
                "USD",
                price("input", "1", time_window=SHANGHAI_NIGHT),
                price("output", "4", time_window=SHANGHAI_NIGHT),
            ),
        ),  # fmt: skip
        mappings=[("gpt-4o", "offp", "o-chat", 1)],
    )


def test_window_share_wraps_utc_midnight_and_counts_weekdays_only():
    from fractions import Fraction

    as_of = date(2024, 7, 10)  # a Wednesday: the 7 UTC days are Wed 10 .. Tue 16
    # Shanghai is UTC+8: local 00:30-08:30 is UTC 16:30-00:30 of the day before.
    # UTC hour 16 of day d holds local 00:30-01:00 of day d+1 (30 minutes) when d+1 is Mon-Fri:
    # d+1 = Thu, Fri, Sat, Sun, Mon, Tue, Wed -> 5 days x 30 min = 150 min / 60 / 7 = 5/14.
    # UTC hour 0 of day d holds local 08:00-08:30 of day d: Wed..Tue -> 5 weekdays: 5/14 too.
    hours = [0] * 24
    hours[16] = 1
    assert window_share(SHANGHAI_NIGHT, tuple(Fraction(h) for h in hours), as_of) == Fraction(5, 14)
    hours = [0] * 24
    hours[0] = 3
    assert window_share(SHANGHAI_NIGHT, tuple(Fraction(h) for h in hours), as_of) == Fraction(5, 14)
    # UTC 03:00 is local 11:00: outside
    hours = [0] * 24
    hours[3] = 1
    assert window_share(SHANGHAI_NIGHT, tuple(Fraction(h) for h in hours), as_of) == 0
    # flat: 8 hours on 5 of 7 days out of 24 = 40/168 = 5/21
    assert window_share(SHANGHAI_NIGHT, (Fraction(1),) * 24, as_of) == Fraction(5, 21)


def test_a_window_past_local_midnight_belongs_to_the_day_it_starts():
    from fractions import Fraction

    friday_night = {"start": "22:00", "end": "02:00", "tz": "UTC", "days": ["fri"]}
    as_of = date(2024, 7, 10)  # Wed: the 7 days hold one Friday (12th) and the Saturday after
    hours = [Fraction(0)] * 24
    hours[23] = Fraction(1)  # Fri 23:00 inside; every other day's 23:00 outside: 60 / 60 / 7
    assert window_share(friday_night, tuple(hours), as_of) == Fraction(1, 7)
    hours = [Fraction(0)] * 24
    hours[1] = Fraction(1)  # Sat 01:00 is Friday night's; Fri 01:00 is Thursday night's (out)
    assert window_share(friday_night, tuple(hours), as_of) == Fraction(1, 7)
    hours = [Fraction(0)] * 24
    hours[2] = Fraction(1)  # 02:00 is the (excluded) end
    assert window_share(friday_night, tuple(hours), as_of) == 0


def test_window_share_follows_the_zones_offsets_in_the_7_days_from_as_of():
    from fractions import Fraction

    office = {"start": "09:00", "end": "17:00", "tz": "America/Los_Angeles", "days": None}
    # 7 UTC days from Thu 2026-10-29; Los Angeles leaves DST (UTC-7 -> UTC-8) on Sun 2026-11-01
    # at 09:00 UTC. UTC 16:00 is 09:00 PDT on Oct 29, 30, 31 (inside, 60 min) and 08:00 PST from
    # Nov 1 on (outside): 3 x 60 / 60 / 7 = 3/7.
    hours = [Fraction(0)] * 24
    hours[16] = Fraction(1)
    assert window_share(office, tuple(hours), date(2026, 10, 29)) == Fraction(3, 7)
    # UTC 00:00 of Oct 29 .. Nov 1 is 17:00 PDT of the day before (the end, excluded); of Nov 2,
    # 3, 4 it is 16:00 PST (inside): 3/7 too.
    hours = [Fraction(0)] * 24
    hours[0] = Fraction(1)
    assert window_share(office, tuple(hours), date(2026, 10, 29)) == Fraction(3, 7)
    # a week without a change: UTC 16:00 is 08:00 PST every day
    hours = [Fraction(0)] * 24
    hours[16] = Fraction(1)
    assert window_share(office, tuple(hours), date(2026, 11, 10)) == 0


def test_hourly_profile_prices_the_share_inside_the_window(client, window_catalog):
    usage = [{"model": "gpt-4o", "input_tokens": 14_000_000, "output_tokens": 7_000_000}]
    hourly = [0] * 24
    hourly[0] = hourly[16] = 0.5
    body = {"usage": usage, "months": 1, "as_of": "2024-07-10", "hourly_usage": hourly, "detail": True}
    offp = alt(post(client, body), "offp")
    # share inside = 1/2 x 5/14 + 1/2 x 5/14 = 5/14 (see above).
    # input 14M: 5M at 1 + 9M at 2 = 23; output 7M: 2.5M at 4 + 4.5M at 8 = 46. 69.00 a month;
    # all day it would be 14 x 2 + 7 x 8 = 84.00: the window saved 15.00
    assert offp["monthly_list_cost"] == "69.00"
    line = offp["detail"]["lines"][0]
    assert line["windows"] == [{"window": SHANGHAI_NIGHT, "share": "0.357143", "saved": "15.00"}]
    assert offp["detail"]["offpeak"] == [
        {"window": SHANGHAI_NIGHT, "share": "0.357143", "monthly_saved": "15.00"}
    ]
    parts = [(p["kind"], p["tokens"], p["amount"], p["cost"]) for p in line["prices"]]
    assert parts == [
        ("input", 9_000_000, "2", "18.00"),
        ("cached_input", 0, "2", "0.00"),
        ("output", 4_500_000, "8", "36.00"),
        ("input", 5_000_000, "1", "5.00"),
        ("cached_input", 0, "1", "0.00"),
        ("output", 2_500_000, "4", "10.00"),
    ]
    # without a profile the window rows are ignored: 84.00
    del body["hourly_usage"]
    assert alt(post(client, body), "offp")["monthly_list_cost"] == "84.00"


# --- rule 6: regions -------------------------------------------------------------------------


@pytest.fixture
def region_catalog():
    load(
        provider("openai", chat("gpt-4o", "2.5", "10")),
        provider(
            "reg",
            chat(
                "r-chat",
                "10",
                "20",
                "CNY",
                price("input", "2", region="intl"),
                price("output", "4", region="intl"),
            ),
        ),  # fmt: skip
        provider("noreg", chat("n-chat", "5", "10", "CNY")),
        mappings=[("gpt-4o", "reg", "r-chat", 1), ("gpt-4o", "noreg", "n-chat", 1)],
        rates=[("USD", "CNY", "7", "2024-07-01")],
    )


@pytest.mark.parametrize(
    ("region", "reg", "noreg"),
    [
        # intl: reg's USD rows 7 x 2 + 7 x 4 = 42.00; noreg has none: home 7 x 5 + 7 x 10 = 105 CNY / 7 = 15.00
        ("intl", "42.00", "15.00"),
        # home prices: reg 7 x 10 + 7 x 20 = 210 CNY / 7 = 30.00
        (None, "30.00", "15.00"),
        # no cn rows anywhere: home prices
        ("cn", "30.00", "15.00"),
    ],
)
def test_region(client, region_catalog, region, reg, noreg):
    usage = [{"model": "gpt-4o", "input_tokens": 7_000_000, "output_tokens": 7_000_000}]
    result = post(client, {"usage": usage, "months": 1, "as_of": "2024-07-10", "region": region})
    assert result["baseline"]["monthly_cost"] == "87.50"  # 7 x 2.5 + 7 x 10
    assert alt(result, "reg")["monthly_list_cost"] == reg
    assert alt(result, "noreg")["monthly_list_cost"] == noreg


def test_cli_takes_region_and_hourly_usage_inline_or_from_a_file(
    client, region_catalog, window_catalog, tmp_path
):
    usage = [{"model": "gpt-4o", "input_tokens": 14_000_000, "output_tokens": 7_000_000}]
    path = tmp_path / "usage.json"
    path.write_text(json.dumps(usage))
    hourly = [0] * 24
    hourly[16] = 1
    profile = tmp_path / "hours.json"
    profile.write_text(json.dumps(hourly))
    body = {"usage": usage, "months": 1, "as_of": "2024-07-10", "region": "intl", "hourly_usage": hourly}
    expected = post(client, body)
    # offp: share 5/14 -> 69.00 as above; reg intl: 14 x 2 + 7 x 4 = 56.00
    assert alt(expected, "offp")["monthly_list_cost"] == "69.00"
    assert alt(expected, "reg")["monthly_list_cost"] == "56.00"
    for source in (json.dumps(hourly), str(profile)):
        out = StringIO()
        call_command(
            "estimate", str(path), "--months", "1", "--as-of", "2024-07-10", "--region", "intl",
            "--hourly-usage", source, stdout=out,
        )  # fmt: skip
        assert json.loads(out.getvalue()) == expected


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"usage": [{"model": "gpt-4o", "service_tier": "gold"}]}, "usage[0].service_tier"),
        ({"region": "eu"}, "region"),
        ({"hourly_usage": [1] * 23}, "hourly_usage"),
        ({"hourly_usage": [0] * 24}, "hourly_usage"),
        ({"hourly_usage": [-1] + [1] * 23}, "hourly_usage[0]"),
        ({"hourly_usage": [1] * 5 + ["x"] + [1] * 18}, "hourly_usage[5]"),
        ({"hourly_usage": [1] * 5 + [True] + [1] * 18}, "hourly_usage[5]"),
    ],
)
def test_bad_dimensions_are_errors_by_json_path(change, path):
    body = {"usage": [{"model": "gpt-4o", "input_tokens": 1}], **change}
    with pytest.raises(EstimateError) as caught:
        parse_request(body)
    assert list(caught.value.errors) == [path]


def test_weights_are_exact():
    from fractions import Fraction

    req = parse_request({"usage": [{"model": "gpt-4o"}], "hourly_usage": [0.1] * 24, "region": "intl"})
    assert req.hourly_usage == (Fraction(1, 10),) * 24
    assert req.region == "intl"
    assert req.usage[0].service_tier == "standard"


# --- warnings ------------------------------------------------------------------------------------


def test_no_warning_when_rates_and_prices_are_fresh_for_the_date(client, dated_catalog):
    # as_of 2024-07-10: the rate is of 2024-07-01 (9 days), every price checked 2024-07-01
    # (9 days before, within BANJIA_STALE_AFTER_DAYS = 30)
    result = post(client, {"usage": USAGE, "months": 2, "currency": "CNY", "as_of": "2024-07-10"})
    assert result["warnings"] == []


def test_stale_prices_are_named_once_per_model_used(client, dated_catalog, settings):
    settings.BANJIA_STALE_AFTER_DAYS = 30
    result = post(client, {"usage": USAGE, "months": 2, "currency": "CNY", "as_of": "2026-11-30"})
    # the rate of 2026-11-01 is 29 days away: fine. The prices used (gpt-4o, e-future, z-new) were
    # checked 2024-07-01, 882 days before 2026-11-30; z-old was not used and is not named.
    assert [
        (w["code"], w["provider"], w["model"], w["checked_on"], w["days"]) for w in result["warnings"]
    ] == [
        ("stale_price", "eta", "e-future", "2024-07-01", 882),
        ("stale_price", "openai", "gpt-4o", "2024-07-01", 882),
        ("stale_price", "zeta", "z-new", "2024-07-01", 882),
    ]
    assert "2024-07-01" in result["warnings"][0]["message"]


def test_a_rate_more_than_45_days_from_as_of_is_named(client, dated_catalog, settings):
    settings.BANJIA_STALE_AFTER_DAYS = 1000  # only the rate is in question here
    result = post(client, {"usage": USAGE, "months": 1, "currency": "CNY", "as_of": "2025-08-01"})
    # the latest rate on or before 2025-08-01 is of 2024-07-01: 396 days
    assert result["warnings"] == [
        {
            "code": "fx_rate_far_from_as_of",
            "message": "The exchange rate USD/CNY used is of 2024-07-01, 396 days from the estimate's date.",
            "base": "USD",
            "quote": "CNY",
            "date": "2024-07-01",
            "days": 396,
        }
    ]
    # 45 days exactly is still fine: as_of 2024-08-15 is 45 days after 2024-07-01
    settings.BANJIA_STALE_AFTER_DAYS = 1000
    result = post(client, {"usage": USAGE, "months": 1, "currency": "CNY", "as_of": "2024-08-15"})
    assert result["warnings"] == []


def test_estimate_page_shows_the_warnings_once(client):
    from pathlib import Path

    from offers.web.estimate.query import lines_query

    call_command("import_catalog", str(Path(__file__).parent / "data" / "estimate_catalog.json"), verbosity=0)
    line = {"model": "gpt-4o", "input_tokens": 1_000_000, "cached_input_tokens": 0, "output_tokens": 0}
    settings = {"months": 1, "currency": "CNY", "as_of": "2024-12-01"}
    html = client.get(f"/estimate/?{lines_query([line], settings).urlencode()}").content.decode()
    # the only rate (USD/CNY of 2024-07-10) is 144 days before 2024-12-01, and every price was
    # checked on 2024-07-10: more than 30 days before
    assert html.count('class="estimate-warnings') == 1
    assert html.count('data-code="fx_rate_far_from_as_of"') == 1
    assert 'data-code="stale_price"' in html
    assert "144 days from the estimate" in html

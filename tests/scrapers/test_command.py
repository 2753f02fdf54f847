"""python manage.py scrape: the DESIGN.md contract."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from scrapers.models import ScrapeRun

KEYS = ["source", "vendor", "provider", "model", "kind", "amount", "currency", "tier_min_input_tokens",
        "tier_max_input_tokens", "service_tier", "region", "time_window", "tier_min_output_tokens",
        "tier_max_output_tokens", "mode", "confidence", "note"]  # fmt: skip
FIXTURES = "tests/scrapers/fixtures/"


def run(*args):
    out = StringIO()
    call_command("scrape", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_dry_run_json_prints_observations_and_writes_nothing():
    rows = json.loads(
        run("deepseek", "--from-file", FIXTURES + "deepseek-en-peak.html", "--dry-run", "--format", "json")
    )
    # 2 models x 3 kinds, each at peak (all day) and off-peak ("OFF-PEAK: UTC 16:30-00:30" on the page)
    assert [list(r) for r in rows] == [KEYS] * 12
    assert rows[0] == {"source": "deepseek", "vendor": "deepseek", "provider": "deepseek", "model": "deepseek-chat",
                       "kind": "input", "amount": "0.27", "currency": "USD", "tier_min_input_tokens": None,
                       "tier_max_input_tokens": None, "service_tier": "standard", "region": None,
                       "time_window": None, "tier_min_output_tokens": None, "tier_max_output_tokens": None,
                       "mode": None, "confidence": "official", "note": None}  # fmt: skip
    assert rows[1] == {**rows[0], "amount": "0.135",
                       "time_window": {"start": "16:30", "end": "00:30", "tz": "UTC", "days": None}}  # fmt: skip
    # amounts are decimal strings without trailing zeros: "$1.10" -> "1.1"
    assert {r["amount"] for r in rows if r["kind"] == "output" and not r["time_window"]} == {"1.1", "2.19"}
    assert ScrapeRun.objects.count() == 0


@pytest.mark.django_db
def test_dry_run_output_is_sorted_and_deterministic():
    args = ("volcengine", "--from-file", FIXTURES + "volcengine-gbk.html", "--dry-run", "--format", "json")
    first = run(*args)
    assert first == run(*args)
    rows = json.loads(first)
    # sorted by kind, then service tier, then prompt tier; 批量推理 gives the batch rows (0.40 / 1.00)
    assert [(r["kind"], r["service_tier"], r["tier_min_input_tokens"]) for r in rows] == [
        ("input", "standard", None), ("input", "standard", 32001), ("input", "batch", None),
        ("cached_input", "standard", None), ("cached_input", "standard", 32001),
        ("output", "standard", None), ("output", "standard", 32001), ("output", "batch", None),
    ]  # fmt: skip


@pytest.mark.django_db
def test_ecb_dry_run_prints_rates(tmp_path):
    page = tmp_path / "ecb.xml"
    page.write_text('<?xml version="1.0" encoding="UTF-8"?><gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/'
                    '2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref"><Cube><Cube time="2025-05-09">'
                    '<Cube currency="USD" rate="1.1252"/><Cube currency="CNY" rate="8.1470"/></Cube></Cube>'
                    "</gesmes:Envelope>")  # fmt: skip
    rows = json.loads(run("ecb", "--from-file", str(page), "--dry-run", "--format", "json"))
    # EUR/CNY, EUR/USD as published; USD/CNY = 8.1470 / 1.1252 = 7.240491; USD/EUR = 1 / 1.1252 = 0.888731
    assert rows == [
        {"source": "ecb", "base": "EUR", "quote": "CNY", "rate": "8.147", "date": "2025-05-09"},
        {"source": "ecb", "base": "EUR", "quote": "USD", "rate": "1.1252", "date": "2025-05-09"},
        {"source": "ecb", "base": "USD", "quote": "CNY", "rate": "7.240491", "date": "2025-05-09"},
        {"source": "ecb", "base": "USD", "quote": "EUR", "rate": "0.888731", "date": "2025-05-09"},
    ]


@pytest.mark.django_db
def test_without_dry_run_it_applies_and_records_the_run():
    out = run("deepseek", "--from-file", FIXTURES + "deepseek-en-peak.html")
    assert "deepseek: 12 observations, 0 changed, 12 pending" in out  # peak and off-peak rows
    assert ScrapeRun.objects.get().status == "ok"


@pytest.mark.django_db
def test_broken_page_fails_the_command_with_the_reason():
    with pytest.raises(CommandError, match="failed: moonshot"):
        run("moonshot", "--from-file", FIXTURES + "kimi-renamed-column.html")
    assert ScrapeRun.objects.get().status == "parse_error"


def test_from_file_needs_exactly_one_source():
    with pytest.raises(CommandError, match="exactly one SOURCE"):
        run("deepseek", "moonshot", "--from-file", FIXTURES + "deepseek-en-peak.html", "--dry-run")


def test_unknown_source():
    with pytest.raises(CommandError, match="unknown source 'bing'"):
        run("bing", "--dry-run")


@pytest.mark.django_db
def test_fx_monthly_dry_run_prints_monthly_averages(tmp_path):
    page = tmp_path / "monthly.csv"
    page.write_text(
        "Date,Country,Exchange rate\n"
        "2024-07-01,China,7.2609\n"
        "2024-07-01,Euro,1.0844\n"
        "2024-07-01,Austria,\n"  # a currency the euro replaced: skipped
        "2024-08-01,China,7.1541\n"
    )
    rows = json.loads(run("fx-monthly", "--from-file", str(page), "--dry-run", "--format", "json"))
    note = "monthly average (Federal Reserve H.10 via datasets/exchange-rates), not a daily rate"
    # China is quoted CNY per USD; the Euro series USD per EUR, so it is EUR/USD as published.
    assert rows == [
        {
            "source": "fx-monthly",
            "base": "EUR",
            "quote": "USD",
            "rate": "1.0844",
            "date": "2024-07-01",
            "note": note,
        },
        {
            "source": "fx-monthly",
            "base": "USD",
            "quote": "CNY",
            "rate": "7.2609",
            "date": "2024-07-01",
            "note": note,
        },
        {
            "source": "fx-monthly",
            "base": "USD",
            "quote": "CNY",
            "rate": "7.1541",
            "date": "2024-08-01",
            "note": note,
        },
    ]


@pytest.mark.parametrize(
    "text",
    ["", "Date,Currency,Rate\n2024-07-01,CNY,7.2\n", "Date,Country,Exchange rate\n2024-07-15,China,7.2\n",
     "Date,Country,Exchange rate\n2024-07-01,China,-7\n", "Date,Country,Exchange rate\n2024-07-01,Atlantis,2\n"],
)  # fmt: skip
def test_fx_monthly_refuses_what_it_does_not_know(text):
    from scrapers.base import ParseError
    from scrapers.sources import fx_monthly

    with pytest.raises(ParseError):
        fx_monthly.parse(text)

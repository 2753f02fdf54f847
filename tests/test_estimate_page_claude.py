"""The estimate page with a Claude bill (rule 10): the baseline switch and its words, cache-write
fields, the Claude usage report upload and the difference against the cost report. Values by hand
over the catalog of tests/test_estimator_claude.py (its docstring lists the prices)."""

import pytest

from offers.web.estimate.query import lines_query
from tests.test_estimator_claude import AS_OF
from tests.test_estimator_claude import catalog as catalog  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db
URL = "/estimate/"


def claude_query(*lines, **settings):
    return lines_query(list(lines), {"months": 1, "currency": "USD", "as_of": AS_OF, "baseline": "anthropic",
                                     **settings}).urlencode()  # fmt: skip


def test_the_switch_changes_the_words(client, catalog):  # noqa: F811
    page = client.get(URL, {"baseline": "anthropic"}).content.decode()
    assert "Your monthly Claude usage" in page
    assert "Claude model" in page
    assert 'value="claude-sonnet-4-5" selected' in page  # the Claude example line
    assert "Your monthly OpenAI usage" not in page
    openai = client.get(URL).content.decode()
    assert "Your monthly OpenAI usage" in openai
    assert "5-minute cache writes" not in openai  # the Claude-only fields are not on an OpenAI page
    # Without a sample, tokens are assumed equal to the baseline's: Claude's here, OpenAI's there.
    assert "assumed to count the same tokens as Claude." in page
    assert "assumed to count the same tokens as OpenAI." in openai


def test_cache_writes_on_the_page(client, catalog):  # noqa: F811
    line = {"model": "claude-sonnet-4-5", "input_tokens": 10_000_000, "cached_input_tokens": 4_000_000,
            "cache_write_5m_tokens": 2_000_000, "cache_write_1h_tokens": 1_000_000, "output_tokens": 1_000_000}  # fmt: skip
    response = client.get(f"{URL}?{claude_query(line)}")
    result = response.context["result"]
    # as in test_estimator_claude.test_cache_writes_and_reads: 9 + 1.20 + 7.50 + 6 + 15 = 38.70
    assert result["baseline"]["provider"] == "anthropic"
    assert result["baseline"]["monthly_cost"] == "38.70"
    page = response.content.decode()
    assert "reference: your Claude bill" in page
    assert "5-minute cache writes" in page


def test_long_context_line_from_the_query(client, catalog):  # noqa: F811
    line = {"model": "claude-sonnet-4-5", "input_tokens": 3_000_000, "output_tokens": 100_000,
            "context_window": "200k-1M"}  # fmt: skip
    result = client.get(f"{URL}?{claude_query(line)}").context["result"]
    # above 200K: 3 x 6 + 0.1 x 22.50 = 20.25
    assert result["baseline"]["monthly_cost"] == "20.25"


def test_upload_a_claude_usage_report_with_its_cost_report(client, catalog, shared_pages):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    from offers.models import Model, Provider

    # the recorded example's model, claude-opus-5, as a Claude model of the catalog
    Model.objects.create(
        provider=Provider.objects.get(slug="anthropic"), slug="claude-opus-5", name="Claude Opus 5"
    )
    usage = (shared_pages / "anthropic-usage/usage-report-messages-example.json").read_bytes()
    costs = (shared_pages / "anthropic-usage/cost-report-example.json").read_bytes()
    response = client.post(
        URL,
        {
            "file": SimpleUploadedFile("usage.json", usage, content_type="application/json"),
            "cost_report": SimpleUploadedFile("cost.json", costs, content_type="application/json"),
            "current": claude_query({"model": "claude-sonnet-4-5", "input_tokens": 1, "output_tokens": 1}),
        },
    )
    assert response.status_code == 302
    location = response["Location"]
    # one day x 30 (tests/test_bills_anthropic.py): input 96,000 of which 6,000 hits, 15,000 5m and
    # 30,000 1h writes, output 15,000; the cost report: 123.78912 cents a day x 30 = 37.136736 USD
    for part in ("baseline=anthropic", "usage-0-model=claude-opus-5", "usage-0-input_tokens=96000",
                 "usage-0-cache_write_1h_tokens=30000", "billed_usd=37.136736"):  # fmt: skip
        assert part in location, part


def test_billed_difference_in_usd(client, catalog):  # noqa: F811
    line = {"model": "claude-sonnet-4-5", "input_tokens": 2_000_000, "output_tokens": 1_000_000,
            "service_tier": "batch"}  # fmt: skip
    response = client.get(f"{URL}?{claude_query(line, billed_usd='10')}")
    # priced 10.50 (batch: 2 x 1.50 + 1 x 7.50), billed 10.00: 0.50 apart, 5.0 %
    assert response.context["billed"] == {
        "billed": "10.00", "currency": "USD", "priced": "10.50", "difference": "0.50", "percent": "5.0",
    }  # fmt: skip
    assert "0.50 USD, 5.0 %" in response.content.decode()


def test_exports_name_the_baseline(client, catalog):  # noqa: F811
    from tests.test_estimate_page import csv_sheets

    line = {"model": "claude-sonnet-4-5", "input_tokens": 2_000_000, "output_tokens": 1_000_000,
            "service_tier": "batch"}  # fmt: skip
    sheets = csv_sheets(client.get(f"{URL}?{claude_query(line)}&download=csv"))
    summary = {r["item"]: r["value"] for r in sheets["Summary"]}
    assert summary["baseline"] == "anthropic"
    assert summary["anthropic_monthly_cost"] == "10.50"  # 2 x 1.50 + 1 x 7.50
    ranking = sheets["Ranking"]
    assert (ranking[0]["provider"], ranking[0]["provider_name"], ranking[0]["note"]) == (
        "anthropic",
        "Claude",
        "baseline",
    )


def test_what_anthropic_billed_is_asked_for_a_claude_bill_only(client):
    """The field for the Claude cost report is not offered on an OpenAI bill's page."""
    openai_page = client.get(URL).content.decode()
    claude_page = client.get(f"{URL}?baseline=anthropic").content.decode()
    assert 'name="billed_usd"' not in openai_page
    assert 'name="billed_usd"' in claude_page

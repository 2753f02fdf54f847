"""Reading a Claude bill (offers.bills.anthropic): the Admin API's usage report into usage lines and
its cost report into what was billed. Values worked out by hand; the recorded examples are the docs'
"Response 200" examples in ../shared/pages/anthropic-usage."""

import json
from decimal import Decimal as D

import pytest

from offers.bills.anthropic import BillError, catalog_model, difference, read_cost_report, read_usage_report

KNOWN = {
    "claude-sonnet-4-0",
    "claude-sonnet-4-5",
    "claude-opus-4-1",
    "claude-3-5-haiku-20241022",
    "claude-opus-5",
}


def _raw(doc):
    return json.dumps(doc).encode()


def _result(model=None, tier=None, window=None, uncached=0, read=0, w5=0, w1=0, out=0):
    return {
        "model": model,
        "service_tier": tier,
        "context_window": window,
        "uncached_input_tokens": uncached,
        "cache_read_input_tokens": read,
        "cache_creation": {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": w1},
        "output_tokens": out,
        "server_tool_use": {"web_search_requests": 0},
    }


def _bucket(start, end, *results):
    return {"starting_at": start, "ending_at": end, "results": list(results)}


def test_recorded_usage_example(shared_pages):
    raw = (shared_pages / "anthropic-usage/usage-report-messages-example.json").read_bytes()
    usage = read_usage_report(raw, known_models=KNOWN)
    # One daily bucket (2025-08-01 to 08-02: 1 day), so monthly = x 30.
    # uncached 1500, cache reads 200, 5m writes 500, 1h writes 1000, output 500:
    # input = 1500 + 200 + 500 + 1000 = 3200 -> 96,000; reads 6,000; 5m 15,000; 1h 30,000; output 15,000.
    assert usage.lines == [
        {
            "model": "claude-opus-5",
            "service_tier": "standard",
            "input_tokens": 96000,
            "cached_input_tokens": 6000,
            "cache_write_5m_tokens": 15000,
            "cache_write_1h_tokens": 30000,
            "output_tokens": 15000,
            "requests": None,
        }
    ]
    assert usage.hourly_usage is None  # a daily bucket says nothing about the hour
    assert usage.seconds == 86400


def test_recorded_usage_example_with_an_unknown_model(shared_pages):
    raw = (shared_pages / "anthropic-usage/usage-report-messages-example.json").read_bytes()
    usage = read_usage_report(raw, known_models={"claude-sonnet-4-5"})
    assert usage.lines == []
    [(name, counts)] = usage.unknown
    assert name == "claude-opus-5"
    assert (counts.input_tokens, counts.output) == (96000, 15000)  # as above


def test_hourly_grouped_report():
    doc = {
        "data": [
            _bucket(
                "2025-09-01T02:00:00Z",
                "2025-09-01T03:00:00Z",
                # a dated snapshot counts as its alias claude-sonnet-4-0
                _result(
                    "claude-sonnet-4-20250514",
                    "standard",
                    "0-200k",
                    uncached=1000,
                    read=3000,
                    w5=400,
                    out=600,
                ),
                _result("claude-sonnet-4-20250514", "batch", "0-200k", uncached=2000, out=1000),
                _result(
                    "claude-sonnet-4-20250514", "standard", "200k-1M", uncached=240000, w1=10000, out=2000
                ),
            ),
            _bucket(
                "2025-09-01T14:00:00Z",
                "2025-09-01T15:00:00Z",
                _result("claude-sonnet-4-20250514", "standard", "0-200k", uncached=500, out=100),
                _result("claude-3-5-haiku-latest", "priority_on_demand", None, uncached=50, out=50),
                _result("claude-opus-4-1", "flex_discount", None, uncached=10, out=10),
                _result(None, None, None, uncached=7, out=3),
            ),
        ],
        "has_more": False,
        "next_page": None,
    }
    usage = read_usage_report(_raw(doc), known_models=KNOWN)
    # Period: 02:00 to 15:00 = 13 hours = 46,800 s; monthly = total x 2,592,000 / 46,800 = x 55.3846...
    # (half up to whole tokens): e.g. 1,500 x 2,592,000 / 46,800 = 83,076.92 -> 83,077.
    lines = {(ln["model"], ln["service_tier"], ln.get("context_window")): ln for ln in usage.lines}
    long = lines[("claude-sonnet-4-0", "standard", "200k-1M")]
    # input 240,000 + 10,000 = 250,000 -> 250,000 x 2,592,000 / 46,800 = 13,846,153.85 -> 13,846,154
    assert long["input_tokens"] == 13846154
    # 1h writes 10,000 -> 553,846.15 -> 553,846; output 2,000 -> 110,769.23 -> 110,769
    assert long["cache_write_1h_tokens"] == 553846
    assert long["output_tokens"] == 110769
    short = lines[("claude-sonnet-4-0", "standard", None)]
    # both hours' 0-200k standard results: uncached 1,000 + 500, reads 3,000, 5m writes 400:
    # input = 1,500 + 3,000 + 400 = 4,900 -> 271,384.62 -> 271,385; reads 3,000 -> 166,153.85 -> 166,154;
    # 5m 400 -> 22,153.85 -> 22,154; output 700 -> 38,769.23 -> 38,769
    assert (short["input_tokens"], short["cached_input_tokens"], short["cache_write_5m_tokens"]) == (
        271385,
        166154,
        22154,
    )
    assert short["output_tokens"] == 38769
    assert "context_window" not in short
    batch = lines[("claude-sonnet-4-0", "batch", None)]
    # 2,000 -> 110,769.23 -> 110,769; 1,000 -> 55,384.62 -> 55,385
    assert (batch["input_tokens"], batch["output_tokens"]) == (110769, 55385)
    # "-latest" is the one dated snapshot the catalog knows; priority_on_demand is the priority tier
    assert ("claude-3-5-haiku-20241022", "priority", None) in lines
    # flex_discount is not a tier we know: counted as standard and said
    assert ("claude-opus-4-1", "standard", None) in lines
    assert usage.unknown_tiers == ["flex_discount"]
    assert usage.renamed == {
        "claude-3-5-haiku-latest": "claude-3-5-haiku-20241022",
        "claude-sonnet-4-20250514": "claude-sonnet-4-0",
    }
    # the result without a model: 7 + 3 = 10 tokens -> 553.85 -> input 388 (7 x 55.38 = 387.69), output 166
    assert (usage.ungrouped.input_tokens, usage.ungrouped.output) == (388, 166)
    # hourly profile: hour 2 = (1,000+3,000+400+600) + (2,000+1,000) + (240,000+10,000+2,000) = 260,000;
    # hour 14 = 600 + 100 + 20 + 10 = 730 (every result, known model or not)
    assert usage.hourly_usage[2] == 260000
    assert usage.hourly_usage[14] == 730
    assert sum(usage.hourly_usage) == 260730
    # largest line first
    assert usage.lines[0] is long


def test_unassigned_model_takes_the_ungrouped_results():
    doc = [_bucket("2025-09-01T00:00:00Z", "2025-09-02T00:00:00Z", _result(uncached=100, out=10))]
    usage = read_usage_report(_raw(doc), known_models=KNOWN, unassigned_model="claude-sonnet-4-5")
    # one day: x 30
    assert usage.lines[0]["model"] == "claude-sonnet-4-5"
    assert (usage.lines[0]["input_tokens"], usage.lines[0]["output_tokens"]) == (3000, 300)
    assert usage.ungrouped is None


def test_list_of_pages_is_one_report():
    page = {
        "data": [_bucket("2025-09-01T00:00:00Z", "2025-09-02T00:00:00Z", _result("claude-sonnet-4-5", out=1))]
    }
    page2 = {
        "data": [_bucket("2025-09-02T00:00:00Z", "2025-09-03T00:00:00Z", _result("claude-sonnet-4-5", out=3))]
    }
    usage = read_usage_report(_raw([page, page2]), known_models=KNOWN)
    # two days, 4 output tokens -> 4 x 30 / 2 = 60
    assert usage.lines[0]["output_tokens"] == 60


def test_catalog_model():
    assert catalog_model("claude-sonnet-4-5-20250929", KNOWN) == "claude-sonnet-4-5"
    assert catalog_model("claude-opus-4-20250514", KNOWN) is None  # claude-opus-4-0 not in KNOWN
    assert catalog_model("claude-opus-4-20250514", KNOWN | {"claude-opus-4-0"}) == "claude-opus-4-0"
    assert catalog_model("gpt-4o", KNOWN) is None


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"data": [{"starting_at": "yesterday", "ending_at": "2025-09-02T00:00:00Z", "results": []}]},
         r"\$\.data\[0\]\.starting_at is missing or not a time"),
        ({"data": [_bucket("2025-09-01T00:00:00Z", "2025-09-02T00:00:00Z", _result("claude-sonnet-4-5", out=-1))]},
         r"\$\.data\[0\]\.results\[0\]\.output_tokens is not a whole number"),
        ({"data": [_bucket("2025-09-01T00:00:00Z", "2025-09-02T00:00:00Z", {"amount": "1", "currency": "USD"})]},
         "cost report"),
        ({"data": [_bucket("2025-09-01T00:00:00Z", "2025-09-02T00:00:00Z", _result("claude-sonnet-4-5", window="1M+"))]},
         r"context_window is 1M\+"),
        ({"object": "page"}, r"\$\.data is missing"),
        ({"data": []}, "no buckets"),
    ],
)  # fmt: skip
def test_bad_usage_reports_name_the_place(doc, message):
    with pytest.raises(BillError, match=message):
        read_usage_report(_raw(doc), known_models=KNOWN)


def test_not_json():
    with pytest.raises(BillError, match="not valid JSON"):
        read_usage_report(b"model,tokens\n", known_models=KNOWN)


def test_recorded_cost_example(shared_pages):
    costs = read_cost_report((shared_pages / "anthropic-usage/cost-report-example.json").read_bytes())
    # "amount": "123.78912" cents = 1.2378912 USD, over one day (2025-08-01 to 08-02)
    assert costs.tokens_usd == D("1.2378912")
    assert costs.by_model == {"claude-sonnet-4-20250514": D("1.2378912")}
    assert costs.other_usd == {}
    # per 30 days: 1.2378912 x 30 = 37.136736
    assert costs.monthly_tokens_usd == D("37.136736")
    # the import priced at 46.42092 USD a month: 46.42092 - 37.136736 = 9.284184, which is 25% of 37.136736
    diff = difference(D("46.42092"), costs)
    assert diff["difference"] == D("9.284184")
    assert diff["percent"] == D("25")


def test_cost_report_keeps_other_costs_apart():
    doc = {
        "data": [
            _bucket(
                "2025-09-01T00:00:00Z",
                "2025-09-03T00:00:00Z",
                {"amount": "250", "currency": "USD", "cost_type": "tokens", "model": "claude-sonnet-4-5"},
                {"amount": "100.5", "currency": "USD", "cost_type": "web_search", "model": None},
            )
        ]
    }
    costs = read_cost_report(_raw(doc))
    # 250 cents = 2.50 USD of tokens over 2 days -> 37.50 per 30 days; 100.5 cents = 1.005 USD of search
    assert costs.tokens_usd == D("2.5")
    assert costs.monthly_tokens_usd == D("37.5")
    assert costs.other_usd == {"web_search": D("1.005")}
    assert (
        difference(
            D("0"),
            read_cost_report(_raw({"data": [_bucket("2025-09-01T00:00:00Z", "2025-09-02T00:00:00Z")]})),
        )["percent"]
        is None
    )


def test_usage_report_is_not_a_cost_report(shared_pages):
    raw = (shared_pages / "anthropic-usage/usage-report-messages-example.json").read_bytes()
    with pytest.raises(BillError, match=r"amount is missing: this is not a cost report"):
        read_cost_report(raw)

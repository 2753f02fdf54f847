"""The usage import: Usage API JSON (pages, data lists, flattened rows) and the dashboard CSV."""

import json
from pathlib import Path

import pytest

from offers.bills.openai import MAX_BYTES, Totals, UsageImportError, base_model, read_usage

DATA = Path(__file__).parent / "data"
KNOWN = {"gpt-4o", "gpt-4o-mini", "o1-mini", "gpt-3.5-turbo", "gpt-4"}


def read(raw, **kw):
    return read_usage(raw if isinstance(raw, bytes) else raw.encode(), known_models=KNOWN, **kw)


@pytest.mark.parametrize(
    ("name", "base"),
    [
        ("gpt-4o", "gpt-4o"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("gpt-3.5-turbo-0125", "gpt-3.5-turbo"),
        ("gpt-4-0613", "gpt-4"),
        ("ft:gpt-4o-2024-08-06:acme::abc", None),  # fine-tuned: priced differently
        ("gpt-5-2025-08-07", None),  # base not in the catalog
    ],
)
def test_snapshot_names_map_to_their_base(name, base):
    assert base_model(name, KNOWN) == base


def test_real_usage_api_sample_is_not_grouped_by_model(shared_pages):
    raw = (shared_pages / "openai-usage/usage-api-completions-1d.json").read_bytes()
    usage = read(raw)
    # 31 daily buckets from 1736616660 to 1739208663: 2,592,003 s = 30.0000347 days
    assert (usage.start.isoformat(), usage.end.isoformat()) == (
        "2025-01-11T17:31:00+00:00",
        "2025-02-10T17:31:03+00:00",
    )
    assert usage.lines == []
    assert usage.unknown == []
    # totals in the file: input 16,951,009; output 729,421; cached 168,128; requests 19,347.
    # x 2,592,000 / 2,592,003: 16,950,989.38 -> 16,950,989; 729,420.16 -> 729,420;
    # 168,127.81 -> 168,128; 19,346.98 -> 19,347
    assert usage.ungrouped == Totals(16_950_989, 168_128, 729_420, 19_347)
    assert usage.hourly_usage is None  # daily buckets say nothing about the hour


def test_real_sample_can_be_assigned_to_a_model(shared_pages):
    raw = (shared_pages / "openai-usage/usage-api-completions-1d.json").read_bytes()
    usage = read(raw, unassigned_model="gpt-4o")
    assert usage.lines == [
        {"model": "gpt-4o", "service_tier": "standard", "input_tokens": 16_950_989, "cached_input_tokens": 168_128,
         "output_tokens": 729_420, "requests": 19_347}
    ]  # fmt: skip
    assert usage.ungrouped is None


def test_real_grouped_rows(shared_pages):
    raw = (shared_pages / "openai-usage/usage-api-grouped-examples.json").read_bytes()
    usage = read(raw)
    # Rows from 1736616699 to 1736726400: 109,701 s. Monthly = total x 2,592,000 / 109,701.
    # gpt-4o (gpt-4o-2024-08-06): 97,474 in, 579 out, 270 requests -> 2,303,101.6 -> 2,303,102;
    #   13,680.5 -> 13,681 (half up); 6,379.6 -> 6,380
    # gpt-4o-mini: 6,897 + 1,989 = 8,886 in -> 209,957.4 -> 209,957; 97 + 28 = 125 out -> 2,953.48
    #   -> 2,953; requests 97 + 28 = 125 -> 2,953
    # o1-mini: 2,846 in -> 67,245.0 -> 67,245; 8,874 out -> 209,673.7 -> 209,674; 8 requests -> 189
    assert usage.lines == [
        {"model": "gpt-4o", "service_tier": "standard", "input_tokens": 2_303_102, "cached_input_tokens": 0, "output_tokens": 13_681, "requests": 6_380},
        {"model": "o1-mini", "service_tier": "standard", "input_tokens": 67_245, "cached_input_tokens": 0, "output_tokens": 209_674, "requests": 189},
        {"model": "gpt-4o-mini", "service_tier": "standard", "input_tokens": 209_957, "cached_input_tokens": 0, "output_tokens": 2_953, "requests": 2_953},
    ]  # fmt: skip
    assert usage.renamed == {
        "gpt-4o-2024-08-06": "gpt-4o",
        "gpt-4o-mini-2024-07-18": "gpt-4o-mini",
        "o1-mini-2024-09-12": "o1-mini",
    }
    # the fine-tuned model is listed, not dropped: 33,984 in x 2,592,000 / 109,701 = 802,969.4
    assert [(name, t.input_tokens) for name, t in usage.unknown] == [
        ("ft:gpt-4o-2024-08-06:distillation-test:wordle2...", 802_969)
    ]
    # batch is null in every row: all standard; rows span several hours: no hourly profile
    assert {line["service_tier"] for line in usage.lines} == {"standard"}
    assert usage.hourly_usage is None


@pytest.mark.parametrize("name", ["costs-api-1d.json", "dashboard-costs-export-2025-10.csv"])
def test_real_costs_exports_are_refused_clearly(shared_pages, name):
    with pytest.raises(UsageImportError, match="[Cc]osts"):
        read((shared_pages / "openai-usage" / name).read_bytes())


def test_list_of_pages():
    usage = read((DATA / "estimate_usage_pages.json").read_bytes())
    # 2 days; monthly = total x 15. gpt-4o: 3,000 in (1,000 cached), 300 out, 5 requests
    assert usage.lines == [
        {"model": "gpt-4o", "service_tier": "standard", "input_tokens": 45_000, "cached_input_tokens": 15_000, "output_tokens": 4_500, "requests": 75}
    ]  # fmt: skip
    assert usage.ungrouped == Totals(7_500, 0, 750, 15)
    assert usage.days == 2


def test_single_page_and_bare_data_list():
    pages = json.loads((DATA / "estimate_usage_pages.json").read_text())
    one_page = read(json.dumps(pages[1]))
    bare = read(json.dumps(pages[1]["data"]))
    # one day: x 30. 2,000 in (1,000 cached), 200 out, 3 requests
    expected = [
        {
            "model": "gpt-4o",
            "service_tier": "standard",
            "input_tokens": 60_000,
            "cached_input_tokens": 30_000,
            "output_tokens": 6_000,
            "requests": 90,
        }
    ]
    assert one_page.lines == expected
    assert bare.lines == expected


def test_dashboard_csv():
    usage = read((DATA / "estimate_usage_dashboard.csv").read_bytes())
    assert usage.format == "csv"
    # 3 days: monthly = total x 10. gpt-4o snapshots: 100,000 in, 1,000 cached, 3,000 out, 30 requests;
    # gpt-4o-mini: 3,000 in, 300 out, 5 requests; the fine-tuned model is unknown (900 in, 90 out)
    assert usage.lines == [
        {"model": "gpt-4o", "service_tier": "standard", "input_tokens": 1_000_000, "cached_input_tokens": 10_000, "output_tokens": 30_000, "requests": 300},
        {"model": "gpt-4o-mini", "service_tier": "standard", "input_tokens": 30_000, "cached_input_tokens": 0, "output_tokens": 3_000, "requests": 50},
    ]  # fmt: skip
    assert usage.unknown == [("ft:gpt-4o-mini-2024-07-18:acme::abc123", Totals(9_000, 0, 900, 30))]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\xff\xfe\x00\x01", "UTF-8"),
        (b"{not json", "not valid JSON"),
        (b"[" * 50_000, "not valid JSON"),
        (b'{"object": "page", "data": []}', "no usage"),
        (b'{"hello": 1}', "No usage buckets"),
        (b"42", "missing columns"),
        (b"[1, 2]", "not an object"),
        (b'[{"start_time": 1, "end_time": 2, "results": "x"}]', "not a list"),
        (b'[{"start_time": "soon", "end_time": 2, "results": []}]', "not a number"),
        (b'[{"end_time": 2, "results": []}]', "start_time"),
        (b'[{"start_time": 5, "end_time": 5, "results": []}]', "period"),
        (
            b'[{"start_time": 1, "end_time": 99, "results": [{"model": "gpt-4o", "service_tier": "standard", "input_tokens": -3}]}]',
            "0 or more",
        ),
        (
            b'[{"start_time": 1, "end_time": 99, "results": [{"model": "gpt-4o", "service_tier": "standard", "input_tokens": 1.5}]}]',
            "whole",
        ),
        (b'[{"start_time": 1, "end_time": 99, "results": [{"model": 7, "input_tokens": 1}]}]', "model"),
        (
            b'[{"start_time": 1, "end_time": 99, "results": [{"input_tokens": 1, "input_cached_tokens": 2}]}]',
            "cached",
        ),
        (b"a,b\n1,2\n", "missing columns"),
        (b"start_time,end_time,model,input_tokens,output_tokens\n1,99,gpt-4o,lots,1\n", "row 2"),
    ],
)
def test_bad_files_get_a_clear_message(raw, message):
    with pytest.raises(UsageImportError, match=message):
        read(raw)


def test_size_cap():
    with pytest.raises(UsageImportError, match="limit is 5 MB"):
        read(b"[" + b" " * MAX_BYTES + b"]")


# --- service tiers and the hourly profile -----------------------------------------------------


def test_dashboard_csv_batch_and_tier_rows_become_separate_lines():
    usage = read((DATA / "usage_tiers_dashboard.csv").read_bytes())
    # 2 days (2025-10-01 to 10-03): monthly = total x 15.
    # batch True rows -> "batch" whatever service_tier says: 40,000 + 20,000 in, 4,000 + 2,000 out,
    #   20 + 10 requests -> 900,000 / 90,000 / 450
    # False/default: 10,000 in (2,000 cached), 1,000 out, 10 req -> 150,000 / 30,000 / 15,000 / 150
    # flex: 6,000 / 600 / 6 -> 90,000 / 9,000 / 90
    # gpt-4o-mini scale -> priority: 2,000 / 200 / 2 -> 30,000 / 3,000 / 30
    # gpt-4o priority: 1,000 / 100 / 1 -> 15,000 / 1,500 / 15
    assert usage.lines == [
        {"model": "gpt-4o", "service_tier": "batch", "input_tokens": 900_000, "cached_input_tokens": 0, "output_tokens": 90_000, "requests": 450},
        {"model": "gpt-4o", "service_tier": "standard", "input_tokens": 150_000, "cached_input_tokens": 30_000, "output_tokens": 15_000, "requests": 150},
        {"model": "gpt-4o", "service_tier": "flex", "input_tokens": 90_000, "cached_input_tokens": 0, "output_tokens": 9_000, "requests": 90},
        {"model": "gpt-4o-mini", "service_tier": "priority", "input_tokens": 30_000, "cached_input_tokens": 0, "output_tokens": 3_000, "requests": 30},
        {"model": "gpt-4o", "service_tier": "priority", "input_tokens": 15_000, "cached_input_tokens": 0, "output_tokens": 1_500, "requests": 15},
    ]  # fmt: skip
    assert usage.hourly_usage is None  # one row per day
    assert usage.unknown_tiers == []


def test_usage_api_hourly_buckets_grouped_by_batch_and_tier():
    usage = read((DATA / "usage_tiers_hourly.json").read_bytes())
    # 1h buckets from 2025-01-10 00:00 to 2025-01-12 00:00 UTC: 2 days, monthly = total x 15.
    # gpt-4o default: 1,000 + 3,000 in (200 cached), 100 + 300 out, 2 + 3 req -> 60,000 / 3,000 / 6,000 / 75
    # gpt-4o batch: 4,000 / 400 / 4 -> 60,000 / 6,000 / 60 (same tokens: standard sorts first)
    # gpt-4o flex: 2,000 / 200 / 1 -> 30,000 / 3,000 / 15
    # gpt-4o-mini priority: 500 / 50 / 1 -> 7,500 / 750 / 15
    assert usage.lines == [
        {"model": "gpt-4o", "service_tier": "standard", "input_tokens": 60_000, "cached_input_tokens": 3_000, "output_tokens": 6_000, "requests": 75},
        {"model": "gpt-4o", "service_tier": "batch", "input_tokens": 60_000, "cached_input_tokens": 0, "output_tokens": 6_000, "requests": 60},
        {"model": "gpt-4o", "service_tier": "flex", "input_tokens": 30_000, "cached_input_tokens": 0, "output_tokens": 3_000, "requests": 15},
        {"model": "gpt-4o-mini", "service_tier": "priority", "input_tokens": 7_500, "cached_input_tokens": 0, "output_tokens": 750, "requests": 15},
    ]  # fmt: skip
    assert usage.ungrouped == Totals(1_500, 0, 150, 15)  # model null, "auto": 100 / 10 / 1 x 15
    # tokens (in + out) per UTC hour, both days summed, every row counted (ungrouped too):
    # hour 1: 1,100 + 4,400 (day 1) + 3,300 (day 2) = 8,800; hour 9: 2,200; hour 23: 550 + 110 = 660
    expected = [0] * 24
    expected[1], expected[9], expected[23] = 8_800, 2_200, 660
    assert usage.hourly_usage == expected


def test_hourly_csv_rows_give_the_profile():
    header = "start_time,end_time,model,batch,service_tier,input_tokens,output_tokens\n"
    # 2025-10-01 13:00-14:00 and 14:00-15:00 UTC, and 13:00-14:00 the next day
    rows = (
        "1759323600,1759327200,gpt-4o,False,default,100.0,10.0\n"
        "1759327200,1759330800,gpt-4o,True,,200.0,20.0\n"
        "1759410000,1759413600,gpt-4o,False,default,300.0,30.0\n"
    )
    usage = read(header + rows)
    expected = [0] * 24
    expected[13], expected[14] = 110 + 330, 220
    assert usage.hourly_usage == expected
    assert [line["service_tier"] for line in usage.lines] == ["standard", "batch"]


def test_unknown_tier_counts_as_standard_and_is_listed():
    raw = (
        b'[{"start_time": 0, "end_time": 86400, "results": ['
        b'{"model": "gpt-4o", "service_tier": "turbo", "input_tokens": 10, "output_tokens": 1}]}]'
    )
    usage = read(raw)
    assert [line["service_tier"] for line in usage.lines] == ["standard"]
    assert usage.unknown_tiers == ["turbo"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"start_time,end_time,model,batch,input_tokens,output_tokens\n1,99,gpt-4o,maybe,1,1\n", "batch"),
        (b'[{"start_time": 1, "end_time": 99, "results": [{"model": "gpt-4o", "batch": 3}]}]', "batch"),
        (b'[{"start_time": 1, "end_time": 99, "results": [{"model": "gpt-4o", "service_tier": 1}]}]', "tier"),
    ],
)
def test_bad_tier_values(raw, message):
    with pytest.raises(UsageImportError, match=message):
        read(raw)

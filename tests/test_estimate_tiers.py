"""The estimate page's rule-6 inputs: a service tier per line, the region, the hourly profile, in the
URL state, filled by the usage import (issue 12, point 4)."""

from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.http import QueryDict

from offers.web.estimate import forms as estimate_forms
from offers.web.estimate.forms import EstimateForm, UsageFormSet, office_hours, to_request
from offers.web.estimate.query import PREFIX, edit_lines, lines_query

DATA = Path(__file__).parent / "data"
URL = "/estimate/"
SETTINGS = {"months": 12, "currency": "CNY", "as_of": "2024-07-10"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    call_command("import_catalog", str(DATA / "estimate_catalog.json"), verbosity=0)


def line(model="gpt-4o", tier="standard"):
    return {
        "model": model,
        "input_tokens": 1000,
        "cached_input_tokens": 0,
        "output_tokens": 100,
        "service_tier": tier,
    }


def bound(query):
    form = EstimateForm(query, currencies=[("CNY", "CNY"), ("USD", "USD")])
    formset = UsageFormSet(query, prefix=PREFIX, form_kwargs={"model_choices": [("gpt-4o", "gpt-4o")]})
    assert form.is_valid(), form.errors
    assert formset.is_valid(), formset.errors
    return form, formset


def test_office_hours_as_utc_weights():
    # Beijing 09:00-18:00 at UTC+8: UTC 01:00-10:00, hours 1..9
    assert office_hours("beijing", date(2024, 7, 10)) == [0] + [1] * 9 + [0] * 14
    # California 09:00-17:00 in July (PDT, UTC-7): UTC 16:00-24:00, hours 16..23
    assert office_hours("california", date(2024, 7, 10)) == [0] * 16 + [1] * 8
    # in January (PST, UTC-8): UTC 17:00-01:00, hours 17..23 and 0
    assert office_hours("california", date(2025, 1, 15)) == [1] + [0] * 16 + [1] * 7


def test_tier_region_and_profile_survive_in_the_url():
    query = lines_query(
        [line(tier="batch"), line("gpt-4o", "standard")],
        {**SETTINGS, "region": "intl", "hourly_profile": "imported", "hourly_usage": [0] * 23 + [5]},
    )
    assert query["usage-0-service_tier"] == "batch"
    assert query["usage-1-service_tier"] == ""  # standard is the select's empty choice
    assert query["region"] == "intl"
    assert query["hourly_usage"] == "0," * 23 + "5"
    edited = edit_lines(query, add=True)
    assert edited["usage-TOTAL_FORMS"] == "3"
    assert edited["usage-0-service_tier"] == "batch"
    assert (edited["region"], edited["hourly_profile"], edited["hourly_usage"]) == (
        "intl",
        "imported",
        "0," * 23 + "5",
    )
    form, formset = bound(edited)  # the blank third line is skipped, not an error
    assert [x["service_tier"] for _i, x in formset.lines()] == ["batch", "standard"]


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        ("", None),
        ("flat", [1] * 24),
        ("beijing", [0] + [1] * 9 + [0] * 14),
        ("california", [0] * 16 + [1] * 8),  # as_of 2024-07-10: PDT
        ("imported", [0] * 23 + [5]),
    ],
)
def test_request_carries_the_rule_6_keys_when_the_estimator_reads_them(monkeypatch, profile, expected):
    monkeypatch.setattr(
        estimate_forms, "estimator_accepts", lambda: {"service_tier", "region", "hourly_usage"}
    )
    query = lines_query(
        [line(tier="flex")],
        {**SETTINGS, "region": "cn", "hourly_profile": profile, "hourly_usage": [0] * 23 + [5]},
    )
    request, indices = to_request(*bound(query))
    assert request["usage"][0]["service_tier"] == "flex"
    assert request["region"] == "cn"
    assert request["hourly_usage"] == expected
    assert indices == [0]


def test_request_leaves_out_keys_the_estimator_does_not_read(monkeypatch):
    monkeypatch.setattr(estimate_forms, "estimator_accepts", lambda: set())
    query = lines_query([line(tier="batch")], {**SETTINGS, "region": "intl", "hourly_profile": "flat"})
    request, _indices = to_request(*bound(query))
    assert "service_tier" not in request["usage"][0]
    assert "region" not in request
    assert "hourly_usage" not in request


@pytest.mark.parametrize(
    ("value", "ok"),
    [("1," * 23 + "1", True), ("0.5," * 24, False), ("1,2,3", False), ("0," * 23 + "0", False), ("x," * 23 + "1", False),
     ("-1," + "1," * 22 + "1", False), ("0.5," * 23 + "1.5", True)],
)  # fmt: skip
def test_hourly_usage_must_be_24_weights(value, ok):
    query = QueryDict(mutable=True)
    query.update({**SETTINGS, "hourly_profile": "imported", "hourly_usage": value})
    form = EstimateForm(query, currencies=[("CNY", "CNY")])
    assert form.is_valid() is ok
    if not ok:
        assert "hourly_usage" in form.errors


def test_imported_profile_needs_weights():
    query = QueryDict(mutable=True)
    query.update({**SETTINGS, "hourly_profile": "imported"})
    form = EstimateForm(query, currencies=[("CNY", "CNY")])
    assert not form.is_valid()
    assert "Import an hourly usage export" in form.errors["hourly_usage"][0]


def upload(client, path):
    current = lines_query([line()], {**SETTINGS, "months": 6, "region": "intl"}).urlencode()
    return client.post(URL, {"file": SimpleUploadedFile(path.name, path.read_bytes()), "current": current})


def test_upload_dashboard_csv_with_batch_rows_fills_one_line_per_tier(client, catalog):
    response = upload(client, DATA / "usage_tiers_dashboard.csv")
    assert response.status_code == 302
    params = parse_qs(urlsplit(response.url).query, keep_blank_values=True)
    # the lines of tests/test_usage_import.py::test_dashboard_csv_batch_and_tier_rows_become_separate_lines
    assert params["usage-TOTAL_FORMS"] == ["5"]
    got = [(params[f"usage-{i}-model"][0], params[f"usage-{i}-service_tier"][0]) for i in range(5)]
    assert got == [
        ("gpt-4o", "batch"),
        ("gpt-4o", ""),
        ("gpt-4o", "flex"),
        ("gpt-4o-mini", "priority"),
        ("gpt-4o", "priority"),
    ]
    assert params["usage-0-input_tokens"] == ["900000"]
    assert (params["months"], params["region"]) == (["6"], ["intl"])  # kept from the estimate on screen
    assert "hourly_profile" not in params  # daily rows: no profile
    page = client.get(response.url)
    html = page.content.decode()
    assert "Imported 2 models from 2025-10-01 to 2025-10-03 (2.0 days)" in html
    assert "Batch and service-tier usage is kept on lines of its own: Batch, Flex, Priority." in html
    assert '<option value="batch" selected>Batch</option>' in html
    assert '<option value="intl" selected>International</option>' in html


def test_upload_hourly_api_export_sets_the_imported_profile(client, catalog):
    response = upload(client, DATA / "usage_tiers_hourly.json")
    assert response.status_code == 302
    params = parse_qs(urlsplit(response.url).query)
    assert params["hourly_profile"] == ["imported"]
    # hour 1: 8,800 tokens, hour 9: 2,200, hour 23: 660 (tests/test_usage_import.py)
    weights = ["0"] * 24
    weights[1], weights[9], weights[23] = "8800", "2200", "660"
    assert params["hourly_usage"] == [",".join(weights)]
    blank = parse_qs(urlsplit(response.url).query, keep_blank_values=True)
    tiers = [blank[f"usage-{i}-service_tier"][0] for i in range(4)]
    assert tiers == ["", "batch", "flex", "priority"]
    html = client.get(response.url).content.decode()
    assert '<option value="imported" selected>Imported hourly profile</option>' in html
    assert "The hourly buckets give the hourly profile" in html


def test_upload_real_recording_keeps_standard_and_no_profile(client, catalog, shared_pages):
    path = shared_pages / "openai-usage/usage-api-grouped-examples.json"
    response = upload(client, path)
    assert response.status_code == 302
    params = parse_qs(urlsplit(response.url).query, keep_blank_values=True)
    # batch null in every row: every line standard (empty select value); daily rows: no profile
    total = int(params["usage-TOTAL_FORMS"][0])
    assert total >= 1
    assert {params[f"usage-{i}-service_tier"][0] for i in range(total)} == {""}
    assert "hourly_profile" not in params

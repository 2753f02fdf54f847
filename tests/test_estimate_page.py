"""The estimate page: full page and HTMX fragments, errors beside fields, lines in the URL, CSV, upload."""

import csv
import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from offers.estimate_forms import lines_query

DATA = Path(__file__).parent / "data"
URL = "/estimate/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    call_command("import_catalog", str(DATA / "estimate_catalog.json"), verbosity=0)


def query(*lines, **settings):
    """The page's query string for (model, input, cached, output[, requests]) lines."""
    keys = ("model", "input_tokens", "cached_input_tokens", "output_tokens", "requests")
    settings = {"months": 12, "currency": "CNY", "as_of": "2024-07-10", **settings}
    return lines_query([dict(zip(keys, line, strict=False)) for line in lines], settings).urlencode()


REFERENCE = query(("gpt-4o", 30_000_000, 0, 10_000_000), ("gpt-4o-mini", 100_000_000, 20_000_000, 20_000_000))
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_full_page(client, catalog):
    response = client.get(f"{URL}?{REFERENCE}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert 'id="estimate-form"' in html
    assert 'id="estimate-result"' in html
    # the reference estimate (tests/test_estimate_api.py): baseline 2,320.82 a month, 27,849.78 total;
    # DeepSeek first (2,064.00), then Zhipu (44,340.00); Baidu incomplete
    assert "2,320.82" in html
    assert "27,849.78" in html
    assert html.index('data-provider="deepseek"') < html.index('data-provider="zhipu"')
    assert "44,340.00" in html
    assert "5,100.00" in html  # Zhipu's benefits value
    assert 'data-provider="baidu"' in html
    assert "no model mapped for gpt-4o-mini" in html
    assert "<svg" in html
    assert "<polyline" in html
    # the price used, with its source and checked date, and the rate used
    assert "https://example.com/zhipu" in html
    assert "checked 2024-07-10" in html
    assert "1 USD = 7.13 CNY (2024-07-10)" in html
    assert response["Vary"].startswith("HX-Request")


def test_first_visit_shows_an_example(client, catalog):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    # one gpt-4o line, 30M in / 10M out, in USD today: 30 x 5 + 10 x 15 = 300.00 a month
    assert "300.00" in html
    assert 'value="30000000"' in html


def test_htmx_result_fragment_with_out_of_band_errors(client, catalog):
    response = client.get(f"{URL}?{REFERENCE}", HTTP_HX_TARGET="estimate-result", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="estimate-result"')
    assert 'id="id_usage-0-output_tokens-errors" hx-swap-oob="true"' in html
    assert "27,849.78" in html
    assert "HX-Request" in response["Vary"]


def test_htmx_field_error_beside_the_field(client, catalog):
    bad = query(("gpt-4o", 30_000_000, 0, -5))
    html = client.get(f"{URL}?{bad}", HTTP_HX_TARGET="estimate-result", **HTMX).content.decode()
    start = html.index('id="id_usage-0-output_tokens-errors"')
    assert "greater than or equal to 0" in html[start : start + 200]
    assert "Fix the fields marked above" in html


def test_full_page_field_errors(client, catalog):
    bad = query(("gpt-4o", 10, 20, 0), months=61)
    html = client.get(f"{URL}?{bad}").content.decode()
    cached = html.index('id="id_usage-0-cached_input_tokens-errors"')
    assert "Cannot exceed the input tokens" in html[cached : cached + 200]
    months = html.index('id="id_months-errors"')
    assert "less than or equal to 60" in html[months : months + 200]


def test_estimator_errors_go_beside_the_model(client, catalog):
    # gpt-4o-mini has no OpenAI price before 2024-07-01
    bad = query(("gpt-4o", 1, 0, 1), ("gpt-4o-mini", 1, 0, 1), as_of="2024-06-30")
    html = client.get(f"{URL}?{bad}").content.decode()
    model = html.index('id="id_usage-1-model-errors"')
    assert "gpt-4o-mini has no input price on 2024-06-30" in html[model : model + 300]


def test_blank_line_is_ignored_and_no_line_is_an_error(client, catalog):
    html = client.get(f"{URL}?{query(('gpt-4o', 1_000_000, 0, 0), ('', '', '', ''))}").content.decode()
    assert "35.65" in html  # 5 USD x 7.13
    html = client.get(f"{URL}?{query(('', '', '', ''))}").content.decode()
    assert "Enter at least one usage line." in html


def test_add_and_remove_lines_without_javascript(client, catalog):
    response = client.get(f"{URL}?{REFERENCE}&add_line=1")
    assert response.status_code == 302
    params = parse_qs(urlsplit(response.url).query, keep_blank_values=True)
    assert params["usage-TOTAL_FORMS"] == ["3"]
    assert params["usage-2-model"] == [""]
    assert "add_line" not in params

    response = client.get(f"{URL}?{REFERENCE}&remove_line=0")
    params = parse_qs(urlsplit(response.url).query, keep_blank_values=True)
    assert params["usage-TOTAL_FORMS"] == ["1"]
    assert params["usage-0-model"] == ["gpt-4o-mini"]
    assert params["currency"] == ["CNY"]


def test_add_line_with_htmx_swaps_the_form_and_pushes_the_url(client, catalog):
    response = client.get(f"{URL}?{REFERENCE}&add_line=1", HTTP_HX_TARGET="estimate-body", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="estimate-body">')
    assert 'name="usage-2-model"' in html
    assert "usage-TOTAL_FORMS=3" in response["HX-Push-Url"]


def test_csv_download(client, catalog):
    response = client.get(f"{URL}?{REFERENCE}&download=csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [
        (r["rank"], r["provider"], r["total_cost"], r["savings"], r["savings_percent"]) for r in rows
    ] == [
        ("", "openai", "27849.78", "", ""),
        ("1", "deepseek", "2064.00", "25785.78", "92.59"),
        ("2", "zhipu", "44340.00", "-16490.22", "-59.21"),
        ("", "baidu", "", "", ""),
    ]
    assert rows[3]["note"].startswith("incomplete: ")


def test_csv_of_invalid_input_is_a_400(client, catalog):
    assert client.get(f"{URL}?{query(('gpt-4o', -1, 0, 0))}&download=csv").status_code == 400


def test_tampered_query_does_not_crash(client, catalog):
    for raw in (
        "usage-TOTAL_FORMS=abc",
        "usage-TOTAL_FORMS=100000000&months=x",
        "usage-TOTAL_FORMS=1&usage-0-model=<b>",
    ):
        assert client.get(f"{URL}?{raw}").status_code == 200
    assert client.get(f"{URL}?{REFERENCE}&remove_line=zz").status_code == 302


def test_page_query_count(client, catalog, django_assert_max_num_queries):
    # model choices, currency choices and the estimator's snapshot (at most 8)
    with django_assert_max_num_queries(10):
        client.get(f"{URL}?{REFERENCE}")


# --- the usage upload ---------------------------------------------------------------------------


def upload(client, path_or_bytes, name="usage.json", **fields):
    raw = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    data = {"file": SimpleUploadedFile(name, raw), "current": query(("gpt-4o", 1, 0, 1), months=6), **fields}
    return client.post(URL, data)


def test_upload_dashboard_csv_fills_the_form(client, catalog):
    response = upload(client, DATA / "estimate_usage_dashboard.csv", "usage.csv")
    assert response.status_code == 302
    params = parse_qs(urlsplit(response.url).query)
    # monthly averages over 3 days (tests/test_usage_import.py)
    assert params["usage-TOTAL_FORMS"] == ["2"]
    assert params["usage-0-model"] == ["gpt-4o"]
    assert params["usage-0-input_tokens"] == ["1000000"]
    assert params["usage-0-cached_input_tokens"] == ["10000"]
    assert params["usage-0-requests"] == ["300"]
    assert params["usage-1-model"] == ["gpt-4o-mini"]
    assert params["months"] == ["6"]  # kept from the estimate on screen
    html = client.get(response.url).content.decode()
    assert "Imported 2 models from 2025-10-01 to 2025-10-04 (3.0 days)" in html
    assert "ft:gpt-4o-mini-2024-07-18:acme::abc123" in html  # listed, not dropped
    assert "gpt-4o-2024-08-06 → gpt-4o" in html


def test_upload_real_ungrouped_sample(client, catalog, shared_pages):
    sample = shared_pages / "openai-usage/usage-api-completions-1d.json"
    response = upload(client, sample)
    assert response.status_code == 400
    html = response.content.decode()
    assert "not grouped by model" in html
    assert 'value="6"' in html  # the estimate on screen is kept
    response = upload(client, sample, unassigned_model="gpt-4o")
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.url).query)["usage-0-input_tokens"] == ["16950989"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"{oops", "not valid JSON"),
        (b"x" * (5 * 1024 * 1024 + 1), "the limit is 5 MB"),
    ],
)
def test_bad_uploads_get_a_clear_message(client, catalog, raw, message):
    response = upload(client, raw)
    assert response.status_code == 400
    assert message in response.content.decode()

"""POST /api/v1/estimate: the contract of DESIGN.md, bad input as 400 with JSON paths, never a 500."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import ASSUMED

DATA = Path(__file__).parent / "data"
URL = "/api/v1/estimate"


pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    call_command("import_catalog", str(DATA / "estimate_catalog.json"), verbosity=0)


def request_body(**changes):
    body = json.loads((DATA / "estimate_request.json").read_text())
    body.update(changes)
    return body


def post(client, body):
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data=raw, content_type="application/json")


# The reference estimate of tests/data/estimate_request.json on tests/data/estimate_catalog.json,
# worked out by hand (USD/CNY 7.13 on 2024-07-10):
#   OpenAI gpt-4o: 30M x 5 + 10M x 15 = 300 USD = 2139.00 CNY;
#          gpt-4o-mini: 80M x 0.15 + 20M cached x 0.075 + 20M x 0.6 = 25.5 USD = 181.815 CNY;
#          monthly 2320.815 -> "2320.82"; 12 months 27849.78.
#   DeepSeek (deepseek-chat for both): 30 x 1 + 10 x 2 = 50; 80 x 1 + 20 x 0.1 + 20 x 2 = 122;
#          172.00 a month, 2064.00; savings 25785.78 = 92.5888 % -> "92.59".
#   Zhipu: glm-4 40M x 100 = 4000; glm-4-air 120M x 1 (no cached price) = 120; list 4120 x 12 = 49440.
#          Month 1: 50M glm-4 pool covers 40M (10M left); 100M air pool covers 100M of 120M -> 20.
#          Month 2: 10M of 40M on glm-4 -> 0.75 x 4000 = 3000 + 120 = 3120. Months 3-12: 41200.
#          total 44340.00; benefits 5100.00; savings 27849.78 - 44340 = -16490.22 = -59.2113 %.
#   Baidu: ERNIE has no price and nothing is mapped for gpt-4o-mini -> incomplete.
EXPECTED = {
    "as_of": "2024-07-10",
    "months": 12,
    "currency": "CNY",
    "fx": [{"base": "USD", "quote": "CNY", "rate": "7.13", "date": "2024-07-10"}],
    "baseline": {
        "provider": "openai",
        "monthly_cost": "2320.82",
        "total_cost": "27849.78",
        "lines": [
            {"model": "gpt-4o", "monthly_cost": "2139.00"},
            {"model": "gpt-4o-mini", "monthly_cost": "181.82"},
        ],
    },
    "alternatives": [
        {
            "provider": "deepseek",
            "monthly_list_cost": "172.00",
            "total_list_cost": "2064.00",
            "benefits_value": "0.00",
            "total_cost": "2064.00",
            "savings": "25785.78",
            "savings_percent": "92.59",
            "lines": [
                {
                    "openai_model": "gpt-4o",
                    "baseline_model": "gpt-4o",
                    "model": "deepseek-chat",
                    "monthly_cost": "50.00",
                    "tokens": ASSUMED,
                },
                # the catalog maps gpt-4o-mini to DeepSeek's flagship, fit "larger"
                {
                    "openai_model": "gpt-4o-mini",
                    "baseline_model": "gpt-4o-mini",
                    "model": "deepseek-chat",
                    "monthly_cost": "122.00",
                    "fit": "larger",
                    "tokens": ASSUMED,
                },
            ],
            "programs": [],
            "perks": [],
            "programs_left_out": [],
            "caveats": ["unlike_model"],  # rule 8: so DeepSeek, however cheap, is not the answer
        },
        {
            "provider": "zhipu",
            "monthly_list_cost": "4120.00",
            "total_list_cost": "49440.00",
            "benefits_value": "5100.00",
            "total_cost": "44340.00",
            "savings": "-16490.22",
            "savings_percent": "-59.21",
            "lines": [
                {
                    "openai_model": "gpt-4o",
                    "baseline_model": "gpt-4o",
                    "model": "glm-4",
                    "monthly_cost": "4000.00",
                    "tokens": ASSUMED,
                },
                {
                    "openai_model": "gpt-4o-mini",
                    "baseline_model": "gpt-4o-mini",
                    "model": "glm-4-air",
                    "monthly_cost": "120.00",
                    "tokens": ASSUMED,
                },
            ],
            "programs": ["zhipu-openai-migration-2024"],
            "perks": ["consulting", "training"],
            "programs_left_out": [],
        },
    ],
    "sample": None,  # rule 9: no sample given
    "incomplete": [
        {
            "provider": "baidu",
            "reason": "ernie-4.0-8k has no input price on 2024-07-10; no model mapped for gpt-4o-mini",
        }
    ],
    # every price was checked on as_of and the rate is of that day: nothing to warn about
    "warnings": [],
    # rule 8: DeepSeek is first but prices gpt-4o-mini on a larger model; Zhipu's lines are priced on
    # reported rows of like-for-like mappings (no fit given: like_for_like by default)
    "recommended": "zhipu",
}


def test_reference_estimate(client, catalog):
    response = post(client, request_body())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == EXPECTED


def test_detail_on_request(client, catalog):
    data = post(client, request_body(detail=True)).json()
    zhipu = data["alternatives"][1]["detail"]
    assert [m["cost"] for m in zhipu["months"][:3]] == ["20.00", "3120.00", "4120.00"]
    glm = zhipu["lines"][0]["prices"][0]
    assert (glm["amount"], glm["currency"], glm["rate"], glm["source_url"], glm["checked_on"]) == (
        "100",
        "CNY",
        "1",
        "https://example.com/zhipu",
        "2024-07-10",
    )


def test_defaults(client, catalog):
    body = {
        "usage": [{"model": "gpt-4o", "input_tokens": 1_000_000, "output_tokens": 0}],
        "as_of": "2024-07-10",
    }
    data = post(client, body).json()
    # 12 months in USD: 5.00 a month
    assert (data["months"], data["currency"], data["baseline"]["total_cost"]) == (12, "USD", "60.00")


def test_get_is_not_allowed(client):
    assert client.get(URL).status_code == 405


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"usage": [{"model": "gpt-4o", "input_tokens": -1}]}, "usage[0].input_tokens"),
        ({"usage": [{"model": "gpt-4o", "input_tokens": 1.5}]}, "usage[0].input_tokens"),
        ({"usage": [{"model": "gpt-4o", "input_tokens": "100"}]}, "usage[0].input_tokens"),
        ({"usage": [{"model": "gpt-4o", "output_tokens": True}]}, "usage[0].output_tokens"),
        ({"usage": [{"model": "gpt-4o", "output_tokens": None}]}, "usage[0].output_tokens"),
        (
            {"usage": [{"model": "gpt-4o", "input_tokens": 10, "cached_input_tokens": 11}]},
            "usage[0].cached_input_tokens",
        ),
        ({"usage": [{"model": "gpt-4o", "requests": 0}]}, "usage[0].requests"),
        ({"usage": [{"model": "gpt-4o", "overrides": {"zhipu": "glm-9"}}]}, "usage[0].overrides.zhipu"),
        ({"usage": [{"model": "gpt-4o", "overrides": ["zhipu"]}]}, "usage[0].overrides"),
        ({"usage": [{"model": "gpt-9"}]}, "usage[0].model"),
        ({"usage": [{"model": "gpt-4o-2024-08-06"}]}, "usage[0].model"),  # snapshots only in the import
        ({"usage": [{"model": 4}]}, "usage[0].model"),
        ({"usage": ["gpt-4o"]}, "usage[0]"),
        ({"usage": []}, "usage"),
        ({"usage": {"model": "gpt-4o"}}, "usage"),
        ({"months": 0}, "months"),
        ({"months": 61}, "months"),
        ({"months": "12"}, "months"),
        ({"currency": "EUR"}, "currency"),  # well formed, but no rate in the catalog
        ({"currency": "yuan"}, "currency"),
        ({"currency": 156}, "currency"),
        ({"as_of": "2024-13-01"}, "as_of"),
        ({"as_of": "10/07/2024"}, "as_of"),
        ({"as_of": "20240710"}, "as_of"),
        ({"include_expired": "yes"}, "include_expired"),
        ({"providers": "zhipu"}, "providers"),
        ({"providers": ["zhipu", "nobody"]}, "providers[1]"),
    ],
)
def test_bad_input_is_a_400_naming_the_path(client, catalog, change, path):
    response = post(client, request_body(**change))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert path in errors
    assert all(isinstance(m, str) and m for m in errors[path])


def test_openai_model_not_yet_priced_on_as_of_uses_its_first_price_and_warns(client, catalog):
    # gpt-4o-mini's prices start on 2024-07-01: asked on 2024-06-30, the baseline uses them
    response = post(client, request_body(as_of="2024-06-30"))
    assert response.status_code == 200
    warning = response.json()["warnings"][0]
    assert (warning["code"], warning["model"], warning["date"]) == (
        "baseline_price_after_as_of",
        "gpt-4o-mini",
        "2024-07-01",
    )


@pytest.mark.parametrize(
    "raw", ["", "{", "[1, 2", "null", "[]", '"usage"', "1e999", "[" * 100_000, b"\xff\xfe\x00"]
)
def test_malformed_bodies(client, catalog, raw):
    response = post(client, raw)
    assert response.status_code == 400
    assert "errors" in response.json()


def test_body_size_cap(client, catalog):
    body = request_body()
    body["padding"] = "x" * (5 * 1024 * 1024)
    response = post(client, body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["body"]


def test_the_most_lines_accepted_are_priced(client, catalog):
    line = {"model": "gpt-4o", "input_tokens": 1_000_000, "cached_input_tokens": 0, "output_tokens": 0}
    response = post(client, request_body(usage=[line] * 100, months=1))
    assert response.status_code == 200
    # 100 x 1M x 5 USD/M = 500 USD; x 7.13 = 3,565.00 CNY
    assert response.json()["baseline"]["total_cost"] == "3565.00"


def test_more_lines_than_the_limit_is_a_clear_400(client, catalog):
    line = {"model": "gpt-4o", "input_tokens": 1}
    response = post(client, request_body(usage=[line] * 101))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["usage"]
    assert "At most 100 usage lines (got 101)" in response.json()["errors"]["usage"][0]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**300), max_value=10**300)  # far beyond any token cap
    | st.floats(allow_nan=False)  # incl. 1e308 and +-Infinity (json writes and reads those)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
line_like = st.fixed_dictionaries(
    {},
    optional={
        "model": st.sampled_from(["gpt-4o", "gpt-4o-mini", "glm-4", ""]) | json_values,
        "input_tokens": st.integers(-5, 10**16) | json_values,
        "cached_input_tokens": st.integers(-5, 10**16) | json_values,
        "output_tokens": st.integers(-5, 10**16) | json_values,
        "requests": st.none() | st.integers(-1, 10**6) | json_values,
        "overrides": st.dictionaries(
            st.sampled_from(["zhipu", "deepseek", "openai", "x"]), json_values, max_size=2
        )
        | json_values,
    },
)
request_like = st.fixed_dictionaries(
    {},
    optional={
        "usage": st.lists(line_like, max_size=3) | json_values,
        "months": st.integers(-2, 70) | json_values,
        "currency": st.sampled_from(["CNY", "USD", "cny", "EUR", ""]) | json_values,
        "as_of": st.sampled_from(["2024-07-10", "2024-02-30", "2025-01-01"]) | json_values,
        "include_expired": json_values,
        "providers": st.none()
        | st.lists(st.sampled_from(["zhipu", "baidu", "openai", "nope"]))
        | json_values,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=json_values | request_like)
def test_arbitrary_json_never_500(client, catalog, body):
    response = post(client, body)
    assert response.status_code in (200, 400)
    data = response.json()
    if response.status_code == 400:
        assert data["errors"]
        assert all(isinstance(v, list) and v for v in data["errors"].values())
    else:
        assert set(data) == {
            "as_of",
            "months",
            "currency",
            "fx",
            "baseline",
            "alternatives",
            "sample",
            "incomplete",
            "warnings",
            "recommended",
        }


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(lambda t: t.encode("utf-16")))
def test_arbitrary_bytes_never_500(client, catalog, raw):
    response = post(client, raw)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response.json()["errors"]


def cli_estimate(tmp_path, raw):
    path = tmp_path / "usage.json"
    path.write_bytes(raw if isinstance(raw, bytes) else json.dumps(raw).encode())
    out, err = StringIO(), StringIO()
    try:
        call_command("estimate", str(path), stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, err.getvalue()
    return 0, out.getvalue()


def usage_line(**changes):
    return {"model": "gpt-4o", "input_tokens": 10, "cached_input_tokens": 0, "output_tokens": 1, **changes}


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"usage": [usage_line(cached_input_tokens=11)]}, "usage[0].cached_input_tokens"),
        ({"usage": [usage_line(input_tokens=10**400)]}, "usage[0].input_tokens"),
        ({"usage": [usage_line(output_tokens=1e308)]}, "usage[0].output_tokens"),
        ({"usage": [usage_line(output_tokens=-1)]}, "usage[0].output_tokens"),
        ({"usage": [usage_line(output_tokens=1.5)]}, "usage[0].output_tokens"),
        ({"usage": [usage_line(requests=0)]}, "usage[0].requests"),
        ({"usage": [usage_line(requests=1e300)]}, "usage[0].requests"),
        ({"usage": [usage_line(overrides={"zhipu": {"a": [1, {"b": None}]}})]}, "usage[0].overrides.zhipu"),
        ({"usage": [usage_line(overrides=[1, 2])]}, "usage[0].overrides"),
        ({"usage": [usage_line(overrides={"zhipu": "glm-99"})]}, "usage[0].overrides.zhipu"),
        ({"usage": [usage_line(overrides={"nobody": "x"})]}, "usage[0].overrides.nobody"),
        ({"months": True}, "months"),
        ({"months": 12.5}, "months"),
        ({"months": [12]}, "months"),
        ({"currency": "XXX"}, "currency"),
        ({"currency": ""}, "currency"),
        ({"currency": 0}, "currency"),
        ({"currency": False}, "currency"),
        ({"as_of": "2024-02-30"}, "as_of"),
        ({"as_of": "2024-7-1"}, "as_of"),
        ({"as_of": 20240701}, "as_of"),
        ({"providers": ["nope"]}, "providers[0]"),
        ({"providers": [None]}, "providers[0]"),
    ],
)
def test_hostile_input_is_a_400_from_the_api_and_exit_2_from_the_cli(client, catalog, tmp_path, change, path):
    body = request_body(**change)
    response = post(client, body)
    assert response.status_code == 400
    assert path in response.json()["errors"]
    code, err = cli_estimate(tmp_path, body)
    assert code == 2
    assert json.loads(err) == response.json()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # lenient but unambiguous: an integral float, a lower-case code, null for the default
        ({"months": 12.0}, (12, "CNY")),
        ({"currency": "usd"}, (12, "USD")),
        ({"currency": None}, (12, "USD")),
        ({"months": None}, (12, "CNY")),
    ],
)
def test_unambiguous_variants_are_accepted(client, catalog, change, expected):
    response = post(client, request_body(**change))
    assert response.status_code == 200
    assert (response.json()["months"], response.json()["currency"]) == expected


@pytest.mark.parametrize(
    "raw",
    [
        b'{"usage": [{"model": "gpt-4o", "input_tokens": NaN}]}',
        b'{"usage": [{"model": "gpt-4o", "input_tokens": Infinity}]}',
        b'{"usage": [{"model": "gpt-4o", "input_tokens": ' + b"9" * 5000 + b"}]}",
        b'{"usage": "\xff\xfe"}',  # not UTF-8
        b"[" * 100_000,
    ],
)
def test_hostile_bytes_are_a_400_from_the_api_and_exit_2_from_the_cli(client, catalog, tmp_path, raw):
    response = post(client, raw)
    assert response.status_code == 400
    assert response.json()["errors"]
    code, err = cli_estimate(tmp_path, raw)
    assert code == 2
    assert json.loads(err)["errors"]


def test_a_6_mb_body_is_a_400_and_a_6_mb_file_exit_2(client, catalog, tmp_path):
    raw = json.dumps(request_body(padding="x" * (6 * 1024 * 1024))).encode()
    response = post(client, raw)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["body"]
    code, err = cli_estimate(tmp_path, raw)
    assert code == 2
    assert list(json.loads(err)["errors"]) == ["file"]


def test_wrong_method_is_a_405_with_json_errors(client, catalog):
    response = client.get(URL)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert list(response.json()["errors"]) == ["method"]


def test_one_line_over_the_limit_exits_2_from_the_cli(catalog, tmp_path):
    code, err = cli_estimate(tmp_path, request_body(usage=[usage_line()] * 101))
    assert code == 2
    assert list(json.loads(err)["errors"]) == ["usage"]

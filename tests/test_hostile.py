"""Hostile input for every public endpoint and the estimate command: never a 500, never a traceback.

Strings include NUL, lone surrogates, odd digits ("²", "٣"), 5,000-digit numbers, wrong types and
deep nesting. Query strings and paths go through real percent-encoding (surrogates as the bytes
ED A0 80, which Django decodes as U+FFFD), JSON carries surrogates as \\ud800 escapes (which Python
decodes as the surrogate itself). CI runs this on SQLite and on PostgreSQL (which refuses NUL).
"""

import json
from io import StringIO
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_estimate_api import DATA

pytestmark = pytest.mark.django_db

FAST = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SPECIAL = st.sampled_from(
    ["\x00", "\ud800", "\udfff", "a\x00b", "²", "٣", "-1", "1e999", "NaN", "9" * 5000, "", " ",
     "gpt-4o", "deepseek/deepseek-chat", "zhipu/glm-4", "../..", "%00", "<script>", "=1+1", "\n", "\u202e"]
)  # fmt: skip
# Any code point, surrogates included.
TEXT = st.text(st.characters(exclude_categories=()), max_size=30) | SPECIAL
NUMBERS = (
    st.integers(min_value=-(10**30), max_value=10**30) | st.sampled_from([10**400, -(10**400)]) | st.floats()
)
SCALARS = st.none() | st.booleans() | NUMBERS | TEXT
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


@pytest.fixture
def catalog():
    call_command("import_catalog", str(DATA / "estimate_catalog.json"), verbosity=0)


def encode(text):
    """Percent-encode like a client would, surrogates as their (invalid) UTF-8 bytes."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def query_string(pairs):
    return "&".join(f"{encode(k)}={encode(v)}" for k, v in pairs)


def assert_answered(response):
    assert response.status_code < 500
    response.content.decode("utf-8")  # encodable: no surrogate reached the body


# --- the API ------------------------------------------------------------------------------------

LINE = st.fixed_dictionaries(
    {},
    optional={
        "model": TEXT | SCALARS,
        "input_tokens": NUMBERS | SCALARS,
        "cached_input_tokens": NUMBERS,
        "output_tokens": NUMBERS | SCALARS,
        "requests": NUMBERS | SCALARS,
        "overrides": st.dictionaries(TEXT, TEXT | SCALARS, max_size=4) | JSON,
    },
)
BODY = st.fixed_dictionaries(
    {"usage": st.lists(LINE, max_size=4) | JSON},
    optional={
        "months": NUMBERS | TEXT,
        "currency": TEXT,
        "as_of": TEXT,
        "include_expired": SCALARS,
        "providers": st.lists(TEXT, max_size=4) | JSON,
        "detail": SCALARS,
    },
)


@FAST
@given(body=BODY | JSON)
def test_api_bodies(client, catalog, body):
    raw = json.dumps(body)  # surrogates become \ud800 escapes, as a hostile client would send them
    response = client.post("/api/v1/estimate", raw, content_type="application/json")
    assert_answered(response)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response.json()["errors"]


@FAST
@given(raw=st.binary(max_size=300) | st.sampled_from([b"[" * 100_000, b'{"usage": ' * 50_000, b"1" * 20_000]))
def test_api_raw_bytes(client, catalog, raw):
    assert_answered(client.post("/api/v1/estimate", raw, content_type="application/json"))


# --- pages --------------------------------------------------------------------------------------

PARAMS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "m",
                "q",
                "baseline",
                "currency",
                "vendor",
                "kind",
                "capability",
                "min_context",
                "max_input",
                "max_output",
                "sort",
                "page",
                "compatible",
                "benefit",
                "active",
                "from",
                "months",
                "as_of",
                "include_expired",
                "usage-TOTAL_FORMS",
                "usage-INITIAL_FORMS",
                "usage-0-model",
                "usage-0-input_tokens",
                "usage-0-cached_input_tokens",
                "usage-0-output_tokens",
                "usage-0-requests",
                "usage-0-override-deepseek",
                "add_line",
                "remove_line",
                "download",
            ]
        )  # fmt: skip
        | TEXT,
        TEXT,
    ),
    max_size=8,
)
PAGES = [
    "/",
    "/models/",
    "/compare/",
    "/estimate/",
    "/vendors/deepseek/",
    "/feeds/changes.rss",
    "/feeds/changes.atom",
]


@FAST
@given(page=st.sampled_from(PAGES), params=PARAMS, htmx=st.booleans())
def test_page_queries(client, catalog, page, params, htmx):
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "estimate-result"} if htmx else {}
    response = client.get(page, QUERY_STRING=query_string(params), **headers)
    assert_answered(response)


ESTIMATE_BASE = [
    ("usage-TOTAL_FORMS", "1"), ("usage-INITIAL_FORMS", "0"), ("usage-0-model", "gpt-4o"),
    ("usage-0-input_tokens", "1000"), ("usage-0-output_tokens", "1000"), ("months", "12"),
    ("currency", "CNY"), ("as_of", "2024-07-10"),
]  # fmt: skip


@FAST
@given(params=PARAMS, download=st.booleans())
def test_estimate_page_with_a_valid_base(client, catalog, params, download):
    extra = [("download", "csv")] if download else []
    response = client.get("/estimate/", QUERY_STRING=query_string(ESTIMATE_BASE + params + extra))
    assert_answered(response)


@FAST
@given(vendor=TEXT, model=TEXT)
def test_paths(client, catalog, vendor, model):
    for path in (f"/vendors/{encode(vendor)}/", f"/vendors/deepseek/models/{encode(model)}/",
                 f"/vendors/{encode(vendor)}/models/{encode(model)}/"):  # fmt: skip
        assert_answered(client.get(path))


UPLOAD_ROW = st.tuples(TEXT, NUMBERS | TEXT, NUMBERS | TEXT)


def usage_csv(rows):
    head = "start_time,end_time,num_model_requests,model,input_tokens,output_tokens,input_cached_tokens\n"
    body = "".join(f"1759276800,1759363200,1,{m},{i},{o},0\n" for m, i, o in rows)
    return (head + body).encode("utf-8", "surrogatepass")


def usage_json(rows):
    results = [
        {"model": m, "input_tokens": i, "output_tokens": o, "num_model_requests": 1} for m, i, o in rows
    ]
    doc = {"object": "page", "data": [{"start_time": 1759276800, "end_time": 1759363200, "results": results}]}
    return json.dumps(doc).encode()


@settings(FAST, max_examples=60)  # each accepted upload renders the page twice
@given(
    raw=st.lists(UPLOAD_ROW, max_size=5).map(usage_csv)
    | st.lists(UPLOAD_ROW, max_size=5).map(usage_json)
    | st.binary(max_size=200),
    name=st.sampled_from(["usage.csv", "usage.json", "x"]),
    unassigned=TEXT,
    current=TEXT,
)
def test_uploads(client, catalog, raw, name, unassigned, current):
    # A form field cannot carry a surrogate over HTTP (Django decodes its bytes with "replace").
    unassigned, current = (
        t.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for t in (unassigned, current)
    )
    data = {"file": SimpleUploadedFile(name, raw), "unassigned_model": unassigned, "current": current}
    response = client.post("/estimate/", data)
    assert_answered(response)
    if response.status_code == 302:
        assert_answered(client.get(response.url))  # the notes are shown from the session


# --- the command --------------------------------------------------------------------------------

OPTIONS = st.lists(
    st.tuples(
        st.sampled_from(["--months", "--currency", "--as-of"]), TEXT.filter(lambda t: not t.startswith("-"))
    ),
    max_size=3,
)


@FAST
@given(body=BODY | JSON, options=OPTIONS, expired=st.booleans())
def test_estimate_command(catalog, tmp_path_factory, body, options, expired):
    path = tmp_path_factory.mktemp("u") / "usage.json"
    path.write_text(json.dumps(body))
    args = [str(path), *[part for option in options for part in option]]
    if expired:
        args.append("--include-expired")
    out, err = StringIO(), StringIO()
    try:
        call_command("estimate", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        assert exc.code == 2  # noqa: PT017 (success is fine too, so no pytest.raises)
        assert json.loads(err.getvalue())["errors"]
    except CommandError:
        pass  # an argument argparse refuses: exit 2 with a usage line from the shell
    out.getvalue().encode("utf-8")
    err.getvalue().encode("utf-8")

"""Issue 10, the web half: bad characters, bounded cost, rate limits, headers, CSV and feeds."""

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command

from offers.estimator import (
    MAX_DETAIL_LINES,
    MAX_ERRORS,
    MAX_ID_LENGTH,
    MAX_OVERRIDES,
    MAX_OVERRIDES_PER_LINE,
    MAX_PROVIDERS,
)
from offers.web.estimate.export import safe as neutralise
from offers.web.estimate.views import MAX_NOTE_NAMES
from tests.factories import MigrationProgramFactory, build_browse_catalog
from tests.test_estimate_api import DATA, post, request_body
from tests.test_estimate_page import query, upload

ROOT = DATA.parent.parent
NOT_ALLOWED = "Contains a character that is not allowed"

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    call_command("import_catalog", str(DATA / "estimate_catalog.json"), verbosity=0)


def line(**changes):
    return {"model": "gpt-4o", "input_tokens": 1000, "output_tokens": 1000, **changes}


# --- NUL and lone surrogates -------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["\x00", "\ud800", "gpt-4o\x00", "\udfff-x"])
@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda b: {"usage": [line(model=b)]}, "usage[0].model"),
        (lambda b: {"usage": [line(overrides={"deepseek": b})]}, "usage[0].overrides.deepseek"),
        (lambda b: {"providers": ["deepseek", b]}, "providers[1]"),
    ],
)
def test_bad_characters_in_api_strings_are_a_400_naming_the_path(client, catalog, bad, change, path):
    response = post(client, request_body(**change(bad)))
    assert response.status_code == 400
    assert NOT_ALLOWED in response.json()["errors"][path][0]


def test_bad_character_in_an_override_key_is_named_printably(client, catalog):
    # json.dumps writes "\ud800" as the escape; the path shows it as \ud800, not the raw surrogate.
    response = post(client, request_body(usage=[line(overrides={"\ud800x": "m"})]))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["usage[0].overrides.\\ud800x"]


@pytest.mark.parametrize(
    "url",
    [
        "/compare/?m=deepseek/deepseek-chat%00&q=de%00",
        "/compare/?baseline=gpt%00&q=%00%00",
        "/models/?m=deepseek%00/x&q=%00",
        "/vendors/deepseek/?from=gpt%00",
    ],
)
def test_bad_characters_in_browse_queries_are_ignored_or_form_errors(client, catalog, url):
    assert client.get(url).status_code == 200


def test_a_picked_model_with_a_nul_is_not_picked(client, catalog):
    html = client.get("/compare/?m=deepseek/deepseek-chat%00").content.decode()
    assert "deepseek-chat\x00" not in html


@pytest.mark.parametrize("path", ["/vendors/deepseek/models/deepseek%00chat/", "/vendors/dee%00pseek/"])
def test_bad_characters_in_paths_are_a_404(client, catalog, path):
    assert client.get(path).status_code == 404


def test_model_page_with_dots_and_slashes_still_resolves(client, catalog):
    assert client.get("/vendors/deepseek/models/deepseek-chat/").status_code == 200


def test_bad_character_in_an_estimate_page_override_is_a_form_error(client, catalog):
    base = query(("gpt-4o", 1000, 0, 1000))
    for extra in ("usage-0-override-deepseek=chat%00", "usage-0-override-deep%00seek=deepseek-chat"):
        response = client.get(f"/estimate/?{base}&{extra}")
        assert response.status_code == 200
        assert NOT_ALLOWED in response.content.decode()


def run_estimate(*args):
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("estimate", *args, stdout=out, stderr=err)
    return exc.value.code, err.getvalue()


def test_cli_bad_months_and_bad_characters_exit_2_naming_the_path(catalog, tmp_path):
    usage = tmp_path / "u.json"
    usage.write_text(json.dumps({"usage": [line(model="gpt\x00"), line(overrides={"\ud800": "x"})]}))
    code, err = run_estimate(str(usage), "--months", "²")
    assert code == 2
    errors = json.loads(err)["errors"]
    assert set(errors) == {"usage[0].model", "usage[1].overrides.\\ud800", "months"}


def test_chunked_body_without_length_is_a_411(client, catalog):
    response = client.generic(
        "POST",
        "/api/v1/estimate",
        b"",
        content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert response.status_code == 411
    assert "Content-Length" in response.json()["errors"]["body"][0]


# --- bounded cost -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"providers": [f"p{i}" for i in range(MAX_PROVIDERS + 1)]}, "providers"),
        ({"usage": [line(overrides={f"p{i}": "m" for i in range(MAX_OVERRIDES_PER_LINE + 1)})]}, "usage[0].overrides"),
        ({"usage": [line(model="m" * (MAX_ID_LENGTH + 1))]}, "usage[0].model"),
        # 41 lines x 49 overrides = 2,009 > 2,000 in all
        ({"usage": [line(overrides={f"p{i}": "m" for i in range(49)}) for _ in range(41)]}, "usage"),
        ({"usage": [line() for _ in range(MAX_DETAIL_LINES + 1)], "detail": True}, "detail"),
    ],
)  # fmt: skip
def test_size_limits_are_400s(client, catalog, change, path):
    response = post(client, request_body(**change))
    assert response.status_code == 400
    assert path in response.json()["errors"]


def test_limits_are_the_documented_numbers():
    assert (MAX_PROVIDERS, MAX_OVERRIDES_PER_LINE, MAX_OVERRIDES, MAX_DETAIL_LINES) == (200, 50, 2000, 50)
    readme = (ROOT / "README.md").read_text()
    for number in ("200", "50", "2,000", "100", "20"):
        assert number in readme.split("## Limits")[1].split("\n## ")[0]


def test_detail_at_the_limit_is_accepted(client, catalog):
    response = post(client, request_body(usage=[line() for _ in range(MAX_DETAIL_LINES)], detail=True))
    assert response.status_code == 200


def test_error_list_shows_the_first_50_then_a_count(client, catalog):
    # 60 lines each with a bad output_tokens: 50 paths listed, 10 counted.
    response = post(client, request_body(usage=[line(output_tokens=-1) for _ in range(60)]))
    errors = response.json()["errors"]
    assert len(errors) == MAX_ERRORS + 1
    assert "usage[49].output_tokens" in errors
    assert "usage[50].output_tokens" not in errors
    assert errors["more"] == ["And 10 more errors."]


def test_upload_notes_name_the_first_models_then_count(client, catalog):
    header = "start_time,end_time,num_model_requests,model,input_tokens,output_tokens,input_cached_tokens"
    rows = ["1759276800,1759363200,1,gpt-4o,1000,10,0"]
    rows += [f"1759276800,1759363200,1,unknown-model-{i:02d},1000,10,0" for i in range(30)]
    response = upload(client, "\n".join([header, *rows]).encode(), "usage.csv")
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response.url).content.decode()
    # 30 unknown models: the first 20 named, then "and 10 more"
    assert MAX_NOTE_NAMES == 20
    assert "unknown-model-19" in page
    assert "unknown-model-20" not in page
    assert "and 10 more" in page


# --- rate limits --------------------------------------------------------------------------------


@pytest.fixture
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_api_rate_limit_is_a_429_with_retry_after_and_json(client, catalog, settings, fresh_cache):
    settings.BANJIA_API_RATE_LIMIT = "2/m"
    body = request_body()
    assert post(client, body).status_code == 200
    assert post(client, body).status_code == 200
    third = post(client, body)
    assert third.status_code == 429
    assert 1 <= int(third["Retry-After"]) <= 60
    assert "request" in third.json()["errors"]
    # another client (address) is counted apart
    other = client.post(
        "/api/v1/estimate", json.dumps(body), content_type="application/json", REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 200


def test_upload_rate_limit(client, catalog, settings, fresh_cache):
    settings.BANJIA_UPLOAD_RATE_LIMIT = "1/m"
    assert upload(client, DATA / "estimate_usage_dashboard.csv", "usage.csv").status_code == 302
    second = upload(client, DATA / "estimate_usage_dashboard.csv", "usage.csv")
    assert second.status_code == 429
    assert second["Retry-After"]
    assert client.get("/estimate/").status_code == 200  # GET is not limited


def test_admin_login_rate_limit(client, settings, fresh_cache):
    settings.BANJIA_LOGIN_RATE_LIMIT = "2/m"
    for _ in range(2):
        assert client.post("/admin/login/", {"username": "a", "password": "b"}).status_code == 200
    response = client.post("/admin/login/", {"username": "a", "password": "b"})
    assert response.status_code == 429
    assert response["Retry-After"]


def test_rate_limit_off(client, catalog, settings, fresh_cache):
    settings.BANJIA_API_RATE_LIMIT = None  # what BANJIA_API_RATE_LIMIT=0 sets
    for _ in range(5):
        assert post(client, request_body()).status_code == 200


# --- headers, settings --------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/models/", "/compare/", "/estimate/", "/vendors/zhipu/"])
def test_pages_send_security_headers_and_have_no_inline_script_or_style(client, url):
    build_browse_catalog()
    response = client.get(url)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # every script is a file
    assert " style=" not in html
    assert "<style" not in html
    assert 'name="htmx-config" content=\'{"includeIndicatorStyles": false}\'' in html


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "BANJIA_"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


STRONG = "k3y-" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789" * 2


def test_production_settings_pass_check_deploy(tmp_path):
    # collectstatic has run (its manifest exists): without it the check fails (test_settings.py).
    (tmp_path / "staticfiles.json").write_text('{"paths": {"banjia.css": "banjia.0123abcd.css"}}')
    result = manage(
        "check", "--deploy", DJANGO_DEBUG="0", DJANGO_SECRET_KEY=STRONG, DJANGO_ALLOWED_HOSTS="x.example",
        DJANGO_STATIC_ROOT=str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_SECRET_KEY": "x" * 60}, "DJANGO_SECRET_KEY is too weak"),
        ({"DJANGO_SECRET_KEY": "short-but-varied"}, "DJANGO_SECRET_KEY is too weak"),
        ({"DJANGO_SECRET_KEY": STRONG, "BANJIA_API_RATE_LIMIT": "lots"}, "BANJIA_API_RATE_LIMIT='lots'"),
    ],
)
def test_bad_settings_stop_with_one_line(env, message):
    result = manage("check", DJANGO_DEBUG="0", **env)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("Banjia cannot start:")
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1  # no traceback


# --- CSV and feeds ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1+1", "'+1+1"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-1.5", "-1.5"),
        ("-12", "-12"),
        ("12.50", "12.50"),
        ("deepseek", "deepseek"),
        (3, 3),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(cell, written):
    assert neutralise(cell) == written


def test_csv_download_keeps_negative_savings_as_numbers(client, catalog):
    # The reference estimate: Zhipu costs more than OpenAI, so its savings are -16490.22 (test_estimate_api).
    url = "/estimate/?" + query(
        ("gpt-4o", 30_000_000, 0, 10_000_000), ("gpt-4o-mini", 100_000_000, 20_000_000, 20_000_000)
    )
    body = client.get(url + "&download=csv").content.decode()
    assert ",-16490.22," in body
    assert ",'-" not in body


def test_feeds_carry_plain_text_escaped_once(client):
    catalog = build_browse_catalog()
    MigrationProgramFactory(
        provider=catalog["zhipu"] if "zhipu" in catalog else catalog["move"].provider,
        slug="markup",
        name="<b>Bold & co</b>",
        eligibility="<script>x</script> & teams",
    )
    rss = ET.fromstring(client.get("/feeds/changes.rss").content)
    descriptions = [d.text for d in rss.iter("description")]
    # RSS readers render <description> as HTML: the text arrives HTML-escaped once.
    assert "&lt;script&gt;x&lt;/script&gt; &amp; teams" in descriptions
    atom = ET.fromstring(client.get("/feeds/changes.atom").content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    summaries = atom.findall(".//a:summary", ns)
    assert summaries
    assert {s.get("type") for s in summaries} == {"text"}
    assert "<script>x</script> & teams" in [s.text for s in summaries]


def test_legend_colours_in_css_follow_the_chart_palettes():
    # (The estimate chart labels its lines directly: no legend there.)
    from offers.web import browse

    banjia_css = (ROOT / "static/css/banjia.css").read_text()
    for i, colour in enumerate(browse.CHART_COLOURS):
        n = len(browse.CHART_COLOURS)
        assert f".legend span:nth-of-type({n}n+{i + 1}) i {{ background: {colour}; }}" in banjia_css


def test_estimate_command_bad_arguments_exit_2_from_the_shell(tmp_path):
    usage = tmp_path / "usage.json"
    usage.write_text('[{"model": "gpt-4o", "input_tokens": 1, "output_tokens": 1}]')
    result = manage("estimate", str(usage), "--months", "²", DJANGO_DEBUG="1")
    assert result.returncode == 2
    assert json.loads(result.stderr)["errors"] == {"months": ["Enter a whole number of months from 1 to 60."]}
    result = manage("estimate", str(usage), "--bogus", DJANGO_DEBUG="1")
    assert result.returncode == 2
    assert "unrecognized arguments: --bogus" in result.stderr
    assert "Traceback" not in result.stderr

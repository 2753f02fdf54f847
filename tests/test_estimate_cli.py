"""python manage.py estimate: the same request and response as the API; bad input exits 2."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.test_estimate_api import EXPECTED

DATA = Path(__file__).parent / "data"

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    call_command("import_catalog", str(DATA / "estimate_catalog.json"), verbosity=0)


def estimate(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("estimate", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_prints_the_api_response(catalog):
    code, out, _err = estimate(str(DATA / "estimate_request.json"))
    assert code == 0
    assert json.loads(out) == EXPECTED


def test_options_override_the_file(catalog, tmp_path):
    path = tmp_path / "usage.json"
    # a bare usage list is accepted too
    path.write_text(json.dumps([{"model": "gpt-4o", "input_tokens": 1_000_000, "output_tokens": 0}]))
    code, out, _err = estimate(str(path), "--months", "3", "--currency", "CNY", "--as-of", "2024-07-10")
    assert code == 0
    data = json.loads(out)
    # 5 USD x 7.13 = 35.65 CNY a month, x 3 = 106.95
    assert (data["months"], data["currency"], data["baseline"]["total_cost"]) == (3, "CNY", "106.95")


def test_include_expired_flag(catalog, tmp_path):
    from offers.models import MigrationProgram

    MigrationProgram.objects.update(ends_on="2024-07-31")
    path = tmp_path / "usage.json"
    path.write_text(
        json.dumps(
            {
                "usage": [{"model": "gpt-4o", "input_tokens": 1_000_000}],
                "as_of": "2025-01-01",
                "currency": "CNY",
            }
        )
    )

    def zhipu(*args):
        _code, out, _err = estimate(str(path), *args)
        return next(a for a in json.loads(out)["alternatives"] if a["provider"] == "zhipu")

    # 1M tokens a month at 100 CNY/1M = 100.00 CNY x 12; with the expired 50M pool: all free
    assert (zhipu()["programs"], zhipu()["total_cost"]) == ([], "1200.00")
    expired = zhipu("--include-expired")
    assert (expired["programs"], expired["total_cost"]) == (["zhipu-openai-migration-2024"], "0.00")


@pytest.mark.parametrize(
    ("args", "path"),
    [
        (["--months", "0"], "months"),
        (["--months", "twelve"], "months"),
        (["--currency", "XX"], "currency"),
        (["--as-of", "2024-02-30"], "as_of"),
    ],
)
def test_bad_options_exit_2_with_errors_on_stderr(catalog, args, path):
    code, out, err = estimate(str(DATA / "estimate_request.json"), *args)
    assert code == 2
    assert out == ""
    assert path in json.loads(err)["errors"]


def test_bad_file_exits_2(catalog, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"usage": [')
    code, _out, err = estimate(str(broken))
    assert code == 2
    assert "not valid JSON" in json.loads(err)["errors"]["file"][0]
    code, _out, err = estimate(str(tmp_path / "missing.json"))
    assert code == 2
    assert list(json.loads(err)["errors"]) == ["file"]


def test_bad_usage_exits_2(catalog, tmp_path):
    path = tmp_path / "usage.json"
    path.write_text(json.dumps({"usage": [{"model": "gpt-4o", "input_tokens": 5, "cached_input_tokens": 6}]}))
    code, _out, err = estimate(str(path))
    assert code == 2
    assert list(json.loads(err)["errors"]) == ["usage[0].cached_input_tokens"]

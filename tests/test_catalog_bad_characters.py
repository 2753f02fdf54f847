"""import_catalog refuses text no database can store (a NUL, an unpaired surrogate) with the JSON
path, exits non-zero and writes nothing; on PostgreSQL too, where such text used to end in a
traceback (issue 15)."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from offers.models import Provider

SMALL = Path(__file__).parent / "data" / "small_catalog.json"

pytestmark = pytest.mark.django_db


def set_at(doc, where, value):
    """where: a list of keys and indexes."""
    target = doc
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value


CASES = {
    "NUL in a provider name": (["providers", 1, "name"], "Zhipu\x00AI", "providers[1].name"),
    "surrogate in a provider name": (["providers", 1, "name"], "Zhipu\ud800", "providers[1].name"),
    "NUL in a model name": (["providers", 1, "models", 0, "name"], "GLM\x00", "providers[1].models[0].name"),
    "surrogate in a programme note": (["providers", 1, "programs", 0, "notes"], "\udfff", "providers[1].programs[0].notes"),
    "surrogate in a source URL": (
        ["providers", 1, "models", 0, "prices", 0, "source_url"], "https://example.com/\ud800", "providers[1].models[0].prices[0].source_url",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_characters_are_refused_with_their_path(case, tmp_path):
    where, value, path = CASES[case]
    doc = json.loads(SMALL.read_text())
    set_at(doc, where, value)
    file = tmp_path / "doc.json"
    # ensure_ascii: the surrogate travels as the JSON escape "\ud800", as a hostile document sends it
    file.write_text(json.dumps(doc, ensure_ascii=True))
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_catalog", str(file), stdout=StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert any(line.startswith(f"{path}: ") for line in lines), lines
    assert not Provider.objects.exists()


def test_a_bad_character_in_a_key_is_printed_escaped(tmp_path):
    doc = json.loads(SMALL.read_text())
    doc["providers"][1]["programs"][0]["benefits"][0]["\ud800"] = 1
    file = tmp_path / "doc.json"
    file.write_text(json.dumps(doc, ensure_ascii=True))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_catalog", str(file), stdout=StringIO(), stderr=err)
    # the key is written as its escape, so the message can be printed anywhere
    assert (
        "providers[1].programs[0].benefits[0].\\ud800: is not a field of a free_tokens benefit"
        in err.getvalue()
    )
    assert not Provider.objects.exists()

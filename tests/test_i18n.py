"""Translations: every string of the UI has a Simplified Chinese translation in the committed
.mo (so a machine without gettext serves the Chinese UI), and the Chinese UI uses them."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation.template import templatize

from tests.factories import build_browse_catalog

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
GETTEXT_CALLS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}
PYTHON_DIRS = ("config", "offers", "scrapers")
SKIP_PARTS = {"migrations", "__pycache__"}
LITERAL = r"u?'(?:[^'\\]|\\.)*'"
TEMPLATE_CALL = re.compile(rf"(n?p?gettext)\(((?:{LITERAL}\s*,\s*)*{LITERAL})")


def parse_po(path):
    """{msgid: msgstr or [plural forms]} of the non-fuzzy entries of a .po file."""
    entries = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in block.splitlines())
        fields, key = {}, None
        for line in block.splitlines():
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) (".*")$', line)
            if match:
                key = match.group(1)
                fields[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                fields[key] += ast.literal_eval(line)
        if fields.get("msgid") and not fuzzy:
            msgid = fields["msgid"]
            if "msgctxt" in fields:
                msgid = f"{fields['msgctxt']}\x04{msgid}"
            entries[msgid] = fields.get("msgstr", fields.get("msgstr[0]", ""))
    return entries


def mo_catalog():
    with MO.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    # plural entries are keyed (msgid, index)
    return {(key[0] if isinstance(key, tuple) else key): value for key, value in catalog.items() if key}


def template_msgids():
    found = set()
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for _name, args in TEMPLATE_CALL.findall(
            templatize(path.read_text(encoding="utf-8"), origin=str(path))
        ):
            literals = [ast.literal_eval(s) for s in re.findall(LITERAL, args)]
            found.add(
                (path.name, literals[0] if not _name.startswith("p") else f"{literals[0]}\x04{literals[1]}")
            )
    return found


def python_msgids():
    found = set()
    for directory in PYTHON_DIRS:
        for path in sorted((ROOT / directory).rglob("*.py")):
            if SKIP_PARTS & set(path.parts):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name not in GETTEXT_CALLS:
                    continue
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value:
                    if name.startswith("p") and len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                        found.add((path.name, f"{first.value}\x04{node.args[1].value}"))
                    else:
                        found.add((path.name, first.value))
    return found


def test_every_po_entry_is_translated():
    untranslated = [msgid for msgid, msgstr in parse_po(PO).items() if not msgstr]
    assert untranslated == []


def test_the_committed_mo_matches_the_po():
    """Fails when the .po changed and compilemessages was not run (the .mo is what Django reads)."""
    po, mo = parse_po(PO), mo_catalog()
    stale = sorted(msgid for msgid, msgstr in po.items() if msgid not in mo)
    assert stale == []
    for msgid, msgstr in po.items():
        first = msgstr[0] if isinstance(msgstr, list) else msgstr
        assert mo[msgid] == first, msgid


@pytest.mark.parametrize("source", ["templates", "python"])
def test_every_ui_string_has_a_chinese_translation(source):
    mo = mo_catalog()
    msgids = template_msgids() if source == "templates" else python_msgids()
    assert msgids, "the extractor found nothing: it is broken"
    missing = sorted(f"{where}: {msgid!r}" for where, msgid in msgids if not mo.get(msgid))
    assert missing == []


@pytest.mark.django_db
def test_chinese_ui_uses_translations_chinese_names_and_local_dates(client):
    build_browse_catalog()
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse("offers:home")).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "面向 OpenAI API 用户的优惠" in html
    assert "智谱" in html  # Provider.name_zh
    assert "特别搬家计划" in html  # MigrationProgram.name_zh
    assert "1.5亿 免费 tokens" in html  # 150M in Chinese units
    assert "2024年6月25日" in html  # zh_Hans DATE_FORMAT
    assert "Special migration plan" not in html
    # default display currency for Chinese readers: 50M x 100 + 100M x 1 = 5100 CNY (no grouping in zh)
    assert "¥5100" in html


@pytest.mark.django_db
def test_english_ui_uses_english_names(client):
    build_browse_catalog()
    html = client.get(reverse("offers:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Zhipu AI" in html
    assert "June 25, 2024" in html
    assert "150M free tokens" in html


@pytest.mark.django_db
def test_language_switch_is_remembered(client):
    build_browse_catalog()
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/models/"})
    assert response.status_code == 302
    assert response["Location"] == "/models/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    html = client.get("/models/").content.decode()
    assert "全部模型" in html


def test_every_date_in_templates_is_localised():
    """Dates go through the date filter with a locale-aware format name, never a fixed pattern."""
    fixed = []
    for path in (ROOT / "templates" / "offers").glob("*.html"):
        for match in re.findall(r'\|date:"([^"]+)"', path.read_text(encoding="utf-8")):
            if not match.endswith("_FORMAT"):
                fixed.append(f"{path.name}: {match}")
    assert fixed == []

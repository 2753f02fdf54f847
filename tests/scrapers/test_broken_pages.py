"""Broken pages through `scrape SOURCE --from-file F` (no --dry-run) on the seed catalog: the
command fails with the reason, the run is recorded as failed, and the catalog is untouched."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from scrapers.models import ScrapeRun
from scrapers.sources import SLUGS

BROKEN = Path(__file__).parent / "fixtures" / "broken"
SEED = Path(__file__).resolve().parents[2] / "data" / "catalog.json"
# truncated JSON, an nginx error page, an empty file, a price table whose prices are text (a page,
# a feed and an ECB document each), an ECB document with a rate that is text
PAGES = ["truncated.json", "error.html", "empty.txt", "textprices.html", "textprices-feed.json",
         "textprices-ecb.xml"]  # fmt: skip


def export(path):
    call_command("export_catalog", str(path), stderr=StringIO())
    return json.loads(path.read_text())


@pytest.mark.django_db
@pytest.mark.parametrize("slug", SLUGS)
def test_broken_page_fails_records_and_leaves_the_catalog(slug, tmp_path):
    call_command("import_catalog", str(SEED), stdout=StringIO())
    before = export(tmp_path / "before.json")
    for name in PAGES:
        err = StringIO()
        with pytest.raises(CommandError, match=f"failed: {slug}") as exc:
            call_command("scrape", slug, "--from-file", str(BROKEN / name), stdout=StringIO(), stderr=err)
        assert exc.value.returncode == 1
        # one line naming the source, the status and what is wrong (no traceback)
        message = err.getvalue()
        assert message.startswith(f"{slug}: parse_error: {slug}: "), (name, message)
        assert "Traceback" not in message
        run = ScrapeRun.objects.order_by("-pk").first()
        assert (run.source, run.status, run.finished_at is not None) == (slug, "parse_error", True)
        assert run.error
        assert run.error in message
        assert run.changes == run.pending == 0
    assert ScrapeRun.objects.filter(source=slug).count() == len(PAGES)
    assert export(tmp_path / "after.json") == before

"""The seed and apply read offers alike: applying a recording to the seed built from it confirms
each of its programmes (confirmed_on = the run's day) and sends none to review or to its end."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from offers.models import MigrationProgram
from scrapers import pipeline

pytestmark = pytest.mark.django_db
SEED = Path(settings.BASE_DIR) / "data" / "catalog.json"
DEC_6 = dt.date(2026, 12, 6)


@pytest.mark.parametrize(
    ("slug", "page", "programs"),
    [
        ("zhipu", "zhipu-bigmodel-pricing.html", {"zhipu-new-user-pack", "zhipu-referral-pack", "zhipu-free-cache-storage"}),
        ("minimax", "minimax-token-plan.html", {"minimax-token-plan", "minimax-permanent-discount-minimax-m3"}),
        # (volcengine-agent-tools-free ended on the day the page states, 2026-07-20: not confirmed after)
        ("volcengine", "volcengine-ark-pricing.html", {"volcengine-coding-plan", "volcengine-agent-plan"}),
        ("moonshot", "kimi-pricing-chat-k26.html", {"moonshot-top-up-vouchers"}),
    ],
)  # fmt: skip
def test_applying_a_recording_to_its_seed_confirms_its_programmes(shared_pages, slug, page, programs):
    call_command("import_catalog", str(SEED), verbosity=0)
    run = pipeline.run_source(slug, from_file=shared_pages / "vendors" / page, on=DEC_6).run
    assert not [n for n in run.notes if n.startswith(("new offer", "changed offer", "ended"))]
    rows = MigrationProgram.objects.filter(slug__in=programs)
    assert {p.slug for p in rows} == programs
    assert {(p.is_published, p.confirmed_on) for p in rows} == {(True, DEC_6)}

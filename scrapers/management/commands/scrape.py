"""python manage.py scrape [SOURCE ...] [--from-file PATH] [--dry-run] [--format json]

Without --dry-run the observations are applied as the scheduled task applies them, and the run
is recorded. --dry-run --format json prints the parsed observations (or ECB rates), sorted, and
writes nothing. Exit status 1 when any source failed.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from offers.catalog.io import fmt_decimal
from scrapers import pipeline
from scrapers.base import Observation, ScrapeError
from scrapers.sources import SLUGS, UnknownSource, get


def as_json(item):
    if isinstance(item, Observation):
        return {
            "source": item.source,
            "vendor": item.vendor,
            "provider": item.provider,
            "model": item.model,
            "kind": item.kind,
            "amount": fmt_decimal(item.amount),
            "currency": item.currency,
            "tier_min_input_tokens": item.tier_min_input_tokens,
            "tier_max_input_tokens": item.tier_max_input_tokens,
            "service_tier": item.service_tier,
            "region": item.region,
            "time_window": None if item.time_window is None else item.time_window.to_json(),
            "tier_min_output_tokens": item.tier_min_output_tokens,
            "tier_max_output_tokens": item.tier_max_output_tokens,
            "mode": item.mode,
            "confidence": item.confidence,
            "note": item.note,
        }
    out = {
        "source": item.source,
        "base": item.base,
        "quote": item.quote,
        "rate": fmt_decimal(item.rate),
        "date": item.date.isoformat(),
    }
    if item.note:
        out["note"] = item.note
    return out


class Command(BaseCommand):
    help = "Fetch and parse price sources; apply them to the catalog unless --dry-run."

    def add_arguments(self, parser):
        parser.add_argument("sources", nargs="*", metavar="SOURCE", help=f"default: all ({', '.join(SLUGS)})")
        parser.add_argument("--from-file", metavar="PATH", help="parse this local file instead of fetching")
        parser.add_argument("--dry-run", action="store_true", help="parse and print; write nothing")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        slugs = options["sources"] or list(SLUGS)
        for slug in slugs:
            try:
                get(slug)
            except UnknownSource as exc:
                raise CommandError(str(exc)) from None
        if options["from_file"] and len(slugs) != 1:
            raise CommandError("--from-file needs exactly one SOURCE")
        items, failed = [], []
        for slug in slugs:
            try:
                result = pipeline.run_source(slug, from_file=options["from_file"], dry_run=options["dry_run"])
            except FileNotFoundError as exc:
                raise CommandError(f"--from-file: {exc}") from None
            except ScrapeError as exc:
                failed.append(slug)
                self.stderr.write(f"{slug}: {exc.status}: {exc}")
                continue
            items += result.items
            if options["format"] == "text":
                run = result.run
                summary = f"{slug}: {len(result.items)} observations"
                if run is not None:
                    summary += f", {run.changes} changed, {run.pending} pending, {run.unchanged} unchanged"
                    for note in run.notes:
                        summary += f"\n  {note}"
                self.stdout.write(summary)
        if options["format"] == "json":
            prices = sorted((i for i in items if isinstance(i, Observation)), key=Observation.sort_key)
            rates = sorted((i for i in items if not isinstance(i, Observation)), key=lambda r: r.sort_key())
            self.stdout.write(json.dumps([as_json(i) for i in prices + rates], ensure_ascii=False, indent=1))
        if failed:
            raise CommandError(f"failed: {', '.join(failed)}", returncode=1)

"""`manage.py crosscheck [--pages DIR] [--format json]`: the catalog's current official prices
against the recorded aggregated feeds (scrapers.crosscheck). Exit 1 when a disagreement is not
explained in data/curated/crosscheck.json, 0 otherwise."""

import json
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from scrapers.crosscheck import CrosscheckError, plain, run

DEFAULT_PAGES = Path(settings.BASE_DIR).parent / "shared" / "pages"


class Command(BaseCommand):
    help = "Compare every current official price with the recorded feeds (LiteLLM, OpenRouter, models.dev, genai-prices)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--pages", default=str(DEFAULT_PAGES), help="the recorded pages (default ../shared/pages)"
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument(
            "--on", help="check date YYYY-MM-DD (default today): prices valid and rates of that day"
        )

    def handle(self, *args, **options):
        try:
            on = date.fromisoformat(options["on"]) if options["on"] else None
        except ValueError:
            raise CommandError(f"--on: {options['on']!r} is not a date YYYY-MM-DD") from None
        try:
            found = run(options["pages"], on)
        except CrosscheckError as exc:
            raise CommandError(str(exc)) from None
        unexplained = [d for d in found if d.explained is None]
        if options["format"] == "json":
            self.stdout.write(json.dumps([d.as_json() for d in found], ensure_ascii=False, indent=2))
        else:
            self._text(found)
        if unexplained:
            raise CommandError(f"{len(unexplained)} unexplained disagreement(s) with the feeds", returncode=1)

    def _text(self, found):
        last = None
        for d in found:
            head = (d.provider, d.model, d.kind, d.tier_min_input_tokens)
            if head != last:
                tier = ""
                if d.tier_min_input_tokens or d.tier_max_input_tokens:
                    tier = f" [prompt {d.tier_min_input_tokens or 0}-{d.tier_max_input_tokens or ''}]"
                ours = ", ".join(f"{plain(o['amount'])} {o['currency']}" + (f" ({o['region']})" if o["region"] else "")
                                 for o in d.ours)  # fmt: skip
                self.stdout.write(f"{d.provider}/{d.model} {d.kind}{tier}: ours {ours} per 1M")
                last = head
            diff = "n/a" if d.difference_percent is None else f"{d.difference_percent:+}%"
            why = f"explained: {d.explained}" if d.explained else "UNEXPLAINED"
            self.stdout.write(
                f"  {d.feed} ({d.feed_vendor}): {plain(d.feed_amount)} {d.feed_currency} = "
                f"{plain(d.feed_converted)} {d.ours[0]['currency']} ({diff}); {why}"
            )
        n = len([d for d in found if d.explained is None])
        self.stdout.write(f"{len(found)} disagreement(s) over 2%, {n} unexplained.")

"""python manage.py build_seed [--pages DIR] [--output PATH] [--check]

Builds the seed catalog from the recorded pages (read by the scrapers' parsers) and the curated
files in data/curated/ (see offers/seed.py). The same inputs always give the same bytes.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from offers.catalog.io import CatalogError
from offers.catalog.seed import SeedError, build_bytes


class Command(BaseCommand):
    help = "Build data/catalog.json from the recorded pages and data/curated/."

    def add_arguments(self, parser):
        parser.add_argument("--pages", default=str(Path(settings.BASE_DIR) / ".." / "shared" / "pages"))
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "data" / "catalog.json"))
        parser.add_argument(
            "--check", action="store_true", help="write nothing; exit 1 if the output differs"
        )

    def handle(self, *args, **options):
        pages = Path(options["pages"])
        if not pages.is_dir():
            raise CommandError(f"--pages: {pages} is not a directory")
        try:
            data = build_bytes(pages)
        except (SeedError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from None
        except CatalogError as exc:
            raise CommandError("the built catalog is not valid:\n" + "\n".join(exc.errors)) from None
        output = Path(options["output"])
        if options["check"]:
            if not output.exists() or output.read_bytes() != data:
                raise CommandError(f"{output} is not what build_seed builds from {pages}", returncode=1)
            self.stdout.write(f"{output} is up to date.")
            return
        output.write_bytes(data)
        self.stdout.write(f"Wrote {output} ({len(data)} bytes).")

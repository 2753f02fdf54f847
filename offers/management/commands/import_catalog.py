import sys

from django.core.management.base import BaseCommand, CommandError

from offers.catalog_io import CatalogError, import_catalog


class Command(BaseCommand):
    help = (
        "Import a banjia.catalog/1 document. The whole document is validated first; on any "
        "error nothing is written and every error is listed with its JSON path."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Path to the catalog JSON, or - for standard input.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report, write nothing.")

    def handle(self, path, dry_run=False, **options):
        try:
            if path == "-":
                raw = sys.stdin.buffer.read()
            else:
                with open(path, "rb") as fh:
                    raw = fh.read()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        try:
            result = import_catalog(raw, dry_run=dry_run)
        except CatalogError as exc:
            for line in exc.errors:
                self.stderr.write(line)
            raise CommandError(f"{path}: {len(exc.errors)} error(s); nothing was imported.") from None
        prefix = "Dry run, nothing written: " if dry_run else ""
        self.stdout.write(prefix + result.summary())

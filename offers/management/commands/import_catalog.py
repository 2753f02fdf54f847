import os
import sys

from django.core.management.base import BaseCommand, CommandError

from offers.catalog.io import CatalogError, document, import_catalog


def read_capped(path):
    """The bytes of PATH (or standard input for -), refusing anything above the document cap
    before reading it: a regular file by its size, a stream by reading at most cap + 1 bytes."""
    cap = document.MAX_DOCUMENT_BYTES
    if path == "-":
        raw = sys.stdin.buffer.read(cap + 1)
    else:
        with open(path, "rb") as fh:
            if os.fstat(fh.fileno()).st_size > cap:
                raise document.too_large_error()
            raw = fh.read(cap + 1)  # a file that grew, or a device: still capped
    if len(raw) > cap:
        raise document.too_large_error()
    return raw


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
            raw = read_capped(path)
            result = import_catalog(raw, dry_run=dry_run)
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
        except CatalogError as exc:
            for line in exc.errors:
                self.stderr.write(line)
            raise CommandError(f"{path}: {exc.total} error(s); nothing was imported.") from None
        prefix = "Dry run, nothing written: " if dry_run else ""
        self.stdout.write(prefix + result.summary())

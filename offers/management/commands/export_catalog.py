import os
import sys
import tempfile

from django.core.management.base import BaseCommand, CommandError

from offers.catalog.io import dumps, export_document


class Command(BaseCommand):
    help = "Write the catalog as a canonical banjia.catalog/1 document (to PATH or stdout)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="Output file; standard output when omitted.")
        parser.add_argument(
            "--include-unpublished",
            action="store_true",
            help="Also export unpublished providers and programmes (a full backup).",
        )

    def handle(self, path=None, include_unpublished=False, **options):
        data = dumps(export_document(include_unpublished=include_unpublished))
        if not path or path == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            return
        # Write beside the target and rename, so a failed export never leaves half a file.
        directory = os.path.dirname(os.path.abspath(path))
        try:
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".catalog-", suffix=".json")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror}") from None
        self.stderr.write(f"Wrote {len(data)} bytes to {path}")

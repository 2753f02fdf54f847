"""python manage.py estimate USAGE.json [--months N] [--currency C] [--as-of YYYY-MM-DD] [--include-expired]
[--region cn|intl] [--hourly-usage JSON-LIST-OR-FILE] [--baseline openai|anthropic]

USAGE.json holds the request body of POST /api/v1/estimate (or just its usage list); "-" reads
stdin. Options override the file: `--baseline anthropic` reads the usage lines as Claude models
(DESIGN.md rule 10); `--hourly-usage` takes the 24 weights as a JSON list
("[0,0,1,...]") or the path of a file holding that list (or a body with an "hourly_usage" key). Prints the response; bad input prints {"errors": ...} on
stderr and exits with status 2.
"""

import json
import re
import sys

from django.core.management.base import BaseCommand

from offers.catalog.safety import printable
from offers.estimator import EstimateError, run

MAX_FILE_BYTES = 5 * 1024 * 1024
WHOLE_RE = re.compile(r"-?[0-9]{1,6}")


class Command(BaseCommand):
    help = (
        "Estimate what OpenAI (or, with --baseline anthropic, Claude) usage would cost at every vendor "
        "(the POST /api/v1/estimate contract)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "usage", metavar="USAGE.json", help='The request body as a JSON file ("-" for stdin).'
        )
        parser.add_argument("--months", help="Months to project, 1-60 (default 12).")
        parser.add_argument("--currency", help="Output currency, e.g. CNY (default USD).")
        parser.add_argument(
            "--as-of", dest="as_of", help="Date prices and programmes are read on (YYYY-MM-DD)."
        )
        parser.add_argument(
            "--include-expired",
            action="store_true",
            default=None,
            help="Count programmes whatever their dates (e.g. the July 2024 offers).",
        )

        parser.add_argument(
            "--region", help='Price with the vendors\' "cn" or "intl" rows where they have them.'
        )
        parser.add_argument(
            "--baseline",
            help='Whose bill the usage is: "openai" (default) or "anthropic" (Claude models, rule 10).',
        )
        parser.add_argument(
            "--hourly-usage",
            dest="hourly_usage",
            help="Share of tokens per UTC hour 0-23: a JSON list of 24 numbers, or a file holding it.",
        )

    def handle(self, *args, **options):
        try:
            data = self._read(options["usage"])
        except ValueError as exc:
            self._fail({"file": [str(exc)]})
        if isinstance(data, list):
            data = {"usage": data}
        if isinstance(data, dict):
            data = dict(data)
            if options["months"] is not None:
                months = options["months"]
                # ASCII digits only ("²" is a digit to str.isdigit but not to int); anything else is
                # passed on as given, for the estimator to report under "months".
                data["months"] = int(months) if WHOLE_RE.fullmatch(months.strip()) else months
            for key in ("currency", "as_of", "baseline"):
                if options[key] is not None:
                    data[key] = options[key]
            if options["include_expired"]:
                data["include_expired"] = True
            if options["region"] is not None:
                data["region"] = options["region"] or None
            if options["hourly_usage"] is not None:
                try:
                    data["hourly_usage"] = self._hourly(options["hourly_usage"])
                except ValueError as exc:
                    self._fail({"hourly_usage": [str(exc)]})
        try:
            result = run(data)
        except EstimateError as exc:
            self._fail(exc.errors)
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))

    def _hourly(self, value):
        """The --hourly-usage value: an inline JSON list, else a file (a list or a body)."""
        text = value.strip()
        if text.startswith("[") or text == "null":
            try:
                return json.loads(text)
            except ValueError as exc:
                raise ValueError(f"--hourly-usage is not a valid JSON list: {exc}") from exc
        found = self._read(value)
        if isinstance(found, dict):
            return found.get("hourly_usage")
        return found

    def _read(self, path):
        shown = printable(path)  # undecodable argument bytes arrive as lone surrogates
        try:
            if path == "-":
                raw = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
            else:
                with open(path, "rb") as fh:
                    raw = fh.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise ValueError(f"Cannot read {shown}: {exc.strerror or exc}") from exc
        if len(raw) > MAX_FILE_BYTES:
            raise ValueError(f"{shown} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
        try:
            return json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"{shown} is not valid JSON: {exc}") from exc

    def _fail(self, errors):
        self.stderr.write(json.dumps({"errors": errors}, ensure_ascii=False, indent=2))
        raise SystemExit(2)

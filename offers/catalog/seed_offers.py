"""The seed's programmes of the offers the recordings show: each recording's offers read by its
source's `parse_offers` and turned into programmes by scrapers.offer_programs (the reading the
refresh pipeline's apply uses), confirmed on the day the file was recorded."""

from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from offers.catalog import io as catalog_io
from scrapers import offer_programs
from scrapers.sources import get as get_source


@lru_cache(maxsize=64)
def _parse_offers(source_slug, path, size, mtime):
    """A recording's offers, parsed once per process (as `_parse`)."""
    return tuple(get_source(source_slug).parse_offers(Path(path).read_text(encoding="utf-8")))


def recorded_programs(recording, pages_dir, provider, model_slugs, cur, checked_on):
    """Programmes of the offers the recording's pages show (scrapers.offer_programs: the reading
    apply uses), each confirmed on the day its file was recorded (`checked_on(recording, entry)`),
    as curated-file dicts. The first
    file showing an offer gives it; a curated programme of the same slug wins."""
    source = get_source(recording["source"]) if recording else None
    if source is None or getattr(source, "parse_offers", None) is None:
        return []
    taken = {raw["slug"] for raw in cur.get("programs", [])}
    out = []
    for entry in recording["files"]:
        path = Path(pages_dir) / entry["file"]
        stat = path.stat()
        offers = [o for o in _parse_offers(recording["source"], str(path.resolve()), stat.st_size, stat.st_mtime_ns)
                  if o.provider == provider]  # fmt: skip
        origin = {o.slot: entry["source_url"] for o in offers}
        found, _notes = offer_programs.programs(offers, origin, known_models={(provider, m) for m in model_slugs},
                                                on=checked_on(recording, entry))  # fmt: skip
        for _provider, program in found:
            if program["slug"] in taken:
                continue
            taken.add(program["slug"])
            out.append(_as_curated(program))
    return out


def _as_curated(program):
    """A programme dict of offer_programs with dates and decimals written as a curated file has them."""

    def plain(value):
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return catalog_io.fmt_decimal(value)
        return value

    out = {key: plain(value) for key, value in program.items() if key != "benefits"}
    out["benefits"] = [{key: plain(value) for key, value in b.items()} for b in program["benefits"]]
    return out

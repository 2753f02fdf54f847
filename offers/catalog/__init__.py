"""The catalog and its writes: every catalog write goes through a `do_*`-style function in services.py
(which bumps the catalog version, version.py); exchange rates (fx.py), rule 4's counterparts
(counterparts.py), text safety (safety.py), the seed builder (seed.py) and the catalog format's
import and export (io/). Imports offers.models only (and the scrapers' parsers, for the seed)."""

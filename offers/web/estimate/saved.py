"""Short estimate links: usage lines stored by the hash of their query string (issue 21).

The whole input of an estimate lives in its link, but an uploaded bill of many models and tiers
makes a link longer than servers and proxies accept (gunicorn's request line, 4 to 8 KB). When a
link's query string would pass LINK_BUDGET characters, its usage-line fields are stored once in
`SavedUsage`, keyed by the hash of their canonical encoding, and the link says `saved=<key>` with
the settings (months, currency, sort, ...) beside it. The same lines always give the same key, so
storing is idempotent; a stored row is never changed. A link may also say `override-<vendor>=<model>`,
which picks that vendor's model on every line with a model (the vendors' model links use it, so
they stay short too). `expand` turns such a link back into the page's full query.
"""

import hashlib
import re

from django.http import QueryDict

from offers.models import SavedUsage
from offers.web.estimate.query import MAX_PAGE_LINES, PREFIX

# Links stay under 2,000 characters, what every browser, proxy and server accepts: a query string
# over this budget has its lines stored, leaving the settings and one `override-` choice room.
LINK_BUDGET = 1_500
KEY = "saved"
KEY_RE = re.compile(r"^[0-9a-f]{32}$")
OVERRIDE_ALL_RE = re.compile(r"^override-(.+)$")


def shorten(query):
    """`query` itself when its query string fits LINK_BUDGET; else a copy with its usage-line
    fields stored and replaced by `saved=<key>` (the key first, then the other keys in order)."""
    if len(query.urlencode()) <= LINK_BUDGET:
        return query
    lines = sorted(
        (key, value) for key, values in query.lists() if key.startswith(f"{PREFIX}-") for value in values
    )
    if not lines:
        return query
    encoded = QueryDict(mutable=True)
    for key, value in lines:
        encoded.appendlist(key, value)
    text = encoded.urlencode()
    key = hashlib.sha256(text.encode()).hexdigest()[:32]
    SavedUsage.objects.get_or_create(key=key, defaults={"query": text})
    short = QueryDict(mutable=True)
    short[KEY] = key
    for name, values in query.lists():
        if not name.startswith(f"{PREFIX}-") and name != KEY:
            short.setlist(name, values)
    return short


def expand(query):
    """The page's full query for a link: `saved=<key>` replaced by the stored line fields and each
    `override-<vendor>` set on every line with a model. None when the key is unknown or malformed."""
    overrides = {m[1]: value for name, value in query.items() if (m := OVERRIDE_ALL_RE.match(name))}
    if KEY not in query and not overrides:
        return query
    full = QueryDict(mutable=True)
    if KEY in query:
        key = query.get(KEY, "")
        stored = (
            SavedUsage.objects.filter(key=key).values_list("query", flat=True).first()
            if KEY_RE.match(key)
            else None
        )
        if stored is None:
            return None
        full = QueryDict(stored, mutable=True)
    for name, values in query.lists():
        if name != KEY and not OVERRIDE_ALL_RE.match(name):
            full.setlist(name, values)
    try:
        total = max(0, min(int(full.get(f"{PREFIX}-TOTAL_FORMS", "0")), MAX_PAGE_LINES))
    except ValueError:
        total = 0
    for vendor, model in overrides.items():
        for i in range(total):
            if full.get(f"{PREFIX}-{i}-model", "").strip():
                full[f"{PREFIX}-{i}-override-{vendor}"] = model
    return full

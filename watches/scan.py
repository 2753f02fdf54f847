"""Finding what changed for each watch: compare what it saw last with the catalog now.

After every committed catalog change (offers.catalog.version.catalog_changed; see watches.tasks) and once a day (a programme
can end by its date alone), `scan()` reads the published catalog once, works out each live watch's
state (the prices and programmes it follows, or its estimate's outcome), records a Change per
difference and stores the new state. Every write path (import, scrape apply, admin, review,
shell) is covered because the catalog itself is compared, not the write that changed it.

Each watch is compared under its row lock and remembers the catalog version its state was read
at; a scan that read an older version than the one stored skips the watch, so two overlapping
scans never report a change twice or backwards. Cost: three queries for the catalog, one estimate
per distinct saved request, two or three queries per watch that changed.
"""

import json
import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from offers.catalog import version as offers_version
from offers.models import CatalogVersion, MigrationProgram, Price, today

from .models import Change, Watch

log = logging.getLogger(__name__)

UNIT = "per 1M tokens"
OPEN_STATES = (MigrationProgram.ACTIVE, MigrationProgram.NOT_STARTED, MigrationProgram.UNCONFIRMED)


def _amount(value: Decimal) -> str:
    """A price as written in the catalog: no exponent, no trailing zeros beyond the cents."""
    text = format(value.normalize(), "f")
    if "." not in text or len(text.split(".")[1]) < 2:
        text = f"{value:.2f}"
    return text


def _price_key(p):
    tier = f"{p.tier_min_input_tokens or 0}-{p.tier_max_input_tokens or ''}"
    window = json.dumps(p.time_window, sort_keys=True) if p.time_window else ""
    return "|".join(
        [
            p.model.provider.slug,
            p.model.slug,
            p.kind,
            tier,
            p.service_tier or "",
            p.region or "",
            window,
            p.currency,
        ]
    )


def _audience(program):
    """ "openai", "anthropic" or None: the programme's `audience` field where the schema has it,
    else OpenAI users when the programme is for them only."""
    audience = getattr(program, "audience", None)
    if audience:
        return audience
    return "openai" if program.openai_users_only else None


def _benefit(b):
    """A benefit in a language-independent line: kind and whichever amounts it has."""
    parts = [b.kind]
    for name in ("tokens", "percent", "ratio", "months", "valid_days"):
        value = getattr(b, name)
        if value is not None:
            parts.append(f"{name}={value.normalize() if isinstance(value, Decimal) else value}")
    if b.amount is not None:
        parts.append(f"amount={_amount(b.amount)} {b.currency}")
    return " ".join(parts)


class Catalog:
    """The published catalog as the watches compare it, read once per scan (lazily)."""

    def __init__(self, on=None):
        self.on = on or today()
        self._prices = None
        self._by_model = None
        self._programs = None
        self._estimates = {}

    @property
    def prices(self):
        """{key: entry} of every published price in force today."""
        if self._prices is None:
            rows = (
                Price.objects.current(on=self.on)
                .filter(model__provider__is_published=True)
                .select_related("model__provider")
                .order_by("pk")
            )
            self._prices = {}
            for p in rows:
                self._prices[_price_key(p)] = {
                    "provider": p.model.provider.slug,
                    "provider_name": p.model.provider.name,
                    "model": p.model.slug,
                    "model_name": p.model.name,
                    "kind": p.kind,
                    "tier": p.tier_label or None,
                    "service_tier": p.service_tier,
                    "region": p.region,
                    "time_window": p.time_window,
                    "amount": _amount(p.amount),
                    "currency": p.currency,
                    "unit": UNIT,
                    "source": p.source_url,
                }
        return self._prices

    def prices_of(self, provider, model=None):
        """[(key, entry)] of one vendor's (or one model's) prices: an index built once per scan,
        so each watch costs its own prices, not the whole catalog."""
        if self._by_model is None:
            self._by_model = {}
            for key, entry in self.prices.items():
                self._by_model.setdefault((entry["provider"], entry["model"]), []).append((key, entry))
                self._by_model.setdefault((entry["provider"], None), []).append((key, entry))
        return self._by_model.get((provider, model), [])

    @property
    def programs(self):
        """{slug: entry} of every programme (published or not: unpublishing one ends it)."""
        if self._programs is None:
            self._programs = {}
            rows = MigrationProgram.objects.select_related("provider").prefetch_related("benefits")
            for p in rows.order_by("pk"):
                status, _date = p.status_on(self.on)
                if not p.provider.is_published:
                    status = MigrationProgram.UNPUBLISHED
                self._programs[p.slug] = {
                    "provider": p.provider.slug,
                    "provider_name": p.provider.name,
                    "program": p.slug,
                    "name": p.name,
                    "audience": _audience(p),
                    "status": status,
                    "starts_on": p.starts_on.isoformat() if p.starts_on else None,
                    "ends_on": p.ends_on.isoformat() if p.ends_on else None,
                    "benefits": [_benefit(b) for b in p.benefits.all()],
                    "source": (p.source_urls or [None])[0],
                }
        return self._programs

    def estimate(self, document):
        """The estimate of a saved request now ({"errors": ...} when it cannot be made)."""
        from offers.estimator import EstimateError, estimate, parse_request

        key = json.dumps(document, sort_keys=True)
        if key not in self._estimates:
            try:
                self._estimates[key] = estimate(parse_request(document))
            except EstimateError as exc:
                self._estimates[key] = {"errors": exc.errors}
        return self._estimates[key]


# --- each kind's state ----------------------------------------------------------------------


def state_of(watch, catalog):
    if watch.kind == Watch.Kind.PROVIDER:
        return {
            "prices": dict(catalog.prices_of(watch.provider_slug)),
            "programs": {k: v for k, v in catalog.programs.items() if v["provider"] == watch.provider_slug},
        }
    if watch.kind == Watch.Kind.MODEL:
        return {"prices": dict(catalog.prices_of(watch.provider_slug, watch.model_slug))}
    if watch.kind == Watch.Kind.OFFERS:
        return {
            "programs": {
                k: v
                for k, v in catalog.programs.items()
                if not watch.audience or v["audience"] == watch.audience
            }
        }
    return _estimate_state(watch, catalog)


def recommended_of(result):
    """The recommended vendor's slug: the response's `recommended` (a slug or an object with
    `provider`) where the estimator gives one, else the cheapest complete alternative."""
    recommended = result.get("recommended")
    if isinstance(recommended, dict):
        recommended = recommended.get("provider")
    if not recommended and result.get("alternatives"):
        recommended = result["alternatives"][0]["provider"]
    return recommended or None


def _estimate_state(watch, catalog):
    result = catalog.estimate(watch.estimate_request)
    if "errors" in result:
        return {"errors": result["errors"], "recommended": None, "savings": None, "prices": {}}
    recommended = recommended_of(result)
    alt = next((a for a in result["alternatives"] if a["provider"] == recommended), None)
    used = {("openai", line["model"]) for line in result["baseline"]["lines"]}
    for a in result["alternatives"]:
        used.update((a["provider"], line["model"]) for line in a["lines"])
    return {
        "recommended": recommended,
        "currency": result["currency"],
        "savings": alt["savings"] if alt else None,
        "savings_percent": alt["savings_percent"] if alt else None,
        "prices": {k: v for provider, model in sorted(used) for k, v in catalog.prices_of(provider, model)},
    }


# --- differences ------------------------------------------------------------------------------


def summary(change):
    """One line saying what changed, in the active language (emails and feeds call it again in
    their reader's language; the stored "summary" is the scan's)."""
    if change["event"] == Change.Event.PRICE_CHANGED:
        return _price_summary(change, change["old"], change["new"])
    if change["event"] == Change.Event.ESTIMATE_CHANGED:
        old, new = change["old"], change["new"]

        def savings(s):
            return f"{s['savings']['amount']} {s['savings']['currency']}" if s.get("savings") else "—"

        return _("Your estimate changed: recommended %(old)s → %(new)s, savings %(s_old)s → %(s_new)s") % {
            "old": old.get("recommended") or "—",
            "new": new.get("recommended") or "—",
            "s_old": savings(old),
            "s_new": savings(new),
        }
    text = {
        Change.Event.OFFER_ADDED: _("%(vendor)s: new offer %(name)s"),
        Change.Event.OFFER_ENDED: _("%(vendor)s: offer %(name)s ended"),
        Change.Event.OFFER_CHANGED: _("%(vendor)s: offer %(name)s changed"),
    }[change["event"]]
    return text % {"vendor": change.get("provider_name") or change["provider"], "name": change["name"]}


def _kind_label(kind):
    return str(Price.Kind(kind).label) if kind in Price.Kind.values else kind


def _price_summary(entry, old, new):
    values = {
        "vendor": entry.get("provider_name") or entry["provider"],
        "model": entry.get("model_name") or entry["model"],
        "kind": _kind_label(entry["kind"]) + (f" ({entry['tier']})" if entry["tier"] else ""),
    }
    if old and new:
        values.update(old=f"{old['amount']} {old['currency']}", new=f"{new['amount']} {new['currency']}")
        return _("%(vendor)s %(model)s %(kind)s: %(old)s → %(new)s per 1M tokens") % values
    if new:
        values["new"] = f"{new['amount']} {new['currency']}"
        return _("%(vendor)s %(model)s %(kind)s: new price %(new)s per 1M tokens") % values
    values["old"] = f"{old['amount']} {old['currency']}"
    return _("%(vendor)s %(model)s %(kind)s: price %(old)s withdrawn") % values


def _money(entry):
    return {"amount": entry["amount"], "currency": entry["currency"], "unit": UNIT} if entry else None


def price_changes(old, new):
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a is not None and b is not None and (a["amount"], a["currency"]) == (b["amount"], b["currency"]):
            continue
        entry = b or a
        out.append(
            {
                "event": Change.Event.PRICE_CHANGED.value,
                "provider": entry["provider"],
                "provider_name": entry["provider_name"],
                "model": entry["model"],
                "model_name": entry["model_name"],
                "kind": entry["kind"],
                "tier": entry["tier"],
                "service_tier": entry["service_tier"],
                "region": entry["region"],
                "time_window": entry["time_window"],
                "old": _money(a),
                "new": _money(b),
                "source": entry["source"],
                "summary": _price_summary(entry, a, b),
            }
        )
    return out


PROGRAM_FIELDS = ("name", "status", "starts_on", "ends_on", "benefits", "audience")


def _offer(entry):
    return {k: entry[k] for k in PROGRAM_FIELDS} if entry else None


def program_changes(old, new):
    out = []
    for slug in sorted(set(old) | set(new)):
        a, b = old.get(slug), new.get(slug)
        was_open = a is not None and a["status"] in OPEN_STATES
        is_open = b is not None and b["status"] in OPEN_STATES
        if is_open and not was_open:
            event = Change.Event.OFFER_ADDED
        elif was_open and not is_open:
            event = Change.Event.OFFER_ENDED
        elif is_open and _offer(a) != _offer(b):
            event = Change.Event.OFFER_CHANGED
        else:
            continue
        entry = b or a
        change = {
            "event": event.value,
            "provider": entry["provider"],
            "provider_name": entry["provider_name"],
            "program": slug,
            "name": entry["name"],
            "old": _offer(a),
            "new": _offer(b),
            "source": entry["source"],
        }
        out.append({**change, "summary": summary(change)})
    return out


def _moved(old, new, threshold):
    """True when savings moved by at least `threshold` percent of the old savings (any move from
    or to zero counts)."""
    if old is None or new is None:
        return old != new
    a, b = Decimal(old), Decimal(new)
    if a == b:
        return False
    if a == 0:
        return True
    return abs(b - a) * 100 / abs(a) >= Decimal(threshold or 0)


def estimate_changes(watch, old, new):
    reasons = []
    if old.get("recommended") != new.get("recommended"):
        reasons.append("recommended")
    if old.get("currency") == new.get("currency") and _moved(
        old.get("savings"), new.get("savings"), watch.threshold_percent
    ):
        reasons.append("savings")
    prices = price_changes(old.get("prices") or {}, new.get("prices") or {})
    if prices:
        reasons.append("price")
    if not reasons:
        return []

    def outcome(s):
        return {
            "recommended": s.get("recommended"),
            "savings": {"amount": s["savings"], "currency": s.get("currency")} if s.get("savings") else None,
            "savings_percent": s.get("savings_percent"),
        }

    change = {
        "event": Change.Event.ESTIMATE_CHANGED.value,
        "reasons": reasons,
        "old": outcome(old),
        "new": outcome(new),
        "prices": prices,
        "source": None,
    }
    return [{**change, "summary": summary(change)}]


def changes_between(watch, old, new):
    if watch.kind == Watch.Kind.ESTIMATE:
        return estimate_changes(watch, old, new)
    out = price_changes(old.get("prices") or {}, new.get("prices") or {})
    if watch.kind != Watch.Kind.MODEL:
        out += program_changes(old.get("programs") or {}, new.get("programs") or {})
    return out


# --- the scan ---------------------------------------------------------------------------------


def current_version() -> int:
    return CatalogVersion.objects.filter(pk=1).values_list("n", flat=True).first() or 0


def baseline(watch):
    """Record what a new (or newly confirmed) watch sees now, without reporting it."""
    version = current_version()
    watch.state = state_of(watch, Catalog())
    watch.state_version = version
    watch.save(update_fields=["state", "state_version"])


def scan(watch_ids=None):
    """Compare every live watch with the catalog; returns the ids of watches with new changes."""
    # This process may have read the catalog version less than a second ago (offers.catalog.version's
    # memo): forget it, so the estimates below use the catalog just committed.
    offers_version._forget_memo()
    version = current_version()
    catalog = Catalog()
    watches = Watch.objects.live().filter(state_version__lte=version)
    if watch_ids is not None:
        watches = watches.filter(pk__in=watch_ids)
    changed = []
    for pk in watches.values_list("pk", flat=True):
        with transaction.atomic():
            watch = Watch.objects.select_for_update().filter(pk=pk).first()
            if watch is None or watch.state_version > version:
                continue  # removed meanwhile, or a later scan already compared it
            new = state_of(watch, catalog)
            found = changes_between(watch, watch.state, new) if watch.state is not None else []
            watch.state = new
            watch.state_version = version
            watch.save(update_fields=["state", "state_version"])
            if found:
                now = timezone.now()
                Change.objects.bulk_create(
                    Change(watch=watch, event=c["event"], data=c, catalog_version=version, created_at=now)
                    for c in found
                )
                changed.append(pk)
    return changed

"""One run of one source: fetch -> parse -> validate -> apply, recorded as a ScrapeRun.

A failure at any step records the run with its status and error and leaves the catalog as it
was: applying happens last, in one transaction.
"""

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urljoin

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from offers.models import Model, Provider

from . import http
from .apply import apply_observations, apply_rates
from .base import Observation, Offer, ParseError, Rate, ScrapeError
from .models import ScrapeRun
from .offer_apply import apply_offers
from .sources import get

# Sanity bounds per 1M tokens: above this a figure is a misread (a date, a token count...).
MAX_AMOUNT = Decimal("1000000")
CURRENCIES = {"CNY", "USD", "EUR", "HKD", "SGD", "JPY", "GBP"}


@dataclass
class RunResult:
    source: str
    items: list = field(default_factory=list)
    run: ScrapeRun | None = None


def read_file(path):
    """A local recording, decoded the way fetched pages are (declared charset, else UTF-8/GB18030)."""
    return http.decode(Path(path).read_bytes())


def fetch_pages(source):
    """[(url, text)] for every URL of the source; moonshot also follows its family-page links."""
    hosts = http.allowed_hosts()
    urls = http.source_urls(source)
    pages, seen = [], set()
    queue = list(urls)
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        text = http.fetch(url, hosts=hosts)
        pages.append((url, text))
        pattern = getattr(source, "DISCOVER", None)
        if pattern is not None and not (settings.BANJIA_SCRAPE_URLS or {}).get(source.SLUG):
            for link in pattern.findall(text):
                full = urljoin(url, link)
                if full not in seen and http.netloc(full) in hosts and len(seen) + len(queue) < 20:
                    queue.append(full)
    return pages


def parse_pages(source, pages):
    """Observations (or rates) of every page, each tagged with the URL it came from."""
    items, origin = [], {}
    for url, text in pages:
        try:
            parsed = source.parse(text)
            # Offers the page shows (vendor pages): read by their own function, beside the prices.
            parse_offers = getattr(source, "parse_offers", None)
            if parse_offers is not None:
                parsed = list(parsed) + list(parse_offers(text))
        except ParseError as exc:
            raise type(exc)(f"{exc} [{url}]") from exc
        except Exception as exc:  # a parser tripping over a layout it does not know: still a parse error
            raise ParseError(
                f"{source.SLUG}: the page is not laid out as the parser expects "
                f"({exc.__class__.__name__}: {exc}) [{url}]"
            ) from exc
        for item in parsed:
            if isinstance(item, Observation):
                key = (item.vendor, *item.slot)
            elif isinstance(item, Offer):
                key = item.slot
            else:
                key = (item.base, item.quote, item.date)
            if key not in origin:
                origin[key] = url
                origin.setdefault(item.slot if isinstance(item, Observation) else key, url)
                items.append(item)
    return items, origin


def validate_offer(item):
    where = f"{item.vendor} offer {item.key}"
    if item.tokens is not None and (not isinstance(item.tokens, int) or item.tokens <= 0):
        raise ParseError(f"{where}: tokens {item.tokens!r} is not a whole number > 0")
    if item.percent is not None and not (isinstance(item.percent, Decimal) and 0 < item.percent <= 100):
        raise ParseError(f"{where}: percent {item.percent!r} is not a decimal in (0, 100]")
    if item.price is not None and not (
        isinstance(item.price, Decimal) and item.price.is_finite() and item.price >= 0
    ):
        raise ParseError(f"{where}: price {item.price!r} is not a decimal >= 0")
    if (item.price is None) != (item.currency is None):
        raise ParseError(f"{where}: a price needs its currency and a currency its price")
    if item.currency is not None and item.currency not in CURRENCIES:
        raise ParseError(f"{where}: unknown currency {item.currency!r}")
    if item.valid_days is not None and (not isinstance(item.valid_days, int) or item.valid_days <= 0):
        raise ParseError(f"{where}: valid_days {item.valid_days!r} is not a whole number > 0")
    needs = {"free_quota": item.tokens, "limited_discount": item.percent, "permanent_discount": item.percent,
             "plan": item.price}  # fmt: skip
    if item.offer in needs and needs[item.offer] is None:
        raise ParseError(f"{where}: a {item.offer} offer without its amount")
    if not item.text.strip():
        raise ParseError(f"{where}: no words from the page")
    for model in item.models:
        if not re.fullmatch(r"\S+", model):
            raise ParseError(f"{where}: model id {model!r} has spaces")


def validate(items):
    for item in items:
        if isinstance(item, Offer):
            validate_offer(item)
            continue
        if isinstance(item, Rate):
            if not isinstance(item.rate, Decimal) or item.rate <= 0:
                raise ParseError(f"{item.base}/{item.quote}: rate {item.rate!r} is not a positive decimal")
            continue
        where = f"{item.vendor}/{item.model} {item.kind}"
        if not isinstance(item.amount, Decimal) or not item.amount.is_finite() or item.amount < 0:
            raise ParseError(f"{where}: amount {item.amount!r} is not a decimal >= 0")
        if item.amount > MAX_AMOUNT:
            raise ParseError(
                f"{where}: {item.amount} {item.currency} per 1M tokens is beyond the sanity bound"
            )
        if item.currency not in CURRENCIES:
            raise ParseError(f"{where}: unknown currency {item.currency!r}")
        if not re.fullmatch(r"\S+", item.model):
            raise ParseError(f"{where}: model id {item.model!r} has spaces")
        lo, hi = item.tier_min_input_tokens, item.tier_max_input_tokens
        if lo is not None and hi is not None and hi < lo:
            raise ParseError(f"{where}: tier {lo}-{hi} is inverted")


def page_hash(pages):
    digest = hashlib.sha256()
    for url, text in pages:
        digest.update(url.encode() + b"\0" + text.encode("utf-8", errors="replace") + b"\0")
    return digest.hexdigest()


def run_source(slug, *, from_file=None, dry_run=False, trigger=ScrapeRun.Trigger.CLI, on=None, task_id=""):
    """Run one source. dry_run: parse only, write nothing (not even a run record).

    Raises ScrapeError subclasses after recording them; the caller decides about retries.
    """
    source = get(slug)
    run = None
    if not dry_run:
        run = ScrapeRun.objects.create(
            source=slug, trigger=trigger, started_at=timezone.now(), task_id=(task_id or "")[:64]
        )
    pages = []
    try:
        if from_file is not None:
            urls = http.source_urls(source)
            pages = [(urls[0] if urls else str(from_file), read_file(from_file))]
        else:
            pages = fetch_pages(source)
        items, origin = parse_pages(source, pages)
        validate(items)
        if dry_run:
            return RunResult(slug, items)
        run.urls = [url for url, _ in pages]
        run.page_hash = page_hash(pages)
        run.observations = len(items)
        if source.KIND == "fx":
            result = apply_rates(items, origin)
        else:
            prices = [i for i in items if isinstance(i, Observation)]
            day = on or timezone.localdate()
            with transaction.atomic():  # prices and offers of one run: all written or none
                # The models known before this run: offers cover those (as the seed's do), not the
                # models the price pass discovers now (they wait for review as their prices do).
                known = set(
                    Model.objects.filter(provider__slug=getattr(source, "PROVIDER", None)).values_list(
                        "pk", flat=True
                    )
                )
                result = apply_observations(source, prices, origin, urls=run.urls, on=day)
                if getattr(source, "parse_offers", None) is not None:
                    offers = [i for i in items if isinstance(i, Offer)]
                    provider = Provider.objects.get(slug=source.PROVIDER)  # locked by apply_observations
                    apply_offers(provider, offers, origin, urls=run.urls, on=day, result=result, known=known)
        run.changes, run.pending, run.unchanged, run.notes = (
            result.changes, result.pending, result.unchanged, result.notes,
        )  # fmt: skip
        run.status = ScrapeRun.Status.OK
        return RunResult(slug, items, run)
    except ScrapeError as exc:
        if run is not None:
            run.status = exc.status
            run.error = str(exc)
            if pages:
                run.urls = [url for url, _ in pages]
                run.page_hash = page_hash(pages)
        raise
    except Exception as exc:
        if run is not None:
            run.status = ScrapeRun.Status.FAILED
            run.error = f"{exc.__class__.__name__}: {exc}"
        raise
    finally:
        if run is not None:
            run.finished_at = timezone.now()
            run.save()

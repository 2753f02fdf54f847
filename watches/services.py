"""Making, confirming and removing watches: the writes the API, the pages and the admin share.

A watch's subject is given as the API's "watch" object (the web form builds the same object):
{"provider": slug} | {"provider": slug, "model": slug} | {"offers": true, "audience": null |
"openai" | "anthropic"} | {"estimate": <estimate request>, "threshold_percent": number}.
Errors are {JSON path: [message, ...]}, as the rest of the API answers.
"""

import logging
import secrets
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from offers.models import Model, Provider

from . import scan, webhooks
from .models import Subscriber, Watch, normalize_email, token_hash

log = logging.getLogger(__name__)

MAX_THRESHOLD = Decimal("1000")


class WatchError(Exception):
    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def _is_id(value, length):
    """A slug or model id worth looking up: a printable string (no NUL, which PostgreSQL refuses)."""
    return isinstance(value, str) and 0 < len(value) <= length and value.isprintable()


def parse_subject(data, path="watch"):
    """The Watch fields for a subject document; raises WatchError."""
    if not isinstance(data, dict):
        raise WatchError({path: [_("Expected an object.")]})
    keys = set(data)
    if "estimate" in keys:
        return _estimate_subject(data, path)
    if "offers" in keys:
        extra = keys - {"offers", "audience"}
        if extra:
            raise WatchError({f"{path}.{sorted(extra)[0]}": [_("Unknown key.")]})
        if data["offers"] is not True:
            raise WatchError({f"{path}.offers": [_("Must be true.")]})
        audience = data.get("audience")
        if audience not in (None, *Watch.Audience.values):
            raise WatchError({f"{path}.audience": [_('Must be null, "openai" or "anthropic".')]})
        return {"kind": Watch.Kind.OFFERS, "audience": audience or ""}
    if "provider" in keys:
        extra = keys - {"provider", "model"}
        if extra:
            raise WatchError({f"{path}.{sorted(extra)[0]}": [_("Unknown key.")]})
        slug = data["provider"]
        if not _is_id(slug, 64) or not Provider.objects.published().filter(slug=slug).exists():
            raise WatchError({f"{path}.provider": [_("No such vendor.")]})
        if "model" not in keys:
            return {"kind": Watch.Kind.PROVIDER, "provider_slug": slug}
        model = data["model"]
        if not _is_id(model, 128) or not Model.objects.filter(provider__slug=slug, slug=model).exists():
            raise WatchError({f"{path}.model": [_("No such model at this vendor.")]})
        return {"kind": Watch.Kind.MODEL, "provider_slug": slug, "model_slug": model}
    raise WatchError({path: [_("Give a provider, a provider and model, offers or an estimate.")]})


def _estimate_subject(data, path):
    from offers.estimator import EstimateError, parse_request

    extra = set(data) - {"estimate", "threshold_percent"}
    if extra:
        raise WatchError({f"{path}.{sorted(extra)[0]}": [_("Unknown key.")]})
    raw = data.get("threshold_percent")
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
        raise WatchError({f"{path}.threshold_percent": [_("A number from 0 to 1000 is required.")]})
    try:
        threshold = Decimal(str(raw))
    except InvalidOperation:
        threshold = None
    if threshold is None or not threshold.is_finite() or not 0 <= threshold <= MAX_THRESHOLD:
        raise WatchError({f"{path}.threshold_percent": [_("A number from 0 to 1000 is required.")]})
    try:
        parse_request(data["estimate"])
    except EstimateError as exc:
        raise WatchError({f"{path}.estimate.{k}": v for k, v in exc.errors.items()}) from exc
    return {
        "kind": Watch.Kind.ESTIMATE,
        "estimate_request": data["estimate"],
        "threshold_percent": threshold.quantize(Decimal("0.01")),
    }


def check_webhook_url(url, path="webhook_url"):
    if not isinstance(url, str) or len(url) > 1000:
        raise WatchError({path: [_("A https:// URL of at most 1000 characters is required.")]})
    try:
        webhooks.check(url)
    except webhooks.UnsafeTarget as exc:
        raise WatchError({path: [str(exc)]}) from exc


def create_webhook_watch(subject, url, contact_email=""):
    """Returns (watch, token, secret): the token and secret are shown once and the token kept only
    as a hash."""
    check_webhook_url(url)
    token = secrets.token_urlsafe(32)
    secret = secrets.token_hex(32)
    with transaction.atomic():
        watch = Watch.objects.create(
            **subject,
            channel=Watch.Channel.WEBHOOK,
            webhook_url=url,
            secret=secret,
            token_sha256=token_hash(token),
            contact_email=normalize_email(contact_email) if contact_email else "",
            confirmed_at=timezone.now(),
        )
        scan.baseline(watch)
        if watch.contact_email:
            from .tasks import send_confirmation

            transaction.on_commit(lambda: send_confirmation.delay(watch.pk, "contact"))
    return watch, token, secret


def request_email_watch(subject, email, language=""):
    """Record an unconfirmed watch for `email` and mail it a confirmation link, unless the address
    has had BANJIA_WATCH_EMAILS_PER_ADDRESS confirmations in the last day. The caller answers the
    same either way: nothing here says whether the address is known."""
    email = normalize_email(email)
    with transaction.atomic():
        subscriber, _created = Subscriber.objects.get_or_create(email=email, defaults={"language": language})
        since = timezone.now() - timedelta(days=1)
        if (
            subscriber.watches.filter(created_at__gte=since).count()
            >= settings.BANJIA_WATCH_EMAILS_PER_ADDRESS
        ):
            log.info("watch request for %s dropped: too many confirmations today", subscriber.pk)
            return None
        watch = Watch.objects.create(**subject, channel=Watch.Channel.EMAIL, subscriber=subscriber)
        from .tasks import send_confirmation

        transaction.on_commit(lambda: send_confirmation.delay(watch.pk))
    return watch


def confirm(watch_id, what):
    """Follow a confirmation link: the watch starts (from what the catalog shows now), or the
    webhook's contact address is confirmed. Returns the watch, or None."""
    with transaction.atomic():
        watch = Watch.objects.select_for_update().filter(pk=watch_id, removed_at__isnull=True).first()
        if watch is None:
            return None
        if what == "contact":
            if watch.contact_confirmed_at is None:
                watch.contact_confirmed_at = timezone.now()
                watch.save(update_fields=["contact_confirmed_at"])
        elif watch.confirmed_at is None:
            watch.confirmed_at = timezone.now()
            watch.save(update_fields=["confirmed_at"])
            scan.baseline(watch)
    return watch


def remove(watch):
    Watch.objects.filter(pk=watch.pk, removed_at__isnull=True).update(removed_at=timezone.now())

"""The catalog version: what every cached page, export and estimate is keyed by.

Writing: every catalog write bumps `CatalogVersion.n` in its own transaction, once per
transaction. A `save()` or `delete()` of a catalog model (admin, import, scrapers, review, or
`manage.py shell`) and a change of a benefit's models bump through signals; bulk writes
(`bulk_create`, `QuerySet.update` and so `bulk_update`) send `catalog_bulk_write` from
`CatalogQuerySet` (offers.models imports nothing of offers), which bumps too; a write that
bypasses both (e.g. the benefit-model through table's `bulk_create`) calls
`bump_catalog_version()` itself. The bump is an `UPDATE ... SET n = n + 1` inside the writing
transaction, so a rolled-back write leaves the version alone and a committed one is visible
together with the data.

"Once per transaction" is remembered with a no-op `on_commit` callback used as a marker: Django
drops it with a rolled-back savepoint or transaction and runs it (forgetting this process's memo)
on commit. While the marker is present the connection holds uncommitted catalog writes, and
callers must not fill shared caches from it (`has_uncommitted_writes`).

Announcing: `catalog_changed` is sent once per committed catalog change (from the marker callback
on commit, or right after the UPDATE in autocommit), never for a rolled-back one; receivers (the
watches app) find out what changed themselves. A receiver's error is logged, not raised into the
writer, whose transaction has already committed.

Reading: `catalog_version()` costs one query at most once a second per process (in-process memo
on a monotonic clock), so a commit in any process is seen by every process within a second,
whatever the cache backend.
"""

import logging
from itertools import count
from time import monotonic

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal

from offers.models import (
    Benefit,
    CatalogVersion,
    ExchangeRate,
    MigrationProgram,
    Model,
    ModelMapping,
    Price,
    Provider,
    catalog_bulk_write,
)

log = logging.getLogger(__name__)

# Sent with using=<database alias> after a catalog write has committed.
catalog_changed = Signal()

CHECK_EVERY = 1.0  # seconds between two reads of the version in one process
_memo = (float("-inf"), None)  # (monotonic time of the read, version)
_writes = count(1)  # every catalog write seen by this process, bumping or not
_last_write = 0


def _forget_memo():
    global _memo
    _memo = (float("-inf"), None)


def _written_in_this_transaction():
    """The marker callback: runs on commit only."""
    _forget_memo()
    _announce(DEFAULT_DB_ALIAS)


def _announce(using):
    for receiver, result in catalog_changed.send_robust(sender=None, using=using):
        if isinstance(result, Exception):
            log.error("catalog_changed receiver %r failed: %r", receiver, result, exc_info=result)


def has_uncommitted_writes(using=DEFAULT_DB_ALIAS) -> bool:
    """True when this connection's open transaction has written the catalog."""
    conn = connections[using]
    if not conn.in_atomic_block:
        return False
    return any(entry[1] is _written_in_this_transaction for entry in conn.run_on_commit)


def bump_catalog_version(using=DEFAULT_DB_ALIAS) -> None:
    """Count a catalog write: one UPDATE, skipped when this transaction has already bumped."""
    global _last_write
    _last_write = next(_writes)
    if has_uncommitted_writes(using):
        return
    rows = CatalogVersion.objects.using(using).filter(pk=1).update(n=F("n") + 1)
    if not rows:
        # No row yet (a database emptied by a test flush, or created without migrations).
        _version, created = CatalogVersion.objects.using(using).get_or_create(pk=1, defaults={"n": 1})
        if not created:
            CatalogVersion.objects.using(using).filter(pk=1).update(n=F("n") + 1)
    conn = connections[using]
    if conn.in_atomic_block:
        conn.on_commit(_written_in_this_transaction)
        _forget_memo()
    else:
        _forget_memo()
        _announce(using)


def catalog_version(using=DEFAULT_DB_ALIAS) -> str:
    """The committed catalog version, e.g. "42.9f1c03ab": one query at most every CHECK_EVERY s.

    Inside a transaction that has written the catalog the uncommitted version is read and not
    remembered (callers should not cache anything from such a connection anyway).
    """
    global _memo
    now = monotonic()
    pending = has_uncommitted_writes(using)
    checked_at, value = _memo
    if not pending and value is not None and now - checked_at < CHECK_EVERY:
        return value
    row = CatalogVersion.objects.using(using).filter(pk=1).values_list("n", "salt").first()
    value = f"{row[0]}.{row[1]}" if row else "0"
    if not pending:
        _memo = (now, value)
    return value


def writes_seen() -> int:
    """A number that grows with every catalog write this process makes (committed or not): what
    a cache built inside a writing transaction is keyed by (offers.estimator.snapshot)."""
    return _last_write


def _on_write(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    bump_catalog_version(using)


def _on_m2m(sender, action, using=DEFAULT_DB_ALIAS, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        bump_catalog_version(using)


def connect_signals():
    for model in (Provider, Model, Price, MigrationProgram, Benefit, ModelMapping, ExchangeRate):
        post_save.connect(_on_write, sender=model, dispatch_uid=f"catalog-version-save-{model.__name__}")
        post_delete.connect(_on_write, sender=model, dispatch_uid=f"catalog-version-delete-{model.__name__}")
    m2m_changed.connect(_on_m2m, sender=Benefit.models.through, dispatch_uid="catalog-version-benefit-models")
    catalog_bulk_write.connect(_on_write, dispatch_uid="catalog-version-bulk-write")

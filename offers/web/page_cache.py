"""Per-version caching of what is the same for everyone: page bodies, the catalog export, estimates.

Every key starts with the catalog version (offers.catalog.version), so a catalog write makes new keys
and nothing is ever invalidated; old entries expire. The cache is Django's default cache: local
memory per process unless `CACHE_URL` points at Redis, which all workers then share.

Costs on a hit: the version check (one query at most once a second per process) and one cache
read; no other SQL.

Per-user parts never enter the cache: a page is rendered with a placeholder in place of the CSRF
token, and each response gets the request's own token substituted in. The currency and language
picked for the request, the host, the path with its query string and the HTMX target are part of
the key; cookies themselves are not (the currency cookie counts through the currency it picks).
Nothing is cached from a connection whose open transaction has written the catalog (a request
could otherwise cache a version another process never sees).
"""

import dataclasses
import gzip
import hashlib
import json
import re
from functools import lru_cache, wraps
from pathlib import Path

import orjson
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

from offers.catalog.io import dumps, export_document
from offers.catalog.version import catalog_version, has_uncommitted_writes
from offers.estimator import EstimateError, estimate
from offers.web.browse.currency import pick_currency

CSRF_PLACEHOLDER = "banjia-csrf-placeholder-5f0c2e"
_PLACEHOLDER = CSRF_PLACEHOLDER.encode()
# Headers a view sets that belong to the body (the rest come from middleware on every response).
KEPT_HEADERS = ("Content-Type", "HX-Push-Url", "Vary")


def enabled() -> bool:
    return settings.BANJIA_PAGE_CACHE and not has_uncommitted_writes()


@lru_cache(maxsize=1)
def code_stamp() -> str:
    """A fingerprint of the templates, the offers code and the translations, so a deploy never
    serves a body rendered by the previous code from a shared cache."""
    base = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    for pattern in ("templates/**/*.html", "offers/**/*.py", "locale/**/*.mo"):
        for path in sorted(base.glob(pattern)):
            stat = path.stat()
            digest.update(f"{path.relative_to(base)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:12]


def _key(kind: str, *parts) -> str:
    raw = json.dumps([code_stamp(), catalog_version(), *parts], default=str, ensure_ascii=False)
    return f"banjia:{kind}:{hashlib.sha256(raw.encode()).hexdigest()}"


def page_key(request, name: str) -> str:
    htmx = getattr(request, "htmx", None)
    return _key(
        "page",
        name,
        timezone.localdate().isoformat(),  # states, stale marks and current prices move with the day
        get_language(),
        pick_currency(request),
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        bool(htmx),
        htmx.target if htmx else None,
        bool(htmx and htmx.history_restore_request),
    )


def placeholder_context(request, context: dict) -> dict:
    """The template context with the CSRF placeholder, when the page is rendered for the cache."""
    if getattr(request, "banjia_for_cache", False):
        return {**context, "csrf_token": CSRF_PLACEHOLDER}
    return context


def _personalise(request, response):
    if _PLACEHOLDER in response.content:
        response.content = response.content.replace(_PLACEHOLDER, get_token(request).encode())
    return response


def per_version(view):
    """Cache a GET view's body per catalog version and per everything in `page_key`."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or not enabled():
            return view(request, *args, **kwargs)
        key = page_key(request, getattr(view, "__name__", type(view).__name__))
        hit = cache.get(key)
        if hit is not None:
            content, status, headers = hit
            response = HttpResponse(content, status=status)
            for name, value in headers.items():
                response[name] = value
            return _personalise(request, response)
        request.banjia_for_cache = True
        try:
            response = view(request, *args, **kwargs)
        finally:
            request.banjia_for_cache = False
        if response.status_code == 200 and not response.streaming and not response.cookies:
            headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
            cache.set(key, (response.content, 200, headers), settings.BANJIA_PAGE_CACHE_SECONDS)
        return _personalise(request, response)

    return wrapper


# --- /api/v1/catalog ------------------------------------------------------------------------------

_catalog_memo = (None, None)  # (version, CatalogBody) of this process


@dataclasses.dataclass(frozen=True)
class CatalogBody:
    version: str
    body: bytes
    gzipped: bytes

    @property
    def etag(self):
        return f'"catalog-{self.version}"'

    @property
    def gzip_etag(self):
        return f'"catalog-{self.version}-gzip"'


def catalog_body() -> CatalogBody:
    """The export document's bytes (and a gzipped copy), built once per catalog version and shared
    through the cache; each process keeps the current one in memory."""
    global _catalog_memo
    if not enabled():
        body = dumps(export_document())
        return CatalogBody("uncommitted", body, gzip.compress(body, compresslevel=6, mtime=0))
    version = catalog_version()
    memo_version, memo = _catalog_memo
    if memo_version == version:
        return memo
    # A local-memory cache is per process like the memo: keeping the body there too would only
    # double the worker's memory (the 50 x 100 export is tens of MB).
    shared = not isinstance(caches["default"], LocMemCache)
    key = _key("catalog")
    found = cache.get(key) if shared else None
    if found is None:
        body = dumps(export_document())
        found = CatalogBody(version, body, gzip.compress(body, compresslevel=6, mtime=0))
        if shared:
            cache.set(key, found, settings.BANJIA_PAGE_CACHE_SECONDS)
    _catalog_memo = (version, found)
    return found


def _accepts_gzip(request) -> bool:
    # As GZipMiddleware decides (django.middleware.gzip).
    return bool(re.search(r"\bgzip\b", request.META.get("HTTP_ACCEPT_ENCODING", "")))


def catalog_response(request) -> HttpResponse:
    """The export with an ETag (304 on If-None-Match), gzipped when the client accepts it."""
    doc = catalog_body()
    use_gzip = _accepts_gzip(request)
    etag = doc.gzip_etag if use_gzip else doc.etag
    wanted = {tag.strip().removeprefix("W/") for tag in request.META.get("HTTP_IF_NONE_MATCH", "").split(",")}
    if wanted & {doc.etag, doc.gzip_etag, "*"}:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(
            doc.gzipped if use_gzip else doc.body, content_type="application/json; charset=utf-8"
        )
        if use_gzip:
            response["Content-Encoding"] = "gzip"
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"  # reuse, but ask each time: the ETag makes that cheap
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


# --- estimates ------------------------------------------------------------------------------------


def _request_key(kind, req) -> str:
    # The request dataclass as canonical JSON (orjson writes dataclasses field by field; a sample
    # stands as its hash, Fractions as "n/d").
    canonical = orjson.dumps(req, default=str, option=orjson.OPT_SORT_KEYS).decode()
    return _key(kind, get_language(), canonical)


def estimate_body(req) -> bytes:
    """The API's JSON body for a parsed request, computed once per catalog version and request.

    Catalog-dependent errors are cached too and raised again as EstimateError."""
    if not enabled():
        return _dump(estimate(req))
    key = _request_key("estimate-api", req)
    hit = cache.get(key)
    if hit is None:
        try:
            hit = ("ok", _dump(estimate(req)))
        except EstimateError as exc:
            hit = ("errors", exc.errors)
        cache.set(key, hit, settings.BANJIA_PAGE_CACHE_SECONDS)
    if hit[0] == "errors":
        raise EstimateError(hit[1])
    return hit[1]


def estimate_result(req, snapshot=None):
    """`estimator.estimate(req, snapshot)`, cached per catalog version and request (a fresh copy
    each time: callers may add display fields to it)."""
    if not enabled():
        return estimate(req, snapshot)
    key = _request_key("estimate-result", req)
    hit = cache.get(key)
    if hit is None:
        try:
            result = estimate(req, snapshot)
        except EstimateError as exc:
            cache.set(key, ("errors", exc.errors), settings.BANJIA_PAGE_CACHE_SECONDS)
            raise
        cache.set(key, ("ok", result), settings.BANJIA_PAGE_CACHE_SECONDS)
        return result
    if hit[0] == "errors":
        raise EstimateError(hit[1])
    return hit[1]


def _dump(result) -> bytes:
    # The API's body: compact UTF-8 JSON. orjson writes the 64-vendor document (about 80 KB) in
    # a fifteenth of the standard library's time, a tenth of a distinct estimate's cost.
    return orjson.dumps(result, default=str)

"""All network I/O of the scrapers, and nothing else does any.

`fetch(url)` returns the page text after checking the host against the allowlist (the hosts of
the configured source URLs, so nothing an admin types can reach another host), honouring
robots.txt, and retrying timeouts, HTTP 429 and 5xx with exponential backoff and jitter. Other
failures (404, a redirect off the allowlist, too large a page) fail at once.
"""

import logging
import random
import re
import time
from urllib import robotparser
from urllib.parse import urljoin, urlsplit

import httpx
from django.conf import settings

from .base import FetchError, ForbiddenHost
from .sources import all_sources

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
BACKOFF_CAP = 60.0
_robots_cache = {}  # netloc -> (fetched_at, RobotFileParser or None)
ROBOTS_TTL = 6 * 3600
sleep = time.sleep  # tests replace it to keep backoff instant


def source_urls(source):
    """The URLs in force for a source: BANJIA_SCRAPE_URLS overrides the module's URLS."""
    override = (settings.BANJIA_SCRAPE_URLS or {}).get(source.SLUG)
    if override:
        return [override] if isinstance(override, str) else list(override)
    return list(source.URLS)


def netloc(url):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname.lower()}:{port}"


def allowed_hosts():
    """host:port of every configured source URL."""
    return {netloc(url) for source in all_sources() for url in source_urls(source)} - {None}


def check_allowed(url, hosts=None):
    hosts = allowed_hosts() if hosts is None else hosts
    where = netloc(url)
    if where is None or where not in hosts:
        raise ForbiddenHost(f"{url} is not on the allowlist of source hosts", url=url)


def client():
    timeout = httpx.Timeout(
        connect=settings.BANJIA_SCRAPE_CONNECT_TIMEOUT,
        read=settings.BANJIA_SCRAPE_READ_TIMEOUT,
        write=settings.BANJIA_SCRAPE_READ_TIMEOUT,
        pool=settings.BANJIA_SCRAPE_CONNECT_TIMEOUT,
    )
    headers = {
        "User-Agent": settings.BANJIA_SCRAPE_USER_AGENT,
        "Accept": "text/html,application/json,application/xml;q=0.9,*/*;q=0.5",
        "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8",
    }
    return httpx.Client(timeout=timeout, headers=headers, follow_redirects=False)


def backoff(attempt, retry_after=None):
    """Seconds before retry `attempt` (0-based): base x 2^attempt with +-50% jitter, capped."""
    if retry_after is not None:
        return min(BACKOFF_CAP, retry_after)
    base = settings.BANJIA_SCRAPE_BACKOFF * (2**attempt)
    return min(BACKOFF_CAP, base * random.uniform(0.5, 1.5))  # noqa: S311 - jitter, not crypto


def _retry_after(response):
    value = response.headers.get("Retry-After", "")
    return float(value) if re.fullmatch(r"\d+(?:\.\d+)?", value.strip()) else None


def decode(content, content_type=""):
    """Bytes -> text: the declared charset (header, BOM or <meta>), else UTF-8, else GB18030."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace")
    charset = None
    m = re.search(r"charset=([\w-]+)", content_type or "", re.I)
    if m:
        charset = m.group(1)
    else:
        m = re.search(rb"""<meta[^>]+charset=["']?([\w-]+)""", content[:4096], re.I) or re.search(
            rb"""<\?xml[^>]+encoding=["']([\w-]+)""", content[:200], re.I
        )
        if m:
            charset = m.group(1).decode("ascii")
    if charset:
        charset = {"gb2312": "gb18030", "gbk": "gb18030"}.get(charset.lower(), charset)
        try:
            return content.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("gb18030", errors="replace")


def _get(http, url, hosts):
    """One GET following redirects by hand, each hop checked against the allowlist."""
    for _ in range(MAX_REDIRECTS + 1):
        check_allowed(url, hosts)
        with http.stream("GET", url) as response:
            if response.is_redirect:
                url = urljoin(url, response.headers.get("Location", ""))
                continue
            chunks, size = [], 0
            if response.status_code == 200:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > settings.BANJIA_SCRAPE_MAX_BYTES:
                        raise FetchError(
                            f"{url}: larger than {settings.BANJIA_SCRAPE_MAX_BYTES} bytes", url=url
                        )
                    chunks.append(chunk)
            else:
                response.read()
            return response, b"".join(chunks)
    raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects", url=url)


def _robots(http, url, hosts):
    parts = urlsplit(url)
    where = netloc(url)
    cached = _robots_cache.get(where)
    if cached and time.monotonic() - cached[0] < ROBOTS_TTL:
        return cached[1]
    robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
    try:
        response, body = _get(http, robots_url, hosts)
    except ForbiddenHost:
        parser = None  # robots.txt redirects off the allowlist: treat as absent
    except httpx.HTTPError as exc:
        raise FetchError(f"{robots_url}: {exc.__class__.__name__}", transient=True, url=robots_url) from exc
    else:
        if response.status_code >= 500:
            raise FetchError(f"{robots_url}: HTTP {response.status_code}", transient=True, url=robots_url)
        if response.status_code != 200:
            parser = None  # no robots.txt: everything is allowed
        else:
            parser = robotparser.RobotFileParser()
            parser.parse(decode(body).splitlines())
    _robots_cache[where] = (time.monotonic(), parser)
    return parser


def fetch(url, *, hosts=None, http=None):
    """The text of `url`, or FetchError (transient=True for timeouts, 429 and 5xx after retries)."""
    hosts = allowed_hosts() if hosts is None else hosts
    check_allowed(url, hosts)
    own = http is None
    http = http or client()
    try:
        if settings.BANJIA_SCRAPE_ROBOTS:
            parser = _robots(http, url, hosts)
            if parser is not None and not parser.can_fetch(settings.BANJIA_SCRAPE_USER_AGENT, url):
                raise ForbiddenHost(f"{url} is disallowed by robots.txt", url=url)
        attempts = max(1, settings.BANJIA_SCRAPE_ATTEMPTS)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response, body = _get(http, url, hosts)
            except httpx.TimeoutException as exc:
                if last:
                    raise FetchError(
                        f"{url}: timed out ({exc.__class__.__name__})", transient=True, url=url
                    ) from exc
                log.info("fetch %s timed out, retrying", url)
                sleep(backoff(attempt))
                continue
            except httpx.HTTPError as exc:
                raise FetchError(f"{url}: {exc.__class__.__name__}: {exc}", url=url) from exc
            status = response.status_code
            if status == 200:
                return decode(body, response.headers.get("Content-Type", ""))
            if status == 429 or status >= 500:
                if last:
                    raise FetchError(
                        f"{url}: HTTP {status} after {attempts} attempts", transient=True, url=url
                    )
                log.info("fetch %s: HTTP %s, retrying", url, status)
                sleep(backoff(attempt, _retry_after(response) if status == 429 else None))
                continue
            raise FetchError(f"{url}: HTTP {status}", url=url)
    finally:
        if own:
            http.close()
    raise FetchError(f"{url}: no attempt made", url=url)  # unreachable: the loop returns or raises


def clear_robots_cache():
    _robots_cache.clear()

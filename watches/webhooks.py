"""The only code that sends a watch's webhook: where it may go, how it is signed, how it is sent.

A target must be https and every address its name resolves to must be public (not loopback,
private, link-local, shared, multicast or reserved). The name is resolved once per delivery and
the request is made to the checked address itself (Host header and TLS server name carry the
name), so a second lookup cannot point it elsewhere. No redirects; 5 s timeout.
`BANJIA_WEBHOOK_ALLOW_LOOPBACK=1` also admits http:// and https:// to loopback addresses, for
local development and tests only.
"""

import hashlib
import hmac
import ipaddress
import socket
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

TIMEOUT = 5.0  # seconds, connect and read


class UnsafeTarget(ValueError):
    """The URL may not receive webhooks; the message says why."""


class SendError(Exception):
    """The receiver could not be reached or did not answer 2xx."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Banjia-Signature value: sha256=<hex HMAC-SHA256 over "<timestamp>.<raw body>">."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (a seam the tests replace)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def _allowed(ip, loopback_ok):
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return loopback_ok
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def check(url: str) -> tuple[str, list[str]]:
    """(host, addresses) of an acceptable target, resolved now; raises UnsafeTarget."""
    loopback_ok = settings.BANJIA_WEBHOOK_ALLOW_LOOPBACK
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeTarget(_("Not a valid URL.")) from exc
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeTarget(_("The webhook URL must start with https://."))
    if parts.username or parts.password:
        raise UnsafeTarget(_("The webhook URL must not contain a user name or password."))
    host = parts.hostname
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            addresses = [ipaddress.ip_address(a.split("%")[0]) for a in resolve(host, port)]
        except (OSError, UnicodeError) as exc:
            raise UnsafeTarget(_("The host name %(host)s does not resolve.") % {"host": host}) from exc
    if not addresses:
        raise UnsafeTarget(_("The host name %(host)s does not resolve.") % {"host": host})
    for ip in addresses:
        if not _allowed(ip, loopback_ok):
            raise UnsafeTarget(
                _("%(host)s resolves to %(ip)s, a loopback, private, link-local or reserved address.")
                % {"host": host, "ip": ip}
            )
    if parts.scheme == "http" and not (loopback_ok and all(ip.is_loopback for ip in addresses)):
        raise UnsafeTarget(_("The webhook URL must start with https://."))
    return host, [str(ip) for ip in addresses]


def post(url: str, body: bytes, headers: dict) -> int:
    """POST `body` to `url` at the address checked now; returns the 2xx status or raises
    UnsafeTarget (nothing sent) or SendError."""
    host, addresses = check(url)
    parts = urlsplit(url)
    ip = addresses[0]
    literal = f"[{ip}]" if ":" in ip else ip
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    direct = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    host_header = parts.netloc.rsplit("@", 1)[-1]
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    try:
        # trust_env=False: no proxy from the environment; streamed: the answer's body is never read.
        with (
            httpx.Client(timeout=TIMEOUT, follow_redirects=False, trust_env=False) as client,
            client.stream(
                "POST",
                direct,
                content=body,
                headers={**headers, "Host": host_header, "Content-Type": "application/json"},
                extensions=extensions,
            ) as response,
        ):
            status = response.status_code
    except httpx.HTTPError as exc:
        raise SendError(f"{type(exc).__name__}: {exc}") from exc
    if not 200 <= status < 300:
        raise SendError(f"HTTP {status}", status=status)
    return status

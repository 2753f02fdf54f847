"""The only code that sends a watch's webhook: where it may go, how it is signed, how it is sent.

A target must be https and every address its name resolves to must be public (not loopback,
private, link-local, shared, multicast or reserved). The name is resolved once per delivery and
the request is made to the checked address itself (Host header and TLS server name carry the
name), so a second lookup cannot point it elsewhere. No redirects (the answer's status is all that is
read); 5 s for the whole exchange. Written on a plain socket so the deadline covers every step.
`BANJIA_WEBHOOK_ALLOW_LOOPBACK=1` also admits http:// and https:// to loopback addresses, for
local development and tests only.
"""

import hashlib
import hmac
import ipaddress
import re
import socket
import ssl
from time import monotonic
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

TIMEOUT = 5.0  # seconds for the whole exchange
MAX_STATUS_LINE = 8192
STATUS_LINE = re.compile(rb"HTTP/1\.[01] ([1-5][0-9]{2})[ \r]")


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
    if not url.isascii() or not url.isprintable() or " " in url:
        raise UnsafeTarget(_("Not a valid URL."))
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
    UnsafeTarget (nothing sent) or SendError. The whole exchange (connect, TLS, send, the answer's
    status line) has TIMEOUT seconds; the answer's headers and body are not read."""
    host, addresses = check(url)
    parts = urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [
        f"POST {target} HTTP/1.1",
        f"Host: {parts.netloc.rsplit('@', 1)[-1]}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body
    status = _exchange(addresses[0], port, host if https else None, request, monotonic() + TIMEOUT)
    if not 200 <= status < 300:
        raise SendError(f"HTTP {status}", status=status)
    return status


def tls_context():
    """The system's trusted certificates, hostname checked (a seam: tests trust their own CA)."""
    return ssl.create_default_context()


def _exchange(ip, port, tls_host, request, deadline):
    """Send `request` to ip:port (TLS checked against `tls_host`) and read the status code."""

    def left():
        remaining = deadline - monotonic()
        if remaining <= 0:
            raise SendError(f"no answer within {TIMEOUT:g} s")
        return remaining

    try:
        sock = socket.create_connection((ip, port), timeout=left())
    except OSError as exc:
        raise SendError(f"cannot connect to {ip}:{port}: {exc}") from exc
    try:
        if tls_host:
            sock.settimeout(left())
            sock = tls_context().wrap_socket(sock, server_hostname=tls_host)
        sock.settimeout(left())
        sock.sendall(request)  # the timeout bounds the whole send
        answer = b""
        while b"\r\n" not in answer and len(answer) < MAX_STATUS_LINE:
            sock.settimeout(left())
            chunk = sock.recv(1024)
            if not chunk:
                break
            answer += chunk
    except TimeoutError as exc:
        raise SendError(f"no answer within {TIMEOUT:g} s") from exc
    except OSError as exc:  # ssl.SSLError included
        raise SendError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        sock.close()
    match = STATUS_LINE.match(answer)
    if match is None:
        raise SendError("the answer is not HTTP")
    return int(match.group(1))

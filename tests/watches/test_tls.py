"""https webhooks: the request goes to the checked address, and the certificate is verified
against the URL's host name (sent as the TLS server name). A test CA made with the openssl
command; skipped where it is missing."""

import shutil
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from watches import webhooks

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """A CA and a certificate for hook.test signed by it."""
    d = tmp_path_factory.mktemp("tls")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl(
        "req",
        "-x509",
        *ec,
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Banjia test CA",
        cwd=d,
    )
    openssl("req", *ec, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=hook.test", cwd=d)
    (d / "ext").write_text("subjectAltName=DNS:hook.test\n")
    openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "leaf.pem", "-days", "2", "-extfile", "ext", cwd=d)  # fmt: skip
    return d


@pytest.fixture
def tls_receiver(certs, settings, monkeypatch):
    settings.BANJIA_WEBHOOK_ALLOW_LOOPBACK = True
    got = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            got.append(self.headers["Host"])
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certs / "leaf.pem", certs / "leaf.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["127.0.0.1"])
    monkeypatch.setattr(
        webhooks, "tls_context", lambda: ssl.create_default_context(cafile=str(certs / "ca.pem"))
    )
    yield server.server_address[1], got
    server.shutdown()
    server.server_close()


def test_the_certificate_is_checked_against_the_url_host(tls_receiver):
    port, got = tls_receiver
    # hook.test has no DNS entry: the request went to the checked 127.0.0.1, named hook.test in TLS.
    assert webhooks.post(f"https://hook.test:{port}/in", b"{}", {}) == 204
    assert got == [f"hook.test:{port}"]


def test_a_certificate_for_another_name_is_refused(tls_receiver):
    port, got = tls_receiver
    with pytest.raises(webhooks.SendError, match="CERTIFICATE_VERIFY_FAILED|certificate"):
        webhooks.post(f"https://other.test:{port}/in", b"{}", {})
    assert got == []

"""Where webhooks may go, and how they are signed (watches.webhooks)."""

import hashlib
import hmac
import socket

import pytest

from watches import webhooks


def test_signature_is_hmac_sha256_over_timestamp_dot_body():
    body = b'{"event":"price_changed"}'
    # Worked independently: HMAC-SHA256(key="s3cret", msg="1700000000." + body), hex.
    expected = hmac.new(b"s3cret", b'1700000000.{"event":"price_changed"}', hashlib.sha256).hexdigest()
    assert webhooks.sign("s3cret", "1700000000", body) == f"sha256={expected}"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",  # loopback, without the development flag
        "https://127.0.0.1/hook",
        "https://10.0.0.1/hook",  # private
        "https://192.168.1.10/hook",
        "https://169.254.169.254/latest/meta-data",  # link-local (cloud metadata)
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",  # IPv4-mapped loopback
        "https://100.64.0.1/hook",  # shared address space
        "https://240.0.0.1/hook",  # reserved
        "https://localhost/hook",  # a name resolving to loopback
    ],
)
def test_refused_targets(settings, url):
    settings.BANJIA_WEBHOOK_ALLOW_LOOPBACK = False
    with pytest.raises(webhooks.UnsafeTarget):
        webhooks.check(url)


def test_a_name_resolving_to_a_private_address_is_refused(settings, monkeypatch):
    settings.BANJIA_WEBHOOK_ALLOW_LOOPBACK = False
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["93.184.215.14", "10.1.2.3"])
    with pytest.raises(webhooks.UnsafeTarget, match="10.1.2.3"):
        webhooks.check("https://hooks.example.com/x")


def test_https_to_a_public_address_is_accepted(settings, monkeypatch):
    settings.BANJIA_WEBHOOK_ALLOW_LOOPBACK = False
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["93.184.215.14"])
    assert webhooks.check("https://hooks.example.com/x") == ("hooks.example.com", ["93.184.215.14"])


@pytest.mark.parametrize(
    "url", ["http://93.184.215.14/hook", "ftp://93.184.215.14/x", "https://u:p@93.184.215.14/"]
)
def test_plain_http_other_schemes_and_credentials_are_refused(settings, url):
    settings.BANJIA_WEBHOOK_ALLOW_LOOPBACK = True  # even with the flag: it admits loopback only
    with pytest.raises(webhooks.UnsafeTarget):
        webhooks.check(url)


def test_the_flag_admits_loopback_only(settings):
    settings.BANJIA_WEBHOOK_ALLOW_LOOPBACK = True
    assert webhooks.check("http://127.0.0.1:9/hook") == ("127.0.0.1", ["127.0.0.1"])
    with pytest.raises(webhooks.UnsafeTarget):
        webhooks.check("http://10.0.0.1/hook")


def test_the_request_goes_to_the_checked_address_with_the_name_as_host(settings, monkeypatch, receiver):
    """hook.test has no DNS entry: only the checked address can have been used."""
    settings.BANJIA_WEBHOOK_ALLOW_LOOPBACK = True
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["127.0.0.1"])
    status = webhooks.post(f"http://hook.test:{receiver.port}/in?x=1", b"{}", {"X-Test": "1"})
    assert status == 200
    [got] = receiver.requests
    assert got["path"] == "/in?x=1"
    assert got["headers"]["Host"] == f"hook.test:{receiver.port}"


def test_no_request_when_the_name_resolves_to_a_private_address_at_send_time(settings, monkeypatch, receiver):
    settings.BANJIA_WEBHOOK_ALLOW_LOOPBACK = True
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["10.0.0.1"])
    with pytest.raises(webhooks.UnsafeTarget):
        webhooks.post(f"http://hook.test:{receiver.port}/in", b"{}", {})
    assert receiver.requests == []


def test_redirects_are_not_followed(settings, receiver):
    receiver.status = 302
    with pytest.raises(webhooks.SendError, match="HTTP 302"):
        webhooks.post(receiver.url, b"{}", {})
    assert len(receiver.requests) == 1


def test_a_receiver_that_never_answers_times_out(monkeypatch):
    monkeypatch.setattr(webhooks, "TIMEOUT", 0.3)
    with socket.socket() as silent:  # accepts connections (backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        with pytest.raises(webhooks.SendError, match="no answer within 0.3 s"):
            webhooks.post(f"http://127.0.0.1:{port}/hook", b"{}", {})


def test_a_url_with_control_characters_is_refused():
    with pytest.raises(webhooks.UnsafeTarget):
        webhooks.check("http://127.0.0.1:9/hook\r\nX-Injected: 1")

"""The Watch form, confirmation, manage and unsubscribe pages, and the Atom feed."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from offers.catalog.io import import_catalog
from watches import scan, services
from watches.deliver import confirm_token
from watches.models import Change, Subscriber, Watch

from .conftest import catalog

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _catalog():
    import_catalog(catalog())


def ask(client, email="a@example.com", **fields):
    data = {"email": email, "kind": "provider", "provider": "alpha", **fields}
    return client.post(reverse("watches:ask"), data)


def test_the_answer_never_says_whether_the_address_is_known(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = ask(client)
    with django_capture_on_commit_callbacks(execute=True):
        again = ask(client)
    watch = Watch.objects.first()
    services.confirm(watch.pk, "watch")
    with django_capture_on_commit_callbacks(execute=True):
        subscribed = ask(client)
    with django_capture_on_commit_callbacks(execute=True):
        stranger = ask(client, email="b@example.com")

    def text(response):
        # The CSRF tokens are masked anew per response; everything else must be the same.
        return re.sub(r'(X-CSRFToken": "|csrfmiddlewaretoken" value=")[^"]+', "", response.content.decode())

    assert first.status_code == again.status_code == subscribed.status_code == stranger.status_code == 200
    assert "confirmation link is on its way" in text(first)
    assert text(first) == text(again) == text(subscribed) == text(stranger)


def test_one_address_gets_at_most_three_confirmations_a_day(client, django_capture_on_commit_callbacks):
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            assert ask(client, email="victim@example.com").status_code == 200
    # BANJIA_WATCH_EMAILS_PER_ADDRESS = 3: the 4th and 5th asks send (and record) nothing.
    assert len(mail.outbox) == 3
    assert Watch.objects.filter(subscriber__email="victim@example.com").count() == 3


def test_the_form_is_rate_limited_per_client(client, settings, django_capture_on_commit_callbacks):
    settings.BANJIA_WATCH_FORM_RATE_LIMIT = "2/h"
    with django_capture_on_commit_callbacks(execute=True):
        assert ask(client, email="1@example.com").status_code == 200
        assert ask(client, email="2@example.com").status_code == 200
        assert ask(client, email="3@example.com").status_code == 429
    assert len(mail.outbox) == 2


def test_a_bad_address_is_shown_next_to_the_field(client):
    response = ask(client, email="not-an-address")
    assert response.status_code == 400
    assert 'id="watch-email-errors"' in response.content.decode()
    assert not Watch.objects.exists()


def test_an_unknown_vendor_is_refused(client):
    response = ask(client, provider="nobody")
    assert response.status_code == 400
    assert not Watch.objects.exists()


def test_htmx_gets_the_form_region(client):
    response = client.post(
        reverse("watches:ask"),
        {"email": "a@example.com", "kind": "offers", "audience": "openai"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="watch-form"')
    assert "<html" not in body
    assert Watch.objects.get().audience == "openai"


def test_confirmation_links(client):
    watch = services.request_email_watch({"kind": "provider", "provider_slug": "alpha"}, "a@example.com")
    assert client.get(reverse("watches:confirm", args=["forged"])).status_code == 404
    url = reverse("watches:confirm", args=[confirm_token(watch)])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 200
    watch.refresh_from_db()
    assert watch.confirmed_at is not None
    assert watch.state["prices"]  # the baseline taken at confirmation


def test_manage_lists_and_removes(client):
    subject = {"kind": "provider", "provider_slug": "alpha"}
    one = services.request_email_watch(subject, "a@example.com")
    two = services.request_email_watch({"kind": "offers", "audience": ""}, "a@example.com")
    services.request_email_watch(subject, "other@example.com")
    subscriber = Subscriber.objects.get(email="a@example.com")
    page = client.get(subscriber.get_absolute_url()).content.decode()
    assert "vendor alpha" in page
    assert "offers" in page
    assert "other@example.com" not in page
    client.post(subscriber.get_absolute_url(), {"remove": one.key})
    assert Watch.objects.filter(removed_at__isnull=True, subscriber=subscriber).get() == two
    client.post(subscriber.get_absolute_url(), {"remove": "all"})
    assert not Watch.objects.filter(removed_at__isnull=True, subscriber=subscriber).exists()
    assert Watch.objects.filter(removed_at__isnull=True).count() == 1  # the other address's watch


def test_unsubscribe_get_asks_post_removes(client):
    watch = services.request_email_watch({"kind": "provider", "provider_slug": "alpha"}, "a@example.com")
    url = reverse("watches:unsubscribe", args=[watch.key])
    assert client.get(url).status_code == 200
    watch.refresh_from_db()
    assert watch.removed_at is None
    assert (
        client.post(
            url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        ).status_code
        == 200
    )
    watch.refresh_from_db()
    assert watch.removed_at is not None


def test_the_feed_lists_the_watch_changes(client):
    watch = services.request_email_watch({"kind": "provider", "provider_slug": "alpha"}, "a@example.com")
    services.confirm(watch.pk, "watch")
    import_catalog(catalog(alpha_input="0.80"))
    scan.scan()  # the test's transaction never commits, so no on-commit scan ran
    [change] = Change.objects.all()
    watch.refresh_from_db()
    response = client.get(reverse("watches:feed", args=[watch.feed_key]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert "Alpha Alpha 1 Input: 1.00 USD → 0.80 USD per 1M tokens" in body
    assert f"banjia:watch-change:{change.pk}" in body
    assert client.get(reverse("watches:feed", args=["guess"])).status_code == 404


def test_a_mail_server_that_is_down_does_not_break_the_form(
    client, settings, django_capture_on_commit_callbacks
):
    from .conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client)
    assert response.status_code == 200
    assert "confirmation link is on its way" in response.content.decode()


def test_the_watch_page_shows_deliveries_and_removes(client):
    watch, _token, secret = services.create_webhook_watch(
        {"kind": "provider", "provider_slug": "alpha"}, "http://127.0.0.1:9/h"
    )
    Watch.objects.filter(pk=watch.pk).update(
        paused_at="2026-03-01T00:00:00Z", pause_reason="HTTP 500 for a day"
    )
    page = client.get(watch.get_absolute_url()).content.decode()
    assert "HTTP 500 for a day" in page
    assert 'value="resume"' in page
    assert secret not in page
    client.post(watch.get_absolute_url(), {"action": "resume"})
    watch.refresh_from_db()
    assert watch.paused_at is None
    client.post(watch.get_absolute_url(), {"action": "remove"})
    watch.refresh_from_db()
    assert watch.removed_at is not None
    assert client.post(watch.get_absolute_url(), {"action": "other"}).status_code == 404

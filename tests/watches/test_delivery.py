"""Grouping, retries with backoff, the idempotency key, pausing (watches.deliver). Each attempt is
made by calling deliver.send with an explicit `now`: no sleeping, the receiver is real."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from offers.catalog.io import import_catalog
from watches import deliver, scan, services
from watches.models import Change, Delivery, Watch

from .conftest import catalog

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def watch(receiver):
    import_catalog(catalog())
    made, _token, _secret = services.create_webhook_watch(
        {"kind": "provider", "provider_slug": "alpha"}, receiver.url
    )
    return made


def change_price(amount):
    import_catalog(catalog(alpha_input=amount))
    return scan.scan()  # the test transaction never commits: scan by hand


def test_backoff_doubles_from_a_minute_up_to_six_hours():
    assert deliver.backoff(1) == dt.timedelta(minutes=1)
    assert deliver.backoff(2) == dt.timedelta(minutes=2)
    assert deliver.backoff(3) == dt.timedelta(minutes=4)
    # 1 min x 2^9 = 512 min = 8 h 32 min, over the 6-hour cap.
    assert deliver.backoff(10) == dt.timedelta(hours=6)


def test_changes_within_the_window_go_out_together(settings, watch, receiver):
    settings.BANJIA_WATCH_DIGEST_MINUTES = 60
    assert change_price("0.90") == [watch.pk]
    first = deliver.collect(watch.pk, now=T0)
    deliver.send(first.pk, now=T0)
    change_price("0.80")
    change_price("0.70")
    # 10 minutes later: inside the hour, nothing is grouped yet.
    assert deliver.collect(watch.pk, now=T0 + dt.timedelta(minutes=10)) is None
    assert deliver.due_watch_ids(now=T0 + dt.timedelta(minutes=10)) == []
    # 60 minutes after the first message: due, both changes in one delivery.
    later = T0 + dt.timedelta(minutes=60)
    assert deliver.due_watch_ids(now=later) == [watch.pk]
    second = deliver.collect(watch.pk, now=later)
    assert second.changes.count() == 2
    deliver.send(second.pk, now=later)
    summaries = [c["new"]["amount"] for c in receiver.bodies()[1]["changes"]]
    assert summaries == ["0.80", "0.70"]
    assert len(receiver.requests) == 2


def test_a_failing_receiver_is_retried_with_the_same_key(watch, receiver):
    change_price("0.90")
    delivery = deliver.collect(watch.pk, now=T0)
    receiver.status = 500

    deliver.send(delivery.pk, now=T0)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("retrying", 1, 500)
    assert delivery.next_attempt_at == T0 + dt.timedelta(minutes=1)

    # Not due yet: no attempt is made.
    assert deliver.send(delivery.pk, now=T0 + dt.timedelta(seconds=30)) is None
    assert len(receiver.requests) == 1

    t2 = T0 + dt.timedelta(minutes=1)
    deliver.send(delivery.pk, now=t2)
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at == t2 + dt.timedelta(minutes=2)

    receiver.status = 200
    t3 = t2 + dt.timedelta(minutes=2)
    assert deliver.due_delivery_ids(now=t3) == [delivery.pk]
    deliver.send(delivery.pk, now=t3)
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    keys = {r["headers"]["X-Banjia-Delivery"] for r in receiver.requests}
    assert keys == {str(delivery.key)}
    assert len(receiver.requests) == 3
    # A sent delivery is never sent again, whoever asks.
    assert deliver.send(delivery.pk, now=t3 + dt.timedelta(hours=1)) is None
    assert len(receiver.requests) == 3


def test_a_day_of_failures_pauses_the_watch_and_tells_its_contact(
    watch, receiver, django_capture_on_commit_callbacks
):
    Watch.objects.filter(pk=watch.pk).update(contact_email="ops@example.com", contact_confirmed_at=T0)
    change_price("0.90")
    delivery = deliver.collect(watch.pk, now=T0)
    receiver.status = 503
    deliver.send(delivery.pk, now=T0)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=T0 + dt.timedelta(days=1))
    deliver.send(delivery.pk, now=T0 + dt.timedelta(hours=23, minutes=59))  # not due: nothing
    with django_capture_on_commit_callbacks(execute=True):
        deliver.send(delivery.pk, now=T0 + dt.timedelta(days=1))
    delivery.refresh_from_db()
    watch.refresh_from_db()
    assert delivery.status == "failed"
    assert delivery.next_attempt_at is None
    assert watch.paused_at is not None
    assert "HTTP 503" in watch.pause_reason
    [notice] = mail.outbox
    assert notice.to == ["ops@example.com"]
    assert "paused" in notice.subject
    # Paused: later changes are kept, not sent.
    change_price("0.80")
    assert deliver.collect(watch.pk, now=T0 + dt.timedelta(days=2)) is None
    assert Change.objects.filter(delivery__isnull=True).count() == 1
    # Resumed (the receiver fixed): the given-up delivery and the kept change both go out.
    receiver.status = 200
    t = T0 + dt.timedelta(days=3)
    assert deliver.resume(watch, now=t) == 1
    assert deliver.due_delivery_ids(now=t) == [delivery.pk]
    deliver.send(delivery.pk, now=t)
    later = deliver.collect(watch.pk, now=t)
    deliver.send(later.pk, now=t)
    assert [b["changes"][0]["new"]["amount"] for b in receiver.bodies()[-2:]] == ["0.90", "0.80"]


def test_an_unsafe_address_at_send_time_makes_no_request(settings, watch, receiver, monkeypatch):
    change_price("0.90")
    delivery = deliver.collect(watch.pk, now=T0)
    settings.BANJIA_WEBHOOK_ALLOW_LOOPBACK = False  # 127.0.0.1 is now refused
    deliver.send(delivery.pk, now=T0)
    delivery.refresh_from_db()
    assert delivery.status == "retrying"
    assert "loopback" in delivery.last_error
    assert receiver.requests == []


def test_a_removed_watch_gets_nothing(watch, receiver):
    change_price("0.90")
    delivery = deliver.collect(watch.pk, now=T0)
    services.remove(watch)
    deliver.send(delivery.pk, now=T0)
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert receiver.requests == []


def test_an_attempt_left_sending_by_a_dead_worker_is_made_due_again(watch):
    change_price("0.90")
    delivery = deliver.collect(watch.pk, now=T0)
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", created_at=T0)
    assert deliver.due_delivery_ids(now=T0 + dt.timedelta(minutes=5)) == []
    assert deliver.due_delivery_ids(now=T0 + dt.timedelta(minutes=10)) == [delivery.pk]


def test_the_admin_shows_the_delivery_log(admin_client, watch, receiver):
    change_price("0.90")
    delivery = deliver.collect(watch.pk, now=timezone.now())
    deliver.send(delivery.pk)
    page = admin_client.get(f"/admin/watches/watch/{watch.pk}/change/").content.decode()
    assert str(delivery.key) in page
    assert watch.secret not in page


def test_unconfirmed_watches_are_forgotten_after_their_link_expires():
    import_catalog(catalog())
    old = services.request_email_watch({"kind": "provider", "provider_slug": "alpha"}, "a@example.com")
    Watch.objects.filter(pk=old.pk).update(created_at=T0 - dt.timedelta(days=8, minutes=1))
    recent = services.request_email_watch({"kind": "provider", "provider_slug": "alpha"}, "b@example.com")
    Watch.objects.filter(pk=recent.pk).update(created_at=T0 - dt.timedelta(days=7))
    # The link lasts 7 days; a day's grace after that: only the 8-day-old one goes.
    assert deliver.forget_unconfirmed(now=T0) == 1
    assert list(Watch.objects.values_list("pk", flat=True)) == [recent.pk]


def test_a_chinese_reader_gets_the_message_in_chinese():
    import_catalog(catalog())
    watch = services.request_email_watch(
        {"kind": "provider", "provider_slug": "alpha"}, "a@example.com", "zh-hans"
    )
    services.confirm(watch.pk, "watch")
    change_price("0.80")
    delivery = deliver.collect(watch.pk, now=T0)
    deliver.send(delivery.pk, now=T0)
    [message] = mail.outbox  # (the confirmation waits for a commit that never comes)
    assert message.subject == "搬家：厂商 alpha有 1 处变动"
    assert "Alpha Alpha 1 输入：每百万 tokens 1.00 USD → 0.80 USD" in message.body


@pytest.mark.parametrize("name", ["watch", "delivery", "subscriber"])
def test_admin_lists_keep_a_flat_query_count(admin_client, django_assert_max_num_queries, name):
    import_catalog(catalog())
    for n in range(5):
        watch = services.request_email_watch(
            {"kind": "provider", "provider_slug": "alpha"}, f"{n}@example.com"
        )
        Delivery.objects.create(
            watch=watch, key=f"00000000-0000-0000-0000-00000000000{n}", event="price_changed"
        )
    # session, user, count, filtered count, the rows (joined), plus the admin's own few
    with django_assert_max_num_queries(8):
        assert admin_client.get(f"/admin/watches/{name}/").status_code == 200

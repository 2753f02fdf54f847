"""The apply step: history, thresholds, pending review, feeds, vanished prices, idempotence."""

import datetime as dt
from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from offers.models import ExchangeRate, Model, Price
from scrapers import pipeline
from scrapers.apply import apply_observations, apply_rates
from scrapers.base import Observation, ParseError, Rate
from scrapers.models import FeedPrice, ScrapeRun
from tests.factories import ExchangeRateFactory, ModelFactory, PriceFactory, ProviderFactory

pytestmark = pytest.mark.django_db

PAGE = "https://api-docs.deepseek.com/zh-cn/quick_start/pricing"
DEEPSEEK = SimpleNamespace(SLUG="deepseek", KIND="vendor", PROVIDER="deepseek", VENDOR="deepseek")
LITELLM = SimpleNamespace(SLUG="litellm", KIND="feed")
FEED = "https://example.com/feed.json"
TODAY = dt.date(2025, 6, 2)


def obs(
    model,
    kind,
    amount,
    currency="CNY",
    source="deepseek",
    vendor="deepseek",
    provider="deepseek",
    tier=(None, None),
):
    return Observation(source, vendor, provider, model, kind, D(amount), currency, *tier)


def apply(source, items, url=PAGE, on=TODAY):
    origin = {o.slot: url for o in items}
    return apply_observations(source, items, origin, urls=[url], on=on)


@pytest.fixture
def chat():
    model = ModelFactory(provider=ProviderFactory(slug="deepseek"), slug="deepseek-chat")
    PriceFactory(model=model, kind="input", amount=D("100"), currency="CNY", valid_from=dt.date(2025, 1, 1),
                 source_url=PAGE, checked_on=dt.date(2025, 5, 1))  # fmt: skip
    return model


def current(model, kind="input"):
    return Price.objects.get(model=model, kind=kind, status="approved", valid_to__isnull=True)


def test_unchanged_price_only_refreshes_its_checked_date(chat):
    result = apply(DEEPSEEK, [obs("deepseek-chat", "input", "100")])
    row = current(chat)
    assert (row.amount, row.valid_from, row.checked_on) == (D("100"), dt.date(2025, 1, 1), TODAY)
    assert (result.changes, result.pending, result.unchanged) == (0, 0, 1)
    assert Price.objects.count() == 1


def test_change_within_threshold_closes_the_old_row_and_keeps_history(chat):
    # 100 -> 60 is -40%, inside the 50% threshold
    result = apply(DEEPSEEK, [obs("deepseek-chat", "input", "60")])
    old = Price.objects.get(model=chat, amount=D("100"))
    new = current(chat)
    assert old.valid_to == TODAY
    assert (new.amount, new.valid_from, new.method, new.status) == (D("60"), TODAY, "scraped", "approved")
    assert result.changes == 1


def test_change_beyond_threshold_waits_for_review(chat):
    # 100 -> 40 is -60%, beyond 50%
    result = apply(DEEPSEEK, [obs("deepseek-chat", "input", "40")])
    assert current(chat).amount == D("100")  # the live price does not move
    pending = Price.objects.get(status="pending")
    assert (pending.amount, pending.valid_from, pending.method) == (D("40"), TODAY, "scraped")
    assert pending.review_note == "input changed 100 -> 40 CNY (-60%) beyond 50% threshold"
    assert result.pending == 1


def test_threshold_is_a_setting(chat, settings):
    settings.BANJIA_SCRAPE_CHANGE_THRESHOLD = 70
    apply(DEEPSEEK, [obs("deepseek-chat", "input", "40")])  # -60% is within 70%
    assert current(chat).amount == D("40")


def test_new_model_gets_its_model_row_and_pending_prices(chat):
    result = apply(DEEPSEEK, [obs("deepseek-chat", "input", "100"), obs("deepseek-v4-pro", "input", "3"),
                              obs("deepseek-v4-pro", "output", "6")])  # fmt: skip
    model = Model.objects.get(provider__slug="deepseek", slug="deepseek-v4-pro")
    rows = Price.objects.filter(model=model)
    assert {(r.kind, r.amount, r.status) for r in rows} == {
        ("input", D("3"), "pending"),
        ("output", D("6"), "pending"),
    }
    assert {r.review_note for r in rows} == {"new model not in catalog"}
    assert result.notes == [
        "discovered deepseek/deepseek-v4-pro (deepseek): new model, prices pending review"
    ]


def test_new_tier_of_a_known_model_waits_for_review(chat):
    apply(
        DEEPSEEK,
        [obs("deepseek-chat", "input", "100"), obs("deepseek-chat", "input", "200", tier=(32001, None))],
    )
    pending = Price.objects.get(status="pending")
    assert pending.tier_min_input_tokens == 32001
    assert pending.review_note.startswith("new price: input [32001- tokens] not in catalog")


def test_vanished_price_is_kept_and_flagged(chat):
    result = apply(DEEPSEEK, [obs("deepseek-reasoner", "input", "4")])
    row = current(chat)
    assert row.valid_to is None
    assert row.amount == D("100")
    assert row.review_note == "price vanished from the page (kept until reviewed)"
    assert f"vanished deepseek-chat input 100 CNY from {PAGE}" in result.notes


def test_price_from_another_page_is_not_vanished(chat):
    Price.objects.update(source_url="https://example.com/other")
    apply(DEEPSEEK, [obs("deepseek-reasoner", "input", "4")])
    assert current(chat).review_note == ""


def test_feed_disagreement_sends_a_change_to_review(chat):
    # page: 100 -> 80 CNY (-20%, inside the threshold); litellm says 2 USD = 14.2 CNY at 7.1 USD/CNY,
    # and 80 is +463% from 14.2: every feed disagrees beyond 50%
    ExchangeRateFactory(base="USD", quote="CNY", rate=D("7.1"), date=dt.date(2025, 6, 1))
    FeedPrice.objects.create(source="litellm", vendor="deepseek", provider="deepseek", model="deepseek-chat",
                             kind="input", amount=D("2"), currency="USD", seen_on=TODAY)  # fmt: skip
    apply(DEEPSEEK, [obs("deepseek-chat", "input", "80")])
    assert current(chat).amount == D("100")
    pending = Price.objects.get(status="pending")
    assert "disagrees with the feeds (litellm 14.2 CNY)" in pending.review_note


def test_feed_agreement_lets_a_change_through(chat):
    # 11 USD x 7.1 = 78.1 CNY; 80 is +2.4% from it
    ExchangeRateFactory(base="USD", quote="CNY", rate=D("7.1"), date=dt.date(2025, 6, 1))
    FeedPrice.objects.create(source="litellm", vendor="deepseek", provider="deepseek", model="deepseek-chat",
                             kind="input", amount=D("11"), currency="USD", seen_on=TODAY)  # fmt: skip
    apply(DEEPSEEK, [obs("deepseek-chat", "input", "80")])
    assert current(chat).amount == D("80")


def test_feed_cross_check_uses_an_inverse_rate_too(chat):
    # Only CNY/USD 0.125 stored: 1 USD = 1 / 0.125 = 8 CNY; the feed's 10 USD = 80 CNY, the page's
    # 80 CNY agrees (0%), so the change from 100 (-20%) goes live.
    ExchangeRateFactory(base="CNY", quote="USD", rate=D("0.125"), date=dt.date(2025, 6, 1))
    FeedPrice.objects.create(source="litellm", vendor="deepseek", provider="deepseek", model="deepseek-chat",
                             kind="input", amount=D("10"), currency="USD", seen_on=TODAY)  # fmt: skip
    apply(DEEPSEEK, [obs("deepseek-chat", "input", "80")])
    assert current(chat).amount == D("80")


def test_same_input_twice_changes_nothing(chat):
    items = [
        obs("deepseek-chat", "input", "60"),
        obs("deepseek-chat", "output", "7"),
        obs("deepseek-v4", "input", "1"),
    ]
    apply(DEEPSEEK, items)
    snapshot = sorted(Price.objects.values_list("model__slug", "kind", "amount", "status", "valid_from", "valid_to",
                                                "checked_on", "review_note"))  # fmt: skip
    models = Model.objects.count()
    again = apply(DEEPSEEK, items)
    assert sorted(Price.objects.values_list("model__slug", "kind", "amount", "status", "valid_from", "valid_to",
                                            "checked_on", "review_note")) == snapshot  # fmt: skip
    assert Model.objects.count() == models
    assert again.changes == 0
    assert again.notes == []


def test_feeds_never_change_prices_of_vendors_with_their_own_page(chat):
    items = [obs("deepseek-chat", "input", "0.28", currency="USD", source="litellm")]
    apply(LITELLM, items, url=FEED)
    assert Price.objects.count() == 1
    assert FeedPrice.objects.get().amount == D("0.28")


def test_feeds_discover_other_vendors_as_pending(db):
    items = [
        obs(
            "ernie-4.5", "input", "0.55", currency="USD", source="litellm", vendor="qianfan", provider="baidu"
        )
    ]
    apply(LITELLM, items, url=FEED)
    row = Price.objects.get()
    assert (row.status, row.confidence, row.model.provider.slug) == ("pending", "reported", "baidu")
    assert row.review_note == "new model not in catalog (reported by litellm)"


def test_feed_change_for_other_vendor_is_pending_never_live(db):
    model = ModelFactory(provider=ProviderFactory(slug="baidu"), slug="ernie-4.5")
    PriceFactory(model=model, kind="input", amount=D("0.5"), currency="USD")
    apply(LITELLM, [obs("ernie-4.5", "input", "0.55", currency="USD", source="litellm", vendor="qianfan",
                        provider="baidu")], url=FEED)  # fmt: skip
    assert current(model).amount == D("0.5")
    assert Price.objects.get(status="pending").review_note.startswith("input changed 0.5 -> 0.55 USD (+10%)")


def test_rates_upsert_by_day():
    on = dt.date(2025, 5, 9)
    rates = [Rate("ecb", "EUR", "CNY", D("8.1470"), on), Rate("ecb", "USD", "CNY", D("7.240491"), on)]
    origin = {(r.base, r.quote, r.date): "https://ecb.example/x.xml" for r in rates}
    assert apply_rates(rates, origin).changes == 2
    assert apply_rates(rates, origin).changes == 0
    assert ExchangeRate.objects.get(base="USD", quote="CNY").rate == D("7.240491")


def test_broken_page_is_recorded_and_leaves_the_catalog_untouched(chat, tmp_path):
    page = tmp_path / "pricing.html"
    page.write_text("<html><body><main><h1>定价</h1><p>" + "页面改版中。" * 200 + "</p></main></body></html>")
    before = list(Price.objects.values_list("id", "amount", "checked_on", "valid_to"))
    with pytest.raises(ParseError):
        pipeline.run_source("deepseek", from_file=page)
    run = ScrapeRun.objects.get()
    assert (run.source, run.status) == ("deepseek", "parse_error")
    assert "no table whose first cell is 模型/MODEL" in run.error
    assert run.finished_at is not None
    assert run.page_hash
    assert list(Price.objects.values_list("id", "amount", "checked_on", "valid_to")) == before


def test_run_records_counts(chat, tmp_path, fixture_text):
    page = tmp_path / "en.html"
    page.write_text(fixture_text("deepseek-en-peak.html"))
    result = pipeline.run_source("deepseek", from_file=page)
    run = result.run
    # 12 USD observations (2 models x 3 kinds, peak and off-peak); the catalog has deepseek-chat in
    # CNY only: every USD slot is new -> pending
    assert (run.status, run.observations, run.changes, run.pending) == ("ok", 12, 0, 12)
    assert len(run.page_hash) == 64

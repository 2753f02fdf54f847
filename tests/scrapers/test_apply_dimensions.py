"""The apply step with pricing dimensions: service tier, region and time window are part of a slot;
a page without time-of-day prices closes the open window rows."""

import datetime as dt
from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from offers.models import Price
from scrapers.apply import apply_observations
from scrapers.base import Observation, TimeWindow
from tests.factories import ModelFactory, PriceFactory, ProviderFactory

pytestmark = pytest.mark.django_db

PAGE = "https://api-docs.deepseek.com/quick_start/pricing"
DEEPSEEK = SimpleNamespace(SLUG="deepseek", KIND="vendor", PROVIDER="deepseek", VENDOR="deepseek")
TODAY = dt.date(2025, 6, 2)
OFF_PEAK = TimeWindow(start="16:30", end="00:30", tz="UTC")
OFF_PEAK_JSON = {"start": "16:30", "end": "00:30", "tz": "UTC", "days": None}


def obs(model, kind, amount, currency="USD", **dims):
    return Observation("deepseek", "deepseek", "deepseek", model, kind, D(amount), currency, **dims)


def apply(items, on=TODAY):
    return apply_observations(DEEPSEEK, items, {o.slot: PAGE for o in items}, urls=[PAGE], on=on)


@pytest.fixture
def chat():
    """deepseek-chat with a standard all-day input price of 0.27 USD and an off-peak one of 0.135."""
    model = ModelFactory(provider=ProviderFactory(slug="deepseek"), slug="deepseek-chat")
    PriceFactory(model=model, kind="input", amount=D("0.27"), currency="USD", valid_from=dt.date(2025, 1, 1),
                 source_url=PAGE, checked_on=dt.date(2025, 5, 1))  # fmt: skip
    PriceFactory(model=model, kind="input", amount=D("0.135"), currency="USD", valid_from=dt.date(2025, 1, 1),
                 source_url=PAGE, checked_on=dt.date(2025, 5, 1), time_window=OFF_PEAK_JSON)  # fmt: skip
    return model


def open_rows(model, **dims):
    return list(Price.objects.filter(model=model, status="approved", valid_to__isnull=True, **dims))


def test_window_row_matches_its_own_slot(chat):
    # Peak 0.27 and off-peak 0.135 as on the page: both unchanged, nothing closed or pending.
    result = apply(
        [obs("deepseek-chat", "input", "0.27"), obs("deepseek-chat", "input", "0.135", time_window=OFF_PEAK)]
    )
    assert (result.changes, result.pending, result.unchanged) == (0, 0, 2)
    window = Price.objects.get(model=chat, time_window__isnull=False)
    assert (window.amount, window.valid_to, window.checked_on) == (D("0.135"), None, TODAY)
    assert result.notes == []  # neither row counts as vanished


def test_off_peak_change_within_threshold_keeps_its_window(chat):
    # 0.135 -> 0.14 is +3.7% (0.005 / 0.135), within the default threshold: the window row is
    # closed and a new one opens with the same window; the all-day row is untouched.
    result = apply(
        [obs("deepseek-chat", "input", "0.27"), obs("deepseek-chat", "input", "0.14", time_window=OFF_PEAK)]
    )
    assert (result.changes, result.pending, result.unchanged) == (1, 0, 1)
    [new] = open_rows(chat, time_window__isnull=False)
    assert (new.amount, new.valid_from, new.time_window, new.method) == (
        D("0.14"),
        TODAY,
        OFF_PEAK_JSON,
        "scraped",
    )
    assert [r.amount for r in open_rows(chat, time_window__isnull=True)] == [D("0.27")]


def test_page_without_off_peak_rows_closes_open_window_rows(chat):
    result = apply([obs("deepseek-chat", "input", "0.27")])
    window = Price.objects.get(model=chat, time_window__isnull=False)
    assert window.valid_to == TODAY
    assert result.changes == 1
    assert any("closed off-peak price deepseek-chat input 0.135 USD" in n for n in result.notes)
    assert not any(n.startswith("vanished") for n in result.notes)  # closed, not flagged as vanished
    assert window.review_note == ""
    # the all-day row stays current
    assert [r.amount for r in open_rows(chat)] == [D("0.27")]


def test_window_row_starting_today_is_not_closed(chat):
    Price.objects.filter(time_window__isnull=False).update(valid_from=TODAY)
    result = apply([obs("deepseek-chat", "input", "0.27")])
    assert Price.objects.get(model=chat, time_window__isnull=False).valid_to is None
    assert any("starts today: kept" in n for n in result.notes)


def test_batch_and_intl_prices_are_new_slots_next_to_the_standard_one(chat):
    result = apply([
        obs("deepseek-chat", "input", "0.27"),
        obs("deepseek-chat", "input", "0.135", time_window=OFF_PEAK),
        obs("deepseek-chat", "input", "0.135", service_tier="batch"),
        obs("deepseek-chat", "input", "2", currency="CNY", region="intl"),
    ])  # fmt: skip
    assert (result.changes, result.pending, result.unchanged) == (0, 2, 2)
    batch = Price.objects.get(model=chat, service_tier="batch")
    assert (batch.status, batch.amount, batch.region, batch.time_window) == (
        "pending",
        D("0.135"),
        None,
        None,
    )
    assert "batch" in batch.review_note
    intl = Price.objects.get(model=chat, region="intl")
    assert (intl.status, intl.amount, intl.currency, intl.service_tier) == (
        "pending",
        D("2"),
        "CNY",
        "standard",
    )
    assert "region intl" in intl.review_note
    # approving the batch row, then a page at 0.14 (+3.7%): the batch row moves, not the standard one
    Price.objects.filter(pk=batch.pk).update(status="approved", valid_from=dt.date(2025, 5, 1))
    result = apply([obs("deepseek-chat", "input", "0.27"), obs("deepseek-chat", "input", "0.135", time_window=OFF_PEAK),
                    obs("deepseek-chat", "input", "0.14", service_tier="batch")], on=dt.date(2025, 6, 3))  # fmt: skip
    assert result.changes == 1
    assert [r.amount for r in open_rows(chat, service_tier="batch")] == [D("0.14")]
    assert [r.amount for r in open_rows(chat, service_tier="standard", time_window__isnull=True)] == [
        D("0.27")
    ]


def test_same_dimensions_twice_changes_nothing(chat):
    items = [obs("deepseek-chat", "input", "0.27"), obs("deepseek-chat", "input", "0.135", time_window=OFF_PEAK),
             obs("deepseek-chat", "output", "0.55", time_window=OFF_PEAK, region="intl")]  # fmt: skip
    apply(items)
    count = Price.objects.count()
    result = apply(items)
    assert Price.objects.count() == count
    assert (result.changes, result.pending, result.unchanged) == (
        0,
        1,
        2,
    )  # the pending row is refreshed, not duplicated


@pytest.fixture
def banded():
    """deepseek-chat priced by reply length as GLM-4.7 is: output 8 for replies of 0..199 tokens,
    14 for 200 and more (CNY), and a thinking output of 10."""
    model = ModelFactory(provider=ProviderFactory(slug="deepseek"), slug="deepseek-chat")
    for amount, dims in (("8", {"tier_max_output_tokens": 199}), ("14", {"tier_min_output_tokens": 200}),
                         ("10", {"mode": "thinking"})):  # fmt: skip
        PriceFactory(model=model, kind="output", amount=D(amount), currency="CNY", valid_from=dt.date(2025, 1, 1),
                     source_url=PAGE, checked_on=dt.date(2025, 5, 1), **dims)  # fmt: skip
    return model


def test_reply_bands_and_modes_are_slots_of_their_own(banded):
    # The page as stored: all three unchanged, none vanished.
    same = [obs("deepseek-chat", "output", "8", "CNY", tier_max_output_tokens=199),
            obs("deepseek-chat", "output", "14", "CNY", tier_min_output_tokens=200),
            obs("deepseek-chat", "output", "10", "CNY", mode="thinking")]  # fmt: skip
    result = apply(same)
    assert (result.changes, result.pending, result.unchanged) == (0, 0, 3)
    assert result.notes == []
    # The long-reply band 14 -> 14.5 (+3.6%, 0.5 / 14, within the threshold): only that row changes.
    result = apply([same[0], obs("deepseek-chat", "output", "14.5", "CNY", tier_min_output_tokens=200), same[2]],
                   on=TODAY + dt.timedelta(days=1))  # fmt: skip
    assert (result.changes, result.unchanged) == (1, 2)
    [new] = open_rows(banded, tier_min_output_tokens=200)
    assert (new.amount, new.tier_max_output_tokens, new.mode) == (D("14.5"), None, None)
    assert [r.amount for r in open_rows(banded, tier_max_output_tokens=199)] == [D("8")]


def test_a_derived_observation_is_written_derived_with_its_rule(banded):
    rule = 'derived: 50% of the real-time price, by the page\'s rule "Batch调用 半价"'
    apply([obs("deepseek-chat", "output", "7", "CNY", service_tier="batch", confidence="derived", note=rule)])
    row = Price.objects.get(model=banded, service_tier="batch")
    assert (row.status, row.confidence, row.note) == ("pending", "derived", rule)

"""Apply of offer observations: a page read on three days (a small page of our own in Zhipu's
layout), the programme confirmed while the page shows it, a changed offer sent to review, an
offer the page no longer shows ended on the last day it was seen."""

import datetime as dt
from decimal import Decimal as D

import pytest

from offers.models import MigrationProgram
from scrapers import pipeline
from tests.factories import MigrationProgramFactory, ModelFactory, PriceFactory, ProviderFactory

pytestmark = pytest.mark.django_db

PAGE_URL = "https://open.bigmodel.cn/pricing"
JULY_1, JULY_2, JULY_3 = dt.date(2026, 7, 1), dt.date(2026, 7, 2), dt.date(2026, 7, 3)


def page(*, pack="2000万", storage=True):
    banner = f"<div>新用户注册专享 {pack} 免费Tokens资源包 120次 图像和视频资源包</div>" if pack else ""
    cell = "限时免费" if storage else "0.01元"
    return f"""<html><body>{banner}<h2>产品价格</h2><h3>旗舰模型</h3><table>
    <thead><tr><th>模型名称</th><th>上下文 (千tokens)</th><th>输入单价 (百万tokens)</th><th>输出单价 (百万tokens)</th>
    <th>缓存存储 (百万tokens/小时)</th><th>缓存命中 (百万tokens)</th></tr></thead>
    <tbody><tr><td>GLM-4.7</td><td>200K</td><td>4元</td><td>16元</td><td>{cell}</td><td>0.8元</td></tr></tbody>
    </table></body></html>"""


@pytest.fixture
def zhipu():
    provider = ProviderFactory(slug="zhipu")
    model = ModelFactory(provider=provider, slug="glm-4.7")
    # The page's prices, already in the catalog: the runs' counts are the offers'.
    for kind, amount in (("input", "4"), ("cached_input", "0.8"), ("output", "16")):
        PriceFactory(model=model, kind=kind, amount=D(amount), currency="CNY", valid_from=dt.date(2026, 1, 1),
                     source_url=PAGE_URL, checked_on=dt.date(2026, 6, 1))  # fmt: skip
    return provider


def run(tmp_path, text, on):
    path = tmp_path / f"page-{on.isoformat()}.html"
    path.write_text(text, encoding="utf-8")
    return pipeline.run_source("zhipu", from_file=path, on=on).run


def test_a_new_offer_waits_for_review_then_is_confirmed_changed_and_ended(tmp_path, zhipu):
    first = run(tmp_path, page(), JULY_1)
    pack = MigrationProgram.objects.get(slug="zhipu-new-user-pack")
    storage = MigrationProgram.objects.get(slug="zhipu-free-cache-storage")
    # New offers: unpublished until reviewed, first seen and confirmed on the run's day.
    assert (pack.is_published, pack.starts_on, pack.confirmed_on) == (False, JULY_1, JULY_1)
    assert (pack.category, pack.audience, pack.new_users_only, pack.confidence) == ("new_users", None, True,
                                                                                    "official")  # fmt: skip
    assert pack.source_urls == [PAGE_URL]
    benefit = pack.benefits.get()
    # "2000万" = 20,000,000 tokens for the account (no models named: every model)
    assert (benefit.kind, benefit.tokens, benefit.per_model, list(benefit.models.all())) == (
        "free_tokens", 20_000_000, False, [])  # fmt: skip
    assert "新用户注册专享 2000万 免费Tokens资源包" in pack.notes
    # Free cache storage is not a discount on tokens: a promotion without a counted benefit.
    assert (storage.category, storage.benefits.count()) == ("promotion", 0)
    assert first.pending == 2
    assert any("new offer zhipu-new-user-pack" in note for note in first.notes)
    MigrationProgram.objects.update(is_published=True)  # the review: published by an operator

    # Day 2, the same page: confirmed, nothing to review.
    second = run(tmp_path, page(), JULY_2)
    pack.refresh_from_db()
    storage.refresh_from_db()
    assert (pack.confirmed_on, pack.is_published, pack.ends_on) == (JULY_2, True, None)
    assert (storage.confirmed_on, storage.ends_on) == (JULY_2, None)
    assert second.pending == 0

    # Day 3: the pack grew to 3000万, the storage offer is gone.
    third = run(tmp_path, page(pack="3000万", storage=False), JULY_3)
    pack.refresh_from_db()
    storage.refresh_from_db()
    # Changed terms: the page's new amount (30,000,000), unpublished until reviewed, still the
    # offer first seen on July 1.
    assert (pack.is_published, pack.benefits.get().tokens, pack.starts_on, pack.confirmed_on) == (
        False, 30_000_000, JULY_1, JULY_3)  # fmt: skip
    # Ended on the last day the page showed it (July 2), still published as history.
    assert (storage.ends_on, storage.is_published) == (JULY_2, True)
    assert (third.pending, third.changes) == (1, 1)
    assert any("ended zhipu-free-cache-storage" in note for note in third.notes)


def test_a_run_twice_on_one_day_changes_nothing(tmp_path, zhipu):
    run(tmp_path, page(), JULY_1)
    before = list(MigrationProgram.objects.values().order_by("slug"))
    again = run(tmp_path, page(), JULY_1)
    after = list(MigrationProgram.objects.values().order_by("slug"))
    for row in before + after:
        row.pop("updated_at")
    assert before == after
    assert (again.pending, again.changes, again.unchanged) == (0, 0, 5)  # 3 prices, 2 offers


def test_programmes_from_other_sources_are_left_alone(tmp_path, zhipu):
    # The 2024 plan came from the press: a page that never showed it does not end it.
    press = MigrationProgramFactory(provider=zhipu, slug="zhipu-openai-migration-2024",
                                    source_urls=["https://www.tomshardware.com/x"], ends_on=None)  # fmt: skip
    run(tmp_path, page(pack=None, storage=False), JULY_1)
    press.refresh_from_db()
    assert press.ends_on is None


def test_a_page_without_offers_ends_what_it_showed(tmp_path, zhipu):
    run(tmp_path, page(), JULY_1)
    run(tmp_path, page(pack=None, storage=False), JULY_2)
    # Both were last seen on July 1.
    assert dict(MigrationProgram.objects.values_list("slug", "ends_on")) == {
        "zhipu-new-user-pack": JULY_1,
        "zhipu-free-cache-storage": JULY_1,
    }


def test_a_limited_discount_becomes_a_dated_discount_benefit():
    from scrapers.base import Offer
    from scrapers.offer_programs import programs

    offer = Offer(source="alibaba", vendor="alibaba", provider="alibaba", offer="limited_discount",
                  key="limited-discount-qwen3.7-plus", label="Limited-time discount on qwen3.7-plus",
                  models=("qwen3.7-plus",), percent=D("20"), text="qwen3.7-plus：原价 2元 限时8折")  # fmt: skip
    [(provider, program)], notes = programs([offer], {offer.slot: "https://help.aliyun.com/x"},
                                            known_models={("alibaba", "qwen3.7-plus")}, on=JULY_1)  # fmt: skip
    assert (provider, program["slug"], program["category"]) == ("alibaba", "alibaba-limited-discount-qwen3-7-plus",
                                                                 "promotion")  # fmt: skip
    assert (program["starts_on"], program["ends_on"], program["confirmed_on"]) == (JULY_1, None, JULY_1)
    assert program["benefits"] == [{"kind": "discount", "percent": D("20"), "months": None,
                                    "models": ["qwen3.7-plus"], "description": "qwen3.7-plus：原价 2元 限时8折"}]  # fmt: skip
    # An offer on models the catalog does not know is not a programme.
    assert programs([offer], {}, known_models=set(), on=JULY_1)[0] == []

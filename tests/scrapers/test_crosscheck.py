"""The second opinion (issue 16 part 6): `manage.py crosscheck` against the recorded feeds."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from scrapers import crosscheck
from tests.factories import ExchangeRateFactory, priced_model

pytestmark = pytest.mark.django_db

SEED = Path(__file__).resolve().parents[2] / "data" / "catalog.json"


def _feeds(tmp_path, *, openrouter_prompt="0.000001", extra_models_dev=None):
    """Four small feed files in the recorded layout: each prices one model of a made-up vendor (so
    every parser has an entry) and OpenRouter prices z-ai/glm-9 at `openrouter_prompt` USD per
    token (0.000001 = USD 1 per 1M)."""
    feeds = tmp_path / "feeds"
    feeds.mkdir(parents=True)
    (feeds / "litellm-model_prices_and_context_window.json").write_text(json.dumps({
        "other/x": {"litellm_provider": "other", "mode": "chat", "input_cost_per_token": 1e-06,
                    "output_cost_per_token": 2e-06}}))  # fmt: skip
    (feeds / "openrouter-models.json").write_text(json.dumps({"data": [
        {"id": "z-ai/glm-9", "created": 1773100800, "pricing": {"prompt": openrouter_prompt, "completion": "0"}}]}))  # fmt: skip
    models_dev = {"other": {"models": {"x": {"cost": {"input": 1, "output": 2}}}}}
    models_dev.update(extra_models_dev or {})
    (feeds / "models-dev-api.json").write_text(json.dumps(models_dev))
    (feeds / "genai-prices-data.json").write_text(json.dumps([
        {"id": "other", "models": [{"id": "x", "prices": {"input_mtok": 1, "output_mtok": 2}}]}]))  # fmt: skip
    return tmp_path


def _glm9():
    # our official price: CNY 7.2 per 1M input, CNY 0 output (free), since 2026-01-01
    priced_model("zhipu", "glm-9", input="7.2", output="0", currency="CNY", valid_from=dt.date(2026, 1, 1))
    ExchangeRateFactory(base="USD", quote="CNY", rate=Decimal("7.2"), date=dt.date(2026, 1, 1))
    ExchangeRateFactory(base="USD", quote="CNY", rate=Decimal("7.0"), date=dt.date(2026, 6, 1))


def test_one_conversion_by_hand(tmp_path):
    _glm9()
    pages = _feeds(tmp_path)
    # On 2026-03-01 the rate is 7.2 (2026-01-01): USD 1 = CNY 7.2, equal to ours: no disagreement.
    assert crosscheck.run(pages, dt.date(2026, 3, 1), explained_file=tmp_path / "none.json") == []
    # On 2026-07-01 the rate is 7.0 (2026-06-01): USD 1 = CNY 7.0; (7.0 - 7.2) / 7.2 = -2.777...%,
    # over 2%: a disagreement of -2.78%.
    [d] = crosscheck.run(pages, dt.date(2026, 7, 1), explained_file=tmp_path / "none.json")
    assert (d.provider, d.model, d.kind, d.feed, d.feed_vendor) == (
        "zhipu",
        "glm-9",
        "input",
        "openrouter",
        "z-ai",
    )
    assert (d.feed_amount, d.feed_currency, d.feed_converted) == (Decimal("1"), "USD", Decimal("7"))
    assert d.difference_percent == Decimal("-2.78")
    assert (d.ours[0]["amount"], d.ours[0]["currency"]) == (Decimal("7.2"), "CNY")
    assert d.explained is None


def test_within_two_percent_is_no_disagreement(tmp_path):
    _glm9()
    # USD 1.0028 x 7.0 = CNY 7.0196; (7.0196 - 7.2) / 7.2 = -2.5%: a disagreement. USD 1.0106 x 7.0 =
    # CNY 7.0742; (7.0742 - 7.2) / 7.2 = -1.747%: within 2%, none.
    assert len(crosscheck.run(_feeds(tmp_path / "a", openrouter_prompt="0.0000010028"), dt.date(2026, 7, 1),
                              explained_file=tmp_path / "none.json")) == 1  # fmt: skip
    assert crosscheck.run(_feeds(tmp_path / "b", openrouter_prompt="0.0000010106"), dt.date(2026, 7, 1),
                          explained_file=tmp_path / "none.json") == []  # fmt: skip


def test_a_free_price_disagrees_with_any_nonzero_feed_price(tmp_path):
    _glm9()
    pages = _feeds(tmp_path, extra_models_dev={"zhipuai": {"models": {"glm-9": {"cost": {"output": 0.5}}}}})
    [d] = crosscheck.run(pages, dt.date(2026, 3, 1), explained_file=tmp_path / "none.json")
    # ours is 0, the feed's USD 0.5 x 7.2 = CNY 3.6: no percentage of 0, still a disagreement
    assert (d.kind, d.feed, d.feed_converted, d.difference_percent) == (
        "output",
        "models-dev",
        Decimal("3.6"),
        None,
    )


def test_the_command_exits_1_naming_a_planted_disagreement_and_0_once_it_is_explained(tmp_path):
    _glm9()
    pages = _feeds(tmp_path)
    out = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("crosscheck", "--pages", str(pages), "--on", "2026-07-01", stdout=out)
    assert exc.value.returncode == 1
    text = out.getvalue()
    assert "zhipu/glm-9 input: ours 7.2 CNY per 1M" in text
    assert "openrouter (z-ai): 1 USD = 7 CNY (-2.78%); UNEXPLAINED" in text
    out = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "crosscheck", "--pages", str(pages), "--on", "2026-07-01", "--format", "json", stdout=out
        )
    [row] = json.loads(out.getvalue())
    assert (row["model"], row["feed"], row["difference_percent"], row["explained"]) == (
        "glm-9",
        "openrouter",
        "-2.78",
        None,
    )


def test_an_explanation_matches_feed_model_kind_and_amount(tmp_path):
    _glm9()
    pages = _feeds(tmp_path)
    explained = tmp_path / "crosscheck.json"
    entry = {"feed": "openrouter", "vendor": "z-ai", "provider": "zhipu", "model": "glm-9", "kind": "input",
             "feed_amount": "1", "reason": "OpenRouter routes it elsewhere"}  # fmt: skip
    explained.write_text(json.dumps({"explained": [entry]}))
    [d] = crosscheck.run(pages, dt.date(2026, 7, 1), explained_file=explained)
    assert d.explained == "OpenRouter routes it elsewhere"
    # another feed amount is another disagreement: the old explanation no longer holds
    explained.write_text(json.dumps({"explained": [dict(entry, feed_amount="1.5")]}))
    [d] = crosscheck.run(pages, dt.date(2026, 7, 1), explained_file=explained)
    assert d.explained is None
    explained.write_text(json.dumps({"explained": [dict(entry, reason=" ")]}))
    with pytest.raises(crosscheck.CrosscheckError, match=r"explained\[0\]\.reason is required"):
        crosscheck.run(pages, dt.date(2026, 7, 1), explained_file=explained)


def test_a_missing_feed_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="the recorded litellm feed is missing"):
        call_command("crosscheck", "--pages", str(tmp_path), "--on", "2026-07-01", stdout=StringIO())


def test_the_seed_passes(shared_pages):
    call_command("import_catalog", str(SEED), stdout=StringIO())
    out = StringIO()
    call_command(
        "crosscheck", "--pages", str(shared_pages), "--on", "2026-12-06", "--format", "json", stdout=out
    )
    found = json.loads(out.getvalue())
    assert found, "the seed disagrees with the feeds in known, explained ways"
    assert [d for d in found if d["explained"] is None] == []


def test_genai_prices_reads_the_current_entry_and_tiers():
    from scrapers.sources import genai_prices

    doc = [{"id": "openai", "models": [
        {"id": "o9", "prices": [{"prices": {"input_mtok": 10, "output_mtok": 40}},
                                {"constraint": {"start_date": "2025-06-10"}, "prices": {"input_mtok": 2, "output_mtok": 8}},
                                {"constraint": {"start_time": "00:30:00Z", "end_time": "08:30:00Z"},
                                 "prices": {"input_mtok": 1, "output_mtok": 4}}]},
        {"id": "g9", "prices": {"input_mtok": {"base": 3, "tiers": [{"start": 200000, "price": 6}]}}},
    ]}]  # fmt: skip
    got = {(o.model, o.kind, o.amount, o.tier_min_input_tokens, o.tier_max_input_tokens)
           for o in genai_prices.parse(json.dumps(doc))}  # fmt: skip
    # o9: the entry from 2025-06-10 is current (2 / 8); the time-of-day entry is left out.
    # g9: USD 3 up to 200,000 prompt tokens, USD 6 from 200,001.
    assert got == {("o9", "input", Decimal("2"), None, None), ("o9", "output", Decimal("8"), None, None),
                   ("g9", "input", Decimal("3"), None, 200000), ("g9", "input", Decimal("6"), 200001, None)}  # fmt: skip
    assert {o.provider for o in genai_prices.parse(json.dumps(doc))} == {"openai"}

"""The Anthropic pricing parser against its recording (../shared/pages/vendors/anthropic-pricing.md)
and against the layouts it must refuse. Expected values were read by hand off the recorded page."""

from decimal import Decimal as D

import pytest

from scrapers.base import ParseError
from scrapers.sources import anthropic, get

from .conftest import by_slot

PAGE = "vendors/anthropic-pricing.md"


def test_registered():
    assert get("anthropic") is anthropic
    assert anthropic.KIND == "vendor"
    assert anthropic.PROVIDER == "anthropic"
    assert anthropic.URLS == ["https://docs.claude.com/en/docs/about-claude/pricing"]


def test_model_table(recorded):
    obs = anthropic.parse(recorded(PAGE))
    assert {o.currency for o in obs} == {"USD"}
    assert {o.provider for o in obs} == {"anthropic"}
    got = by_slot(obs)
    # "| Claude Opus 4.5 | $5 / MTok | $6.25 / MTok | $10 / MTok | $0.50 / MTok | $25 / MTok |"
    assert got[("claude-opus-4-5", "input", None, None, "USD")] == D("5")
    assert got[("claude-opus-4-5", "cache_write_5m", None, None, "USD")] == D("6.25")
    assert got[("claude-opus-4-5", "cache_write_1h", None, None, "USD")] == D("10")
    assert got[("claude-opus-4-5", "cached_input", None, None, "USD")] == D("0.5")
    assert got[("claude-opus-4-5", "output", None, None, "USD")] == D("25")
    # "| Claude Haiku 3.5 | $0.80 / MTok | $1 / MTok | $1.6 / MTok | $0.08 / MTok | $4 / MTok |"
    assert got[("claude-3-5-haiku-20241022", "cache_write_1h", None, None, "USD")] == D("1.6")
    assert got[("claude-3-5-haiku-20241022", "cached_input", None, None, "USD")] == D("0.08")
    # "| Claude Haiku 3 | $0.25 / MTok | $0.30 / MTok | $0.50 / MTok | $0.03 / MTok | $1.25 / MTok |"
    assert got[("claude-3-haiku-20240307", "cache_write_5m", None, None, "USD")] == D("0.3")
    # "Claude Sonnet 3.7 ([deprecated](...))": the link is not part of the name
    assert got[("claude-3-7-sonnet-20250219", "output", None, None, "USD")] == D("15")
    # "Claude Opus 4" is the alias claude-opus-4-0
    assert got[("claude-opus-4-0", "input", None, None, "USD")] == D("15")
    # 10 models in the table
    assert {o.model for o in obs} == {
        "claude-opus-4-5", "claude-opus-4-1", "claude-opus-4-0", "claude-sonnet-4-5", "claude-sonnet-4-0",
        "claude-3-7-sonnet-20250219", "claude-haiku-4-5", "claude-3-5-haiku-20241022",
        "claude-3-opus-20240229", "claude-3-haiku-20240307",
    }  # fmt: skip


def test_batch_table(recorded):
    got = by_slot(anthropic.parse(recorded(PAGE)), service_tier="batch")
    # "| Claude Opus 4.5 | $2.50 / MTok | $12.50 / MTok |"
    assert got[("claude-opus-4-5", "input", None, None, "USD")] == D("2.5")
    assert got[("claude-opus-4-5", "output", None, None, "USD")] == D("12.5")
    # "| Claude Haiku 3 | $0.125 / MTok | $0.625 / MTok |"
    assert got[("claude-3-haiku-20240307", "input", None, None, "USD")] == D("0.125")
    assert got[("claude-3-haiku-20240307", "output", None, None, "USD")] == D("0.625")
    # Only input and output: the batch table gives no cache prices.
    assert {k[1] for k in got} == {"input", "output"}
    assert len(got) == 20  # 10 models x 2


def test_long_context(recorded):
    obs = anthropic.parse(recorded(PAGE))
    got = by_slot(obs)
    # "When using Claude Sonnet 4 or Sonnet 4.5 ...": "> 200K input tokens | Input: $6 / MTok",
    # "Output: $22.50 / MTok"; the tier starts at 200,001 prompt tokens.
    for model in ("claude-sonnet-4-0", "claude-sonnet-4-5"):
        assert got[(model, "input", 200001, None, "USD")] == D("6")
        assert got[(model, "output", 200001, None, "USD")] == D("22.5")
        # the "≤ 200K" column ($3 / $15) is the untiered row of the model table
        assert got[(model, "input", None, None, "USD")] == D("3")
    tiered = {o.model for o in obs if o.tier_min_input_tokens}
    assert tiered == {"claude-sonnet-4-0", "claude-sonnet-4-5"}
    assert len(obs) == 10 * 5 + 10 * 2 + 2 * 2  # model table + batch table + long context


def test_html_rendering_parses_the_same(recorded):
    page = """<html><body><h2>Model pricing</h2><table>
      <tr><th>Model</th><th>Base Input Tokens</th><th>5m Cache Writes</th><th>1h Cache Writes</th>
          <th>Cache Hits &amp; Refreshes</th><th>Output Tokens</th></tr>
      <tr><td>Claude Sonnet 4.5</td><td>$3 / MTok</td><td>$3.75 / MTok</td><td>$6 / MTok</td>
          <td>$0.30 / MTok</td><td>$15 / MTok</td></tr></table>
      <h3>Batch processing</h3><table><tr><th>Model</th><th>Batch input</th><th>Batch output</th></tr>
      <tr><td>Claude Sonnet 4.5</td><td>$1.50 / MTok</td><td>$7.50 / MTok</td></tr></table>
      <h3>Long context pricing</h3><p>When using Claude Sonnet 4.5 with the
      <a href="/x">1M token context window enabled</a>, requests ...</p>
      <table><tr><th>≤ 200K input tokens</th><th>&gt; 200K input tokens</th></tr>
      <tr><td>Input: $3 / MTok</td><td>Input: $6 / MTok</td></tr>
      <tr><td>Output: $15 / MTok</td><td>Output: $22.50 / MTok</td></tr></table></body></html>"""
    got = by_slot(anthropic.parse(page))
    assert got[("claude-sonnet-4-5", "cache_write_1h", None, None, "USD")] == D("6")
    assert got[("claude-sonnet-4-5", "output", 200001, None, "USD")] == D("22.5")


def test_no_model_table_raises():
    with pytest.raises(ParseError, match="no model pricing table"):
        anthropic.parse("# Pricing\n\nNothing here.\n")


def test_long_context_disagreeing_with_model_table_raises(recorded):
    page = recorded(PAGE).replace("| Input: $3 / MTok |", "| Input: $4 / MTok |")
    with pytest.raises(ParseError, match="long-context table"):
        anthropic.parse(page)


def test_unknown_claude_3_model_raises():
    with pytest.raises(ParseError, match="no known API id"):
        anthropic.model_slug("Claude Haiku 3.9")
    # a new 4.x or later model follows the API's naming rule
    assert anthropic.model_slug("Claude Opus 4.6") == "claude-opus-4-6"


def test_feeds_cross_check_the_page(recorded):
    """LiteLLM and models.dev list Anthropic's models under the same ids: every standard price both
    a feed and the page give agrees (the feeds' claude-sonnet-4-5 is 3 / 0.3 / 15, as the page)."""
    from scrapers.sources import litellm, models_dev

    page = by_slot(anthropic.parse(recorded(PAGE)))
    for feed, path in ((litellm, "feeds/litellm-model_prices_and_context_window.json"),
                       (models_dev, "feeds/models-dev-api.json")):  # fmt: skip
        got = {
            k: v
            for k, v in by_slot([o for o in feed.parse(recorded(path)) if o.provider == "anthropic"]).items()
        }
        shared = set(page) & set(got)
        assert ("claude-sonnet-4-5", "input", None, None, "USD") in shared
        assert {k: page[k] for k in shared} == {k: got[k] for k in shared}

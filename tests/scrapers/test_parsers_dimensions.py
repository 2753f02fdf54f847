"""Service tiers, regions and time windows read off the real recordings in ../shared/pages (read
from there, never copied) and off the project's own hand-made DeepSeek pages.

Expected values were read by hand off the recorded pages; the comment says where."""

from decimal import Decimal as D

import pytest

from scrapers.base import Observation, ParseError, TimeWindow
from scrapers.sources import alibaba, deepseek, minimax, moonshot, openai, tencent, volcengine, zhipu

from .conftest import assert_sane, by_slot, dimensions

UTC_OFF_PEAK = TimeWindow(start="16:30", end="00:30", tz="UTC")
_PARSED = {}


def parsed(source, recorded, path):
    """Each recording is parsed once per test session: the big pages take seconds each."""
    key = (source.SLUG, path)
    if key not in _PARSED:
        _PARSED[key] = source.parse(recorded(path))
    return _PARSED[key]


# (source module, recording, service tier, region, window, slot, amount read by hand)
CASES = [
    # Batch tab, island props {"tier": "batch"}: row [gpt-4o, 1.25, "-", 5]
    (openai, "vendors/openai-pricing.html", "batch", None, None, ("gpt-4o", "input", None, None, "USD"), D("1.25")),
    (openai, "vendors/openai-pricing.html", "batch", None, None, ("gpt-4o", "output", None, None, "USD"), D("5")),
    # Batch pane, rendered table: gpt-5.6-sol long context (>272K) output $22.50
    (openai, "vendors/openai-pricing.html", "batch", None, None, ("gpt-5.6-sol", "output", 272001, None, "USD"),
     D("22.50")),
    # Flex tab props: [gpt-5-mini, 0.125, 0.0125, 1]
    (openai, "vendors/openai-pricing.html", "flex", None, None, ("gpt-5-mini", "cached_input", None, None, "USD"),
     D("0.0125")),
    # "Fast mode" tab (queryValueAliases priority -> fast): props [gpt-4o, 4.25, 2.125, 17]
    (openai, "vendors/openai-pricing.html", "priority", None, None, ("gpt-4o", "output", None, None, "USD"), D("17")),
    # Fast pane, Codex category: "Codex | gpt-5.3-codex | $3.50 | $0.35 | $28.00"
    (openai, "vendors/openai-pricing.html", "priority", None, None, ("gpt-5.3-codex", "input", None, None, "USD"),
     D("3.50")),
    # Z.ai, Text Models: "GLM-5.2 | $1.4 | $0.26 | Limited-time Free | $4.4"
    (zhipu, "vendors/zai-pricing.html", "standard", "intl", None, ("glm-5.2", "input", None, None, "USD"), D("1.4")),
    (zhipu, "vendors/zai-pricing.html", "standard", "intl", None, ("glm-5.2", "output", None, None, "USD"), D("4.4")),
    # bigmodel.cn: "GLM-4-Plus | 高智能旗舰 | 128K | 5 元 / 百万Tokens | 2.5 元 / 百万Tokens" (Batch API 定价)
    (zhipu, "vendors/zhipu-bigmodel-pricing.html", "batch", None, None, ("glm-4-plus", "input", None, None, "CNY"),
     D("2.5")),
    # Kimi international DocTable: ["kimi-k2.6", "1M tokens", $0.16, $0.95, $4.00, ...]
    (moonshot, "vendors/kimi-pricing-chat-k26-en.md", "standard", "intl", None,
     ("kimi-k2.6", "input", None, None, "USD"), D("0.95")),
    (moonshot, "vendors/kimi-pricing-chat-k26-en.md", "standard", "intl", None,
     ("kimi-k2.6", "output", None, None, "USD"), D("4.00")),
    # MiniMax international, Standard tab: "MiniMax-M3 ≤ 512k input tokens | ~~$0.60~~ $0.30 / M tokens"
    (minimax, "vendors/minimax-pricing-en.md", "standard", "intl", None,
     ("minimax-m3", "input", None, 512000, "USD"), D("0.30")),
    # Priority tab: "MiniMax-M3 ≤ 512k input tokens | ~~$0.90~~ $0.45 / M tokens | ~~$3.60~~ $1.80"
    (minimax, "vendors/minimax-pricing-en.md", "priority", "intl", None,
     ("minimax-m3", "output", None, 512000, "USD"), D("1.80")),
    # Tencent Cloud international, 广州 tab: "Deepseek-v3.2 | - | 0.28 | 0.42 | 0.056" (USD)
    (tencent, "vendors/tencent-intl-pricing.html", "standard", "intl", None,
     ("deepseek-v3.2", "output", None, None, "USD"), D("0.42")),
    # Tencent TokenHub 批量任务场景: "GLM-5 | 输入长度（0, 32k] | 2 | 9 | 0.5" (online: 4 | 18 | 1)
    (tencent, "vendors/tencent-tokenhub-cn-pricing.html", "batch", None, None,
     ("glm-5", "output", None, 32000, "CNY"), D("9")),
    # Alibaba 千问Max / 新加坡 / 更多模型: "qwen-max Batch调用 半价 | 国际 | 仅非思考模式 | 无阶梯计价 | 11.743元 | 46.971元"
    (alibaba, "vendors/alibaba-model-studio-pricing.json", "standard", "intl", None,
     ("qwen-max", "input", None, None, "CNY"), D("11.743")),
    # ... and batch at 50% as the section states: 11.743 x 0.5 = 5.8715
    (alibaba, "vendors/alibaba-model-studio-pricing.json", "batch", "intl", None,
     ("qwen-max", "input", None, None, "CNY"), D("5.8715")),
    # 华北2（北京）: "qwen3-max Batch调用 半价 ... 0<Token≤32K | 2.5元 | 10元" -> batch 1.25 / 5
    (alibaba, "vendors/alibaba-model-studio-pricing.json", "batch", None, None,
     ("qwen3-max", "output", None, 32000, "CNY"), D("5")),
    # Volcano Ark 批量推理: "doubao-seed-2.0-pro | 输入长度 [0, 32] | 1.6 | - | 0.64 | - | 8.0"
    (volcengine, "vendors/volcengine-ark-pricing.html", "batch", None, None,
     ("doubao-seed-2.0-pro", "input", None, 32000, "CNY"), D("1.6")),
    (volcengine, "vendors/volcengine-ark-pricing.html", "batch", None, None,
     ("doubao-seed-2.0-pro", "output", None, 32000, "CNY"), D("8.0")),
]  # fmt: skip


@pytest.mark.parametrize(("source", "path", "tier", "region", "window", "slot", "amount"), CASES)
def test_recorded_dimension(recorded, source, path, tier, region, window, slot, amount):
    obs = parsed(source, recorded, path)
    assert_sane(obs)
    assert by_slot(obs, tier, region, window)[slot] == amount


def test_home_prices_keep_region_none(recorded):
    # The mainland pages have no intl rows; the international pages nothing but intl rows.
    assert {o.region for o in parsed(zhipu, recorded, "vendors/zhipu-bigmodel-pricing.html")} == {None}
    assert {o.region for o in parsed(zhipu, recorded, "vendors/zai-pricing.html")} == {"intl"}
    assert {o.region for o in parsed(tencent, recorded, "vendors/tencent-tokenhub-cn-pricing.html")} == {None}
    assert {o.region for o in parsed(moonshot, recorded, "vendors/kimi-pricing-chat-k26.html")} == {None}
    # Alibaba: Beijing stays home (qwen-max 2.4元), Singapore is intl (11.743元); Virginia, Frankfurt
    # and Tokyo are not read: every qwen-max input row is one of these two
    obs = parsed(alibaba, recorded, "vendors/alibaba-model-studio-pricing.json")
    standard = {(o.region, o.amount) for o in obs if o.model == "qwen-max" and o.kind == "input"
                and o.service_tier == "standard"}  # fmt: skip
    assert standard == {(None, D("2.4")), ("intl", D("11.743"))}


def test_openai_tiers_are_separate_rows(recorded):
    obs = parsed(openai, recorded, "vendors/openai-pricing.html")
    got = dimensions(obs)
    # standard as before (164 rows), plus the three other tabs
    assert got[("standard", None, None)] == 164
    assert {tier for tier, _, _ in got} == {"standard", "batch", "flex", "priority"}
    # gpt-4o has no flex price on the page: no flex row invented
    assert ("gpt-4o", "input", None, None, "USD") not in by_slot(obs, "flex")


def test_batch_rows_only_where_the_page_gives_them(recorded):
    obs = parsed(alibaba, recorded, "vendors/alibaba-model-studio-pricing.json")
    batch = by_slot(obs, "batch")
    # qwen3-max-2026-01-23 has no "Batch调用 半价" mark: no batch row
    assert not any(model == "qwen3-max-2026-01-23" for model, *_ in batch)
    # no batch cached input: the page says batch and context cache do not combine
    assert not any(kind == "cached_input" for _, kind, *_ in batch)
    zh = by_slot(parsed(zhipu, recorded, "vendors/zhipu-bigmodel-pricing.html"), "batch")
    # "GLM-4-AirX | 极速推理 | 8K | 10 元 / 百万Tokens | 不支持": no batch price
    assert not any(model == "glm-4-airx" for model, *_ in zh)


def test_deepseek_zh_cn_recording_has_no_window_rows(recorded):
    # The recorded zh-cn page prices all day only: six all-day rows, no off-peak rows
    obs = deepseek.parse(recorded("vendors/deepseek-pricing-zh-cn.html"))
    assert dimensions(obs) == {("standard", None, None): 6}


def test_deepseek_off_peak_rows_english(fixture_text):
    obs = deepseek.parse(fixture_text("variants/ds-en-offpeak-rows.html"))
    peak, off = by_slot(obs), by_slot(obs, window=UTC_OFF_PEAK)
    # "1M INPUT TOKENS (CACHE MISS) | OFF-PEAK | $0.135 | $0.135" / "PEAK | $0.27 | $0.55"
    assert peak[("deepseek-chat", "input", None, None, "USD")] == D("0.27")
    assert off[("deepseek-chat", "input", None, None, "USD")] == D("0.135")
    assert off[("deepseek-reasoner", "output", None, None, "USD")] == D("0.55")
    # the page states no hours: the sourced window, UTC 16:30-00:30 every day
    assert {o.time_window for o in obs} == {None, UTC_OFF_PEAK}
    assert UTC_OFF_PEAK.to_json() == {"start": "16:30", "end": "00:30", "tz": "UTC", "days": None}


def test_deepseek_off_peak_rows_chinese(fixture_text):
    obs = deepseek.parse(fixture_text("variants/ds-zh-offpeak-rows.html"))
    # "百万tokens输出 | 标准时段 | 8元 | 16元" / "优惠时段 | 4元 | 4元"
    assert by_slot(obs)[("deepseek-reasoner", "output", None, None, "CNY")] == D("16")
    assert by_slot(obs, window=UTC_OFF_PEAK)[("deepseek-reasoner", "output", None, None, "CNY")] == D("4")
    assert len(obs) == 12  # 2 models x 3 kinds x (all day, off-peak)


def test_deepseek_hours_stated_on_the_page_win(fixture_text):
    # ds-zh-2024: "优惠时段价格（北京时间 00:30-08:30）"
    obs = deepseek.parse(fixture_text("variants/ds-zh-2024.html"))
    beijing = TimeWindow(start="00:30", end="08:30", tz="Asia/Shanghai")
    assert by_slot(obs, window=beijing)[("deepseek-chat", "cached_input", None, None, "CNY")] == D("0.25")
    # deepseek-en-peak.html footnote: "OFF-PEAK: UTC 16:30-00:30."
    obs = deepseek.parse(fixture_text("deepseek-en-peak.html"))
    assert by_slot(obs, window=UTC_OFF_PEAK)[("deepseek-reasoner", "cached_input", None, None, "USD")] == D(
        "0.035"
    )


def test_deepseek_hours_without_a_zone_are_a_parse_error(fixture_text):
    page = fixture_text("variants/ds-zh-rows-period.html").replace("时段（北京时间）", "时段")
    with pytest.raises(ParseError, match="without a time zone"):
        deepseek.parse(page)


def test_observation_dimensions_are_checked():
    with pytest.raises(ValueError, match="service tier 'turbo'"):
        Observation("x", "x", "x", "m", "input", D(1), "USD", service_tier="turbo")
    with pytest.raises(ValueError, match="region 'eu'"):
        Observation("x", "x", "x", "m", "input", D(1), "USD", region="eu")
    with pytest.raises(ValueError, match="is not HH:MM"):
        TimeWindow(start="24:00", end="08:30", tz="Asia/Shanghai")
    with pytest.raises(ValueError, match="must differ"):
        TimeWindow(start="08:30", end="08:30", tz="UTC")
    # days are kept in week order without repeats, so equal windows are equal slots
    assert TimeWindow("09:00", "18:00", "Asia/Shanghai", ("fri", "mon", "mon")).days == ("mon", "fri")


def test_deepseek_promotional_discount_is_no_time_window(fixture_text):
    # "DISCOUNT" without hours and without a time-of-day word is a promotion, not off-peak: only the
    # peak (all-day) rows are stored, as before time-of-day prices
    page = fixture_text("variants/ds-en-offpeak-rows.html").replace(">OFF-PEAK<", ">PROMOTIONAL DISCOUNT<")
    obs = deepseek.parse(page)
    assert dimensions(obs) == {("standard", None, None): 6}
    assert by_slot(obs)[("deepseek-chat", "input", None, None, "USD")] == D("0.27")

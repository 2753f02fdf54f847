"""Each parser against the real recordings in ../shared/pages (read from there, never copied).

Expected values were read by hand off the recorded pages; the comment says where."""

from decimal import Decimal as D

from scrapers.sources import (
    alibaba,
    deepseek,
    ecb,
    litellm,
    minimax,
    models_dev,
    moonshot,
    openai,
    openrouter,
    tencent,
    volcengine,
    zhipu,
)

from .conftest import assert_sane, by_slot


def test_deepseek_zh_cn(recorded):
    obs = deepseek.parse(recorded("vendors/deepseek-pricing-zh-cn.html"))
    assert_sane(obs)
    got = by_slot(obs)
    # 价格 rows of the one table: 缓存命中 0.02元 / 0.025元, 缓存未命中 1元 / 3元, 输出 2元 / 6元
    assert got[("deepseek-v4-flash", "cached_input", None, None, "CNY")] == D("0.02")
    assert got[("deepseek-v4-flash", "input", None, None, "CNY")] == D("1")
    assert got[("deepseek-v4-pro", "output", None, None, "CNY")] == D("6")
    assert len(obs) == 6  # two models x three kinds
    assert {o.provider for o in obs} == {"deepseek"}


def test_openai(recorded):
    obs = openai.parse(recorded("vendors/openai-pricing.html"))
    assert_sane(obs)
    got = by_slot(obs)
    # Standard tab, text tokens: "gpt-4o  $2.50  $1.25  $10.00" (props row [gpt-4o, 2.5, 1.25, 10])
    assert got[("gpt-4o", "input", None, None, "USD")] == D("2.5")
    assert got[("gpt-4o", "cached_input", None, None, "USD")] == D("1.25")
    assert got[("gpt-4o-mini", "output", None, None, "USD")] == D("0.6")
    # Rendered table: gpt-5.6-sol short context $5.00 ... long context input $10.00, output $45.00;
    # the heading tooltip says short = "≤272K input tokens", long = ">272K input tokens".
    assert got[("gpt-5.6-sol", "input", None, 272000, "USD")] == D("5")
    assert got[("gpt-5.6-sol", "input", 272001, None, "USD")] == D("10")
    assert got[("gpt-5.6-sol", "output", 272001, None, "USD")] == D("45")
    # "gpt-5.5 (<272K context length)  5  0.5  -  30"
    assert got[("gpt-5.5", "output", None, 271999, "USD")] == D("30")
    # The standard slot keeps the standard price; the Batch tab's $1.25 is a batch row (see below).
    assert got[("gpt-4o", "input", None, None, "USD")] != D("1.25")
    # Fine-tuning rows ("o4-mini-2025-04-16 ... $100.00 / hour") are skipped.
    assert not any(o.model.startswith("o4-mini-2025") for o in obs)
    assert len({o.model for o in obs}) >= 50


def test_zhipu_cn(recorded):
    obs = zhipu.parse(recorded("vendors/zhipu-bigmodel-pricing.html"))
    assert_sane(obs)
    got = by_slot(obs)
    # 旗舰模型: "GLM-5.1 | 输入长度 [0, 32) | 6元 | 24元 | 限时免费 | 1.3元" and "[32+) | 8元 | 28元 | ... | 2元"
    assert got[("glm-5.1", "input", None, 31999, "CNY")] == D("6")
    assert got[("glm-5.1", "output", 32000, None, "CNY")] == D("28")
    assert got[("glm-5.1", "cached_input", None, 31999, "CNY")] == D("1.3")
    # GLM-4.7 "输入长度 [0, 32) 输出长度 [0.2+) | 3元 | 14元": an ordinary reply (200 tokens and more);
    # the short-reply row "输出长度 [0, 0.2) | 2元 | 8元" is its own band (test_parsers_billed)
    assert got[("glm-4.7", "output", None, 31999, "CNY")] == D("14")
    # 模型推理: "GLM-4-Plus | 高智能旗舰 | 128K | 5 元 / 百万Tokens": one price for input and output
    assert got[("glm-4-plus", "input", None, None, "CNY")] == D("5")
    assert got[("glm-4-plus", "output", None, None, "CNY")] == D("5")
    # "GLM-4-Flash ... 免费" is free, 0 not absent
    assert got[("glm-4-flash", "input", None, None, "CNY")] == D("0")
    # fine tuning "0.1 元 / 千tokens" and images "0.1 元 / 次" are not token prices of the API
    assert not any(o.model in ("glm-image", "cogview-4", "chatglm3-6b") for o in obs)


def test_zhipu_international(recorded):
    obs = zhipu.parse(recorded("vendors/zai-pricing.html"))
    assert_sane(obs)
    got = by_slot(obs, region="intl")  # the international site: region intl
    # Text Models: "GLM-5.2 | $1.4 | $0.26 | Limited-time Free | $4.4"
    assert got[("glm-5.2", "input", None, None, "USD")] == D("1.4")
    assert got[("glm-5.2", "output", None, None, "USD")] == D("4.4")
    assert {o.currency for o in obs} == {"USD"}


def test_moonshot_family_pages(recorded):
    k26 = by_slot(moonshot.parse(recorded("vendors/kimi-pricing-chat-k26.html")))
    # "kimi-k2.6 | 1M tokens | ¥1.10 | ¥6.50 | ¥27.00 | 262,144 tokens"
    assert k26 == {
        ("kimi-k2.6", "cached_input", None, None, "CNY"): D("1.10"),
        ("kimi-k2.6", "input", None, None, "CNY"): D("6.50"),
        ("kimi-k2.6", "output", None, None, "CNY"): D("27.00"),
    }
    k25 = by_slot(moonshot.parse(recorded("vendors/kimi-pricing-chat-k25.html")))
    # "kimi-k2.5 | 1M tokens | ¥0.70 | ¥4.00 | ¥21.00"
    assert k25[("kimi-k2.5", "input", None, None, "CNY")] == D("4")
    en = by_slot(moonshot.parse(recorded("vendors/kimi-pricing-chat-k26-en.md")), region="intl")
    # DocTable row ["kimi-k2.6", "1M tokens", $0.16, $0.95, $4.00, ...]
    assert en[("kimi-k2.6", "input", None, None, "USD")] == D("0.95")
    assert en[("kimi-k2.6", "cached_input", None, None, "USD")] == D("0.16")


def test_alibaba(recorded):
    obs = alibaba.parse(recorded("vendors/alibaba-model-studio-pricing.json"))
    assert_sane(obs)
    got = by_slot(obs)
    # 千问Max / 华北2（北京）: "qwen-max | 仅非思考模式 | 无阶梯计价 | 2.4元 | 9.6元"
    assert got[("qwen-max", "input", None, None, "CNY")] == D("2.4")
    assert got[("qwen-max", "output", None, None, "CNY")] == D("9.6")
    # qwen3-max (北京): "0<Token≤32K | 2.5元 | 10元", "32K<Token≤128K | 4元 | 16元"
    assert got[("qwen3-max", "input", None, 32000, "CNY")] == D("2.5")
    assert got[("qwen3-max", "output", 32001, 128000, "CNY")] == D("16")
    # "qwen3.7-plus ... 0<Token≤256K | 原价 2元 限时8折 | 原价 8元 ...": the list price shown
    assert got[("qwen3.7-plus", "input", None, 256000, "CNY")] == D("2")
    # Singapore's qwen-max (11.743元) is another region: never read
    assert D("11.743") not in {a for (m, *_), a in got.items() if m == "qwen-max"}
    assert len({o.model for o in obs}) > 100


def test_volcengine(recorded):
    obs = volcengine.parse(recorded("vendors/volcengine-ark-pricing.html"))
    assert_sane(obs)
    got = by_slot(obs)
    # 在线推理（常规）: "doubao-seed-2.0-pro | 输入长度 [0, 32] | 3.2 | - | 0.017 | 0.64 | - | 16.0"
    assert got[("doubao-seed-2.0-pro", "input", None, 32000, "CNY")] == D("3.2")
    assert got[("doubao-seed-2.0-pro", "cached_input", None, 32000, "CNY")] == D("0.64")
    assert got[("doubao-seed-2.0-pro", "output", 128001, 256000, "CNY")] == D("48.0")
    # low latency (9.6 for the same tier: service tier priority) and batch (1.6) are not the standard price
    assert got[("doubao-seed-2.0-pro", "input", None, 32000, "CNY")] not in (D("9.6"), D("1.6"))


def test_tencent(recorded):
    obs = tencent.parse(recorded("vendors/tencent-tokenhub-cn-pricing.html"))
    assert_sane(obs)
    got = by_slot(obs)
    # 广州 tab: "Hy3 | - | 1 | 4 | 0.25"; "Hy3 preview ... 输入长度（0, 16k） | 1.2 | 4 | 0.4"
    assert got[("hy3", "input", None, None, "CNY")] == D("1")
    assert got[("hy3", "cached_input", None, None, "CNY")] == D("0.25")
    assert got[("hy3-preview", "input", None, 15999, "CNY")] == D("1.2")
    assert got[("hy3-preview", "output", 32000, None, "CNY")] == D("8")
    # the 新加坡 tab prices GLM-5.1 at 10.254: not read
    assert got[("glm-5.1", "input", None, 32000, "CNY")] == D("6")
    intl = by_slot(tencent.parse(recorded("vendors/tencent-intl-pricing.html")), region="intl")
    # 广州 tab of the international page: "Deepseek-v3.2 | - | 0.28 | 0.42 | 0.056" (USD)
    assert intl[("deepseek-v3.2", "input", None, None, "USD")] == D("0.28")


def test_minimax(recorded):
    got = by_slot(minimax.parse(recorded("vendors/minimax-token-plan.html")))
    # card "MiniMax-M3 上下文 ≤ 512K 永久五折 | ¥4.2 (struck) ¥2.1 | ¥16.8 (struck) ¥8.4 | ... ¥0.42"
    assert got[("minimax-m3", "input", None, 512000, "CNY")] == D("2.1")
    assert got[("minimax-m3", "output", 512001, 1000000, "CNY")] == D("16.8")
    assert got[("minimax-m2.7", "input", None, None, "CNY")] == D("2.1")
    en = by_slot(minimax.parse(recorded("vendors/minimax-pricing-en.md")), region="intl")
    # Standard tab: "MiniMax-M3 ≤ 512k input tokens | ~~$0.60~~ $0.30 / M tokens"; the Priority tab ($0.45)
    # is a priority row (test_parsers_dimensions)
    assert en[("minimax-m3", "input", None, 512000, "USD")] == D("0.30")
    assert en[("minimax-m2.5", "cached_input", None, None, "USD")] == D("0.03")


def test_litellm(recorded):
    obs = litellm.parse(recorded("feeds/litellm-model_prices_and_context_window.json"))
    assert_sane(obs)
    got = {(o.vendor, o.model, o.kind, o.tier_min_input_tokens, o.tier_max_input_tokens): o for o in obs}
    # "deepseek/deepseek-chat": input_cost_per_token 2.8e-07 -> 0.28 per 1M; output 4.2e-07 -> 0.42
    chat = got[("deepseek", "deepseek-chat", "input", None, None)]
    assert (chat.amount, chat.provider, chat.currency) == (D("0.28"), "deepseek", "USD")
    assert got[("deepseek", "deepseek-chat", "output", None, None)].amount == D("0.42")
    # "dashscope/qwen-flash" tiered_pricing range [256000, 1000000]: input 2.5e-07 -> 0.25
    tier = got[("dashscope", "qwen-flash", "input", 256001, 1000000)]
    assert (tier.amount, tier.provider) == (D("0.25"), "alibaba")
    # "gpt-4o": 2.5e-06 -> 2.5; vendors unknown to the catalog keep provider null
    assert got[("openai", "gpt-4o", "input", None, None)].amount == D("2.5")
    assert got[("azure", "gpt-4o", "input", None, None)].provider is None


def test_openrouter(recorded):
    obs = openrouter.parse(recorded("feeds/openrouter-models.json"))
    assert_sane(obs)
    got = {(o.vendor, o.model, o.kind): o for o in obs}
    # "deepseek/deepseek-v4-pro": prompt "0.000000435" -> 0.435, completion "0.00000087" -> 0.87
    assert got[("deepseek", "deepseek-v4-pro", "input")].amount == D("0.435")
    assert got[("deepseek", "deepseek-v4-pro", "output")].amount == D("0.87")
    assert got[("deepseek", "deepseek-v4-pro", "cached_input")].amount == D("0.003625")
    assert got[("z-ai", next(m for v, m, k in got if v == "z-ai"), "input")].provider == "zhipu"
    assert not any(o.model.endswith(":free") for o in obs)


def test_models_dev(recorded):
    obs = models_dev.parse(recorded("feeds/models-dev-api.json"))
    assert_sane(obs)
    got = {(o.vendor, o.model, o.kind, o.tier_min_input_tokens, o.tier_max_input_tokens): o for o in obs}
    # deepseek.models["deepseek-chat"].cost = {input 0.14, output 0.28, cache_read 0.0028}
    assert got[("deepseek", "deepseek-chat", "input", None, None)].amount == D("0.14")
    assert got[("deepseek", "deepseek-chat", "cached_input", None, None)].amount == D("0.0028")
    # alibaba-cn qwen-plus: input 0.115 (USD per 1M, as the feed says even for -cn)
    qp = got[("alibaba-cn", "qwen-plus", "input", None, None)]
    assert (qp.amount, qp.provider, qp.currency) == (D("0.115"), "alibaba", "USD")
    # 302ai gpt-5.4: tiers [{input 5, tier size 272000}] -> base up to 272000, then from 272001
    assert got[("302ai", "gpt-5.4", "input", None, 272000)].amount == D("2.5")
    assert got[("302ai", "gpt-5.4", "input", 272001, None)].amount == D("5")


def test_ecb(recorded):
    rates = ecb.parse(recorded("fx/ecb-eurofxref-daily-2025-05-09.xml"))
    got = {(r.base, r.quote): r for r in rates}
    # <Cube time="2025-05-09"> <Cube currency="USD" rate="1.1252"/> <Cube currency="CNY" rate="8.1470"/>
    assert got[("EUR", "USD")].rate == D("1.1252")
    assert got[("EUR", "CNY")].rate == D("8.1470")
    assert str(got[("EUR", "CNY")].date) == "2025-05-09"
    # USD/CNY = 8.1470 / 1.1252 = 7.24049057... -> 7.240491 (6 places)
    assert got[("USD", "CNY")].rate == D("7.240491")
    assert all(r.rate > 0 for r in rates)

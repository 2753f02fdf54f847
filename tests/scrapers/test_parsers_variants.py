"""Hand-written variants of every source (older and newer layouts, other languages, units, tier
spellings, full-width and invisible characters) run through the CLI exactly as a checker would:
`scrape SLUG --from-file F --dry-run --format json`. Expected rows are read off the fixtures by hand;
each table lists vendor, provider, model, kind, amount, currency, tier_min, tier_max."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

VARIANTS = Path(__file__).parent / "fixtures" / "variants"
BASE_KEYS = ["source", "vendor", "provider", "model", "kind", "amount", "currency", "tier_min_input_tokens",
             "tier_max_input_tokens"]  # fmt: skip
KEYS = BASE_KEYS + ["service_tier", "region", "time_window", "tier_min_output_tokens", "tier_max_output_tokens",
                    "mode", "confidence", "note"]  # fmt: skip
CATALOG_SLUGS = {"openai", "anthropic", "zhipu", "baidu", "alibaba", "tencent", "moonshot", "deepseek", "volcengine", "minimax",
                 "sensetime", "baichuan", "01ai", "iflytek", "stepfun"}  # fmt: skip

EXPECTED = {
    # STANDARD PRICE rows all day, DISCOUNT PRICE rows a window from their label '(UTC 16:30-00:30)'; MAX OUTPUT TOKENS 8K is a limit, not a price; 'MODEL(1)' is the model label
    "ds-en-2025.html": (
        "deepseek",
        """
        deepseek deepseek deepseek-chat input 0.27 USD None None
        deepseek deepseek deepseek-chat input 0.135 USD None None window=16:30-00:30@UTC
        deepseek deepseek deepseek-chat cached_input 0.07 USD None None
        deepseek deepseek deepseek-chat cached_input 0.035 USD None None window=16:30-00:30@UTC
        deepseek deepseek deepseek-chat output 1.1 USD None None
        deepseek deepseek deepseek-chat output 0.55 USD None None window=16:30-00:30@UTC
        deepseek deepseek deepseek-reasoner input 0.55 USD None None
        deepseek deepseek deepseek-reasoner input 0.135 USD None None window=16:30-00:30@UTC
        deepseek deepseek deepseek-reasoner cached_input 0.14 USD None None
        deepseek deepseek deepseek-reasoner cached_input 0.035 USD None None window=16:30-00:30@UTC
        deepseek deepseek deepseek-reasoner output 2.19 USD None None
        deepseek deepseek deepseek-reasoner output 0.55 USD None None window=16:30-00:30@UTC
""",
    ),
    # hand-made, the current table shape with OFF-PEAK / PEAK sub-rows and no hours on the page: the window is
    # deepseek.OFF_PEAK_WINDOW (UTC 16:30-00:30, from the genai-prices feed)
    "ds-en-offpeak-rows.html": (
        "deepseek",
        """
        deepseek deepseek deepseek-chat input 0.27 USD None None
        deepseek deepseek deepseek-chat input 0.135 USD None None window=16:30-00:30@UTC
        deepseek deepseek deepseek-chat cached_input 0.07 USD None None
        deepseek deepseek deepseek-chat cached_input 0.035 USD None None window=16:30-00:30@UTC
        deepseek deepseek deepseek-chat output 1.1 USD None None
        deepseek deepseek deepseek-chat output 0.55 USD None None window=16:30-00:30@UTC
        deepseek deepseek deepseek-reasoner input 0.55 USD None None
        deepseek deepseek deepseek-reasoner input 0.135 USD None None window=16:30-00:30@UTC
        deepseek deepseek deepseek-reasoner cached_input 0.14 USD None None
        deepseek deepseek deepseek-reasoner cached_input 0.035 USD None None window=16:30-00:30@UTC
        deepseek deepseek deepseek-reasoner output 2.19 USD None None
        deepseek deepseek deepseek-reasoner output 0.55 USD None None window=16:30-00:30@UTC
""",
    ),
    # the same with Chinese labels 标准时段 / 优惠时段, CNY: 标准时段 all day, 优惠时段 the sourced window
    "ds-zh-offpeak-rows.html": (
        "deepseek",
        """
        deepseek deepseek deepseek-chat input 2 CNY None None
        deepseek deepseek deepseek-chat input 1 CNY None None window=16:30-00:30@UTC
        deepseek deepseek deepseek-chat cached_input 0.5 CNY None None
        deepseek deepseek deepseek-chat cached_input 0.25 CNY None None window=16:30-00:30@UTC
        deepseek deepseek deepseek-chat output 8 CNY None None
        deepseek deepseek deepseek-chat output 4 CNY None None window=16:30-00:30@UTC
        deepseek deepseek deepseek-reasoner input 4 CNY None None
        deepseek deepseek deepseek-reasoner input 1 CNY None None window=16:30-00:30@UTC
        deepseek deepseek deepseek-reasoner cached_input 1 CNY None None
        deepseek deepseek deepseek-reasoner cached_input 0.25 CNY None None window=16:30-00:30@UTC
        deepseek deepseek deepseek-reasoner output 16 CNY None None
        deepseek deepseek deepseek-reasoner output 4 CNY None None window=16:30-00:30@UTC
""",
    ),
    # 标准时段 rows all day, 优惠时段 rows a window from their label '（北京时间 00:30-08:30）'; ０.５元 (full-width) = 0.5; 4\u200b元 = 4; 最大输出长度 8K is a limit
    "ds-zh-2024.html": (
        "deepseek",
        """
        deepseek deepseek deepseek-chat input 2 CNY None None
        deepseek deepseek deepseek-chat input 1 CNY None None window=00:30-08:30@Asia/Shanghai
        deepseek deepseek deepseek-chat cached_input 0.5 CNY None None
        deepseek deepseek deepseek-chat cached_input 0.25 CNY None None window=00:30-08:30@Asia/Shanghai
        deepseek deepseek deepseek-chat output 8 CNY None None
        deepseek deepseek deepseek-chat output 4 CNY None None window=00:30-08:30@Asia/Shanghai
        deepseek deepseek deepseek-reasoner input 4 CNY None None
        deepseek deepseek deepseek-reasoner input 1 CNY None None window=00:30-08:30@Asia/Shanghai
        deepseek deepseek deepseek-reasoner cached_input 1 CNY None None
        deepseek deepseek deepseek-reasoner cached_input 0.25 CNY None None window=00:30-08:30@Asia/Shanghai
        deepseek deepseek deepseek-reasoner output 16 CNY None None
        deepseek deepseek deepseek-reasoner output 4 CNY None None window=00:30-08:30@Asia/Shanghai
""",
    ),
    # US$0.0028 and '$\xa00.0035' read as USD; feature and concurrency rows are not prices
    "ds-en-current.html": (
        "deepseek",
        """
        deepseek deepseek deepseek-v4-flash input 0.14 USD None None
        deepseek deepseek deepseek-v4-flash cached_input 0.0028 USD None None
        deepseek deepseek deepseek-v4-flash output 0.28 USD None None
        deepseek deepseek deepseek-v4-pro input 0.42 USD None None
        deepseek deepseek deepseek-v4-pro cached_input 0.0035 USD None None
        deepseek deepseek deepseek-v4-pro output 0.84 USD None None
""",
    ),
    # models as rows with a 时段（北京时间） column: 标准时段 all day whichever comes first; 优惠时段 rows a window,
    # '优惠时段（00:30-08:30）' in Beijing time from the header; a bare '优惠时段' row takes the hours the page states
    "ds-zh-rows-period.html": (
        "deepseek",
        """
        deepseek deepseek deepseek-chat input 2 CNY None None
        deepseek deepseek deepseek-chat input 1 CNY None None window=00:30-08:30@Asia/Shanghai
        deepseek deepseek deepseek-chat cached_input 0.5 CNY None None
        deepseek deepseek deepseek-chat cached_input 0.25 CNY None None window=00:30-08:30@Asia/Shanghai
        deepseek deepseek deepseek-chat output 8 CNY None None
        deepseek deepseek deepseek-chat output 4 CNY None None window=00:30-08:30@Asia/Shanghai
        deepseek deepseek deepseek-reasoner input 4 CNY None None
        deepseek deepseek deepseek-reasoner input 1 CNY None None window=00:30-08:30@Asia/Shanghai
        deepseek deepseek deepseek-reasoner cached_input 1 CNY None None
        deepseek deepseek deepseek-reasoner cached_input 0.25 CNY None None window=00:30-08:30@Asia/Shanghai
        deepseek deepseek deepseek-reasoner output 16 CNY None None
        deepseek deepseek deepseek-reasoner output 4 CNY None None window=00:30-08:30@Asia/Shanghai
""",
    ),
    # moonshot-v1 family page: ￥ and ¥ both CNY, per 1M tokens from the 计费单位 column
    "kimi-v1.html": (
        "moonshot",
        """
        moonshot moonshot moonshot-v1-128k input 10 CNY None None
        moonshot moonshot moonshot-v1-128k output 30 CNY None None
        moonshot moonshot moonshot-v1-32k input 5 CNY None None
        moonshot moonshot moonshot-v1-32k output 20 CNY None None
        moonshot moonshot moonshot-v1-8k input 2 CNY None None
        moonshot moonshot moonshot-v1-8k output 10 CNY None None
        moonshot moonshot moonshot-v1-8k-vision-preview input 2 CNY None None
        moonshot moonshot moonshot-v1-8k-vision-preview output 10 CNY None None
""",
    ),
    # one 价格 column (unit 1M tokens in 计费单位): the same price for input and output
    "kimi-2024-single.html": (
        "moonshot",
        """
        moonshot moonshot moonshot-v1-128k input 60 CNY None None
        moonshot moonshot moonshot-v1-128k output 60 CNY None None
        moonshot moonshot moonshot-v1-32k input 24 CNY None None
        moonshot moonshot moonshot-v1-32k output 24 CNY None None
        moonshot moonshot moonshot-v1-8k input 12 CNY None None
        moonshot moonshot moonshot-v1-8k output 12 CNY None None
""",
    ),
    # 0.012元 per 1K tokens x 1000 = 12 per 1M; 0.024 x 1000 = 24
    "kimi-per-k.html": (
        "moonshot",
        """
        moonshot moonshot moonshot-v1-32k input 24 CNY None None
        moonshot moonshot moonshot-v1-32k output 24 CNY None None
        moonshot moonshot moonshot-v1-8k input 12 CNY None None
        moonshot moonshot moonshot-v1-8k output 12 CNY None None
""",
    ),
    # English family page in USD: the international page, region intl
    "kimi-en-k27.html": (
        "moonshot",
        """
        moonshot moonshot kimi-k2.7-code input 0.6 USD None None region=intl
        moonshot moonshot kimi-k2.7-code cached_input 0.1 USD None None region=intl
        moonshot moonshot kimi-k2.7-code output 2.5 USD None None region=intl
        moonshot moonshot kimi-k2.7-code-highspeed input 1.2 USD None None region=intl
        moonshot moonshot kimi-k2.7-code-highspeed cached_input 0.2 USD None None region=intl
        moonshot moonshot kimi-k2.7-code-highspeed output 5 USD None None region=intl
""",
    ),
    # 免费 cells are 0 (free), not absent
    "kimi-k2-turbo-free.html": (
        "moonshot",
        """
        moonshot moonshot kimi-k2-0905-preview input 4 CNY None None
        moonshot moonshot kimi-k2-0905-preview cached_input 1 CNY None None
        moonshot moonshot kimi-k2-0905-preview output 16 CNY None None
        moonshot moonshot kimi-k2-thinking-lite input 0 CNY None None
        moonshot moonshot kimi-k2-thinking-lite cached_input 0 CNY None None
        moonshot moonshot kimi-k2-thinking-lite output 0 CNY None None
        moonshot moonshot kimi-k2-turbo-preview input 8 CNY None None
        moonshot moonshot kimi-k2-turbo-preview cached_input 1 CNY None None
        moonshot moonshot kimi-k2-turbo-preview output 58 CNY None None
""",
    ),
    # per-1K prices x 1000: 0.1 -> 100, 0.001 -> 1, ０.００１元／千tokens -> 1, embedding 0.0005 -> 0.5 (input only); 模型微调 skipped
    "zhipu-2024.html": (
        "zhipu",
        """
        zhipu zhipu embedding-3 input 0.5 CNY None None
        zhipu zhipu glm-4-0520 input 100 CNY None None
        zhipu zhipu glm-4-0520 output 100 CNY None None
        zhipu zhipu glm-4-air input 1 CNY None None
        zhipu zhipu glm-4-air output 1 CNY None None
        zhipu zhipu glm-4-flash input 0 CNY None None
        zhipu zhipu glm-4-flash output 0 CNY None None
        zhipu zhipu glm-4-long input 1 CNY None None
        zhipu zhipu glm-4-long output 1 CNY None None
""",
    ),
    # tier spellings: (0, 32K] / (32K, 128K] / 128K以上 / ≤32K / >32K / 0-32k / 32k-128k; full-width ８ = 8
    "zhipu-tiers.html": (
        "zhipu",
        """
        zhipu zhipu glm-4.5 input 2 CNY None 32000
        zhipu zhipu glm-4.5 input 3 CNY 32001 128000
        zhipu zhipu glm-4.5 input 4 CNY 128001 None
        zhipu zhipu glm-4.5 cached_input 0.4 CNY None 32000
        zhipu zhipu glm-4.5 cached_input 0.6 CNY 32001 128000
        zhipu zhipu glm-4.5 cached_input 0.8 CNY 128001 None
        zhipu zhipu glm-4.5 output 8 CNY None 32000
        zhipu zhipu glm-4.5 output 14 CNY 32001 128000
        zhipu zhipu glm-4.5 output 16 CNY 128001 None
        zhipu zhipu glm-4.5-air input 0.8 CNY None 32000
        zhipu zhipu glm-4.5-air input 1.2 CNY 32001 None
        zhipu zhipu glm-4.5-air cached_input 0.16 CNY None 32000
        zhipu zhipu glm-4.5-air cached_input 0.24 CNY 32001 None
        zhipu zhipu glm-4.5-air output 2 CNY None 32000
        zhipu zhipu glm-4.5-air output 8 CNY 32001 None
        zhipu zhipu glm-4.5-x input 8 CNY None 32000
        zhipu zhipu glm-4.5-x input 12 CNY 32001 128000
        zhipu zhipu glm-4.5-x output 16 CNY None 32000
        zhipu zhipu glm-4.5-x output 32 CNY 32001 128000
""",
    ),
    # Free -> 0; '\\' cache cells absent; the Price-only image table is not a token price
    # every price in USD: the vendor's international page, region intl
    "zai-en.html": (
        "zhipu",
        """
        zhipu zhipu glm-4-32b-0414-128k input 0.1 USD None None region=intl
        zhipu zhipu glm-4-32b-0414-128k output 0.1 USD None None region=intl
        zhipu zhipu glm-4.5-flash input 0 USD None None region=intl
        zhipu zhipu glm-4.5-flash cached_input 0 USD None None region=intl
        zhipu zhipu glm-4.5-flash output 0 USD None None region=intl
        zhipu zhipu glm-4.6 input 0.6 USD None None region=intl
        zhipu zhipu glm-4.6 cached_input 0.11 USD None None region=intl
        zhipu zhipu glm-4.6 output 2.2 USD None None region=intl
""",
    ),
    # 每千Token x 1000: 0.02 -> 20, 0.06 -> 60, 0.0008 -> 0.8, 0.0003 -> 0.3, 0.0005 -> 0.5; embedding 0.0007/千 -> 0.7 input only
    "ali-2024.html": (
        "alibaba",
        """
        alibaba alibaba qwen-long input 0.5 CNY None None
        alibaba alibaba qwen-long output 2 CNY None None
        alibaba alibaba qwen-max input 20 CNY None None
        alibaba alibaba qwen-max output 60 CNY None None
        alibaba alibaba qwen-plus input 0.8 CNY None None
        alibaba alibaba qwen-plus output 2 CNY None None
        alibaba alibaba qwen-turbo input 0.3 CNY None None
        alibaba alibaba qwen-turbo output 0.6 CNY None None
        alibaba alibaba text-embedding-v3 input 0.7 CNY None None
""",
    ),
    # no mainland region: the first region (Singapore) only, as region intl; 'No tiered pricing' is no tier
    "ali-intl.json": (
        "alibaba",
        """
        alibaba alibaba qwen-max input 1.6 USD None None region=intl
        alibaba alibaba qwen-max output 6.4 USD None None region=intl
        alibaba alibaba qwen3-max input 1.2 USD None 32000 region=intl
        alibaba alibaba qwen3-max input 2.4 USD 32001 128000 region=intl
        alibaba alibaba qwen3-max output 6 USD None 32000 region=intl
        alibaba alibaba qwen3-max output 12 USD 32001 128000 region=intl
""",
    ),
    # 0<Token≤128K -> (None, 128000); 128K<Token≤256K -> (128001, 256000); output per mode: the 非思考模式 column
    # (2 / 20 / 48) non_thinking, the 思考模式 column (8 / 24 / 64) thinking; 新加坡 is region intl in the currency
    # written (2.936元 / 8.807元), its one output column any mode
    "ali-tiers.html": (
        "alibaba",
        """
        alibaba alibaba qwen-plus input 0.8 CNY None 128000
        alibaba alibaba qwen-plus input 2.4 CNY 128001 256000
        alibaba alibaba qwen-plus input 4.8 CNY 256001 1000000
        alibaba alibaba qwen-plus input 2.936 CNY None 256000 region=intl
        alibaba alibaba qwen-plus output 8 CNY None 128000 mode=thinking
        alibaba alibaba qwen-plus output 2 CNY None 128000 mode=non_thinking
        alibaba alibaba qwen-plus output 24 CNY 128001 256000 mode=thinking
        alibaba alibaba qwen-plus output 20 CNY 128001 256000 mode=non_thinking
        alibaba alibaba qwen-plus output 64 CNY 256001 1000000 mode=thinking
        alibaba alibaba qwen-plus output 48 CNY 256001 1000000 mode=non_thinking
        alibaba alibaba qwen-plus output 8.807 CNY None 256000 region=intl
""",
    ),
    # 计费项 rows: 输入 / 输出 / 输入/输出; 0.03元/千token x 1000 = 30, 0.10 -> 100, 0.0045 -> 4.5, 0.005 -> 5
    "tencent-2024.html": (
        "tencent",
        """
        tencent tencent hunyuan-embedding input 0.7 CNY None None
        tencent tencent hunyuan-lite input 0 CNY None None
        tencent tencent hunyuan-lite output 0 CNY None None
        tencent tencent hunyuan-pro input 30 CNY None None
        tencent tencent hunyuan-pro output 100 CNY None None
        tencent tencent hunyuan-standard input 4.5 CNY None None
        tencent tencent hunyuan-standard output 5 CNY None None
""",
    ),
    # 'Condition (tokens)' column: 'Input length (0, 32K]' -> (None, 32000), '(32K, 128K]' -> (32001, 128000)
    # every price in USD: the vendor's international page, region intl
    "tencent-intl-en.html": (
        "tencent",
        """
        tencent tencent glm-5-vendor-direct input 0.573 USD None 32000 region=intl
        tencent tencent glm-5-vendor-direct cached_input 0.115 USD None 32000 region=intl
        tencent tencent glm-5-vendor-direct output 2.58 USD None 32000 region=intl
        tencent tencent hunyuan-t1 input 0.143 USD None 32000 region=intl
        tencent tencent hunyuan-t1 input 0.2 USD 32001 128000 region=intl
        tencent tencent hunyuan-t1 cached_input 0.036 USD None 32000 region=intl
        tencent tencent hunyuan-t1 cached_input 0.05 USD 32001 128000 region=intl
        tencent tencent hunyuan-t1 output 0.571 USD None 32000 region=intl
        tencent tencent hunyuan-t1 output 0.8 USD 32001 128000 region=intl
        tencent tencent hunyuan-turbos input 0.114 USD None None region=intl
        tencent tencent hunyuan-turbos output 0.286 USD None None region=intl
""",
    ),
    # 元/千tokens x 1000: 0.0008 -> 0.8, 0.0020 -> 2, 0.0050 -> 5, 0.0090 -> 9; 上下文长度 32k is no tier;
    # 批量推理 is service tier batch: 0.0004 -> 0.4, 0.0010 -> 1
    "volc-2024.html": (
        "volcengine",
        """
        volcengine volcengine doubao-embedding input 0.5 CNY None None
        volcengine volcengine doubao-lite-4k input 0.3 CNY None None
        volcengine volcengine doubao-lite-4k output 0.6 CNY None None
        volcengine volcengine doubao-pro-128k input 5 CNY None None
        volcengine volcengine doubao-pro-128k output 9 CNY None None
        volcengine volcengine doubao-pro-32k input 0.8 CNY None None
        volcengine volcengine doubao-pro-32k input 0.4 CNY None None tier=batch
        volcengine volcengine doubao-pro-32k output 2 CNY None None
        volcengine volcengine doubao-pro-32k output 1 CNY None None tier=batch
""",
    ),
    # zero-width spaces; 输入长度 [0, 32] in K tokens -> (None, 32000); ０.８０ -> 0.8; 免费 -> 0
    "volc-2025.html": (
        "volcengine",
        """
        volcengine volcengine doubao-1.5-pro-32k input 0.8 CNY None None
        volcengine volcengine doubao-1.5-pro-32k cached_input 0.16 CNY None None
        volcengine volcengine doubao-1.5-pro-32k output 2 CNY None None
        volcengine volcengine doubao-seed-1.6 input 0.8 CNY None 32000
        volcengine volcengine doubao-seed-1.6 input 1.2 CNY 32001 128000
        volcengine volcengine doubao-seed-1.6 input 2.4 CNY 128001 256000
        volcengine volcengine doubao-seed-1.6 cached_input 0.16 CNY None 32000
        volcengine volcengine doubao-seed-1.6 cached_input 0.16 CNY 32001 128000
        volcengine volcengine doubao-seed-1.6 cached_input 0.16 CNY 128001 256000
        volcengine volcengine doubao-seed-1.6 output 2 CNY None 32000
        volcengine volcengine doubao-seed-1.6 output 16 CNY 32001 128000
        volcengine volcengine doubao-seed-1.6 output 24 CNY 128001 256000
        volcengine volcengine doubao-seed-1.6-flash input 0 CNY None 32000
        volcengine volcengine doubao-seed-1.6-flash output 0 CNY None 32000
""",
    ),
    # 0.01元/千tokens x 1000 = 10; 0.005 -> 5; 5元/百万tokens = 5; 元/千字符 (speech) is not a token price
    "minimax-2024.html": (
        "minimax",
        """
        minimax minimax abab5.5s-chat input 5 CNY None None
        minimax minimax abab5.5s-chat output 5 CNY None None
        minimax minimax abab6.5g-chat input 5 CNY None None
        minimax minimax abab6.5g-chat output 5 CNY None None
        minimax minimax abab6.5s-chat input 10 CNY None None
        minimax minimax abab6.5s-chat output 10 CNY None None
""",
    ),
    # Input Length 0-200k -> (None, 200000), 200k-1M -> (200001, 1000000); US$ read as USD
    # every price in USD: the vendor's international page, region intl
    "minimax-en-m1.html": (
        "minimax",
        """
        minimax minimax minimax-m1 input 0.4 USD None 200000 region=intl
        minimax minimax minimax-m1 input 1.3 USD 200001 1000000 region=intl
        minimax minimax minimax-m1 output 2.2 USD None 200000 region=intl
        minimax minimax minimax-m1 output 2.2 USD 200001 1000000 region=intl
        minimax minimax minimax-text-01 input 0.2 USD None None region=intl
        minimax minimax minimax-text-01 output 1.1 USD None None region=intl
""",
    ),
    # tier in the model cell: '输入长度 0-32k' -> (None, 32000), '32k-128k' -> (32001, 128000)
    "minimax-md-cn.md": (
        "minimax",
        """
        minimax minimax minimax-m1 input 0.8 CNY None 32000
        minimax minimax minimax-m1 input 1.2 CNY 32001 128000
        minimax minimax minimax-m1 output 8 CNY None 32000
        minimax minimax minimax-m1 output 16 CNY 32001 128000
        minimax minimax minimax-m2 input 2.1 CNY None None
        minimax minimax minimax-m2 cached_input 0.21 CNY None None
        minimax minimax minimax-m2 output 8.4 CNY None None
""",
    ),
    # '$5.00 / 1M input tokens $15.00 / 1M output tokens' in one cell; Batch column skipped; $0.0005 / 1K x 1000 = 0.5
    "openai-2024.html": (
        "openai",
        """
        openai openai gpt-3.5-turbo-0125 input 0.5 USD None None
        openai openai gpt-3.5-turbo-0125 output 1.5 USD None None
        openai openai gpt-4o input 5 USD None None
        openai openai gpt-4o output 15 USD None None
        openai openai gpt-4o-2024-05-13 input 5 USD None None
        openai openai gpt-4o-2024-05-13 output 15 USD None None
        openai openai gpt-4o-mini input 0.15 USD None None
        openai openai gpt-4o-mini output 0.6 USD None None
        openai openai text-embedding-3-small input 0.02 USD None None
""",
    ),
    # per token x 1,000,000: 5e-06 -> 5, 1.5e-07 -> 0.15, '1.4e-07' (string) -> 0.14, 1.25e-07 -> 0.125, 5E-8 -> 0.05; *_above_200k_tokens -> tier from 200001; image_generation skipped
    "litellm-2024.json": (
        "litellm",
        """
        dashscope alibaba qwen-max input 2.5 USD None None
        dashscope alibaba qwen-max output 10 USD None None
        dashscope alibaba qwen-turbo input 0.05 USD None None
        dashscope alibaba qwen-turbo output 0 USD None None
        deepseek deepseek deepseek-chat input 0.14 USD None None
        deepseek deepseek deepseek-chat output 0.28 USD None None
        deepseek deepseek deepseek-coder input 0.14 USD None None
        deepseek deepseek deepseek-coder output 0.28 USD None None
        minimax minimax abab6.5s-chat input 1.4 USD None None
        minimax minimax abab6.5s-chat output 1.4 USD None None
        minimax minimax minimax-m1 input 0.4 USD None 200000
        minimax minimax minimax-m1 input 1.3 USD 200001 None
        minimax minimax minimax-m1 output 2.2 USD None 200000
        minimax minimax minimax-m1 output 2.2 USD 200001 None
        moonshot moonshot moonshot-v1-8k input 1.7 USD None None
        moonshot moonshot moonshot-v1-8k output 1.7 USD None None
        openai openai gpt-4o input 5 USD None None
        openai openai gpt-4o output 15 USD None None
        openai openai gpt-4o-mini input 0.15 USD None None
        openai openai gpt-4o-mini output 0.6 USD None None
        openai openai text-embedding-3-small input 0.02 USD None None
        openai openai text-embedding-3-small output 0 USD None None
        openrouter None deepseek/deepseek-coder input 0.14 USD None None
        openrouter None deepseek/deepseek-coder output 0.28 USD None None
        volcengine volcengine doubao-pro-32k input 0.1 USD None None
        volcengine volcengine doubao-pro-32k output 0.3 USD None None
        zhipuai zhipu glm-4 input 0.125 USD None None
        zhipuai zhipu glm-4 output 0.125 USD None None
""",
    ),
    # '0.00000014' x 1,000,000 = 0.14; '1.62e-06' -> 1.62; '-1' (auto router) skipped; ':free' and ':extended' variants skipped; '0' -> 0
    "openrouter-2024.json": (
        "openrouter",
        """
        baidu baidu ernie-4.5-300b-a47b input 0.28 USD None None
        baidu baidu ernie-4.5-300b-a47b output 1.1 USD None None
        bytedance volcengine ui-tars-1.5-7b input 0.1 USD None None
        bytedance volcengine ui-tars-1.5-7b output 0.2 USD None None
        deepseek deepseek deepseek-chat input 0.14 USD None None
        deepseek deepseek deepseek-chat output 0.28 USD None None
        minimax minimax minimax-01 input 0.2 USD None None
        minimax minimax minimax-01 output 1.1 USD None None
        mistralai None mistral-7b input 0.06 USD None None
        mistralai None mistral-7b output 0.06 USD None None
        moonshotai moonshot moonshot-v1-8k input 1.7 USD None None
        moonshotai moonshot moonshot-v1-8k output 1.7 USD None None
        openai openai gpt-4o input 2.5 USD None None
        openai openai gpt-4o cached_input 1.25 USD None None
        openai openai gpt-4o output 10 USD None None
        qwen alibaba qwen-110b-chat input 1.62 USD None None
        qwen alibaba qwen-110b-chat output 1.62 USD None None
        qwen alibaba qwen-2-7b-instruct input 0.054 USD None None
        qwen alibaba qwen-2-7b-instruct output 0.054 USD None None
        stepfun-ai stepfun step3 input 0.57 USD None None
        stepfun-ai stepfun step3 output 1.42 USD None None
        tencent tencent hunyuan-a13b-instruct input 0.03 USD None None
        tencent tencent hunyuan-a13b-instruct output 0.03 USD None None
        thudm zhipu glm-4-9b input 0 USD None None
        thudm zhipu glm-4-9b output 0 USD None None
        z-ai zhipu glm-4-32b input 0.1 USD None None
        z-ai zhipu glm-4-32b output 0.1 USD None None
""",
    ),
    # already per 1M; missing cost or fields are absent; context_over_200k -> tier from 200001; unmapped providers keep provider null
    "models-dev-old.json": (
        "models-dev",
        """
        alibaba-cn alibaba qwen-max input 2.4 USD None None
        alibaba-cn alibaba qwen-max output 9.6 USD None None
        alibaba-cn alibaba qwen-plus input 0.115 USD None 200000
        alibaba-cn alibaba qwen-plus input 0.4 USD 200001 None
        alibaba-cn alibaba qwen-plus output 0.287 USD None 200000
        alibaba-cn alibaba qwen-plus output 1.2 USD 200001 None
        alibaba-cn alibaba text-embedding-v3 input 0.07 USD None None
        deepseek deepseek deepseek-chat input 0.27 USD None None
        deepseek deepseek deepseek-chat cached_input 0.07 USD None None
        deepseek deepseek deepseek-chat output 1.1 USD None None
        deepseek deepseek deepseek-reasoner input 0.55 USD None None
        deepseek deepseek deepseek-reasoner output 2.19 USD None None
        minimax-cn minimax minimax-m2 input 0.3 USD None None
        minimax-cn minimax minimax-m2 output 1.2 USD None None
        moonshotai-cn moonshot kimi-k2-0711-preview input 0.57 USD None None
        moonshotai-cn moonshot kimi-k2-0711-preview cached_input 0.14 USD None None
        moonshotai-cn moonshot kimi-k2-0711-preview output 2.3 USD None None
        openai openai gpt-4.1 input 2 USD None None
        openai openai gpt-4.1 output 8 USD None None
        openai openai gpt-4o input 2.5 USD None None
        openai openai gpt-4o cached_input 1.25 USD None None
        openai openai gpt-4o output 10 USD None None
        siliconflow None deepseek-ai/deepseek-v3 input 0.27 USD None None
        siliconflow None deepseek-ai/deepseek-v3 output 1.1 USD None None
        zhipuai zhipu glm-4.5 input 0.6 USD None None
        zhipuai zhipu glm-4.5 cached_input 0.11 USD None None
        zhipuai zhipu glm-4.5 output 2.2 USD None None
        zhipuai zhipu glm-4.5-flash input 0 USD None None
        zhipuai zhipu glm-4.5-flash output 0 USD None None
        zhipuai-coding-plan None glm-4.5 input 0 USD None None
        zhipuai-coding-plan None glm-4.5 output 0 USD None None
""",
    ),
}


def dry_run(slug, path):
    out = StringIO()
    call_command(
        "scrape",
        slug,
        "--from-file",
        str(path),
        "--dry-run",
        "--format",
        "json",
        stdout=out,
        stderr=StringIO(),
    )
    return json.loads(out.getvalue())


def as_line(row):
    """The base keys, then only the pricing dimensions that differ from their defaults
    ("tier=batch", "region=intl", "window=00:30-08:30@Asia/Shanghai", "reply=None-199",
    "mode=thinking", "derived")."""
    line = " ".join(str(row[k]) for k in BASE_KEYS[1:])
    if row["service_tier"] != "standard":
        line += f" tier={row['service_tier']}"
    if row["region"] is not None:
        line += f" region={row['region']}"
    if (w := row["time_window"]) is not None:
        days = "" if w["days"] is None else "/" + ",".join(w["days"])
        line += f" window={w['start']}-{w['end']}@{w['tz']}{days}"
    if row["tier_min_output_tokens"] is not None or row["tier_max_output_tokens"] is not None:
        line += f" reply={row['tier_min_output_tokens']}-{row['tier_max_output_tokens']}"
    if row["mode"] is not None:
        line += f" mode={row['mode']}"
    if row["confidence"] != "official":
        line += f" {row['confidence']}"
    return line


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_variant_reads_as_by_hand(name):
    slug, table = EXPECTED[name]
    rows = dry_run(slug, VARIANTS / name)
    assert all(list(row) == KEYS for row in rows)
    assert {row["source"] for row in rows} == {slug}
    assert [as_line(row) for row in rows] == [" ".join(line.split()) for line in table.strip().splitlines()]
    for row in rows:
        # amounts are plain decimal strings: no exponent, no trailing zeros, no float artefacts
        assert "e" not in row["amount"].lower()
        assert not (("." in row["amount"]) and row["amount"].endswith("0"))
        assert row["provider"] is None or row["provider"] in CATALOG_SLUGS

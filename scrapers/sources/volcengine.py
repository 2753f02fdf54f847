"""Volcano Engine Ark (Doubao) pricing: 23 tables, CNY per 1M tokens, input-length tiers in K
tokens, cells padded with zero-width spaces, sections marked by <div class="heading-hN">.

    | 模型名称 | 条件 千 token | 输入(非音频) 元/百万token | ... | 缓存命中(非音频) | ... | 输出 元/百万token |
    | doubao-seed-2.0-pro (rowspan 3) | 输入长度 [0, 32] | 3.2 | - | 0.017 | 0.64 | - | 16.0 |

Only the regular online inference section (在线推理（常规）) is read: low-latency, TPM packages,
batch inference and fine-tuned models are priced differently. Audio input columns are skipped.
"""

import re

from ..parsing import observe_tables, page_tables

SLUG = "volcengine"
KIND = "vendor"
VENDOR = "volcengine"
PROVIDER = "volcengine"
URLS = ["https://www.volcengine.com/docs/82379/1544106"]

SKIP_SECTION = re.compile(r"低延迟|TPM|保障包|批量|离线|精调|微调|batch|low.?latency|fine-?tun", re.I)
SKIP_HEADER = re.compile(r"精调|微调|计费方式|TPM", re.I)


def parse(text):
    return observe_tables(
        page_tables(text, "volcengine"), source=SLUG, vendor=VENDOR, provider=PROVIDER, what="volcengine",
        skip_context=SKIP_SECTION, skip_header=SKIP_HEADER, default_currency="CNY",
    )  # fmt: skip

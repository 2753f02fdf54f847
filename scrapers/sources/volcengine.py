"""Volcano Engine Ark (Doubao) pricing: 23 tables, CNY per 1M tokens, input-length tiers in K
tokens, cells padded with zero-width spaces, sections marked by <div class="heading-hN">.

    | 模型名称 | 条件 千 token | 输入(非音频) 元/百万token | ... | 缓存命中(非音频) | ... | 输出 元/百万token |
    | doubao-seed-2.0-pro (rowspan 3) | 输入长度 [0, 32] | 3.2 | - | 0.017 | 0.64 | - | 16.0 |

The regular online inference section (在线推理（常规）) gives the standard prices; the batch inference
section (批量推理, same table shape: "doubao-seed-2.0-pro | 输入长度 [0, 32] | 1.6 | - | 0.64 | - | 8.0")
gives rows with service_tier "batch". The low-latency section (在线推理（低延迟）: the same models
served faster at a higher price, "doubao-seed-2.0-pro | 输入长度 [0, 32] | 9.6 | ... | 48.0") gives
rows with service_tier "priority" (the catalog's tier for paying more for faster service), each
saying so in its note. TPM packages and fine-tuned models (also in a batch variant) are priced
differently and skipped. Audio input columns are skipped.

Doubao Seed 1.6 / 1.8 / 1.6-lite price short replies lower: "输入长度 [0, 32] 且输出长度 [0, 0.2]"
(in K tokens: replies of at most 200 tokens) and "且输出长度 (0.2,+∞)" (201 tokens and more) are
rows with their reply-length band (parsing.output_band).
"""

import re
from dataclasses import replace

from ..parsing import dedupe, is_price_table, observe_tables, page_tables

SLUG = "volcengine"
KIND = "vendor"
VENDOR = "volcengine"
PROVIDER = "volcengine"
URLS = ["https://www.volcengine.com/docs/82379/1544106"]

SKIP_SECTION = re.compile(r"低延迟|TPM|保障包|批量|离线|精调|微调|batch|low.?latency|fine-?tun", re.I)
SKIP_HEADER = re.compile(r"精调|微调|计费方式|TPM", re.I)
BATCH_SECTION = re.compile(r"^(?:批量推理|batch inference)$", re.I)
LOW_LATENCY_SECTION = re.compile(r"^(?:在线推理\s*\(低延迟\)|online inference\s*\(low.?latency\))$", re.I)
LOW_LATENCY_NOTE = "low-latency tier (在线推理（低延迟）)"


def _section(table):
    return table.context.split(" / ")[0] if table.context else ""


def parse(text):
    tables = page_tables(text, "volcengine")
    out = observe_tables(
        tables, source=SLUG, vendor=VENDOR, provider=PROVIDER, what="volcengine",
        skip_context=SKIP_SECTION, skip_header=SKIP_HEADER, default_currency="CNY",
    )  # fmt: skip
    for pattern, tier, note in (
        (BATCH_SECTION, "batch", None),
        (LOW_LATENCY_SECTION, "priority", LOW_LATENCY_NOTE),
    ):
        section = [t for t in tables if pattern.match(_section(t)) and is_price_table(t)
                   and not SKIP_HEADER.search(" ".join(t.header))]  # fmt: skip
        if section:
            found = observe_tables(section, source=SLUG, vendor=VENDOR, provider=PROVIDER, what="volcengine",
                                   default_currency="CNY")  # fmt: skip
            out += [replace(o, service_tier=tier, note=note) for o in found]
    return dedupe(out)

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
from datetime import date
from decimal import Decimal

from ..base import Offer, ParseError
from ..offer_reading import merge, money, snippet, tidy, token_count, visible_text
from ..parsing import dedupe, is_price_table, looks_like_html, observe_tables, page_tables

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


# --- Offers (DESIGN.md, refresh pipeline: offer observations) -----------------------------------
#
#     Coding Plan 个人版 套餐类型 订阅时长 价格 Lite 套餐 1 个月 40 元/月 3 个月 120 元/季 Pro 套餐 ...
#     Agent Plan 个人版 套餐类型 价格 Small 套餐 40 元/月 Medium 套餐 200 元/月 ...
#     Hyper3d-Gen2 模型提供优惠资源包 ... 300万 token：150元 ... 3000万 token：1000元 ...
#     2026年7月6日至7月20日期间， Agent 运行时 与 工具调用 限时免费。
#
# Plans (each tier and subscription length a plan benefit: shown, never counted), token packs for
# sale (tokens for a price) and a dated limited-time free use of agent tools (100% off until the
# last day stated; it is not about model tokens).

PLAN_SECTION = re.compile(r"(Coding Plan|Agent Plan)\s*(个人版|团队版|企业版)?\s*套餐类型(.{0,400}?)套餐信息")
PLAN_ITEM = re.compile(r"([A-Za-z][\w-]*)\s*套餐|(\d+(?:\.\d+)?)\s*元\s*/\s*(月|季|年)")
PACK = re.compile(r"([A-Za-z0-9][\w.-]*)\s*模型提供优惠资源包")
PACK_ITEM = re.compile(r"(\d+(?:\.\d+)?)\s*(万|亿)\s*token\s*[:：]\s*(\d+(?:\.\d+)?)\s*元", re.I)
FREE_SPAN = re.compile(
    r"(\d{4})年(\d{1,2})月(\d{1,2})日至(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日期间\s*[，,]\s*([^。]{1,60}?)\s*限时免费"
)
PERIOD = {"月": "month", "季": "quarter", "年": "year"}


def _plans(words):
    out = []
    for section in PLAN_SECTION.finditer(words):
        name, edition, body = section.group(1), section.group(2) or "", section.group(3)
        tier = None
        for m in PLAN_ITEM.finditer(body):
            if m.group(1):
                tier = m.group(1)
                continue
            if tier is None:
                raise ParseError(f"volcengine: a {name} price before any tier ({tidy(body)[:80]!r})")
            out.append(Offer(source=SLUG, vendor=VENDOR, provider=PROVIDER, offer="plan",
                             key=name.lower().replace(" ", "-"), label=f"{name} {tier}", scope="subscription",
                             price=money(m.group(2)), currency="CNY", period=PERIOD[m.group(3)],
                             text=tidy(f"{name} {edition} {tier} 套餐 {m.group(0)}")))  # fmt: skip
    return out


def _packs(words):
    out = []
    for m in PACK.finditer(words):
        model = m.group(1).lower()
        tail = words[m.end() : m.end() + 300]
        for item in PACK_ITEM.finditer(tail):
            out.append(Offer(source=SLUG, vendor=VENDOR, provider=PROVIDER, offer="pack",
                             key=f"resource-pack-{model}", label=f"{m.group(1)} resource pack", models=(model,),
                             tokens=token_count(item.group(1), item.group(2)), price=money(item.group(3)),
                             currency="CNY", text=tidy(f"{m.group(0)} {item.group(0)}")))  # fmt: skip
    return out


def _free_spans(words):
    out = []
    for m in FREE_SPAN.finditer(words):
        year, month, day = int(m.group(4) or m.group(1)), int(m.group(5)), int(m.group(6))
        try:
            ends_on = date(year, month, day)
        except ValueError:
            raise ParseError(f"volcengine: {m.group(0)!r} has no valid end date") from None
        what = tidy(m.group(7))
        tools = re.search(r"agent|工具", what, re.I)
        key, label = (
            ("agent-tools-free", "Agent runtime and tool calls free") if tools else ("limited-free", "Free")
        )
        out.append(Offer(source=SLUG, vendor=VENDOR, provider=PROVIDER, offer="limited_discount", key=key,
                         label=f"{label} for a limited time", scope="tools", percent=Decimal(100),
                         ends_on=ends_on, text=snippet(words, m)))  # fmt: skip
    return out


def parse_offers(text):
    """Offer observations of the page: Coding and Agent Plan tiers, token packs for sale and dated
    limited-time free use. A page without them yields none; an unreadable one raises."""
    page_tables(text, "volcengine")  # an empty page or an application shell raises here
    words = visible_text(text) if looks_like_html(text) else tidy(text)
    return merge(_plans(words) + _packs(words) + _free_spans(words))

"""Tencent Cloud TokenHub pricing (Hunyuan and hosted DeepSeek / GLM / Kimi models), CNY.

    tabs: 广州 | 新加坡
    | 模型名称 | 条件 （token） | 推理输入 （元/百万 tokens） | 推理输出 （元/百万 tokens） | 缓存命中 （元/百万 tokens） |
    | Hy3 preview （2026-08-31 下线） (rowspan 3) | 输入长度（0, 16k） | 1.2 | 4 | 0.4 |

Region tabs: the mainland tab (广州 or the first, active one) is read, others skipped. Batch
tables (批量任务场景: "GLM-5 | 输入长度（0, 32k] | 2 | 9 | 0.5") give rows with service_tier "batch". Model ids are the leading ASCII words of the name cell,
lowercased and hyphenated ("Hy3 preview" -> "hy3-preview"); for a model listed twice (a
"原厂直供" vendor-supplied variant first) the first row wins. The international page
(tencentcloud.com, USD) has the same shape; its prices are region "intl" (see parsing.international).
"""

import re
from dataclasses import replace

from ..parsing import (
    clean,
    dedupe,
    headings_before,
    international,
    is_price_table,
    observe_tables,
    page_tables,
)

SLUG = "tencent"
KIND = "vendor"
VENDOR = "tencent"
PROVIDER = "tencent"
URLS = [
    "https://cloud.tencent.com/document/product/1823/130055",
    "https://www.tencentcloud.com/zh/document/product/1300/78937",  # international, USD: region "intl"
]

SKIP_SECTION = re.compile(r"批量|batch|相关文档|图片生成|视频生成|3D|语音|联网搜索", re.I)
BATCH_SECTION = re.compile(r"^(?:批量任务场景|批量|batch)", re.I)
MAINLAND = re.compile(r"广州|北京|上海|中国大陆|中国内地|mainland|guangzhou|beijing|shanghai", re.I)


def _context(node):
    """Nearest headings, with a marker for a table in a non-default region tab."""
    context = headings_before(node)
    pane = node.find_parent(class_="tse-tabs__cont")
    if pane is not None:
        tabs = pane.find_parent(class_="tse-tabs")
        panes = tabs.find_all(class_="tse-tabs__cont", recursive=False) if tabs else [pane]
        labels = [clean(c.get_text(" | ")) for c in tabs.children if getattr(c, "get", None) and "tse-tabs__cont" not in (c.get("class") or [])] if tabs else []  # fmt: skip
        names = labels[0].split(" | ") if labels else []
        index = panes.index(pane) if pane in panes else 0
        mainland = [i for i, name in enumerate(names) if MAINLAND.search(name)]
        chosen = mainland[0] if mainland else 0
        if index != chosen:
            return "其他地域 / " + " / ".join(context)
    return " / ".join(context)


def parse(text):
    tables = page_tables(text, "tencent", context_of=_context)
    out = observe_tables(
        tables, source=SLUG, vendor=VENDOR, provider=PROVIDER, what="tencent",
        skip_context=re.compile(SKIP_SECTION.pattern + r"|其他地域", re.I), model_words=True,
    )  # fmt: skip
    batch = [t for t in tables if BATCH_SECTION.match(t.context.split(" / ")[0] if t.context else "")
             and is_price_table(t)]  # fmt: skip
    if batch:
        found = observe_tables(batch, source=SLUG, vendor=VENDOR, provider=PROVIDER, what="tencent",
                               model_words=True)  # fmt: skip
        out += [replace(o, service_tier="batch") for o in found]
    return international(dedupe(out))

"""The estimate page's chart: the monthly cost of OpenAI and the cheapest vendors as an SVG line
chart (no script, no inline style), with round ticks and its data as a table."""

import math
from decimal import Decimal

from offers.web.estimate.display import baseline_name

ZERO = Decimal(0)
CHART_DEFAULT_VENDORS = 5
CHART_COLOURS = (
    "#1b6ca8", "#d1495b", "#2e8b57", "#b5651d", "#6a4c93", "#00798c",
    "#c71f66", "#3d5a80", "#70a288", "#e07a5f", "#8e6c8a", "#4f772d",
)  # fmt: skip


def nice_step(span, ticks=4):
    """A round tick step (1, 2, 2.5 or 5 x 10^k) giving about `ticks` intervals over `span`."""
    if span <= 0:
        return Decimal(1)
    raw = span / ticks
    power = Decimal(10) ** math.floor(math.log10(raw))
    for m in (1, 2, Decimal("2.5"), 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


def chart(result, *, show_all=False, width=520, height=340):
    """Monthly cost per vendor over the horizon: a step line each, OpenAI and the five cheapest by
    total (all on request), labelled at the line's end; round ticks; the same data as a table."""
    months = result["months"]
    left, right, top, bottom = 56, 176, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    alternatives = result["alternatives"]
    shown = alternatives if show_all else alternatives[:CHART_DEFAULT_VENDORS]
    base_monthly = Decimal(result["baseline"]["monthly_cost"])
    series = [
        {
            "name": baseline_name(result),
            "provider": result["baseline"].get("provider", "openai"),
            "values": [base_monthly] * months,
            "colour": "#111111",
            "dash": "6 4",
        }
    ]
    for i, alt in enumerate(shown):
        series.append(
            {
                "name": alt["detail"]["provider_name"],
                "provider": alt["provider"],
                "values": [Decimal(m["cost"]) for m in alt["detail"]["months"]],
                "colour": CHART_COLOURS[i % len(CHART_COLOURS)],
                "dash": "",
            }
        )
    peak = max([v for s in series for v in s["values"]] + [ZERO])
    step = nice_step(peak)
    top_value = step * max(1, math.ceil(peak / step)) if peak > 0 else step * 4

    def x(m):
        return left + plot_w * m / months

    def y(value):
        return top + plot_h - float(value / top_value) * plot_h

    for s in series:
        points = []
        for m, v in enumerate(s["values"]):
            points += [(x(m), y(v)), (x(m + 1), y(v))]
        s["points"] = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        s["last"] = s["values"][-1]
        s["label_y"] = y(s["last"])
    # Direct labels at the right end, pushed apart so that none overlaps (at least 22 units: the phone font is 20).
    gap = 22
    order = sorted(series, key=lambda s: s["label_y"])
    for prev, cur in zip(order, order[1:], strict=False):
        cur["label_y"] = max(cur["label_y"], prev["label_y"] + gap)
    if order and order[-1]["label_y"] > top + plot_h:
        order[-1]["label_y"] = top + plot_h
        for prev, cur in zip(reversed(order[:-1]), reversed(order), strict=False):
            prev["label_y"] = min(prev["label_y"], cur["label_y"] - gap)
    for s in series:
        # a leader from the line's end to its label, where the label had to move
        s["end_x"], s["end_y"] = f"{x(months):.1f}", f"{y(s['last']):.1f}"
        s["label_y"] = f"{s['label_y']:.1f}"
        s["label_x"] = f"{x(months) + 12:.1f}"
        s["leader_x"] = f"{x(months) + 10:.1f}"
    count = int(top_value / step)
    y_ticks = [{"y": f"{y(step * k):.1f}", "value": step * k} for k in range(count + 1)]
    every = 1 if months <= 12 else 3 if months <= 24 else 6 if months <= 36 else 12
    x_ticks = [
        # "minor" ticks are hidden on a phone, where 12 labels would not fit
        {"x": f"{x(m - 0.5):.1f}", "label": m, "minor": m != 1 and m % (every * 3) != 0}
        for m in range(1, months + 1)
        if m == 1 or m % every == 0
    ]
    table = [{"month": m + 1, "values": [s["values"][m] for s in series]} for m in range(months)]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "top": top,
        "bottom": height - bottom,
        "series": series,
        "x_ticks": x_ticks,
        "y_ticks": y_ticks,
        "y_decimals": 0 if step >= 1 else 2,
        "table": table,
        "hidden": len(alternatives) - len(shown),
        "show_all": show_all,
        "currency": result["currency"],
    }


# --- like for like (issue 8, point 5) -------------------------------------------------------------

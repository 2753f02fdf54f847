"""The estimate as a download: CSV (UTF-8 with a BOM, so Excel reads Chinese) and XLSX (openpyxl),
with the same sheets: summary and inputs, ranking, month by month, prices and their sources,
exchange rates, programmes.

Text cells starting with = + - @ (or a tab / carriage return) get a leading ' so that a
spreadsheet never runs them as formulas; numbers are written as numbers.
"""

import csv
import io
import re
from decimal import Decimal

from django.http import HttpResponse

from offers.web.estimate.display import BASELINE_NAMES

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER_RE = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def safe(value):
    """A cell value a spreadsheet will not evaluate: numbers as they are, risky text quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | Decimal):
        return value
    text = str(value)
    # A plain number written as text ("-1.5") stays a number; anything else risky is quoted.
    if text.startswith(FORMULA_START) and not NUMBER_RE.fullmatch(text):
        return "'" + text
    return text


def _num(text):
    return Decimal(text) if text not in (None, "") else None


def line_flags(lines):
    """The like-for-like flags the page shows on a ranking row (display.flag_lines puts
    them on the lines), one "openai model->model: flag, flag" per flagged line, joined by "; "."""
    return "; ".join(
        f"{line['openai_model']}->{line['model']}: {', '.join(str(f['text']) for f in line['flags'])}"
        if "openai_model" in line
        else f"{line['model']}: {', '.join(str(f['text']) for f in line['flags'])}"
        for line in lines
        if line.get("flags")
    )


def token_ratios(lines):
    """Rule 9 per line: "openai model->model: ratio (tokenizer/baseline tokenizer, counts)", or
    "assumed equal" where no sample or no tokenizer gave counts; joined by "; "."""
    out = []
    for line in lines:
        t = line.get("tokens")
        if not t:
            continue
        if t["sample_tokens"] is None:
            detail = "1.000000 (assumed equal)"
        else:
            detail = (
                f"{t['ratio']} ({t['tokenizer']} {t['sample_tokens']} / "
                f"{t['baseline_tokenizer']} {t['baseline_sample_tokens']})"
            )
        out.append(f"{line['openai_model']}->{line['model']}: {detail}")
    return "; ".join(out)


def sheets(result, inputs):
    """[(sheet name, rows)] of the estimate; `inputs` is [(label, value)] of the form's input."""
    cur, months = result["currency"], result["months"]
    base = result["baseline"]
    # The baseline is named (rule 10): "openai" or "anthropic", its name in the ranking.
    slug = base.get("provider", "openai")
    name = BASELINE_NAMES.get(slug, slug)
    summary = [
        ["item", "value"],
        ["as_of", result["as_of"]],
        ["months", months],
        ["currency", cur],
        ["baseline", slug],
        *[[label, value] for label, value in inputs],
        [f"{slug}_monthly_cost", _num(base["monthly_cost"])],
        [f"{slug}_total_cost", _num(base["total_cost"])],
    ]
    # Rule 9: the sample's size and hash, never its text.
    sample = result.get("sample")
    summary += [
        ["sample_bytes", sample["bytes"] if sample else None],
        ["sample_strings", sample["strings"] if sample else None],
        ["sample_hash", sample["hash"] if sample else "none: tokens assumed equal at every vendor"],
    ]
    best = (result.get("summary") or {}).get("best")
    if best:
        summary += [
            ["best_provider", best["provider"]],
            ["best_total_cost", _num(best["total_cost"])],
            ["best_savings", _num(best["savings"])],
            ["best_monthly_after_programmes", best["after"]["monthly"]],
            ["best_after_programmes_from_month", best["after"]["from_month"]],
        ]
    # The estimator's warnings (old exchange rates, stale prices, ...): "warning: <code>", message.
    summary += [[f"warning: {w.get('code', '')}", w.get("message", "")] for w in result.get("warnings") or []]

    ranking = [
        [
            "rank", "provider", "provider_name", "currency", "months", "monthly_list_cost",
            "first_month_cost", "monthly_cost_after_programmes", "after_programmes_from_month",
            "total_list_cost", "benefits_value", "total_cost", "savings", "savings_percent",
            "models", "flags", "programs", "perks", "note", "token_ratios",
        ]
    ]  # fmt: skip
    ranking.append(
        ["", slug, name, cur, months, _num(base["monthly_cost"]), _num(base["monthly_cost"]),
         _num(base["monthly_cost"]), "", _num(base["total_cost"]), "", _num(base["total_cost"]), "", "",
         " ".join(line["model"] for line in base["lines"]), line_flags(base["lines"]), "", "", "baseline"]
    )  # fmt: skip
    for alt in result["alternatives"]:
        ranking.append(
            [alt["rank"], alt["provider"], alt["detail"]["provider_name"], cur, months,
             _num(alt["monthly_list_cost"]), alt["first_month"], alt["after"]["monthly"],
             alt["after"]["from_month"] or "", _num(alt["total_list_cost"]), _num(alt["benefits_value"]),
             _num(alt["total_cost"]), _num(alt["savings"]), _num(alt["savings_percent"]),
             " ".join(f"{line['openai_model']}->{line['model']}" for line in alt["lines"]),
             line_flags(alt["lines"]), " ".join(alt["programs"]), " ".join(alt["perks"]), "",
             token_ratios(alt["lines"])]
        )  # fmt: skip
    for item in result["incomplete"]:
        ranking.append(["", item["provider"], item.get("provider_name", item["provider"]), cur, months]
                       + [""] * 13 + [f"incomplete: {item['reason']}"])  # fmt: skip

    by_month = [["month", slug, *(alt["provider"] for alt in result["alternatives"])]]
    for m in range(months):
        by_month.append(
            [m + 1, _num(base["monthly_cost"]),
             *(_num(alt["detail"]["months"][m]["cost"]) for alt in result["alternatives"])]
        )  # fmt: skip

    prices = [
        ["provider", "baseline_model", "model", "model_name", "kind", "price_kind", "tokens", "price_per_1m",
         "price_currency", "tier", "rate", "cost_per_month", "source_url", "checked_on", "confidence"]
    ]  # fmt: skip
    vendors = [(slug, base["detail"]["lines"])] + [
        (alt["provider"], alt["detail"]["lines"]) for alt in result["alternatives"]
    ]
    for provider, lines in vendors:
        for line in lines:
            for p in line["prices"]:
                prices.append(
                    [provider, line["openai_model"], line["model"], line["model_name"], p["kind"],
                     p["price_kind"], p["tokens"], _num(p["amount"]), p["currency"], p["tier"] or "",
                     _num(p["rate"]), _num(p["cost"]), p["source_url"], p["checked_on"], p["confidence"]]
                )  # fmt: skip

    rates = [["base", "quote", "rate", "date", "after_as_of"]]
    for r in result["fx"]:
        rates.append([r["base"], r["quote"], _num(r["rate"]), r["date"], bool(r.get("after_as_of"))])

    programmes = [["provider", "program", "benefit", "size", "value", "counted", "reason", "source_urls"]]
    for alt in result["alternatives"]:
        detail = alt["detail"]
        urls = {p["slug"]: " ".join(p["source_urls"]) for p in detail["programs"]}
        explained = detail.get("explained") or {"counted": [], "not_counted": [], "left_out": []}
        for counted, items in ((True, explained["counted"]), (False, explained["not_counted"])):
            for item in items:
                b = item["benefit"]
                programmes.append(
                    [alt["provider"], b["program"], b["kind"], _num(b["size"]) if b["size"] else "",
                     item["value"], counted, item.get("reason", ""), urls.get(b["program"], "")]
                )  # fmt: skip
        for entry in explained["left_out"]:
            programmes.append(
                [alt["provider"], entry.get("program", ""), "", "", "", False,
                 " ".join(str(x) for x in (entry.get("reason"), entry.get("date")) if x), ""]
            )  # fmt: skip
    return [
        ("Summary", summary),
        ("Ranking", ranking),
        ("Months", by_month),
        ("Prices", prices),
        ("Exchange rates", rates),
        ("Programmes", programmes),
    ]


def filename(result, ext):
    return f"banjia-estimate-{result['as_of']}-{result['currency']}-{result['months']}m.{ext}"


def csv_response(result, inputs):
    """One CSV file: each sheet under a "# name" row, separated by a blank row."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(result, "csv")}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    for n, (name, rows) in enumerate(sheets(result, inputs)):
        if n:
            writer.writerow([])
        writer.writerow([f"# {name}"])
        for row in rows:
            writer.writerow([safe(v) for v in row])
    return response


def xlsx_response(result, inputs):
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets(result, inputs):
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append([safe(v) for v in row])
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename(result, "xlsx")}"'
    return response

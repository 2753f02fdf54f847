"""The savings estimator over HTTP: the page (with its HTMX fragments and CSV download), the
usage upload, and POST /api/v1/estimate (JSON in, JSON out)."""

import csv
import json
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_htmx.http import push_url

from .browse import pick_currency
from .estimate_forms import (
    DEFAULT_LINE,
    MAX_PAGE_LINES,
    PREFIX,
    EstimateForm,
    UsageFormSet,
    UsageImportForm,
    apply_errors,
    currency_choices,
    edit_lines,
    lines_query,
    openai_model_choices,
    override_fields,
    to_request,
    without_empty_overrides,
)
from .estimator import EstimateError, load_snapshot, parse_request
from .models import Benefit
from .page_cache import estimate_body, estimate_result
from .usage_import import MAX_BYTES, UsageImportError, read_usage

TEMPLATE = "offers/estimate.html"
# 10,000 usage lines with overrides fit in about 2 MB; anything much larger is not an estimate.
MAX_BODY_BYTES = 5 * 1024 * 1024
SETTINGS = ("months", "currency", "as_of", "include_expired")
CHART_COLOURS = (
    "#1b6ca8", "#d1495b", "#2e8b57", "#edae49", "#6a4c93", "#00798c",
    "#b5651d", "#8e9aaf", "#c71f66", "#3d5a80", "#70a288", "#e07a5f",
)  # fmt: skip


# --- the page -----------------------------------------------------------------------------------


def _default_query(request):
    """The example shown on a first visit: one gpt-4o line, 12 months, today, the display currency."""
    query = lines_query(
        [DEFAULT_LINE],
        {"months": 12, "currency": pick_currency(request), "as_of": timezone.localdate().isoformat()},
    )
    for key in SETTINGS:  # e.g. ?currency=CNY from the header's currency switch
        if request.GET.get(key):
            query[key] = request.GET[key]
    return query


def _build(request, query):
    """Bind the forms to `query` and run the estimate when they are valid."""
    model_choices = openai_model_choices()
    form = EstimateForm(query, currencies=currency_choices())
    formset = UsageFormSet(query, prefix=PREFIX, form_kwargs={"model_choices": model_choices})
    result, choices = None, []
    forms_valid = form.is_valid()
    forms_valid = formset.is_valid() and forms_valid
    if forms_valid:
        document, indices = to_request(form, formset)
        snapshot = None
        try:
            req = parse_request(document)
            snapshot = load_snapshot(req)
            result = _for_display(estimate_result(req, snapshot))
        except EstimateError as exc:
            apply_errors(exc.errors, form, formset, indices)
        if snapshot is not None:
            fields = override_fields(formset, indices, document, snapshot)
            choices = _attach_choices(result, fields, snapshot)
            # Overrides naming no vendor on the page (a mistyped slug, "openai") have no select.
            for k, i in enumerate(indices):
                for slug, errs in formset.forms[i].override_errors.items():
                    for message in errs:
                        form.add_error(None, f"usage[{k}].overrides.{slug}: {message}")
    url = reverse("offers:estimate")
    clean_query = without_empty_overrides(query)
    for key in ("add_line", "remove_line", "download"):
        clean_query.pop(key, None)
    share = f"{url}?{clean_query.urlencode()}"
    csv_query = clean_query.copy()
    csv_query["download"] = "csv"
    return {
        "form": form,
        "formset": formset,
        "result": result,
        # Without a result: the model selects with an error, so they can be fixed.
        "choices_to_fix": [c for c in choices if c["field"]["errors"]] if result is None else [],
        "chart": _chart(result) if result else None,
        "share_url": share,
        "csv_url": f"{url}?{csv_query.urlencode()}",
        "import_form": UsageImportForm(
            model_choices=model_choices, initial={"current": clean_query.urlencode()}
        ),
        "max_lines": MAX_PAGE_LINES,
        "estimate_url": url,
        "has_models": bool(model_choices),
    }


def _attach_choices(result, fields, snapshot):
    """Put each vendor's model select beside the lines of its detail (and of its incomplete entry).

    Returns every select as {vendor, openai_model, field}, for the page without a result."""
    names = {p.slug: p.display_name for p in snapshot.providers}
    choices = [
        {"vendor": names[slug], "provider": slug, "line": k, "field": field}
        for (k, slug), field in fields.items()
    ]
    if result is None:
        return choices
    for alt in result["alternatives"]:
        for k, line in enumerate(alt["detail"]["lines"]):
            line["choice"] = fields.get((k, alt["provider"]))
        alt["detail"]["open"] = any(
            line["choice"] and (line["choice"]["is_override"] or line["choice"]["errors"])
            for line in alt["detail"]["lines"]
        )
    usage = [line["openai_model"] for line in result["baseline"]["detail"]["lines"]]
    for item in result["incomplete"]:
        item["provider_name"] = names.get(item["provider"], item["provider"])
        item["lines"] = [
            {"openai_model": model, "choice": fields.get((k, item["provider"]))}
            for k, model in enumerate(usage)
        ]
    return choices


def _render(request, context, status=200):
    """Full page; for HTMX the region named by HX-Target (same string as the partial and DOM id)."""
    htmx = request.htmx
    if htmx and not htmx.history_restore_request and htmx.target == "estimate-result":
        # The result, plus the field errors swapped out of band beside the inputs being typed in
        # (the form itself is not replaced while the user types).
        body = render_to_string(f"{TEMPLATE}#estimate-result", context, request)
        body += render_to_string(f"{TEMPLATE}#field-errors-oob", context, request)
        response = HttpResponse(body, status=status)
        # The address bar gets the shareable link: no "mapped" selects, no one-off actions.
        push_url(response, context["share_url"])
    elif htmx and not htmx.history_restore_request and htmx.target == "estimate-body":
        response = render(request, f"{TEMPLATE}#estimate-body", context, status=status)
    else:
        response = render(request, TEMPLATE, context, status=status)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def estimate_page(request):
    """GET /estimate/: the form and the result, all input in the query string; POST: usage upload."""
    if request.method == "POST":
        return _import_usage(request)
    query = request.GET if f"{PREFIX}-TOTAL_FORMS" in request.GET else _default_query(request)

    if "add_line" in query or "remove_line" in query:
        try:
            remove = int(query.get("remove_line", ""))
        except ValueError:
            remove = None
        edited = edit_lines(query, add="add_line" in query, remove=remove)
        url = f"{reverse('offers:estimate')}?{edited.urlencode()}"
        if not request.htmx:
            return redirect(url)
        response = _render(request, _build(request, edited))
        return push_url(response, url)

    context = _build(request, query)
    if query.get("download") == "csv":
        if context["result"] is None:
            return _render(request, context, status=400)
        return _csv(context["result"])
    # Field errors come back with 200: htmx swaps only successful responses.
    return _render(request, context)


def _for_display(result):
    """Add what the page shows beside the contract's keys: labels and month-by-month rows."""
    for alt in result["alternatives"]:
        detail = alt["detail"]
        for benefit in detail["benefits"]:
            benefit["label"] = Benefit.Kind(benefit["kind"]).label
        detail["perk_labels"] = [Benefit.Kind(kind).label for kind in alt["perks"]]
        detail["rows"] = [
            {
                **month,
                "uses": [
                    {"unit": b["unit"], "used": b["used"][i], "value": b["value"][i]}
                    for b in detail["benefits"]
                ],
            }
            for i, month in enumerate(detail["months"])
        ]
    return result


def _chart(result, width=720, height=300):
    """An inline SVG of cumulative cost per vendor over the months, drawn server-side."""
    months = result["months"]
    left, right, top, bottom = 84, 12, 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    baseline_monthly = Decimal(result["baseline"]["total_cost"]) / months
    series = [
        {
            "name": _("OpenAI (today's bill)"),
            "values": [baseline_monthly * m for m in range(1, months + 1)],
            "colour": "#111",
            "dash": "6 4",
        }
    ]
    for i, alt in enumerate(result["alternatives"]):
        series.append(
            {
                "name": alt["detail"]["provider_name"],
                "values": [Decimal(m["cumulative"]) for m in alt["detail"]["months"]],
                "colour": CHART_COLOURS[i % len(CHART_COLOURS)],
                "dash": "",
            }
        )
    peak = max([v for s in series for v in s["values"]] + [Decimal(1)])

    def x(m):
        return left + plot_w * m / months

    def y(value):
        return top + plot_h - float(value / peak) * plot_h

    for s in series:
        points = [(x(0), y(0))] + [(x(m), y(v)) for m, v in enumerate(s["values"], start=1)]
        s["points"] = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        s["total"] = s["values"][-1] if s["values"] else Decimal(0)
    step = 1 if months <= 12 else 3 if months <= 24 else 6 if months <= 36 else 12
    x_ticks = [{"x": f"{x(m):.1f}", "label": m} for m in range(0, months + 1, step)]
    y_ticks = [{"y": f"{y(peak * k / 4):.1f}", "value": peak * k / 4} for k in range(5)]
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
        "currency": result["currency"],
    }


def _csv(result):
    """The result table as CSV: the OpenAI baseline, the ranked vendors, the incomplete ones."""
    name = f"banjia-estimate-{result['as_of']}-{result['currency']}-{result['months']}m.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "rank", "provider", "currency", "months", "as_of", "monthly_list_cost", "total_list_cost",
            "benefits_value", "total_cost", "savings", "savings_percent", "models", "programs", "perks", "note",
        ]
    )  # fmt: skip
    base = result["baseline"]
    common = [result["currency"], result["months"], result["as_of"]]
    writer.writerow(
        ["", "openai", *common, base["monthly_cost"], base["total_cost"], "", base["total_cost"], "", "",
         " ".join(line["model"] for line in base["lines"]), "", "", "baseline"]
    )  # fmt: skip
    for rank, alt in enumerate(result["alternatives"], start=1):
        writer.writerow(
            [rank, alt["provider"], *common, alt["monthly_list_cost"], alt["total_list_cost"],
             alt["benefits_value"], alt["total_cost"], alt["savings"], alt["savings_percent"] or "",
             " ".join(f"{line['openai_model']}->{line['model']}" for line in alt["lines"]),
             " ".join(alt["programs"]), " ".join(alt["perks"]), ""]
        )  # fmt: skip
    for item in result["incomplete"]:
        writer.writerow(
            [
                "",
                item["provider"],
                *common,
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                f"incomplete: {item['reason']}",
            ]
        )
    return response


# --- the usage upload ---------------------------------------------------------------------------


def _import_usage(request):
    """POST /estimate/: read an OpenAI usage export and fill the form with monthly averages."""
    model_choices = openai_model_choices()
    form = UsageImportForm(request.POST, request.FILES, model_choices=model_choices)
    current_query = QueryDict(request.POST.get("current", ""))
    if f"{PREFIX}-TOTAL_FORMS" not in current_query:
        current_query = _default_query(request)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            usage = read_usage(
                upload.read(MAX_BYTES + 1),
                known_models={slug for slug, _label in model_choices},
                unassigned_model=form.cleaned_data["unassigned_model"] or None,
            )
        except UsageImportError as exc:
            form.add_error("file", str(exc))
        else:
            problems = _import_notes(usage)
            if not usage.lines:
                form.add_error(
                    "file", " ".join([_("No usage line could be made from this file."), *problems])
                )
            else:
                _report_import(request, usage, problems)
                settings = {key: current_query.get(key) for key in SETTINGS}
                query = lines_query(usage.lines[:MAX_PAGE_LINES], settings)
                return redirect(f"{reverse('offers:estimate')}?{query.urlencode()}")
    context = _build(request, current_query)
    context["import_form"] = form
    return _render(request, context, status=400)


def _import_notes(usage):
    notes = []
    if usage.unknown:
        names = ", ".join(name for name, _t in usage.unknown)
        notes.append(_("Models Banjia does not know (not included): %(names)s.") % {"names": names})
    if usage.ungrouped:
        notes.append(
            _(
                "%(input)s input and %(output)s output tokens a month are not grouped by model: "
                "choose a model for them under “Usage not grouped by model counts as” and upload again, "
                "or export with group_by=model."
            )
            % {"input": f"{usage.ungrouped.input_tokens:,}", "output": f"{usage.ungrouped.output_tokens:,}"}
        )
    return notes


def _report_import(request, usage, problems):
    messages.success(
        request,
        ngettext(
            "Imported %(n)s model from %(start)s to %(end)s (%(days)s days), as monthly averages.",
            "Imported %(n)s models from %(start)s to %(end)s (%(days)s days), as monthly averages.",
            len(usage.lines),
        )
        % {
            "n": len(usage.lines),
            "start": usage.start.date().isoformat(),
            "end": usage.end.date().isoformat(),
            "days": f"{usage.days:.1f}",
        },
    )
    if usage.renamed:
        renamed = ", ".join(f"{a} → {b}" for a, b in usage.renamed.items())
        messages.info(
            request, _("Dated snapshots counted as their base model: %(list)s.") % {"list": renamed}
        )
    if len(usage.lines) > MAX_PAGE_LINES:
        messages.warning(
            request,
            _("Only the %(n)s largest models fit on the page; use the API for more.") % {"n": MAX_PAGE_LINES},
        )
    for note in problems:
        messages.warning(request, note)


# --- the API ------------------------------------------------------------------------------------


def _errors(errors, status=400):
    return JsonResponse({"errors": errors}, status=status, json_dumps_params={"ensure_ascii": False})


@csrf_exempt  # a JSON API for programs: no cookies are read, nothing is written
def estimate_api(request):
    """POST /api/v1/estimate: the request and response documents of DESIGN.md ("Contracts")."""
    if request.method != "POST":
        # 405 as require_POST would answer, but with a JSON body like every other refusal.
        response = _errors({"method": [_("Use POST with a JSON body.")]}, status=405)
        response["Allow"] = "POST"
        return response
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    too_big = _("The request body is larger than %(n)s MB.") % {"n": MAX_BODY_BYTES // (1024 * 1024)}
    if length > MAX_BODY_BYTES:
        return _errors({"body": [too_big]})
    try:
        raw = request.body
    except RequestDataTooBig:
        return _errors({"body": [too_big]})
    if len(raw) > MAX_BODY_BYTES:
        return _errors({"body": [too_big]})
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        return _errors({"body": [_("The body is not valid JSON: %(e)s") % {"e": exc}]})
    try:
        # Parsed here, computed (or read from the cache) per catalog version and canonical request.
        body = estimate_body(parse_request(data))
    except EstimateError as exc:
        return _errors(exc.errors)
    return HttpResponse(body, content_type="application/json")

"""The savings estimator over HTTP: the page (with its HTMX fragments and CSV download), the
usage upload, and POST /api/v1/estimate (JSON in, JSON out)."""

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

from .browse import pick_currency, window_label
from .estimate_display import SORTS, chart, decorate, flag_lines, group_warnings, siblings
from .estimate_export import csv_response, xlsx_response
from .estimate_forms import (
    DEFAULT_LINE,
    MAX_PAGE_LINES,
    PREFIX,
    SETTINGS,
    EstimateForm,
    SampleForm,
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
from .estimator import MAX_ID_LENGTH, EstimateError, load_snapshot, parse_request
from .models import Benefit, ModelMapping, Price
from .page_cache import estimate_body, estimate_result, per_version, placeholder_context
from .ratelimits import limited
from .safety import printable
from .tokens.samples import store as store_sample
from .usage_import import MAX_BYTES, UsageImportError, read_usage

TEMPLATE = "offers/estimate.html"
# 10,000 usage lines with overrides fit in about 2 MB; anything much larger is not an estimate.
MAX_BODY_BYTES = 5 * 1024 * 1024
# An upload's notes live in the session (as messages) until shown: model names are listed up to
# this many per note, then counted.
MAX_NOTE_NAMES = 20
# The settings always shown; the others (region, hours of use, expired programmes) fold away.
MAIN_SETTINGS = ("months", "currency", "as_of")


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


def _build(request, query, *, example=False):
    """Bind the forms to `query` and run the estimate when they are valid."""
    model_choices = openai_model_choices()
    form = EstimateForm(query, currencies=currency_choices())
    formset = UsageFormSet(query, prefix=PREFIX, form_kwargs={"model_choices": model_choices})
    result, choices, indices = None, [], []
    forms_valid = form.is_valid()
    forms_valid = formset.is_valid() and forms_valid
    url = reverse("offers:estimate")
    clean_query = without_empty_overrides(query)
    for key in ("add_line", "remove_line", "download", "models"):
        clean_query.pop(key, None)
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
            fields = override_fields(formset, indices, document, snapshot, expand=query.get("models", ""))
            choices = _attach_choices(result, fields, snapshot)
            # Overrides naming no vendor on the page (a mistyped slug, "openai") have no select.
            for k, i in enumerate(indices):
                for slug, errs in formset.forms[i].override_errors.items():
                    for message in errs:
                        form.add_error(None, f"usage[{k}].overrides.{slug}: {message}")
    if result is not None:
        decorate(
            result,
            sort=query.get("sort", "total"),
            share_query=clean_query,
            indices=indices,
            program_names=_left_out_names(result, snapshot),
        )
        flag_lines(result, _mappings(result))
        group_warnings(result)
    share = f"{url}?{clean_query.urlencode()}"
    downloads = {}
    for kind in ("csv", "xlsx"):
        download_query = clean_query.copy()
        download_query["download"] = kind
        downloads[kind] = f"{url}?{download_query.urlencode()}"
    sort_links = {}
    for key in SORTS:
        sort_query = clean_query.copy()
        sort_query["sort"] = key
        sort_links[key] = f"{url}?{sort_query.urlencode()}#ranking"
    chart_query = clean_query.copy()
    show_all = chart_query.pop("chart", [""])[-1] == "all"
    if not show_all:
        chart_query["chart"] = "all"
    return {
        "form": form,
        "formset": formset,
        "result": result,
        "example": example,
        # Without a result: the model selects with an error, so they can be fixed.
        "choices_to_fix": [c for c in choices if c["field"]["errors"]] if result is None else [],
        "chart": chart(result, show_all=show_all) if result else None,
        "chart_toggle_url": f"{url}?{chart_query.urlencode()}#chart",
        "share_url": share,
        "share_absolute_url": request.build_absolute_uri(share),
        "csv_url": downloads["csv"],
        "xlsx_url": downloads["xlsx"],
        "sort_links": sort_links,
        "sort": result["sort"] if result else "total",
        "import_form": UsageImportForm(
            model_choices=model_choices, initial={"current": clean_query.urlencode()}
        ),
        "max_lines": MAX_PAGE_LINES,
        "main_settings": MAIN_SETTINGS,
        # The folded settings open when one of them is set or wrong.
        "more_settings_open": any(
            form.data.get(name) or form.errors.get(name)
            for name in form.fields
            if name not in MAIN_SETTINGS and name != "sample"
        ),
        "sample_form": SampleForm(initial={"current": clean_query.urlencode()}),
        "no_sample_url": _without_sample(url, clean_query),
        "estimate_url": url,
        "has_models": bool(model_choices),
    }


def _left_out_names(result, snapshot):
    """Display names of the programmes the estimator left out (rule 5), from the compiled catalog
    (it holds every published programme; the estimator leaves out published ones only)."""
    slugs = {
        entry.get("program")
        for alt in result["alternatives"]
        for entry in alt.get("programs_left_out") or ()
        if not entry.get("name")
    }
    if not slugs:
        return {}
    return {
        p.slug: p.display_name
        for programs in snapshot.catalog.programs.values()
        for p in programs
        if p.slug in slugs
    }


def _mappings(result):
    """{(provider, openai model): {model: note}} for the usage's OpenAI models and their other-size
    siblings at the ranked vendors, every rank (the like-for-like flags): one query."""
    providers = {alt["provider"] for alt in result["alternatives"]}
    models = {line["model"] for line in result["baseline"]["lines"]}
    wanted = models | {s for m in models for s in siblings(m)}
    if not providers:
        return {}
    rows = ModelMapping.objects.filter(
        provider__slug__in=providers, openai_model__slug__in=wanted, openai_model__provider__slug="openai"
    ).values_list("provider__slug", "openai_model__slug", "model__slug", "note")
    mapped = {}
    for provider, openai_model, model, note in rows:
        mapped.setdefault((provider, openai_model), {})[model] = note
    return mapped


def _inputs(context):
    """(label, value) of the form's input, for the downloads."""
    rows = []
    formset = context["formset"]
    for n, line in enumerate(formset.forms, start=1):
        data = getattr(line, "cleaned_data", None) or {}
        if not data.get("model"):
            continue
        for key in ("model", "input_tokens", "cached_input_tokens", "output_tokens", "requests"):
            rows.append((f"line {n} {key}", data.get(key)))
        for provider, model in sorted(line.overrides().items()):
            rows.append((f"line {n} model at {provider}", model))
    form = context["form"]
    rows.append(("include_expired", bool(form.cleaned_data.get("include_expired"))))
    return rows


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
    context = placeholder_context(request, context)  # the CSRF placeholder when rendered for the cache
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
    """GET /estimate/: the form and the result, all input in the query string; POST: usage upload.

    A GET is cached per catalog version and query (offers.page_cache.per_version), except a
    download and a page showing an upload's outcome (messages are the visitor's own)."""
    if request.method == "POST":
        if request.POST.get("action") == "sample":
            return _store_sample(request)
        return _import_usage(request)
    if request.GET.get("download") in ("csv", "xlsx") or len(messages.get_messages(request)):
        return _estimate_get(request)
    return _cached_estimate_get(request)


def _estimate_get(request):
    example = f"{PREFIX}-TOTAL_FORMS" not in request.GET
    query = _default_query(request) if example else request.GET

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

    context = _build(request, query, example=example)
    if query.get("download") in ("csv", "xlsx"):
        if context["result"] is None:
            return _render(request, context, status=400)
        export = csv_response if query["download"] == "csv" else xlsx_response
        return export(context["result"], _inputs(context))
    # Field errors come back with 200: htmx swaps only successful responses.
    return _render(request, context)


_cached_estimate_get = per_version(_estimate_get)


def _for_display(result):
    """Add what the page shows beside the contract's keys: labels and month-by-month rows."""
    for alt in result["alternatives"]:
        detail = alt["detail"]
        for benefit in detail["benefits"]:
            benefit["label"] = Benefit.Kind(benefit["kind"]).label
        detail["perk_labels"] = [Benefit.Kind(kind).label for kind in alt["perks"]]
        for entry in detail.get("offpeak") or ():
            entry["label"] = window_label(entry["window"])
            entry["percent"] = f"{Decimal(entry['share']) * 100:.1f}"
        for line in detail["lines"]:
            _label_prices(line)
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
    for line in result["baseline"].get("detail", {}).get("lines") or ():
        _label_prices(line)
    if result.get("sample"):
        for alt in result["alternatives"]:
            alt["tokens_note"], alt["tokens_unknown"] = tokens_note(alt)
    return result


def tokens_note(alt):
    """Rule 9 in the ranking: how the user's text counts at this vendor ("your text is 0.86x the
    tokens at DeepSeek"), or that its tokenizer is not published. (note, unknown)."""
    name = alt["detail"]["provider_name"]
    counted = [line["tokens"] for line in alt["lines"] if line["tokens"]["sample_tokens"] is not None]
    if not counted:
        return _("%(name)s publishes no tokenizer: tokens assumed equal to OpenAI's.") % {"name": name}, True
    ratios = list(dict.fromkeys(f"{Decimal(t['ratio']):.2f}" for t in counted))
    text = _("Your text is %(ratio)s× the tokens at %(name)s.") % {"ratio": " / ".join(ratios), "name": name}
    if len(counted) < len(alt["lines"]):
        text += " " + _("Some of its models publish no tokenizer: their tokens are assumed equal.")
    return text, False


def _label_prices(line):
    """A price row's service tier, region and window, in words, where not the defaults."""
    for p in line["prices"]:
        words = []
        if p.get("service_tier") and p["service_tier"] != Price.ServiceTier.STANDARD:
            words.append(str(Price.ServiceTier(p["service_tier"]).label))
        if p.get("region"):
            words.append(str(Price.Region(p["region"]).label))
        if p.get("time_window"):
            words.append(window_label(p["time_window"]))
        p["dimensions"] = " · ".join(words)


# --- the usage upload ---------------------------------------------------------------------------


@limited("BANJIA_UPLOAD_RATE_LIMIT", "estimate-upload")
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
                if usage.hourly_usage:
                    settings.update(hourly_profile="imported", hourly_usage=usage.hourly_usage)
                query = lines_query(usage.lines[:MAX_PAGE_LINES], settings)
                return redirect(f"{reverse('offers:estimate')}?{query.urlencode()}")
    context = _build(request, current_query)
    context["import_form"] = form
    # The outcome goes to the top of the page; the estimate of the lines on screen is not shown
    # under it (it is not the file's), unless the user asks for it with the link in the outcome.
    context["upload_errors"] = [e for errors in form.errors.values() for e in errors]
    context["result"] = context["chart"] = None
    return _render(request, context, status=400)


def _without_sample(url, query):
    query = query.copy()
    query.pop("sample", None)
    return f"{url}?{query.urlencode()}#estimate-summary"


@limited("BANJIA_UPLOAD_RATE_LIMIT", "estimate-upload")
def _store_sample(request):
    """POST /estimate/ (action=sample): store the sample by its hash and show the estimate on
    screen counted with it (the link carries the hash)."""
    form = SampleForm(request.POST, request.FILES)
    current_query = QueryDict(request.POST.get("current", ""), mutable=True)
    if f"{PREFIX}-TOTAL_FORMS" not in current_query:
        current_query = _default_query(request)
    if form.is_valid():
        sample = store_sample(form.cleaned_data["texts"])
        current_query["sample"] = sample.digest
        return redirect(f"{reverse('offers:estimate')}?{current_query.urlencode()}#estimate-summary")
    context = _build(request, current_query)
    context["sample_form"] = form
    context["upload_errors"] = [e for errors in form.errors.values() for e in errors]
    context["result"] = context["chart"] = None
    return _render(request, context, status=400)


def _names(names):
    """The first MAX_NOTE_NAMES names, printable, then "and N more"."""
    names = list(names)
    text = ", ".join(printable(name[:MAX_ID_LENGTH]) for name in names[:MAX_NOTE_NAMES])
    if len(names) > MAX_NOTE_NAMES:
        more = len(names) - MAX_NOTE_NAMES
        text += " " + ngettext("and %(n)s more", "and %(n)s more", more) % {"n": f"{more:,}"}
    return text


def _import_notes(usage):
    notes = []
    if usage.unknown_tiers:
        notes.append(
            _("Service tiers Banjia does not know, counted as standard: %(names)s.")
            % {"names": ", ".join(usage.unknown_tiers)}
        )
    if usage.unknown:
        names = _names(name for name, _t in usage.unknown)
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
    models = {line["model"] for line in usage.lines}
    messages.success(
        request,
        ngettext(
            "Imported %(n)s model from %(start)s to %(end)s (%(days)s days), as monthly averages.",
            "Imported %(n)s models from %(start)s to %(end)s (%(days)s days), as monthly averages.",
            len(models),
        )
        % {
            "n": len(models),
            "start": usage.start.date().isoformat(),
            "end": usage.end.date().isoformat(),
            "days": f"{usage.days:.1f}",
        },
    )
    if usage.renamed:
        renamed = _names(f"{a} → {b}" for a, b in usage.renamed.items())
        messages.info(
            request, _("Dated snapshots counted as their base model: %(list)s.") % {"list": renamed}
        )
    tiers = sorted({line["service_tier"] for line in usage.lines} - {"standard"})
    if tiers:
        messages.info(
            request,
            _("Batch and service-tier usage is kept on lines of its own: %(tiers)s.")
            % {"tiers": ", ".join(str(Price.ServiceTier(t).label) for t in tiers)},
        )
    if usage.hourly_usage:
        messages.info(
            request, _("The hourly buckets give the hourly profile (UTC) used for off-peak prices.")
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
@limited("BANJIA_API_RATE_LIMIT", "estimate-api", json=True)
def estimate_api(request):
    """POST /api/v1/estimate: the request and response documents of DESIGN.md ("Contracts")."""
    if request.method != "POST":
        # 405 as require_POST would answer, but with a JSON body like every other refusal.
        response = _errors({"method": [_("Use POST with a JSON body.")]}, status=405)
        response["Allow"] = "POST"
        return response
    if not request.META.get("CONTENT_LENGTH") and request.META.get("HTTP_TRANSFER_ENCODING"):
        # A chunked body has no Content-Length, and WSGI then reads it as empty: refuse it clearly.
        return _errors({"body": [_("Send the body with a Content-Length header (not chunked).")]}, status=411)
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

"""The estimate page over HTTP: the page (with its HTMX fragments and CSV/XLSX downloads), one
vendor's detail of it and the usage upload. POST /api/v1/estimate is offers.api.views.

The page renders the summary, the ranking and the chart; each vendor's detail (prices, months,
benefits, model choices) is its own request, /estimate/detail/<provider>/?<the page's query>,
loaded when the vendor's <details> opens (or followed as a plain link), so the page stays light
at any number of vendors. Both are cached per catalog version (offers.web.page_cache)."""

import json
from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from django_htmx.http import push_url

from offers.bills.anthropic import BillError, looks_like_claude, read_cost_report, read_usage_report
from offers.bills.openai import MAX_BYTES, UsageImportError, read_usage
from offers.catalog.safety import visible
from offers.estimator import MAX_ID_LENGTH, EstimateError, load_snapshot, parse_request
from offers.estimator.snapshot import compiled
from offers.models import Price
from offers.tokens.samples import store as store_sample
from offers.web.estimate.chart import chart
from offers.web.estimate.display import SORTS, show
from offers.web.estimate.export import csv_response, xlsx_response
from offers.web.estimate.forms import (
    EstimateForm,
    SampleForm,
    UsageFormSet,
    UsageImportForm,
    apply_errors,
    baseline_of,
    currency_choices,
    openai_model_choices,
    override_fields,
    to_request,
)
from offers.web.estimate.query import (
    MAX_PAGE_LINES,
    PREFIX,
    SETTINGS,
    default_query,
    edit_lines,
    lines_query,
    without_empty_overrides,
)
from offers.web.estimate.saved import KEY as SAVED_KEY
from offers.web.estimate.saved import LINK_BUDGET, expand, shorten
from offers.web.page_cache import estimate_result, per_version, placeholder_context
from offers.web.ratelimits import limited

TEMPLATE = "offers/estimate.html"
# An upload's notes live in the session (as messages) until shown: model names are listed up to
# this many per note, then counted.
MAX_NOTE_NAMES = 20
# The settings always shown; the others (region, hours of use, expired programmes) fold away.
MAIN_SETTINGS = ("baseline", "months", "currency", "as_of", "new_customer")


# --- the page -----------------------------------------------------------------------------------


def _build(request, query, *, example=False, provider=None):
    """The page's context for `query`, in one pass: the forms parse the query once; valid forms give
    the estimator's request document (`to_request`), which the estimator checks (`parse_request`)
    and prices against its snapshot (read per catalog version, page_cache.estimate_result); the
    forms describe each vendor's model select (`override_fields`) and display.show turns the
    result into what the page shows. Errors at any step go back beside the form's fields."""
    baseline = baseline_of(query)
    model_choices = openai_model_choices(baseline)
    form = EstimateForm(query, currencies=currency_choices())
    formset = UsageFormSet(
        query, prefix=PREFIX, form_kwargs={"model_choices": model_choices, "baseline": baseline}
    )
    result, choices, indices, watch_estimate = None, [], [], ""
    forms_valid = form.is_valid()
    forms_valid = formset.is_valid() and forms_valid
    url = reverse("offers:estimate")
    clean_query = without_empty_overrides(query)
    for key in ("add_line", "remove_line", "download", "models"):
        clean_query.pop(key, None)
    # Every link the page makes starts from this: many lines are stored and referred to by hash.
    clean_query = shorten(clean_query)
    if forms_valid:
        document, indices = to_request(form, formset)
        # The Watch form saves the request without its date, so the watch follows today's prices.
        watch_estimate = json.dumps({k: v for k, v in document.items() if k != "as_of"}, default=str)
        if provider is not None:
            document["providers"] = [provider]
        snapshot = None
        try:
            req = parse_request(document)
            snapshot = load_snapshot(req)
            result = estimate_result(req, snapshot)
        except EstimateError as exc:
            apply_errors(exc.errors, form, formset, indices)
        if snapshot is not None:
            fields = override_fields(formset, indices, document, snapshot, expand=query.get("models", ""))
            # Overrides naming no vendor on the page (a mistyped slug, "openai") have no select.
            for k, i in enumerate(indices):
                for slug, errs in formset.forms[i].override_errors.items():
                    for message in errs:
                        form.add_error(None, f"usage[{k}].overrides.{slug}: {message}")
            choices = show(
                result,
                snapshot,
                fields,
                sort=query.get("sort", "total"),
                share_query=clean_query,
                indices=indices,
            )
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
    # The detail's link: the same query without the ranking's order and the empty fields (an
    # empty field reads as a missing one), written once per vendor.
    detail_query = QueryDict(mutable=True)
    for name, values in clean_query.lists():
        if name != "sort":
            detail_query.setlist(name, [value for value in values if value != ""])
    detail_query = detail_query.urlencode()
    for alt in result["alternatives"] if result else ():
        alt["detail_path"] = reverse("offers:estimate-detail", args=[alt["provider"]])
        alt["detail_url"] = f"{alt['detail_path']}?{detail_query}"
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
        "watch_estimate": watch_estimate,
        "has_models": bool(model_choices),
        # Rule 10: whose bill the page prices, the words that follow it, the switch between them.
        "baseline": baseline,
        "claude": baseline == "anthropic",
        "baseline_links": {slug: f"{url}?baseline={slug}" for slug in ("openai", "anthropic")},
        "billed": billed_difference(form, result),
    }


def billed_difference(form, result):
    """What the Claude cost report billed a month (form field billed_usd) beside the estimate's
    baseline: {"billed", "priced", "difference", "percent"} as strings, or None. Compared in USD
    only (the cost report's currency): in another currency the page shows the billed amount alone."""
    billed = form.cleaned_data.get("billed_usd") if hasattr(form, "cleaned_data") else None
    if billed is None or result is None:
        return None
    out = {"billed": f"{billed:.2f}", "currency": result["currency"]}
    if result["currency"] == "USD":
        priced = Decimal(result["baseline"]["monthly_cost"])
        diff = priced - billed
        out["priced"] = f"{priced:.2f}"
        out["difference"] = f"{diff:.2f}"
        out["percent"] = f"{diff * 100 / billed:.1f}" if billed else None
    return out


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
    new = bool(form.cleaned_data.get("new_customer")) if form.data.get("new_customer_shown") else True
    rows.append(("new_customer", new))
    return rows


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

    A GET is cached per catalog version and query (offers.web.page_cache.per_version), except a
    download and a page showing an upload's outcome (messages are the visitor's own)."""
    if request.method == "POST":
        if request.POST.get("action") == "sample":
            return _store_sample(request)
        return _import_usage(request)
    if request.GET.get("download") in ("csv", "xlsx") or len(messages.get_messages(request)):
        return _estimate_get(request)
    return _cached_estimate_get(request)


def _estimate_get(request):
    example = f"{PREFIX}-TOTAL_FORMS" not in request.GET and SAVED_KEY not in request.GET
    query = default_query(request) if example else expand(request.GET)
    if query is None:
        raise Http404("This saved estimate link is unknown.")
    if (
        not request.htmx
        and "download" not in query
        and len(request.META.get("QUERY_STRING", "")) > LINK_BUDGET
    ):
        # A long address (a form sent with many lines): the same estimate at its short link.
        short = shorten(without_empty_overrides(query))
        if short is not query:
            return redirect(f"{reverse('offers:estimate')}?{short.urlencode()}")

    if "add_line" in query or "remove_line" in query:
        try:
            remove = int(query.get("remove_line", ""))
        except ValueError:
            remove = None
        edited = edit_lines(query, add="add_line" in query, remove=remove)
        url = f"{reverse('offers:estimate')}?{shorten(edited).urlencode()}"
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


# --- one vendor's detail ------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
def estimate_detail(request, provider):
    """GET /estimate/detail/<provider>/?<the page's query>: one vendor's detail of the estimate (its
    prices, model selects, programmes and months). For HTMX (the vendor's <details> opened) the
    detail's fragment; otherwise a page of its own, whose form sends the estimate back with the
    models chosen. Cached per catalog version and query, like the page."""
    if provider not in {p.slug for p in compiled().providers}:
        raise Http404(_("No vendor %(slug)s.") % {"slug": provider[:MAX_ID_LENGTH]})
    return _cached_detail_get(request, provider)


def _detail_get(request, provider):
    example = f"{PREFIX}-TOTAL_FORMS" not in request.GET and SAVED_KEY not in request.GET
    query = default_query(request) if example else expand(request.GET)
    if query is None:
        raise Http404("This saved estimate link is unknown.")
    context = _build(request, query, example=example, provider=provider)
    context = placeholder_context(request, context)
    result = context["result"]
    alt = item = None
    if result is not None:
        alt = next((a for a in result["alternatives"] if a["provider"] == provider), None)
        item = next((i for i in result["incomplete"] if i["provider"] == provider), None)
        context.update(alt=alt, item=item, cur=result["currency"], months=result["months"])
    status = 200 if result is not None else 400
    if alt is not None:
        context["detail_html"] = render_to_string(f"{TEMPLATE}#vendor-detail-body", context, request)
    if request.htmx and not request.htmx.history_restore_request:
        if alt is not None:
            body = context["detail_html"]
        else:
            body = render_to_string(f"{TEMPLATE}#vendor-detail-missing", context, request)
        response = HttpResponse(body, status=status)
    else:
        names = {p.slug: p.display_name for p in compiled().providers}
        context.update(
            vendor_name=names.get(provider, provider),
            back_url=f"{context['share_url']}#detail-{provider}",
            # The query as hidden fields, but for this vendor's selects (they are on the page).
            hidden_fields=[
                (name, value)
                for name, values in without_empty_overrides(query).lists()
                if not (name.startswith(f"{PREFIX}-") and name.endswith(f"-override-{provider}"))
                and name not in ("add_line", "remove_line", "download", "models")
                for value in values
            ],
        )
        response = render(request, "offers/estimate_detail.html", context, status=status)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


_cached_detail_get = per_version(_detail_get)


# --- the usage upload ---------------------------------------------------------------------------


@limited("BANJIA_UPLOAD_RATE_LIMIT", "estimate-upload")
def _import_usage(request):
    """POST /estimate/: read an OpenAI usage export, or a Claude usage report (with, optionally, its
    cost report), and fill the form with monthly averages."""
    current_query = QueryDict(request.POST.get("current", ""))
    if f"{PREFIX}-TOTAL_FORMS" not in current_query:
        current_query = default_query(request)
    model_choices = openai_model_choices(baseline_of(current_query))
    form = UsageImportForm(request.POST, request.FILES, model_choices=model_choices)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        raw = upload.read(MAX_BYTES + 1)
        claude, billed = looks_like_claude(raw), None
        try:
            if claude:
                usage = read_usage_report(
                    raw,
                    known_models={slug for slug, _label in openai_model_choices("anthropic")},
                    unassigned_model=form.cleaned_data["unassigned_model"] or None,
                )
                if form.cleaned_data.get("cost_report"):
                    costs = read_cost_report(form.cleaned_data["cost_report"].read(MAX_BYTES + 1))
                    billed = costs.monthly_tokens_usd.quantize(Decimal("0.000001"))
            else:
                usage = read_usage(
                    raw,
                    known_models={slug for slug, _label in openai_model_choices()},
                    unassigned_model=form.cleaned_data["unassigned_model"] or None,
                )
        except (UsageImportError, BillError) as exc:
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
                settings.update(baseline="anthropic" if claude else None, billed_usd=billed)
                if usage.hourly_usage:
                    settings.update(hourly_profile="imported", hourly_usage=usage.hourly_usage)
                query = shorten(lines_query(usage.lines[:MAX_PAGE_LINES], settings))
                return redirect(f"{reverse('offers:estimate')}?{query.urlencode()}")
    return _upload_refused(request, current_query, "import_form", form)


def _upload_refused(request, current_query, form_name, form):
    """The page (400) for an upload that was refused: the form under `form_name` with its errors,
    which go to the top of the page; the estimate of the lines on screen is not shown under them
    (it is not the upload's), unless the user asks for it with the link in the outcome."""
    context = _build(request, current_query)
    context[form_name] = form
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
        current_query = default_query(request)
    if form.is_valid():
        sample = store_sample(form.cleaned_data["texts"])
        current_query["sample"] = sample.digest
        return redirect(f"{reverse('offers:estimate')}?{current_query.urlencode()}#estimate-summary")
    return _upload_refused(request, current_query, "sample_form", form)


def _names(names):
    """The first MAX_NOTE_NAMES names, control characters escaped, then "and N more"."""
    names = list(names)
    text = ", ".join(visible(name[:MAX_ID_LENGTH]) for name in names[:MAX_NOTE_NAMES])
    if len(names) > MAX_NOTE_NAMES:
        more = len(names) - MAX_NOTE_NAMES
        text += " " + ngettext("and %(n)s more", "and %(n)s more", more) % {"n": f"{more:,}"}
    return text


def _import_notes(usage):
    notes = []
    if usage.unknown_tiers:
        notes.append(
            _("Service tiers Banjia does not know, counted as standard: %(names)s.")
            % {"names": _names(usage.unknown_tiers)}
        )
    if usage.unshown_tiers:
        notes.append(
            ngettext(
                "%(n)s service tier value could not be shown (it holds a control character); "
                "it was counted as standard.",
                "%(n)s service tier values could not be shown (they hold control characters); "
                "they were counted as standard.",
                usage.unshown_tiers,
            )
            % {"n": f"{usage.unshown_tiers:,}"}
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

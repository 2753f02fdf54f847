"""Browse pages: offer board, vendor pages, model table, model pages and compare.

Each view validates its GET parameters with a form, calls one service in offers.web.browse and
renders one template; an HTMX request gets only the partial named by its HX-Target (the
partial name, the DOM id and the hx-target are the same string). Bodies are cached per catalog
version, language, currency and query string (offers.web.page_cache): a repeated page costs at most
the version check.
"""

from functools import wraps

from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET
from django_htmx.http import push_url

from offers.models import Model, Provider
from offers.web import browse, page_cache
from offers.web.browse.forms import CompareForm, ModelFilterForm, OfferFilterForm

CURRENCY_COOKIE_AGE = 365 * 24 * 3600


def remember_currency(view):
    """A valid ?currency= in the URL becomes the user's remembered display currency."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        code = (request.GET.get("currency") or "").upper()
        if code in browse.DISPLAY_CURRENCIES and request.COOKIES.get(browse.CURRENCY_COOKIE) != code:
            response.set_cookie(
                browse.CURRENCY_COOKIE, code, max_age=CURRENCY_COOKIE_AGE, samesite="Lax", httponly=True
            )
        return response

    return wrapper


def render_page(request, template, context, partials=()):
    """The full page, or for an HTMX swap the partial whose name is the request's HX-Target."""
    htmx = getattr(request, "htmx", None)
    name = template
    if htmx and not htmx.history_restore_request and htmx.target in partials:
        name = f"{template}#{htmx.target}"
    response = render(request, name, page_cache.placeholder_context(request, context))
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@require_GET
@remember_currency
@page_cache.per_version
def home(request):
    currency = browse.pick_currency(request)
    form = OfferFilterForm(request.GET, vendors=browse.vendor_choices())
    filters = form.filters()
    cards = browse.offer_board(
        vendor=filters.get("vendor", ""),
        benefit_kind=filters.get("benefit", ""),
        active_only=filters.get("active", False),
        sort=filters.get("sort") or "state",
        currency=currency,
    )
    return render_page(request, "offers/home.html", {"form": form, "cards": cards}, partials=("offer-list",))


@require_GET
@remember_currency
@page_cache.per_version
def vendor(request, provider_slug):
    provider = get_object_or_404(Provider.objects.published(), slug=provider_slug)
    page = browse.vendor_page(
        provider, openai_model=request.GET.get("from", ""), currency=browse.pick_currency(request)
    )
    return render_page(request, "offers/vendor.html", {"page": page}, partials=("migration-snippet",))


@require_GET
@remember_currency
@page_cache.per_version
def model_list(request):
    currency = browse.pick_currency(request)
    form = ModelFilterForm(request.GET, vendors=browse.vendor_choices())
    filters = form.filters()
    table = browse.model_table(filters, page=filters.get("page") or 1, picks=form.picks, currency=currency)
    response = render_page(
        request, "offers/models.html", {"form": form, "table": table}, partials=("model-table",)
    )
    if table.tray.refused and getattr(request, "htmx", None):
        # A fifth tick was refused: the address bar keeps the four picks the page shows.
        query = request.GET.copy()
        query.setlist("m", table.tray.keys)
        push_url(response, f"{request.path}?{query.urlencode()}")
    return response


@require_GET
@remember_currency
@page_cache.per_version
def model(request, provider_slug, model_slug):
    obj = get_object_or_404(
        Model.objects.published().select_related("provider"), provider__slug=provider_slug, slug=model_slug
    )
    page = browse.model_page(obj, currency=browse.pick_currency(request))
    return render_page(request, "offers/model.html", {"page": page})


@require_GET
@remember_currency
@page_cache.per_version
def compare(request):
    form = CompareForm(request.GET)
    form.is_valid()
    comparison = browse.compare(
        form.keys,
        baseline=form.cleaned_data.get("baseline") or "gpt-4o",
        currency=browse.pick_currency(request),
    )
    search = browse.compare_search(request.GET.get("q", ""), exclude=form.keys)
    return render_page(
        request,
        "offers/compare.html",
        {"form": form, "comparison": comparison, "search": search, "keys": form.keys},
        partials=("compare-page", "compare-search"),
    )

"""Display helpers for the browse pages: money, token counts, benefit labels, query strings."""

from decimal import Decimal
from urllib.parse import urlencode, urlsplit

from django import template
from django.template.base import render_value_in_context
from django.urls import reverse
from django.utils import formats
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from offers.catalog.fx import RATE_OLD_AFTER_DAYS
from offers.models import Benefit, today
from offers.web.browse import Money
from offers.web.browse import price_terms as _price_terms
from offers.web.browse.forms import capability_label

register = template.Library()

SYMBOLS = {"USD": "$", "CNY": "¥"}


def amount_places(amount: Decimal, whole_above=None) -> int:
    """Decimal places that keep small per-token prices readable (0.0005, not 0.00)."""
    amount = abs(amount)
    if whole_above is not None and amount >= whole_above:
        return 0
    if amount == 0 or amount >= 1:
        return 2
    return min(8, max(2, 2 - amount.adjusted()))


def format_amount(amount: Decimal, currency: str, whole_above=None, zero_word=True) -> str:
    if amount == 0 and zero_word:
        return _("free")
    places = amount_places(amount, whole_above)
    text = formats.number_format(
        amount.quantize(Decimal(1).scaleb(-places)), places, use_l10n=True, force_grouping=True
    )
    if places > 2:
        # 0.07500000 -> 0.075: keep at least two decimals, drop the trailing zeros after them.
        separator = formats.get_format("DECIMAL_SEPARATOR")
        head, _sep, tail = text.partition(separator)
        tail = tail.rstrip("0").ljust(2, "0")
        text = f"{head}{separator}{tail}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


# Lazy: read in the language of each request, not of the import. The estimate page's line flags
# (offers.web.estimate.display) use the same words.
FIT_LABELS = {
    "larger": gettext_lazy("larger model"),
    "smaller": gettext_lazy("smaller model"),
    "other_class": gettext_lazy("other kind of model"),
}


@register.filter
def fit_label(fit):
    """A mapping's fit as the pages flag it ("larger model"); "" when like for like."""
    label = FIT_LABELS.get(fit or "")
    return str(label) if label else ""


@register.filter
def amount(value, currency):
    """{{ price.amount|amount:price.currency }} -> ¥0.80"""
    if value is None:
        return _("unknown")
    return format_amount(Decimal(value), currency)


@register.filter
def axis_amount(value, currency):
    """An axis label: like `amount`, but 0 stays a number."""
    return format_amount(Decimal(value), currency, zero_word=False)


@register.simple_tag
def money(value: Money | None, whole_above=None):
    """A Money in the display currency; unconverted amounts keep their currency and say so."""
    if value is None or value.amount is None:
        return format_html('<span class="money unknown">{}</span>', _("unknown"))
    text = format_amount(value.amount, value.currency, whole_above)
    if value.unconverted:
        return format_html(
            '<span class="money unconverted" title="{title}">{text} <small class="note">{note}</small></span>',
            title=_("No exchange rate to the display currency is stored."),
            text=text,
            note=_("%(currency)s, no rate") % {"currency": value.currency},
        )
    if value.was_converted:
        title = format_amount(value.original, value.original_currency)
        if value.rate_date:
            title = _("%(original)s at the exchange rate of %(date)s") % {
                "original": title,
                "date": formats.date_format(value.rate_date, "DATE_FORMAT"),
            }
        return format_html('<span class="money" title="{title}">{text}</span>', title=title, text=text)
    return format_html('<span class="money">{}</span>', text)


@register.filter
def days_ago(value):
    """How long ago a date was, from today: "today", "1 day ago", "12 days ago" ("in 3 days")."""
    if not value:
        return ""
    days = (today() - value).days
    if days == 0:
        return _("today")
    if days < 0:
        return ngettext("in %(n)s day", "in %(n)s days", -days) % {"n": -days}
    return ngettext("%(n)s day ago", "%(n)s days ago", days) % {"n": days}


@register.filter
def days_since(value):
    """Whole days from a date to today (0 today; negative for a future date)."""
    return (today() - value).days if value else None


@register.filter
def rate_figure(value):
    """An exchange rate as stored, without trailing zeros: 7.1300000000 -> 7.13, 100 -> 100."""
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f")


@register.filter
def rate_is_old(value):
    """A rate dated more than RATE_OLD_AFTER_DAYS before today (the estimate warns at the same age)."""
    return bool(value) and (today() - value).days > RATE_OLD_AFTER_DAYS


@register.filter
def tokens(value):
    """150000000 -> 150M (English) or 1.5亿 (Chinese)."""
    if value is None:
        return _("unknown")
    value = int(value)
    zh = (get_language() or "").startswith("zh")
    steps = ((10**8, "亿"), (10**4, "万")) if zh else ((10**9, "B"), (10**6, "M"), (10**3, "K"))
    for size, suffix in steps:
        if value >= size:
            number = Decimal(value) / size
            places = (
                0
                if number == number.to_integral()
                else (1 if number * 10 == (number * 10).to_integral() else 2)
            )
            return f"{formats.number_format(number, places, use_l10n=True)}{suffix}"
    return formats.number_format(value, 0, use_l10n=True, force_grouping=True)


@register.filter
def ratio(value):
    """0.1234 -> 0.12×"""
    if value is None:
        return "–"
    value = Decimal(value)
    places = 2 if value >= Decimal("0.01") else 4
    return f"{formats.number_format(value, places, use_l10n=True)}×"


@register.filter
def hostname(url):
    return urlsplit(url or "").hostname or url


@register.filter
def capability(code):
    return capability_label(code)


@register.filter
def benefit_label(benefit: Benefit) -> str:
    """A one-line description of a benefit in the user's language."""
    kind = benefit.kind
    names = [m.name for m in benefit.models.all()]
    models = ", ".join(names)
    if len(names) > 6:  # Alibaba's quota covers dozens of models
        models = _("%(models)s and %(n)s more") % {"models": ", ".join(names[:5]), "n": len(names) - 5}
    if kind == Benefit.Kind.FREE_TOKENS and getattr(benefit, "per_model", False):
        text = _("%(tokens)s free tokens for each model") % {"tokens": tokens(benefit.tokens)}
    elif kind == Benefit.Kind.FREE_TOKENS:
        text = _("%(tokens)s free tokens") % {"tokens": tokens(benefit.tokens)}
    elif kind == Benefit.Kind.MATCHED_TOKENS:
        text = _("Tokens matched to your OpenAI usage (%(ratio)s× one month)") % {
            "ratio": formats.number_format(benefit.ratio.normalize(), use_l10n=True)
        }
    elif kind == Benefit.Kind.DISCOUNT:
        percent = formats.number_format(benefit.percent.normalize(), use_l10n=True)
        if benefit.months:
            text = ngettext(
                "%(percent)s%% off for %(months)d month",
                "%(percent)s%% off for %(months)d months",
                benefit.months,
            ) % {"percent": percent, "months": benefit.months}
        else:
            text = _("%(percent)s%% off") % {"percent": percent}
    elif kind == Benefit.Kind.CREDIT:
        text = _("%(amount)s credit") % {"amount": format_amount(benefit.amount, benefit.currency)}
    elif kind == Benefit.Kind.PLAN:
        price = format_amount(benefit.amount, benefit.currency)
        text = {
            "month": _("Plan: %(price)s a month"),
            "quarter": _("Plan: %(price)s a quarter"),
            "year": _("Plan: %(price)s a year"),
        }.get(benefit.period, _("Plan: %(price)s")) % {"price": price}
    else:
        text = str(benefit.get_kind_display())
    if models and kind != Benefit.Kind.CREDIT:
        text = _("%(benefit)s on %(models)s") % {"benefit": text, "models": models}
    if benefit.valid_days:
        text += " · " + ngettext("valid %(days)d day", "valid %(days)d days", benefit.valid_days) % {
            "days": benefit.valid_days
        }
    return text


@register.simple_tag(takes_context=True)
def url_with(context, keep_page=False, **changes):
    """The current query string with some parameters replaced ("" or None removes one; a list
    sets a repeated parameter such as the compare picks `m`).

    Filters and sorting change the result set, so they also drop `page` unless it is given or
    `keep_page` is set (ticking a model for comparison stays on the page).
    """
    request = context["request"]
    query = request.GET.copy()
    if "page" not in changes and not keep_page:
        query.pop("page", None)
    for key, value in changes.items():
        if isinstance(value, (list, tuple)):
            query.setlist(key, [str(v) for v in value])
        elif value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = str(value)
    encoded = query.urlencode()
    return f"{request.path}?{encoded}" if encoded else request.path


@register.filter
def without(values, value):
    """{{ tray.keys|without:key }}: the list with one value left out."""
    return [v for v in values if v != value]


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag
def compare_url(keys, add=None, remove=None, baseline=None):
    """The compare page for `keys` ((provider, model) pairs) with one model added or removed."""
    picked = [f"{p}/{s}" for p, s in keys]
    if add and add not in picked:
        picked.append(add)
    if remove:
        picked = [k for k in picked if k != remove]
    params = [("m", k) for k in picked]
    if baseline:
        params.append(("baseline", baseline))
    query = urlencode(params)
    return reverse("offers:compare") + (f"?{query}" if query else "")


@register.filter
def price_terms(price):
    """A price row's service tier, region and time window in words; "" for a headline row."""
    return _price_terms(price)


@register.filter
def cash(value, currency):
    """An estimate amount with 2 decimals, grouped, and its currency code: "27,849.78 CNY"."""
    if value is None or value == "":
        return _("unknown")
    # Grouped by thousands in both languages (a finance reader's convention), not by the locale.
    return f"{Decimal(value):,.2f} {currency}"


@register.filter
def whole(value):
    """A count with group separators: 300000000 -> 300,000,000."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.0f}"


@register.simple_tag(takes_context=True)
def override_select(context, f):
    """The estimate page's per-vendor model select for one usage line (`f` from
    offers.web.estimate.forms.override_fields), written in Python: a page lists one per vendor and line
    (189 on a 63-vendor catalog), and through the template engine they took most of its time.
    The output is what the former `override-select` partial rendered, byte for byte."""

    def value(v):
        return render_value_in_context(v, context)

    fid = value(f["id"])
    errors = f["errors"]
    parts = [
        '\n\n<div class="override', " has-error" if errors else "", '">\n',
        '  <label class="visually-hidden" for="', fid, '">', value(f["label"]), "</label>\n",
        '  <select name="', value(f["name"]), '" id="', fid, '" form="estimate-form" aria-describedby="',
        fid, "-status ", fid, '-errors"', ' aria-invalid="true"' if errors else "", "\n",
        '          hx-get="', value(context.get("estimate_url")),
        '" hx-include="#estimate-form" hx-trigger="change delay:300ms" hx-target="#estimate-result"\n',
        '          hx-swap="outerHTML" hx-push-url="true" hx-sync="#estimate-form:replace" hx-indicator="#estimate-form">\n',
        "    ",
    ]  # fmt: skip
    for option_value, label, selected in f["options"]:
        parts += [
            '<option value="',
            value(option_value),
            '"',
            " selected" if selected else "",
            ">",
            value(label),
            "</option>",
        ]
    if f["is_override"]:
        status = _("your choice")
    elif f["mapped"]:
        status = _("mapped")
    else:
        status = _("not mapped")
    parts += [
        "\n  </select>\n",
        '  <span id="', fid, '-status" class="override-status', " chosen" if f["is_override"] else "", '">',
        conditional_escape(status), "</span>\n  ",
    ]  # fmt: skip
    if f["hidden"]:
        share, provider = value(context.get("share_url")), value(f["provider"])
        more = ngettext("%(n)s more model", "%(n)s more models", f["hidden"]) % {"n": value(f["hidden"])}
        parts += [
            '<a class="more-models" href="', share, "&amp;models=", provider, "#", fid, '" hx-get="', share,
            "&amp;models=", provider, '" hx-target="#estimate-result" hx-swap="outerHTML" hx-push-url="false">',
            more, "</a>",
        ]  # fmt: skip
    parts += [
        '\n  <span class="error" id="', fid, '-errors">', conditional_escape(" ").join(conditional_escape(e) for e in errors),
        "</span>\n</div>\n",
    ]  # fmt: skip
    return mark_safe("".join(parts))

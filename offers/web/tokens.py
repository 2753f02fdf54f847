"""The token counter page (/tokens/): a text counted under every registry tokenizer, and what that
text costs as input at each vendor's current flagship.

A vendor's flagship is its counterpart (rule 4, today) of the reference OpenAI model (the page's
`model`, default DEFAULT_REFERENCE); its input price is its current headline input row (standard
tier, home region, all day, any mode, lowest input tier, shortest reply band), in the row's own
currency. A model without a tokenizer is priced on the reference model's count and marked
"assumed" (rule 9: ratio 1). GET ?text= makes a count linkable; the form POSTs (long texts).

Cost: one count per tokenizer (cached per text hash and tokenizer), 3 queries. Not page-cached.
"""

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.db.models import F
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from offers import tokens
from offers.catalog.counterparts import counterparts, is_available
from offers.models import Model, Price, today
from offers.tokens.samples import texts_from_text

LINKABLE_TEXT = 2000  # characters: longer texts would make a URL servers refuse
DEFAULT_REFERENCE = ("gpt-5.5", "gpt-4o")  # the first one in the catalog
MILLION = Decimal(1_000_000)


@dataclass
class TokenizerCount:
    spec: object
    tokens: int
    ratio: Decimal | None  # tokens / the reference model's tokenizer's count


@dataclass
class FlagshipCost:
    model: Model
    tokenizer: str | None
    tokens: int
    assumed: bool  # no tokenizer: the reference model's count stands in
    price: Price | None
    cost: Decimal | None  # tokens x amount / 1M, in price.currency


def reference_models():
    """OpenAI chat models available today, newest first."""
    on = today()
    qs = Model.objects.published().filter(provider__slug="openai", kind=Model.Kind.CHAT)
    return [
        m
        for m in qs.order_by(F("released_on").desc(nulls_last=True), "slug")
        if is_available(m.released_on, m.deprecated_on, on)
    ]


def pick_reference(slug, models):
    by_slug = {m.slug: m for m in models}
    if slug in by_slug:
        return by_slug[slug]
    return next((by_slug[s] for s in DEFAULT_REFERENCE if s in by_slug), models[0] if models else None)


def headline_input(models, on):
    """{model id: the headline input row} (one query)."""
    rows = (
        Price.objects.current(on)
        .headline()
        .filter(model__in=models, kind=Price.Kind.INPUT, mode__isnull=True)
        .order_by(
            "model_id",
            F("tier_min_input_tokens").asc(nulls_first=True),
            F("tier_min_output_tokens").asc(nulls_first=True),
            "currency",
        )
    )
    found = {}
    for row in rows:
        found.setdefault(row.model_id, row)
    return found


def count_text(text, reference):
    """([TokenizerCount] in registry order, [FlagshipCost] by vendor) for `text`."""
    texts = texts_from_text(text)
    counts = tokens.count_all(texts) if texts else {name: 0 for name in tokens.NAMES}
    base = counts.get(reference.tokenizer) if reference and reference.tokenizer else None
    per_tokenizer = [
        TokenizerCount(
            spec, counts[spec.name], (Decimal(counts[spec.name]) / Decimal(base)) if base else None
        )
        for spec in tokens.REGISTRY
    ]
    if reference is None:
        return per_tokenizer, []
    on = today()
    models = [reference] + sorted(
        counterparts(on, openai_models=[reference]).values(), key=lambda m: m.provider.slug
    )
    prices = headline_input(models, on)
    costs = []
    for m in models:
        assumed = not m.tokenizer
        n = base if assumed else counts[m.tokenizer]
        price = prices.get(m.pk)
        cost = (Decimal(n) * price.amount / MILLION) if price is not None and n is not None else None
        costs.append(FlagshipCost(m, m.tokenizer or None, n, assumed, price, cost))
    return per_tokenizer, costs


class TokenCounterForm(forms.Form):
    """The text (plain text, at most MAX_SAMPLE_BYTES) and the reference OpenAI model."""

    text = forms.CharField(
        label=_("Your text"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Counted as plain text: no special tokens, no chat template."),
    )
    model = forms.ChoiceField(label=_("Compared with"), required=False)

    def __init__(self, *args, models=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", _("OpenAI's flagship"))] + [(m.slug, m.name) for m in models]

    def clean_text(self):
        text = self.cleaned_data["text"]
        try:
            tokens.validate_sample([text])
        except tokens.SampleError as exc:
            raise forms.ValidationError(_("The text %(reason)s.") % {"reason": _sample_reason(exc)}) from None
        return text


def _sample_reason(exc):
    message = str(exc)
    if "NUL" in message:
        return _("contains a NUL character")
    if "surrogate" in message:
        return _("contains an unpaired surrogate")
    return _("is over 1,000,000 bytes (UTF-8)")


@require_http_methods(["GET", "POST"])
def token_counter(request):
    """/tokens/: a text's tokens under every registry tokenizer and its input cost at each vendor's
    flagship. GET ?text= (linkable) or the form's POST (long texts); not cached (counts are)."""
    data = request.POST if request.method == "POST" else request.GET
    models = reference_models()
    form = TokenCounterForm(data or None, models=models)
    result = None
    if form.is_valid():
        reference = pick_reference(form.cleaned_data.get("model"), models)
        text = form.cleaned_data["text"]
        per_tokenizer, costs = count_text(text, reference)
        link = None
        if len(text) <= LINKABLE_TEXT:
            link = f"{request.path}?{urlencode({'text': text, 'model': reference.slug if reference else ''})}"
        result = {
            "reference": reference,
            "per_tokenizer": per_tokenizer,
            "costs": costs,
            "chars": len(text),
            "bytes": len(text.encode("utf-8")),
            "link": link,
        }
    return render(request, "offers/tokens.html", {"form": form, "result": result})

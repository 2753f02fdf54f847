"""Filter forms of the browse pages. They read GET parameters; an invalid value is reported next
to its field and the list falls back to showing everything for that field (never a 500)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from offers.catalog.safety import validate_clean_text
from offers.models import Benefit, Model, Price
from offers.web.browse import COMPARE_MAX, MODEL_SORTS, OFFER_SORTS, parse_model_keys

ANY = [("", _("Any"))]


class BrowseForm(forms.Form):
    """A GET form whose cleaned data is usable even when some fields are invalid."""

    def __init__(self, data=None, *, vendors=(), **kwargs):
        super().__init__(data, **kwargs)
        if "vendor" in self.fields:
            self.fields["vendor"].choices = ANY + list(vendors)

    def filters(self) -> dict:
        """The valid fields' values; fields with errors count as not given."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}


class OfferFilterForm(BrowseForm):
    vendor = forms.ChoiceField(label=_("Vendor"), required=False)
    benefit = forms.ChoiceField(
        label=_("Benefit"),
        required=False,
        choices=ANY + list(Benefit.Kind.choices),
    )
    active = forms.BooleanField(label=_("Active only"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=list(OFFER_SORTS.items()))


class ModelFilterForm(BrowseForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        validators=[validate_clean_text],
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Model or vendor")}),
    )
    vendor = forms.ChoiceField(label=_("Vendor"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=ANY + list(Model.Kind.choices))
    capability = forms.ChoiceField(label=_("Capability"), required=False)
    min_context = forms.IntegerField(
        label=_("Min. context (tokens)"),
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"step": 1000, "inputmode": "numeric"}),
    )
    max_input = forms.DecimalField(
        label=_("Max. input price / 1M"),
        required=False,
        min_value=0,
        max_digits=20,
        decimal_places=6,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    max_output = forms.DecimalField(
        label=_("Max. output price / 1M"),
        required=False,
        min_value=0,
        max_digits=20,
        decimal_places=6,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    compatible = forms.BooleanField(label=_("OpenAI-compatible vendors only"), required=False)
    has_batch = forms.BooleanField(label=_("Has a batch price"), required=False)
    has_offpeak = forms.BooleanField(label=_("Has an off-peak price"), required=False)
    region = forms.ChoiceField(
        label=_("Prices of region"),
        required=False,
        choices=ANY + [("home", _("Home prices")), *Price.Region.choices],
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=list(MODEL_SORTS.items()))
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        # ?m=provider/model, repeated: the models ticked for comparison, in the order ticked.
        self.picks = parse_model_keys(data.getlist("m") if data is not None else [])
        self.fields["capability"].choices = ANY + [(c, capability_label(c)) for c in Model.CAPABILITIES]


CAPABILITY_LABELS = {
    "vision": _("Vision"),
    "tools": _("Tools"),
    "json": _("JSON mode"),
    "reasoning": _("Reasoning"),
    "web_search": _("Web search"),
}


def capability_label(code):
    return CAPABILITY_LABELS.get(code, code)


class CompareForm(forms.Form):
    """?m=provider/model (up to four) and ?baseline=<OpenAI model id>."""

    baseline = forms.CharField(
        label=_("Compare with OpenAI model"), required=False, max_length=128, validators=[validate_clean_text]
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.keys = parse_model_keys(data.getlist("m") if data is not None else [])

    def clean(self):
        cleaned = super().clean()
        if len(self.keys) > COMPARE_MAX:
            raise forms.ValidationError(
                _("Pick at most %(max)d models; the first %(max)d are shown.") % {"max": COMPARE_MAX}
            )
        return cleaned

"""The "Watch" form other pages include: an address and what to watch (hidden fields)."""

import json
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Watch
from .services import WatchError, parse_subject

MAX_ESTIMATE_CHARS = 200_000


class WatchForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    kind = forms.ChoiceField(choices=Watch.Kind.choices, widget=forms.HiddenInput)
    provider = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    model = forms.CharField(required=False, max_length=128, widget=forms.HiddenInput)
    audience = forms.ChoiceField(
        label=_("Only offers for"),
        required=False,
        choices=[("", _("everyone")), *Watch.Audience.choices],
    )
    estimate = forms.CharField(required=False, max_length=MAX_ESTIMATE_CHARS, widget=forms.HiddenInput)
    threshold_percent = forms.DecimalField(
        label=_("Tell me when savings move by at least (%)"),
        required=False,
        min_value=0,
        max_value=1000,
        decimal_places=2,
        initial=10,
    )

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if not kind:
            return data
        if kind == Watch.Kind.OFFERS:
            doc = {"offers": True, "audience": data.get("audience") or None}
        elif kind == Watch.Kind.ESTIMATE:
            try:
                request = json.loads(data.get("estimate") or "")
            except ValueError:
                raise forms.ValidationError(_("The estimate to watch is missing.")) from None
            threshold = data.get("threshold_percent")
            doc = {
                "estimate": request,
                "threshold_percent": threshold if threshold is not None else Decimal(10),
            }
        elif kind == Watch.Kind.MODEL:
            doc = {"provider": data.get("provider"), "model": data.get("model")}
        else:
            doc = {"provider": data.get("provider")}
        try:
            data["subject"] = parse_subject(doc)
        except WatchError as exc:
            for messages in exc.errors.values():
                for message in messages:
                    self.add_error(None, message)
        return data

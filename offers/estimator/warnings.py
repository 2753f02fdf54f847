"""The response's warnings: a baseline priced after as_of, rates dated far from as_of, and prices
last checked too long before it (see the decisions in offers.estimator)."""

from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from offers.catalog.fx import RATE_OLD_AFTER_DAYS
from offers.estimator.request import BASELINE


def launch_warnings(snap):
    """A line's OpenAI model had no price yet on as_of: it is priced at its first later price."""
    return [
        {
            "code": "baseline_price_after_as_of",
            "message": _(
                "%(model)s had no price on %(as_of)s (it launched later); its first price, from "
                "%(date)s, is used for the OpenAI baseline."
            )
            % {"model": slug, "as_of": snap.as_of.isoformat(), "date": first.isoformat()},
            "model": slug,
            "date": first.isoformat(),
        }
        for slug, first in sorted(snap.baseline_after.items())
    ]


def rate_and_price_warnings(rates, baseline, alternative_lines, as_of, base_slug=BASELINE):
    """Rates dated more than RATE_OLD_AFTER_DAYS from as_of and stale prices among those used (see the
    decisions in offers.estimator), one warning per rate and per (provider, model), in a stable order."""
    out = []
    # Each message is translated once per estimate, not once per warning (85 stale prices at 64
    # vendors): gettext costs more than the formatting.
    far_text = stale_text = None
    for row in sorted(rates, key=lambda r: (r.base, r.quote, r.date)):
        days = abs((row.date - as_of).days)
        if days > RATE_OLD_AFTER_DAYS:
            if far_text is None:
                far_text = _(
                    "The exchange rate %(base)s/%(quote)s used is of %(date)s, %(days)s days from the "
                    "estimate's date."
                )
            out.append(
                {
                    "code": "fx_rate_far_from_as_of",
                    "message": far_text
                    % {"base": row.base, "quote": row.quote, "date": row.date.isoformat(), "days": days},
                    "base": row.base,
                    "quote": row.quote,
                    "date": row.date.isoformat(),
                    "days": days,
                }
            )
    limit = settings.BANJIA_STALE_AFTER_DAYS
    horizon = as_of - timedelta(days=limit)
    oldest = {}
    for provider_slug, pl in [(base_slug, pl) for pl in baseline] + list(alternative_lines):
        checked = pl.oldest_checked_on
        if checked is not None and checked < horizon:
            key = (provider_slug, pl.model.slug)
            if key not in oldest or checked < oldest[key]:
                oldest[key] = checked
    for (provider_slug, model_slug), checked in sorted(oldest.items()):
        if stale_text is None:
            stale_text = _(
                "A price of %(model)s (%(provider)s) used here was last checked on %(date)s, more than "
                "%(days)s days before the estimate's date."
            )
        out.append(
            {
                "code": "stale_price",
                "message": stale_text
                % {
                    "model": model_slug,
                    "provider": provider_slug,
                    "date": checked.isoformat(),
                    "days": limit,
                },
                "provider": provider_slug,
                "model": model_slug,
                "checked_on": checked.isoformat(),
                "days": (as_of - checked).days,
            }
        )
    return out


def band_warnings(alternative_lines):
    """Rule 1: one `output_band_assumed` warning per (provider, model) priced by reply length on a
    line without `requests` (the band with no upper bound was used)."""
    seen = {}
    for provider_slug, pl in alternative_lines:
        if pl.band_assumed:
            seen.setdefault((provider_slug, pl.model.slug), pl.line.model)
    return [
        {
            "code": "output_band_assumed",
            "message": _(
                "%(model)s (%(provider)s) prices short replies lower; without the number of requests the "
                "price for ordinary (longer) replies is used. Give the requests per month to price by "
                "your reply length."
            )
            % {"model": model_slug, "provider": provider_slug},
            "provider": provider_slug,
            "model": model_slug,
            "openai_model": openai_model,
        }
        for (provider_slug, model_slug), openai_model in sorted(seen.items())
    ]

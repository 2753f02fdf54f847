"""The estimate: every line priced at the baseline and at each vendor, the programmes simulated,
the vendors ranked and the response document written (`estimate`, `run`)."""

from fractions import Fraction

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from offers import tokens
from offers.estimator.detail import line_detail, vendor_detail, with_tier
from offers.estimator.money import cents_of, money, money_of
from offers.estimator.plans import line_shape, plan_context, price_line
from offers.estimator.prices import Dimensions, Unpriced
from offers.estimator.rates import Fx, fx_list
from offers.estimator.request import BASELINE, NON_THINKING, THINKING, Errors, EstimateError, parse_request
from offers.estimator.simulation import benefit_templates, simulate
from offers.estimator.snapshot import load_snapshot
from offers.estimator.warnings import band_warnings, launch_warnings, rate_and_price_warnings

LIKE_FOR_LIKE = "like_for_like"
OVERRIDE = "override"  # a line's model chosen by the user: like for like by choice (rule 8)


def only_plans(program, snap):
    """A programme whose benefits are all plans: shown, never counted in an estimate."""
    rows = snap.benefits.get(program.pk, ())
    return bool(rows) and all(b.kind == "plan" for b in rows)


def _vendor(snap, provider_pk, fx, language):
    """What the estimate needs of one vendor's programmes whatever the usage, worked out once per
    snapshot and language and kept in it: (benefits prepared for `simulate`, the slugs of the
    programmes counted, the slugs of those that are plans only)."""
    key = ("vendor", provider_pk, language)
    found = snap.memo.get(key)
    if found is None:
        programs = snap.programs.get(provider_pk, [])
        found = snap.memo[key] = (
            benefit_templates(programs, snap.benefits, fx),
            tuple(p.slug for p in programs if not only_plans(p, snap)),
            tuple(p.slug for p in programs if only_plans(p, snap)),
        )
    return found


def _fx(snap, currency):
    """The request's exchange rates (Fx caches its conversions), kept in the snapshot: a snapshot
    is selected for one as_of and currency."""
    key = ("fx", currency)
    found = snap.memo.get(key)
    if found is None:
        found = snap.memo[key] = Fx(snap.rates, snap.as_of, currency)
    return found


def estimate(req, snapshot=None):
    """The response document for `req` (raises EstimateError on catalog-dependent errors).

    The hot path, for V vendors and L usage lines: no SQL; `load_snapshot` is a dict lookup when
    a request with the same as_of, currency, providers, models and overrides came before (only
    the token counts differ), else one pass over those models' mappings and prices. What does not
    depend on the counts is kept in the snapshot and worked out once: the exchange rates, each
    vendor's benefits prepared for the simulation (credits converted, matched ratios reduced,
    programme slugs), and per line its plan key. Then V x L `price_line` calls (a plan kept per
    version and line shape: a few integer products and one Fraction each), V `simulate` calls
    (each month O(pools x groups + discounts x groups + credits) while a benefit runs, O(1) once
    all are spent) and the writing of the document (a few exact money formats per vendor and
    line; warnings with each message translated once). The simulations are about half of it, the
    line pricings a tenth. Measured at 64 vendors (the seed and make_synthetic_catalog 50 x 100,
    every vendor with a running programme of free tokens, matched tokens, a discount, a credit
    and a perk), 3 lines, no detail, distinct token counts: about 2.6 ms for load_snapshot +
    estimate on a shared 2-core machine (5.1 ms before the per-snapshot preparation, 16 ms
    before the per-version one). With `detail` every vendor's month and price tables cost several
    times that, hence the estimate page's per-vendor detail requests."""
    snap = snapshot if snapshot is not None else load_snapshot(req)
    return _estimate(req, snap)


def _estimate(req, snap):
    errors = Errors()
    for j, slug in snap.unknown_providers:
        errors.add(f"providers[{j}]", _("Unknown provider %(slug)s.") % {"slug": slug})
    fx = _fx(snap, req.currency)
    dims = Dimensions(req.region, req.hourly_usage, snap.as_of)
    context = plan_context(fx, dims)
    by_slug = {p.slug: p for p in snap.providers}
    base_slug = getattr(req, "baseline", BASELINE)
    claude = base_slug == "anthropic"

    baseline = []
    reasoning = snap.catalog.reasoning if snap.catalog is not None else frozenset()
    for i, line in enumerate(req.usage):
        model = snap.openai_models.get(line.model)
        if model is not None:
            # Rule 6: a reasoning baseline model's lines are priced on thinking rows, others on
            # non-thinking rows, unless the line asks for a mode itself.
            line.wanted_mode = line.mode or (THINKING if model.pk in reasoning else NON_THINKING)
        if model is None:
            errors.add(
                f"usage[{i}].model",
                (_("%(model)s is not a Claude model in the catalog.") if claude
                 else _("%(model)s is not an OpenAI model in the catalog.")) % {"model": line.model},
            )  # fmt: skip
        else:
            try:
                baseline.append(
                    price_line(line, model, snap.prices.get(model.pk, []), fx, dims, snap.plans, context)
                )
            except Unpriced as exc:
                if exc.fx:
                    errors.add(
                        "currency",
                        _("No exchange rate from USD to %(c)s in the catalog.") % {"c": req.currency},
                    )
                else:
                    errors.add(
                        f"usage[{i}].model",
                        (_("Anthropic's price is unknown: %(reason)s.") if claude
                         else _("OpenAI's price is unknown: %(reason)s.")) % {"reason": exc.reason},
                    )  # fmt: skip
        for slug, model_slug in line.overrides.items():
            path = f"usage[{i}].overrides.{slug}"
            if slug == base_slug:
                errors.add(path, _("The baseline always uses the line's own model."))
            elif slug not in by_slug:
                if req.providers is None or slug in req.providers:
                    errors.add(path, _("Unknown provider %(slug)s.") % {"slug": slug})
            elif (slug, model_slug) not in snap.models:
                errors.add(path, _("%(p)s has no model %(m)s.") % {"p": slug, "m": model_slug})
    if errors:
        raise EstimateError({k: sorted(set(v), key=v.index) for k, v in errors.items()})

    months = req.months
    base_monthly = sum((pl.monthly_cost for pl in baseline), Fraction(0))
    base_total = base_monthly * months
    base_n, base_d = base_total.numerator, base_total.denominator
    base_sign = -1 if base_n < 0 else 1
    used_rates = {r.pk: r for pl in baseline for r in pl.rates}

    ranked, incomplete, used_lines = [], [], []
    prices, plans, mappings, fits = snap.prices, snap.plans, snap.mappings, snap.fits
    language = get_language()
    sample, detail = req.sample, req.detail
    # Rule 9's ratio depends only on the two tokenizers (the sample is the request's): once per pair.
    ratio_memo = {}
    base_tokenizers = [snap.openai_models[line.model].tokenizer for line in req.usage]
    # A plan's key from each line, worked out once (a line scaled by rule 9 works out its own).
    shapes = [line_shape(line, context) for line in req.usage]
    for provider in snap.providers:
        priced, reasons, rates, line_fits, ratios = [], [], [], [], []
        provider_pk, provider_slug = provider.pk, provider.slug
        for line, base_tokenizer, shape in zip(req.usage, base_tokenizers, shapes, strict=True):
            model = None
            override = line.overrides.get(provider_slug) if line.overrides else None
            if override is not None:
                model = snap.models.get((provider_slug, override))
                fit = OVERRIDE
            else:
                model = mappings.get((line.model, provider_pk))
                fit = fits.get((line.model, provider_pk), LIKE_FOR_LIKE)
            if model is None:
                reasons.append(_("no model mapped for %(model)s") % {"model": line.model})
                continue
            # Rule 9: the line's tokens as this model's tokenizer counts the user's sample.
            pair = (model.tokenizer, base_tokenizer)
            ratio = ratio_memo.get(pair)
            if ratio is None:
                found = tokens.token_ratio(sample, *pair)
                # (the ratio when it is not 1, the line's `tokens` entry)
                ratio = ratio_memo[pair] = (None if found.ratio == 1 else found.ratio, found.as_dict())
            try:
                if ratio[0] is None:
                    pl = price_line(line, model, prices.get(model.pk, []), fx, dims, plans, context, shape)
                else:
                    scaled = tokens.scale_line(line, ratio[0])
                    pl = price_line(scaled, model, prices.get(model.pk, []), fx, dims, plans, context)
            except Unpriced as exc:
                reasons.append(exc.reason)
                continue
            priced.append(pl)
            line_fits.append(fit)
            ratios.append(ratio[1])
            rates.extend(pl.rates)
        if reasons:
            incomplete.append({"provider": provider_slug, "reason": "; ".join(dict.fromkeys(reasons))})
            continue
        prepared, program_slugs, plan_slugs = _vendor(snap, provider_pk, fx, language)
        sim = simulate(priced, prepared, months, detail)
        rates.extend(sim["rates"])
        # The totals as numerator / denominator pairs (exact, not reduced: no Fraction per figure).
        month_list_n, list_d = sim["monthly_list"]
        list_n = month_list_n * months  # total list cost, over list_d
        total_n, total_d = sim["total"]
        savings_n, savings_d = base_n * total_d - total_n * base_d, base_d * total_d
        alt = {
            "provider": provider_slug,
            "monthly_list_cost": money_of(month_list_n, list_d),
            "total_list_cost": money_of(list_n, list_d),
            "benefits_value": money_of(list_n * total_d - total_n * list_d, list_d * total_d),
            "total_cost": money_of(total_n, total_d),
            "savings": money_of(savings_n, savings_d),
            # savings / base_total x 100, over a positive denominator
            "savings_percent": (
                money_of(base_sign * savings_n * base_d * 100, savings_d * abs(base_n)) if base_n else None
            ),
            "lines": [
                _line(pl, fit, ratio, claude)
                for pl, fit, ratio in zip(priced, line_fits, ratios, strict=True)
            ],
            "programs": list(program_slugs),
            "perks": sim["perks"],
            "programs_left_out": snap.programs_left_out.get(provider_pk, []),
        }
        if plan_slugs:  # plans apply but are never counted (they cover tools, not API traffic)
            alt["plans"] = list(plan_slugs)
        # Rule 8: why this alternative may not be the answer, however cheap: a price worked out by
        # a rule ("derived_price"), a counterpart that is not like for like ("unlike_model").
        if caveats := _caveats(priced, line_fits):
            alt["caveats"] = caveats
        if detail:
            programs = snap.programs.get(provider_pk, [])
            alt["detail"] = vendor_detail(provider, priced, programs, sim, rates, snap.as_of)
        # The same rate rows come back from every line: each row once, in order.
        for r in rates:
            used_rates[r.pk] = r
        used_lines.extend((provider_slug, pl) for pl in priced)
        ranked.append((cents_of(total_n, total_d), provider_slug, alt))

    ranked.sort(key=lambda t: (t[0], t[1]))
    warnings = launch_warnings(snap) + rate_and_price_warnings(
        used_rates.values(), baseline, used_lines, snap.as_of, base_slug
    )
    warnings += band_warnings(used_lines)
    result = {
        "as_of": snap.as_of.isoformat(),
        "months": months,
        "currency": req.currency,
        "fx": fx_list(used_rates.values(), snap.as_of),
        "baseline": {
            "provider": base_slug,
            "monthly_cost": money(base_monthly),
            "total_cost": money(base_total),
            "lines": [
                with_tier(pl, {"model": pl.line.model, "monthly_cost": money(pl.monthly_cost)})
                for pl in baseline
            ],
        },
        "alternatives": [alt for _t, _s, alt in ranked],
        "sample": req.sample.summary() if req.sample is not None else None,
        "incomplete": incomplete,
        "warnings": warnings,
        # Rule 8: the cheapest complete alternative priced on checked rows and like-for-like models.
        "recommended": next((alt["provider"] for _t, _s, alt in ranked if not alt.get("caveats")), None),
    }
    if req.detail:
        result["baseline"]["detail"] = {"lines": [line_detail(pl) for pl in baseline]}
    return result


def _line(pl, fit, ratio, claude):
    """An alternative's line of the response: the baseline's model (also as `openai_model` on an
    OpenAI bill), the model priced and its monthly cost, `fit` unless like for like, `tokens`
    (rule 9's entry) and `with_tier`'s notes."""
    entry = {} if claude else {"openai_model": pl.line.model}
    entry["baseline_model"] = pl.line.model
    entry["model"] = pl.model.slug
    entry["monthly_cost"] = money_of(pl.cost_num, pl.cost_den)
    if fit not in (LIKE_FOR_LIKE, OVERRIDE):
        entry["fit"] = fit
    entry["tokens"] = dict(ratio)
    return with_tier(pl, entry)


def _caveats(priced, fits):
    """Rule 8's reasons an alternative is not recommended, as codes: "derived_price" (a line is
    priced on a row of confidence derived), "unlike_model" (a line's mapping is not like for like
    and the user did not choose the model)."""
    caveats = []
    if any(pl.derived for pl in priced):
        caveats.append("derived_price")
    if any(fit not in (LIKE_FOR_LIKE, OVERRIDE) for fit in fits):
        caveats.append("unlike_model")
    return caveats


def run(data):
    """Parse, load and estimate one request document; raises EstimateError."""
    req = parse_request(data)
    return estimate(req)

"""What the estimate page shows beside the estimator's document: the summary, the sortable ranking,
the programmes explained, the chart, labels and each vendor's model selects. `show` is the one
step the page calls: functions over the result (with `detail`); the only query is `mappings`.

Amounts stay Decimal strings as the estimator writes them ("1234.50"); sums here are of those
rounded amounts and say so where it matters (the rounding note).
"""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from offers.models import Benefit, ModelMapping, Price
from offers.templatetags.banjia import fit_label
from offers.web.browse.prices import band_label, mode_label, window_label
from offers.web.estimate.query import PREFIX
from offers.web.estimate.saved import LINK_BUDGET

CENT = Decimal("0.01")
ZERO = Decimal(0)
SORTS = ("total", "after", "savings")


def _d(value):
    return Decimal(value) if value is not None else None


def _money(value):
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def after_programmes(alt, months):
    """The monthly cost once every programme benefit that ends is used up, and from which month.

    Returns {"monthly": Decimal, "from_month": int | None, "beyond": bool, "list": Decimal}:
    from_month None means no benefit counted (the cost is the same every month); beyond means a
    benefit is still running at the end of the horizon (the cost after it is then worked out from
    the list prices and the discounts without an end)."""
    detail = alt["detail"]
    list_cost = Decimal(alt["monthly_list_cost"])
    permanent, last_used, beyond = [], 0, False
    for b in detail["benefits"]:
        if b["kind"] == "discount" and b["months"] is None:
            permanent.append(b)
            continue
        used = [i + 1 for i, v in enumerate(b["value"]) if Decimal(v) != ZERO]
        if used:
            last_used = max(last_used, used[-1])
        if b["kind"] == "discount":
            beyond = beyond or (b["months"] > months and bool(used))
        elif used:
            size = _d(b["size"]) or ZERO
            spent = sum((Decimal(x) for x in b["used"]), ZERO)
            lasting = b["valid_days"] is None or b["valid_days"] > months * 30
            beyond = beyond or (spent < size and lasting)
    if not beyond and last_used and last_used < months:
        cost = Decimal(detail["months"][last_used]["cost"])
        return {"monthly": cost, "from_month": last_used + 1, "beyond": False, "list": list_cost}
    # The steady state: the list cost, less what the discounts that never end take off each line.
    # (Starting from the rounded list cost, not from the sum of rounded line costs, keeps a vendor
    # without programmes at exactly its month-1 cost.)
    total = list_cost
    for line in detail["lines"]:
        cost = Decimal(line["monthly_cost"])
        kept = Decimal(1)
        for b in permanent:
            if b["models"] is None or line["model"] in b["models"]:
                kept *= 1 - Decimal(b["percent"]) / 100
        total -= cost * (1 - kept)
    return {
        "monthly": _money(total),
        "from_month": (last_used + 1) if last_used else None,
        "beyond": beyond,
        "list": list_cost,
    }


def month_start(as_of, month):
    """The first day of month `month` (1-based) of the horizon: 30-day months from as_of."""
    return as_of + timedelta(days=(month - 1) * 30)


def decorate(result, *, sort="total", share_query=None, indices=(), program_names=None):
    """Add to `result` what the page needs: per vendor the cost after programmes and the
    programmes explained; the summary; the rows of the ranking in the order asked for."""
    months = result["months"]
    as_of = date.fromisoformat(result["as_of"])
    base = result["baseline"]
    base_monthly = Decimal(base["monthly_cost"])
    base_total = Decimal(base["total_cost"])
    for rank, alt in enumerate(result["alternatives"], start=1):
        alt["rank"] = rank
        after = after_programmes(alt, months)
        if after["from_month"] and not after["beyond"]:
            after["from_date"] = month_start(as_of, after["from_month"])
        alt["after"] = after
        alt["first_month"] = Decimal(alt["detail"]["months"][0]["cost"]) if alt["detail"]["months"] else None
        alt["average_monthly"] = _money(Decimal(alt["total_cost"]) / months)
        alt["monthly_savings_after"] = base_monthly - after["monthly"]
        alt["detail"]["explained"] = explain_programmes(alt, result, share_query, indices, program_names)

    alternatives = result["alternatives"]
    keys = {
        "total": lambda a: (Decimal(a["total_cost"]), a["provider"]),
        "after": lambda a: (a["after"]["monthly"], Decimal(a["total_cost"]), a["provider"]),
        "savings": lambda a: (-Decimal(a["savings"]), a["provider"]),
    }
    result["sort"] = sort if sort in keys else "total"
    result["rows"] = sorted(alternatives, key=keys[result["sort"]])

    # The rounding note: a total is summed before rounding, so months x the rounded monthly
    # amount can differ from it by a few cents.
    drift = []
    if _money(base_monthly * months) != base_total:
        drift.append(baseline_name(result))
    for alt in alternatives:
        if _money(Decimal(alt["monthly_list_cost"]) * months) != Decimal(alt["total_list_cost"]):
            drift.append(alt["detail"]["provider_name"])
    result["rounding_drift"] = drift
    # Named in full up to three; past that the first three and an ellipsis (the CSV has them all).
    result["rounding_drift_names"] = ", ".join(drift[:3]) + (", …" if len(drift) > 3 else "")

    if alternatives:
        result["summary"] = summary(result, alternatives, months, keys["after"])
    return result


CAVEAT_TEXT = {
    "derived_price": _lazy("a price worked out by a rule, not stated by the vendor"),
    "unlike_model": _lazy("a model of another class"),
}
MAX_UNCHECKED = 3  # cheaper unchecked alternatives shown beside the recommendation


def summary(result, alternatives, months, after_key):
    """What the summary leads with (rule 8): `best` is the recommended alternative (None when no
    alternative is priced on checked prices and like-for-like models), `unchecked` the cheaper
    alternatives ranked above it, each with the reasons (`caveat_texts`) it is not the answer."""
    recommended = result.get("recommended")
    best = next((alt for alt in alternatives if alt["provider"] == recommended), None)
    above = alternatives[: alternatives.index(best)] if best is not None else alternatives
    unchecked = [alt for alt in above if alt.get("caveats")][:MAX_UNCHECKED]
    for alt in unchecked:
        alt["caveat_texts"] = [str(CAVEAT_TEXT.get(code, code)) for code in alt["caveats"]]
    out = {"best": best, "unchecked": unchecked, "cheapest_after": None}
    if best is not None:
        out["monthly_saving"] = _money(Decimal(best["savings"]) / months)
        # Only a checked alternative may be named as cheaper later: the summary never leads a
        # reader to a vendor that rests on a derived price or an unlike model (rule 8).
        checked = [alt for alt in alternatives if not alt.get("caveats")]
        cheapest_after = min(checked, key=after_key)
        out["cheapest_after"] = cheapest_after if cheapest_after is not best else None
    return out


def _override_link(share_query, indices, provider, model):
    """The page's link with `model` chosen at `provider` for every usage line (to the estimate
    page's path: the link is shown on a vendor's detail page too)."""
    if share_query is None:
        return None
    query = share_query.copy()
    for i in indices:
        query[f"{PREFIX}-{i}-override-{provider}"] = model
    if len(query.urlencode()) > LINK_BUDGET:  # many lines: one choice for all (saved.expand)
        query = share_query.copy()
        query[f"override-{provider}"] = model
    return f"{reverse('offers:estimate')}?{query.urlencode()}"


LEFT_OUT_REASONS = {
    # reason: (text without a date, text with one)
    "ended": (_lazy("ended"), _lazy("ended on %(date)s")),
    "unconfirmed": (
        _lazy("not confirmed by a source recently"),
        _lazy("not confirmed by a source since %(date)s"),
    ),
    "not_started": (_lazy("not started yet"), _lazy("starts on %(date)s")),
    "unpublished": (_lazy("not published"), _lazy("not published")),
    "audience": (_lazy("for the users of another vendor"), _lazy("for the users of another vendor")),
    "new_users_only": (
        _lazy("for new accounts only, and you said you are not new at this vendor"),
        _lazy("for new accounts only, and you said you are not new at this vendor"),
    ),
}


def explain_programmes(alt, result, share_query, indices, program_names=None):
    """Which benefits counted for this usage, which did not and why."""
    detail = alt["detail"]
    used_models = {line["model"] for line in detail["lines"]}
    counted, not_counted = [], []
    for b in detail["benefits"]:
        value = Decimal(b["value_total"])
        item = {"benefit": b, "value": value}
        if b["unit"] == "tokens" and b["size"] is not None:
            spent = sum((Decimal(x) for x in b["used"]), ZERO)
            item["spent"] = spent
            item["left"] = Decimal(b["size"]) - spent
        if value != ZERO:
            counted.append(item)
            continue
        if b["note"]:
            item["reason"] = b["note"]
        elif b["models"] is not None and not used_models & set(b["models"]):
            item["reason"] = _("none of your lines uses %(models)s") % {"models": ", ".join(b["models"])}
            item["overrides"] = [
                {"model": m, "url": _override_link(share_query, indices, alt["provider"], m)}
                for m in b["models"]
            ]
        elif b["valid_days"] is not None and b["valid_days"] <= 0:
            item["reason"] = _("it expires before the first month")
        else:
            item["reason"] = _("nothing in this usage qualifies")
        not_counted.append(item)
    names = {p["slug"]: p["name"] for p in detail["programs"]}
    names.update(program_names or {})
    left_out = []
    # Rule 5: the estimator lists the programmes of the vendor that did not apply, and why.
    for entry in alt.get("programs_left_out") or detail.get("programs_left_out") or []:
        slug, day = entry.get("program"), entry.get("date")
        reason = LEFT_OUT_REASONS.get(entry.get("reason"))
        text = (reason[1] if day and reason else reason[0] if reason else None) or str(entry.get("reason"))
        name = entry.get("name") or names.get(slug, slug)  # the estimator's name, where it gives one
        left_out.append({**entry, "name": name, "text": text % {"date": day}})
    return {"counted": counted, "not_counted": not_counted, "left_out": left_out}


# --- flags: why a line may not compare like with like ------------------------------------------


def line_flags(provider, openai_model, model, prices, tier_used, mapped, asked=None):
    """Why a line of a vendor's ranking row may not compare like with like, as flags.

    `mapped` is {(provider, baseline model): {model slug: (mapping note, fit)}} over the catalog's
    mappings (every rank). The rule, shown on the page too:
    - "larger" / "smaller" / "other_class": the mapping that put this model on the line says so
      (ModelMapping.fit, curated in data/curated/mappings.json); a model the user chose by an
      override is no mapping's and carries no such flag;
    - "free": every price used for the line is 0 (often a rate-limited lite model);
    - "derived": a price used was worked out, not read from a source (confidence "derived");
    - "tier": the line's service tier had no price at this vendor, its standard price was used.
    """
    flags = []
    if prices and all(Decimal(p["amount"]) == ZERO for p in prices):
        flags.append({"code": "free", "text": _("free model")})
    if any(p.get("confidence") == "derived" for p in prices):
        flags.append({"code": "derived", "text": _("derived price")})
    note, fit = mapped.get((provider, openai_model), {}).get(model, (None, None))
    if fit_label(fit):
        flags.append({"code": fit, "text": fit_label(fit)})
    if tier_used:
        flags.append(tier_flag(tier_used, asked))
    return flags, note


NOT_CLASS_FLAGS = ("tier", "band", "mode")  # flags that say how a line is priced, not what it rests on


def billing_flags(line):
    """Rule 1 and 6 on a ranking line: "reply length assumed" where the vendor prices replies by
    length and the line gave no requests; "thinking-mode price" (or "non-thinking") where the model
    has no rows of the line's mode and another mode's were used."""
    flags = []
    if "output_band_assumed" in (line.get("warnings") or ()):
        flags.append({"code": "band", "text": _("reply length assumed")})
    if line.get("mode_used") == "thinking":
        flags.append({"code": "mode", "text": _("thinking-mode price")})
    elif line.get("mode_used") == "non_thinking":
        flags.append({"code": "mode", "text": _("non-thinking price")})
    return flags


def tier_flag(used, asked):
    """ "standard price: no batch price" (rule 6's fallback, response `tier_used`)."""
    if asked:
        text = _("%(used)s price: no %(asked)s price") % {
            "used": tier_label(used),
            "asked": tier_label(asked),
        }
    else:
        text = _("%(used)s price used") % {"used": tier_label(used)}
    return {"code": "tier", "text": text}


def tier_label(tier):
    try:
        return str(Price.ServiceTier(tier).label).lower()
    except ValueError:
        return tier


def flag_lines(result, mapped):
    """Put `flags` (and the mapping `note`) on every line of the ranking and the vendor details,
    `tier_flag` on the baseline's lines; `flagged` on the result when any alternative line has a
    class or free flag (the page then explains the rule)."""
    flagged = False
    for alt in result["alternatives"]:
        detail_lines = alt.get("detail", {}).get("lines") or []
        for k, line in enumerate(alt["lines"]):
            dl = detail_lines[k] if k < len(detail_lines) else {}
            flags, note = line_flags(
                alt["provider"],
                line.get("baseline_model") or line.get("openai_model"),
                line["model"],
                dl.get("prices") or [],
                line.get("tier_used"),
                mapped,
                asked=dl.get("service_tier"),
            )
            flags += billing_flags(line)
            line["flags"] = flags
            alt["flagged"] = alt.get("flagged", False) or any(f["code"] not in NOT_CLASS_FLAGS for f in flags)
            flagged = flagged or alt["flagged"]
            if k < len(detail_lines):
                detail_lines[k]["flags"] = flags
                detail_lines[k]["mapping_note"] = note
    base_detail = result["baseline"].get("detail", {}).get("lines") or []
    for k, line in enumerate(result["baseline"]["lines"]):
        if line.get("tier_used"):
            asked = base_detail[k].get("service_tier") if k < len(base_detail) else None
            line["flags"] = [tier_flag(line["tier_used"], asked)]
            if k < len(base_detail):
                base_detail[k]["flags"] = line["flags"]
    result["flagged"] = flagged
    return result


def group_warnings(result):
    """The estimator's warnings for the page: rates and other warnings one by one, stale prices
    as one line (with the list folded), oldest check first."""
    warnings = result.get("warnings") or []
    stale = sorted((w for w in warnings if w.get("code") == "stale_price"), key=lambda w: w["checked_on"])
    result["warnings_main"] = [w for w in warnings if w.get("code") != "stale_price"]
    result["warnings_stale"] = stale
    result["stale_after_days"] = settings.BANJIA_STALE_AFTER_DAYS
    return result


# --- the page's result, in one pass -----------------------------------------------------------------


def show(result, snapshot, fields, *, sort="total", share_query=None, indices=()):
    """What the page shows of one estimate: `result` (the estimator's document with `detail`, or
    None when it refused the request) decorated in place with labels, month rows, each vendor's
    model selects (`fields`, from forms.override_fields), the summary, ranking, programme notes,
    like-for-like flags and grouped warnings. Returns every select as {vendor, provider, line,
    field} (the page without a result lists those with an error). One query: the mapping notes."""
    if result is not None:
        baseline_lines(result)
    choices = attach_choices(result, fields, snapshot)
    if result is not None:
        for_display(result)
        decorate(
            result,
            sort=sort,
            share_query=share_query,
            indices=indices,
            program_names=left_out_names(result, snapshot),
        )
        flag_lines(result, mappings(result))
        group_warnings(result)
    return choices


BASELINE_NAMES = {"openai": "OpenAI", "anthropic": "Claude"}


def baseline_name(result):
    """The name of the bill being replaced: OpenAI, or Claude (rule 10)."""
    slug = result["baseline"].get("provider", "openai")
    return BASELINE_NAMES.get(slug, slug)


def baseline_lines(result):
    """The page reads each alternative line's replaced model as `openai_model`; a Claude baseline's
    lines name it `baseline_model` only (the contract keeps openai_model for OpenAI's): copy it."""
    result["baseline"]["name"] = baseline_name(result)
    for alt in result["alternatives"]:
        for line in alt["lines"]:
            line.setdefault("openai_model", line["baseline_model"])


def for_display(result):
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
            label_prices(line)
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
        label_prices(line)
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


def label_prices(line):
    """A price row's service tier, region and window, in words, where not the defaults."""
    for p in line["prices"]:
        words = []
        if p.get("service_tier") and p["service_tier"] != Price.ServiceTier.STANDARD:
            words.append(str(Price.ServiceTier(p["service_tier"]).label))
        if p.get("region"):
            words.append(str(Price.Region(p["region"]).label))
        if p.get("time_window"):
            words.append(window_label(p["time_window"]))
        # Rule 1's reply-length band and rule 6's mode, in the model pages' words.
        row = Price(
            tier_min_output_tokens=p.get("tier_min_output_tokens"),
            tier_max_output_tokens=p.get("tier_max_output_tokens"),
            mode=p.get("mode"),
        )
        words += [text for text in (band_label(row), mode_label(row)) if text]
        p["dimensions"] = " · ".join(words)


def left_out_names(result, snapshot):
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


def mappings(result):
    """{(provider, baseline model): {model: (note, fit)}} for the usage's models at the ranked
    vendors, every rank (the like-for-like flags): one query."""
    providers = {alt["provider"] for alt in result["alternatives"]}
    models = {line["model"] for line in result["baseline"]["lines"]}
    if not providers:
        return {}
    rows = ModelMapping.objects.filter(
        provider__slug__in=providers,
        openai_model__slug__in=models,
        openai_model__provider__slug=result["baseline"].get("provider") or "openai",
    ).values_list("provider__slug", "openai_model__slug", "model__slug", "note", "fit")
    mapped = {}
    for provider, baseline_model, model, note, fit in rows:
        mapped.setdefault((provider, baseline_model), {})[model] = (note, fit)
    return mapped


def attach_choices(result, fields, snapshot):
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

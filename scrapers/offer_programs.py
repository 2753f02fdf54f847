"""From offer observations to programmes: one programme per vendor offer, in the catalog format.

A pure function of the observations, the URL each came from, the day they were seen and the
models the catalog knows; the refresh pipeline's apply writes its result into the database and
`build_seed` writes it into data/catalog.json, so both read an offer the same way.

- The slug is the provider and the offer's identity on the page (`Offer.key`): stable while the
  amounts change, so a changed amount is a changed programme, not a new one.
- Category: a free quota for new accounts "new_users" (else "promotion"); limited-time and
  permanent discounts "promotion"; a referral pack "referral", a pack for sale "pack"; plans "plan".
  Audience: none of these offers asks which vendor a team comes from (null: anyone).
- Benefits, only what an estimate may count (rule 5) or must show:
  * a free quota on tokens: free_tokens (tokens, models, per_model, valid_days);
  * a limited-time discount on tokens: discount (percent, models; months null: no end stated);
  * a permanent discount: none (it is the price: the price rows hold it; catalog-format.md);
  * a plan: plan (price, currency, period): shown, never counted;
  * a pack sold for a price (no period: not a plan), and offers about something else than tokens
    (cache storage, agent tools, top-up vouchers, referral packs "up to" an amount): no benefit;
    the page's words say what they are.
- Models the catalog does not know are left out of a benefit; a benefit left with none is dropped
  (an empty list would mean every model), and an offer on models the catalog does not know at all
  is not a programme (the result's notes say so).
"""

import re
from collections import defaultdict

CONFIDENCE = "official"  # a vendor's own page
NAMES_ZH = {
    "free_quota": "新用户免费额度",
    "limited_discount": "限时优惠",
    "permanent_discount": "永久折扣",
    "pack": "资源包",
    "plan": "套餐",
}


def program_slug(provider, key):
    return re.sub(r"[^a-z0-9-]+", "-", f"{provider}-{key}".lower()).strip("-")


def category(offers):
    first = offers[0]
    if first.offer == "free_quota":
        return "new_users" if any(o.new_users_only for o in offers) else "promotion"
    if first.offer == "pack":
        return "referral" if first.scope == "referral" else "pack"
    if first.offer == "plan":
        return "plan"
    return "promotion"


def _name(offers):
    labels = sorted({o.label for o in offers if o.label})
    if len(labels) == 1:
        return labels[0]
    common = labels[0]
    for label in labels[1:]:
        while not label.startswith(common):
            common = common[:-1]
    return common.strip() or offers[0].offer.replace("_", " ").capitalize()


def _name_zh(offers):
    first = offers[0]
    base = NAMES_ZH[first.offer]
    if first.offer == "plan":
        return _name(offers)  # the plans' own names ("Coding Plan", "Token Plan")
    if first.offer in ("limited_discount", "permanent_discount") and len(first.models) == 1:
        return f"{base}：{first.models[0]}"
    return base


def _benefit(o, known):
    """The benefit of one observation (or None), with only the models the catalog knows."""
    models = [m for m in o.models if m in known]
    if o.models and not models:
        return None
    if o.offer == "free_quota" and o.scope == "tokens":
        return {"kind": "free_tokens", "tokens": o.tokens, "models": models, "valid_days": o.valid_days,
                "per_model": o.per_model, "description": o.text}  # fmt: skip
    if o.offer == "limited_discount" and o.scope == "tokens":
        return {
            "kind": "discount",
            "percent": o.percent,
            "months": None,
            "models": models,
            "description": o.text,
        }
    if o.offer in ("plan", "pack") and o.price is not None:
        out = {
            "kind": "plan",
            "price": o.price,
            "currency": o.currency,
            "period": o.period,
            "description": o.text,
        }
        if models:
            out["models"] = models
        return out
    return None


PERIODS = ("month", "quarter", "year")


def _benefit_key(b):
    """Benefits in a reader's order: by kind, then plans by period and price, quotas largest first."""
    period = PERIODS.index(b["period"]) if b.get("period") in PERIODS else -1
    return (
        b["kind"],
        period,
        b.get("price") or 0,
        -(b.get("tokens") or 0),
        b.get("percent") or 0,
        b["description"],
    )


def programs(offers, origin, *, known_models, on):
    """([(provider slug, programme dict in the catalog format)], [note]) for the observations.

    origin: {offer.slot: url}; known_models: {(provider, model slug)}; on: the day the page was
    read (starts_on of a new programme and confirmed_on: the page showed it that day)."""
    groups = defaultdict(list)
    for o in offers:
        if o.provider:
            groups[(o.provider, o.key)].append(o)
    out, notes = [], []
    for (provider, key), group in sorted(groups.items()):
        group.sort(key=lambda o: o.sort_key())
        known = {m for (p, m) in known_models if p == provider}
        named = {m for o in group for m in o.models}
        if named and not named & known:
            notes.append(f"offer {provider}/{key} names only models the catalog does not know "
                         f"({', '.join(sorted(named)[:5])}{', ...' if len(named) > 5 else ''}): not a programme")  # fmt: skip
            continue
        benefits = [b for b in (_benefit(o, known) for o in group) if b is not None]
        benefits.sort(key=_benefit_key)
        unknown = sorted(named - known)
        ends = [o.ends_on for o in group if o.ends_on is not None]
        ends_on = min(ends) if ends else None
        words = list(dict.fromkeys(o.text for o in group))
        note = "The page: " + " / ".join(f"«{w}»" for w in words)
        if unknown:
            note += (f" ({len(unknown)} of the {len(named)} models it names are not in the catalog and are "
                     "left out.)")  # fmt: skip
        if group[0].offer == "permanent_discount":
            note += " A permanent discount is the price: the price rows hold it, so it is not counted twice."
        elif group[0].offer == "pack" and group[0].scope == "tokens":
            note += " Tokens sold for a price: shown, not counted."
        elif group[0].scope not in ("tokens", "subscription"):
            note += " Not about API tokens: shown, not counted."
        new_users = True if any(o.new_users_only for o in group) else None
        urls = sorted({origin[o.slot] for o in group if o.slot in origin})
        program = {
            "slug": program_slug(provider, key),
            "name": _name(group),
            "name_zh": _name_zh(group),
            "announced_on": None,
            # The first day seen; a page read after a stated end shows an offer that had started.
            "starts_on": on if ends_on is None or ends_on >= on else None,
            "ends_on": ends_on,
            "confirmed_on": on,
            "category": category(group),
            "audience": None,
            "eligibility": "New accounts" if new_users else None,
            "eligibility_zh": "新注册用户" if new_users else None,
            "openai_users_only": False,
            "new_users_only": new_users,
            "enterprise_only": None,
            "benefits": benefits,
            "source_urls": urls,
            "confidence": CONFIDENCE,
            "checked_on": on,
            "notes": note,
        }
        out.append((provider, program))
    return out, notes

"""The programmes month by month: free and matched token pools, credits and discounts applied to
a vendor's priced lines in exact integer arithmetic (`simulate`)."""

import math
from dataclasses import dataclass, field
from fractions import Fraction

from django.utils.translation import gettext as _

from offers.estimator.rows import (
    KIND_CREDIT,
    KIND_DISCOUNT,
    KIND_FREE,
    KIND_MATCHED,
    BenefitRow,
    prepare_benefit,
)
from offers.models import Benefit, MigrationProgram

POOL_KINDS = (Benefit.Kind.FREE_TOKENS, Benefit.Kind.MATCHED_TOKENS)
# The pool kinds as plain strings (rows.KIND_*), for the hot loop: enum member lookups are slower.
_POOLS = frozenset((KIND_FREE, KIND_MATCHED))


@dataclass(slots=True)
class _Group:
    """Lines sharing one alternative model: they share their uncovered fraction.

    `scaled_list` and `scaled_tokens` are the list cost and tokens over the simulation's common
    money and token scales; `u` (the tokens not yet covered by a pool this month, scaled) and
    `cost` (this month's cost so far, scaled) are reset every month."""

    tokens: int
    list_num: int  # the list cost over the lines' common denominator (simulate's `line_scale`)
    scaled_list: int = 0
    scaled_tokens: int = 0
    u: int = 0
    cost: int = 0


class _BenefitUse:
    """One benefit as one simulation uses it (a per-model pool: one per model it covers).

    A plain class with slots and a short __init__: a 64-vendor estimate makes a few hundred."""

    __slots__ = (
        "benefit", "program", "models", "size_num", "size_den", "remaining", "note", "groups", "cut",
        "scaled_used", "scaled_value", "used_scale", "value_scale", "full_demand", "until", "live",
    )  # fmt: skip

    def __init__(self, template, groups, until, models=None, detail=True):
        self.benefit = template.benefit
        self.program = template.program
        self.models = template.models if models is None else models
        # The size (pool tokens, or a credit in the output currency) as a reduced fraction;
        # size_den 0: no size (a discount).
        self.size_num, self.size_den = template.size_num, template.size_den
        self.note = template.note
        self.cut = template.cut  # a discount's percent / 100 as (numerator, denominator)
        self.groups = groups  # the _Groups it covers
        self.until = until  # the last month it can be used in (`usable`), within the horizon
        self.remaining = 0  # over the simulation's scale (tokens or money)
        # Per month, over the simulation's scales: tokens (pools) or money (credits) used; money saved.
        self.scaled_used = [] if detail else ()  # no month by month figures without detail
        self.scaled_value = [] if detail else ()
        self.used_scale = self.value_scale = 1
        self.full_demand = 0  # a pool's demand with every line uncovered (0: it can never be used)
        self.live = False  # a pool's state this month

    @property
    def size(self):
        """Pool tokens (an int or a Fraction) or a credit amount (a Fraction); None for a discount."""
        if not self.size_den:
            return None
        if self.size_den == 1 and self.benefit.kind == KIND_FREE:
            return self.size_num
        return Fraction(self.size_num, self.size_den)

    @property
    def used(self):
        """Per month: tokens (pools) or money (credits, discounts) used, exact Fractions."""
        return _unscaled(self.scaled_used, self.used_scale)

    @property
    def value(self):
        """Per month: money saved, exact Fractions."""
        return _unscaled(self.scaled_value, self.value_scale)


@dataclass(frozen=True, slots=True)
class _Template:
    """What a simulation needs of one benefit under one snapshot and output currency, the same
    for every request on it (`benefit_templates`)."""

    benefit: BenefitRow
    program: MigrationProgram
    kind: str
    per_model: bool  # free tokens per model (rule 5)
    models: frozenset | None
    last_month: int | None
    size_num: int = 0  # free tokens, or a credit converted (a matched pool's is per request)
    size_den: int = 0
    ratio: tuple = (0, 1)  # matched tokens: tokens granted per OpenAI token, reduced
    cut: tuple = (0, 1)
    note: str = ""
    rates: tuple = ()  # exchange rate rows a credit's conversion used


def benefit_templates(programs, benefits, fx):
    """(templates, perk kinds) of the benefits of `programs` in application order, for
    `simulate`: worked out once per snapshot (the caller keeps them; they depend on the catalog
    version, the programmes selected and the output currency's rates, never on the usage)."""
    templates, perks = [], set()
    for program in programs:
        for b in benefits.get(program.pk, ()):
            prep = b.prepared or prepare_benefit(b)
            if prep.perk:
                perks.add(b.kind)
                continue
            kind = prep.kind
            common = {"benefit": b, "program": program, "kind": kind, "models": prep.models,
                      "last_month": prep.last_month, "per_model": False}  # fmt: skip
            if kind == KIND_FREE:
                common.update(per_model=bool(b.per_model), size_num=b.tokens, size_den=1)
            elif kind == KIND_MATCHED:
                common.update(ratio=(prep.ratio.numerator, prep.ratio.denominator))
            elif kind == KIND_CREDIT:
                got = fx.factor(b.currency)
                if got is None:
                    common.update(size_num=0, size_den=1, note=_(
                        "not counted: no exchange rate from %(a)s to %(b)s"
                    ) % {"a": b.currency, "b": fx.currency})  # fmt: skip
                else:
                    size = prep.amount * got[0]
                    common.update(size_num=size.numerator, size_den=size.denominator, rates=tuple(got[1]))
            elif kind == KIND_DISCOUNT:
                common.update(cut=prep.cut)
            else:
                continue
            templates.append(_Template(**common))
    return tuple(templates), sorted(perks)


def _unscaled(values, scale):
    memo = {}
    out = []
    for v in values:
        if v not in memo:
            memo[v] = Fraction(v, scale) if type(v) is int else v / scale
        out.append(memo[v])
    return out


def simulate(priced, prepared, months, detail=True):
    """Apply the programmes to priced lines month by month; returns a dict of exact Fractions.
    `prepared` is `benefit_templates(programs, benefits, fx)` of the vendor's programmes.
    Without `detail`, the month by month figures (each benefit's use and value, "month_costs")
    are not kept: "month_costs" is None and the benefits' `used` and `value` are empty.

    Arithmetic is in integers over two scales common to the whole simulation: money over the lcm
    of the lines' list costs' and credits' denominators times every discount's denominator (so a
    discount's share of a group's cost divides exactly), tokens over the lcm of the pools' sizes'
    denominators. Only the month a pool runs out (it covers a fraction of the demand) can leave
    the integers: that fraction's denominator (the demand) enters once, not month by month.

    Cost: every month costs O(P x G + D x G + C) integer operations (P pools, D discounts,
    C credits, G groups of lines sharing a model) while a pool or a time-limited discount is still
    running; once none is (pools spent or expired, discounts past their months), the month's cost
    before credits is computed once and each later month costs O(C) for the credits, and once the
    credits are spent too the remaining months are copies of one month: O(1) each."""
    # The list costs in integers over the lcm of the lines' denominators (no Fraction sums).
    line_scale = math.lcm(1, *[pl.cost_den for pl in priced])
    groups = {}
    openai_tokens = 0
    for pl in priced:
        g = groups.get(pl.model.pk)
        if g is None:
            g = groups[pl.model.pk] = _Group(0, 0)  # tokens, list_num
        tokens = pl.line.tokens
        g.tokens += tokens
        openai_tokens += tokens
        g.list_num += pl.cost_num * (line_scale // pl.cost_den)
    list_num = sum(g.list_num for g in groups.values())

    templates, perks = prepared
    uses, rates = [], []
    pools, discounts, credits = [], [], []  # the uses by kind, in application order
    all_groups = list(groups.values())
    for t in templates:
        ids = t.models
        until = months if t.last_month is None else min(months, t.last_month)
        if t.per_model:
            # Rule 5: a separate pool of T tokens for each model (of M, or every model), drained
            # only by the lines on that model; a model without lines has nothing to drain it.
            for pk in sorted(pk for pk in groups if ids is None or pk in ids):
                use = _BenefitUse(t, [groups[pk]], until, frozenset((pk,)), detail)
                uses.append(use)
                pools.append(use)
            continue
        covered = all_groups if ids is None else [g for pk, g in groups.items() if pk in ids]
        use = _BenefitUse(t, covered, until, None, detail)
        kind = t.kind
        if kind == KIND_MATCHED:
            num, den = t.ratio[0] * openai_tokens, t.ratio[1]
            common = math.gcd(num, den)
            use.size_num, use.size_den = num // common, den // common
            pools.append(use)
        elif kind == KIND_FREE:
            pools.append(use)
        elif kind == KIND_DISCOUNT:
            discounts.append(use)
        else:  # a credit
            credits.append(use)
            rates.extend(t.rates)
        uses.append(use)
    if not uses:
        # No programme, or perks only: every month costs the list cost.
        return _result(
            list_num, line_scale, list_num * months, line_scale, None, uses, perks, rates, months, detail
        )

    # The common scales: money over the lcm of the lines' and credits' denominators times
    # every discount's denominator, tokens over the lcm of the pools' sizes' denominators. A share
    # that would not divide (a pool's last month) multiplies a scale first (`_Scales.share`).
    sc = _Scales(
        groups=all_groups,
        pools=pools,
        credits=credits,
        uses=uses,
        token_scale=math.lcm(1, *(p.size_den for p in pools)),
        money_scale=math.lcm(line_scale, *(c.size_den for c in credits)),
    )
    for d in discounts:
        sc.money_scale *= d.cut[1]
    for g in sc.groups:
        g.scaled_list = g.list_num * (sc.money_scale // line_scale)
        g.scaled_tokens = g.tokens * sc.token_scale
    every_group = sum(g.scaled_tokens for g in all_groups)
    for p in pools:
        p.remaining = p.size_num * (sc.token_scale // p.size_den)
        p.full_demand = every_group if p.groups is all_groups else sum(g.scaled_tokens for g in p.groups)
    for c in credits:
        c.remaining = c.size_num * (sc.money_scale // c.size_den)

    limited = [d.benefit.months for d in discounts if d.benefit.months is not None]
    discounts_end = max(limited, default=0)  # after this month the live discounts never change
    always = (True,) * len(discounts)
    ends = [d.benefit.months for d in discounts]
    month_costs = sc.month_costs
    for month in range(1, months + 1):
        live_pools = False
        for p in pools:
            p.live = p.remaining > 0 and month <= p.until and p.full_demand > 0
            live_pools = live_pools or p.live
        live = always if not limited else tuple([end is None or month <= end for end in ends])
        settled = not live_pools and discounts_end < month
        if settled:
            for c in credits:
                if c.remaining > 0 and month <= c.until:
                    settled = False
                    break
        found = None if live_pools else sc.quiet.get(live)
        if found is None:
            for g in sc.groups:
                g.u = g.scaled_tokens  # the tokens not yet covered this month
                g.cost = g.scaled_list
            for pool in pools:
                used = value = 0
                if pool.live:
                    chosen = pool.groups
                    demand = 0
                    for g in chosen:
                        demand += g.u
                    if demand > 0:
                        if pool.remaining >= demand:  # covers the whole demand
                            used = demand
                            for g in chosen:
                                value += g.cost
                                g.u = g.cost = 0
                        else:  # runs out: covers remaining / demand of each group
                            used, demand = sc.share_tokens(chosen, pool.remaining, demand)
                            value = sc.share_money(chosen, used, demand)
                        pool.remaining -= used
                if detail:
                    pool.scaled_used.append(used)
                    pool.scaled_value.append(value)
            sc.values = []
            for discount, on in zip(discounts, live, strict=True):
                sc.values.append(sc.share_money(discount.groups, *discount.cut) if on else 0)
            cost = 0
            for g in sc.groups:
                cost += g.cost
            found = (cost, sc.values)
            if not live_pools:
                sc.quiet[live] = found
        elif detail:
            for pool in pools:
                pool.scaled_used.append(0)
                pool.scaled_value.append(0)
        cost, values = found
        if detail:
            for discount, value in zip(discounts, values, strict=True):
                discount.scaled_used.append(value)
                discount.scaled_value.append(value)
        for credit in credits:
            used = 0
            if credit.remaining > 0 and month <= credit.until:
                used = min(credit.remaining, cost)
                credit.remaining -= used
                cost -= used
            if detail:
                credit.scaled_used.append(used)
                credit.scaled_value.append(used)
        month_costs.append(cost)
        if settled:
            # Nothing is left to spend: every later month is this one.
            rest = months - month
            if detail:
                for use in uses:
                    use.scaled_used.extend([use.scaled_used[-1]] * rest)
                    use.scaled_value.extend([use.scaled_value[-1]] * rest)
            month_costs.extend([cost] * rest)
            break
    for use in uses:
        use.used_scale = sc.token_scale if use.benefit.kind in _POOLS else sc.money_scale
        use.value_scale = sc.money_scale
    return _result(
        list_num,
        line_scale,
        sum(month_costs),
        sc.money_scale,
        month_costs,
        uses,
        perks,
        rates,
        months,
        detail,
    )


def _result(list_num, list_den, total_num, total_den, month_costs, uses, perks, rates, months, detail):
    """What `simulate` returns: "monthly_list" and "total" as (numerator, denominator) pairs, not
    reduced (the ranking reads the integers); with `detail` also "monthly_list_cost",
    "total_cost" and "month_costs" (scaled by total_den, or None: every month the list cost) as
    exact Fractions."""
    result = {
        "monthly_list": (list_num, list_den),
        "total": (total_num, total_den),
        "month_costs": None,
        "benefits": uses,
        "perks": list(perks),
        "rates": rates,
    }
    if detail:
        month_list = Fraction(list_num, list_den)
        result["monthly_list_cost"] = month_list
        result["total_cost"] = Fraction(total_num, total_den)
        result["month_costs"] = (
            [month_list] * months if month_costs is None else _unscaled(month_costs, total_den)
        )
    return result


@dataclass(slots=True)
class _Scales:
    """The integer state of one simulation and its two scales (money, tokens). Every amount of
    money in it is an int over `money_scale`, every token count an int over `token_scale`; a
    share that would not divide exactly multiplies the scale (and everything over it) first."""

    groups: list
    pools: list
    credits: list
    uses: list  # every benefit: its values are money, and its used too unless it is a pool
    token_scale: int
    money_scale: int
    month_costs: list = field(default_factory=list)
    values: list = field(default_factory=list)  # this month's discount values so far
    quiet: dict = field(default_factory=dict)  # live discounts -> (cost, values) of a pool-free month

    def _money_times(self, k):
        self.money_scale *= k
        for g in self.groups:
            g.scaled_list *= k
            g.cost *= k
        for c in self.credits:
            c.remaining *= k
        for use in self.uses:
            if use.scaled_value:  # kept with `detail` only
                use.scaled_value[:] = [v * k for v in use.scaled_value]
                if use.benefit.kind not in _POOLS:
                    use.scaled_used[:] = [v * k for v in use.scaled_used]
        if self.month_costs:
            self.month_costs[:] = [v * k for v in self.month_costs]
        if self.values:
            self.values[:] = [v * k for v in self.values]
        if self.quiet:
            self.quiet.clear()

    def _tokens_times(self, k):
        self.token_scale *= k
        for g in self.groups:
            g.scaled_tokens *= k
            g.u *= k
        for p in self.pools:
            p.remaining *= k
            p.full_demand *= k
            if p.scaled_used:  # kept with `detail` only
                p.scaled_used[:] = [v * k for v in p.scaled_used]

    def share_tokens(self, groups, used, demand):
        """Take used / demand of each group's uncovered tokens; returns (used, demand) rescaled."""
        k = demand // math.gcd(demand, used * math.gcd(*[g.u for g in groups]))
        if k > 1:
            self._tokens_times(k)
            used, demand = used * k, demand * k
        for g in groups:
            g.u -= g.u * used // demand
        return used, demand

    def share_money(self, groups, num, den):
        """Take num / den of each group's cost this month; returns the sum taken."""
        k = den // math.gcd(den, num * math.gcd(*[g.cost for g in groups]))
        if k > 1:
            self._money_times(k)
        taken = 0
        for g in groups:
            part = g.cost * num // den
            taken += part
            g.cost -= part
        return taken

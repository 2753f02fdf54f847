"""The estimator reads the catalog in a fixed number of queries, whatever its size: the compiled
catalog's build (offers.compiled), once per catalog version; then only the version check."""

from decimal import Decimal

import pytest

from offers.estimator import estimate, load_snapshot, parse_request, run
from offers.estimator.snapshot import BUILD_QUERIES
from offers.models import Benefit, ExchangeRate, MigrationProgram, Model, ModelMapping, Price, Provider

pytestmark = pytest.mark.django_db

# Inside these tests' writing transaction the compiled catalog is private and built afresh after a
# write: providers, models, mappings, prices, programmes, benefits, benefit models, rates.
SNAPSHOT_QUERIES = 8
assert SNAPSHOT_QUERIES == BUILD_QUERIES


def build_catalog(n_models, n_vendors=10):
    """n_models models per vendor over n_vendors vendors, each with two tiers, a programme with
    three benefits and a mapping per OpenAI model; OpenAI has n_models models too."""
    vendors = Provider.objects.bulk_create(
        [Provider(slug="openai", name="OpenAI")]
        + [Provider(slug=f"v{i:02}", name=f"V{i}") for i in range(n_vendors)]
    )
    models = Model.objects.bulk_create(
        [Model(provider=p, slug=f"m{j}", name=f"M{j}") for p in vendors for j in range(n_models)]
    )
    prices = []
    for m in models:
        currency = "USD" if m.provider_id == vendors[0].pk else "CNY"
        for kind in ("input", "output"):
            for lo, hi, amount in ((None, 32000, "1"), (32001, None, "2")):
                prices.append(
                    Price(model=m, kind=kind, amount=Decimal(amount), currency=currency,
                          tier_min_input_tokens=lo, tier_max_input_tokens=hi, valid_from="2024-01-01",
                          source_url="https://example.com", checked_on="2024-07-01")
                )  # fmt: skip
    Price.objects.bulk_create(prices)
    by_provider = {}
    for m in models:
        by_provider.setdefault(m.provider_id, []).append(m)
    openai_models = by_provider[vendors[0].pk]
    ModelMapping.objects.bulk_create(
        [
            ModelMapping(openai_model=o, provider=p, model=by_provider[p.pk][j])
            for p in vendors[1:]
            for j, o in enumerate(openai_models)
        ]
    )
    programs = MigrationProgram.objects.bulk_create(
        [
            MigrationProgram(provider=p, slug=f"p-{p.slug}", name="P", starts_on="2024-06-01")
            for p in vendors[1:]
        ]
    )
    for prog in programs:
        pool = Benefit.objects.create(program=prog, kind="free_tokens", tokens=10**6, position=0)
        pool.models.set(by_provider[prog.provider_id][:3])
        Benefit.objects.create(program=prog, kind="discount", percent=Decimal(10), position=1)
        Benefit.objects.create(program=prog, kind="credit", amount=Decimal(5), currency="EUR", position=2)
    ExchangeRate.objects.create(base="USD", quote="CNY", rate=Decimal("7.1"), date="2024-07-01")
    ExchangeRate.objects.create(base="EUR", quote="USD", rate=Decimal("1.1"), date="2024-07-01")
    return [m.slug for m in openai_models]


@pytest.mark.parametrize("n_models", [10, 1000])
def test_query_count_is_flat(django_assert_num_queries, n_models):
    slugs = build_catalog(n_models)
    data = {
        "usage": [{"model": slug, "input_tokens": 10**6, "output_tokens": 10**6} for slug in slugs[:10]],
        "currency": "CNY",
        "as_of": "2024-07-10",
    }
    req = parse_request(data)
    with django_assert_num_queries(SNAPSHOT_QUERIES):
        snapshot = load_snapshot(req)
    with django_assert_num_queries(0):
        result = estimate(req, snapshot)
    assert len(result["alternatives"]) == 10
    # 1M input + 1M output at 1 CNY per 1M on each of 10 lines = 20.00 CNY a month, list
    assert result["alternatives"][0]["monthly_list_cost"] == "20.00"


@pytest.mark.parametrize("n_lines", [1, 100])
def test_query_count_does_not_grow_with_usage_lines(django_assert_num_queries, n_lines):
    slugs = build_catalog(20, n_vendors=3)
    data = {
        "usage": [
            {"model": slugs[i % 20], "input_tokens": 10**6, "output_tokens": 0} for i in range(n_lines)
        ],
        "currency": "CNY",
        "as_of": "2024-07-10",
    }
    with django_assert_num_queries(SNAPSHOT_QUERIES):
        run(data)


# --- the compiled catalog (offers.compiled): built once per version, shared by estimates -----------


@pytest.mark.django_db(transaction=True)
def test_compiled_catalog_is_built_once_per_version(django_assert_num_queries, monkeypatch):
    from offers.catalog import version
    from offers.estimator import snapshot as compiled

    clock = [1000.0]
    monkeypatch.setattr(version, "monotonic", lambda: clock[0])
    slugs = build_catalog(10, n_vendors=3)  # committed: each write in its own transaction
    data = {
        "usage": [{"model": slug, "input_tokens": 10**6, "output_tokens": 10**6} for slug in slugs[:5]],
        "currency": "CNY",
        "as_of": "2024-07-10",
    }
    # First estimate of this version: the version check, then the fixed build queries.
    with django_assert_num_queries(1 + compiled.BUILD_QUERIES):
        first = run(data)
    # Later estimates within the version memo's second: no query at all.
    with django_assert_num_queries(0):
        assert run(data) == first
    other = {**data, "usage": [{"model": slugs[7], "input_tokens": 5, "output_tokens": 0}]}
    with django_assert_num_queries(0):
        run(other)
    # A second later: the version check only.
    clock[0] += 1.5
    with django_assert_num_queries(1):
        assert run(data) == first
    # A catalog write makes a new version: built again, once.
    Price.objects.filter(model__provider__slug="v00", kind="input").update(amount=Decimal(3))
    with django_assert_num_queries(1 + compiled.BUILD_QUERIES):
        changed = run(data)
    with django_assert_num_queries(0):
        assert run(data) == changed
    by_vendor = {a["provider"]: a for a in changed["alternatives"]}
    # v00's input now 3 CNY per 1M on the low tier: 5 lines x (3 + 1) CNY = 20.00 CNY a month
    assert by_vendor["v00"]["monthly_list_cost"] == "20.00"
    # v01 unchanged: 5 lines x (1 + 1) CNY = 10.00 CNY a month
    assert by_vendor["v01"]["monthly_list_cost"] == "10.00"

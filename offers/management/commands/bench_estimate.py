"""python manage.py bench_estimate [--vendors 50] [--models 100] [--lines 5] [--iterations 200]

Builds a synthetic catalog (vendors x models, each model with two prompt-length tiers of input,
cached-input and output prices in CNY, a rank-1 mapping from each synthetic OpenAI model, and a
programme per vendor with free tokens, matched tokens, a discount, a USD credit and a perk) inside a
transaction that is rolled back at the end, then times the build of the compiled catalog
(`offers.estimator.snapshot`: once per catalog version and process) and estimates three ways: through
POST /api/v1/estimate (Django's test client, full middleware, per-version caches off), the
estimator alone (selecting from the compiled catalog + computation) and the computation alone on
a loaded snapshot. The catalog is uncommitted here, so the compiled one is built once and handed
to the estimator, as a web process holds it after the first request of a version. A benchmark,
not a test.
"""

import json
import statistics
import time
from decimal import Decimal
from unittest import mock

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from offers.estimator import estimate, load_snapshot, parse_request
from offers.estimator import snapshot as compiled
from offers.models import Benefit, ExchangeRate, MigrationProgram, Model, ModelMapping, Price, Provider

PREFIX = "bench"
AS_OF = "2024-07-10"


class Command(BaseCommand):
    help = "Time the estimator on a synthetic catalog (rolled back afterwards); prints rates and p50/p99."

    def add_arguments(self, parser):
        parser.add_argument("--vendors", type=int, default=50)
        parser.add_argument("--models", type=int, default=100, help="Models per vendor (and OpenAI models).")
        parser.add_argument("--lines", type=int, default=5, help="Usage lines per estimate.")
        parser.add_argument("--iterations", type=int, default=200)
        parser.add_argument("--months", type=int, default=12)

    def handle(self, *args, **o):
        if o["vendors"] < 1 or o["models"] < 1 or not 1 <= o["lines"] <= o["models"] or o["iterations"] < 1:
            raise CommandError("Need vendors, models, iterations >= 1 and 1 <= lines <= models.")
        with transaction.atomic():
            started = time.perf_counter()
            vendor_slugs = self._build(o["vendors"], o["models"])
            self.stdout.write(
                f"Synthetic catalog: {o['vendors']} vendors x {o['models']} models "
                f"({Price.objects.filter(model__provider__slug__startswith=PREFIX).count():,} prices) "
                f"built in {time.perf_counter() - started:.1f} s"
            )
            body = {
                "usage": [
                    {
                        "model": f"{PREFIX}-gpt-{i}",
                        "input_tokens": 30_000_000 + i,
                        "cached_input_tokens": 5_000_000,
                        "output_tokens": 10_000_000,
                        "requests": 1_000 * (i + 1),
                    }
                    for i in range(o["lines"])
                ],
                "months": o["months"],
                "currency": "USD",
                "as_of": AS_OF,
                "providers": vendor_slugs,
            }
            n = o["iterations"]
            self._report("compiled catalog build (per version)", self._time(compiled.build, max(1, n // 20)))
            catalog = compiled.build()
            result = estimate(parse_request(body), load_snapshot(parse_request(body), catalog))
            if len(result["alternatives"]) != o["vendors"]:
                raise CommandError(f"Expected {o['vendors']} priced vendors, got {result['incomplete'][:3]}")

            with mock.patch.object(compiled, "compiled", return_value=catalog):
                self._report("POST /api/v1/estimate", self._time_api(body, n))
            self._report(
                "estimator (snapshot + computation)",
                self._time(lambda: estimate(*(req := parse_request(body), load_snapshot(req, catalog))), n),
            )
            req = parse_request(body)
            snapshot = load_snapshot(req, catalog)
            self._report(
                "computation alone (loaded snapshot)", self._time(lambda: estimate(req, snapshot), n)
            )
            transaction.set_rollback(True)

    def _time(self, fn, n):
        fn()  # warm caches (translations, querysets' SQL compilation)
        times = []
        for _i in range(n):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return times

    def _time_api(self, body, n):
        payload = json.dumps(body)
        url = reverse("api:estimate")
        with override_settings(ALLOWED_HOSTS=["testserver"], BANJIA_API_RATE_LIMIT=None):
            client = Client()

            def call():
                response = client.post(url, payload, content_type="application/json")
                if response.status_code != 200:
                    raise CommandError(f"API answered {response.status_code}: {response.content[:300]!r}")

            return self._time(call, n)

    def _report(self, label, times):
        ordered = sorted(times)
        p50 = statistics.median(ordered)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        self.stdout.write(
            f"{label:38} {len(times) / sum(times):8.1f} estimates/s   p50 {p50 * 1000:7.2f} ms   p99 {p99 * 1000:7.2f} ms"
        )

    def _build(self, n_vendors, n_models):
        openai, _created = Provider.objects.get_or_create(slug="openai", defaults={"name": "OpenAI"})
        vendors = Provider.objects.bulk_create(
            [Provider(slug=f"{PREFIX}-v{i:02}", name=f"Bench vendor {i}") for i in range(n_vendors)]
        )
        gpt = Model.objects.bulk_create(
            [Model(provider=openai, slug=f"{PREFIX}-gpt-{j}", name=f"Bench GPT {j}") for j in range(n_models)]
        )
        models = Model.objects.bulk_create(
            [Model(provider=v, slug=f"m-{j}", name=f"M {j}") for v in vendors for j in range(n_models)]
        )
        common = {"valid_from": "2024-01-01", "source_url": "https://example.com/bench", "checked_on": AS_OF}
        prices = [
            Price(model=m, kind=kind, amount=Decimal(amount), currency="USD", **common)
            for m in gpt
            for kind, amount in (("input", "5"), ("cached_input", "2.5"), ("output", "15"))
        ]
        for index, m in enumerate(models):
            base = Decimal(1 + index % 7)
            for lo, hi, factor in ((None, 32_000, 1), (32_001, None, 2)):
                for kind, share in (
                    ("input", Decimal(1)),
                    ("cached_input", Decimal("0.2")),
                    ("output", Decimal(2)),
                ):
                    prices.append(
                        Price(
                            model=m,
                            kind=kind,
                            amount=base * share * factor,
                            currency="CNY",
                            tier_min_input_tokens=lo,
                            tier_max_input_tokens=hi,
                            **common,
                        )
                    )
        Price.objects.bulk_create(prices, batch_size=2000)
        ModelMapping.objects.bulk_create(
            [
                ModelMapping(openai_model=gpt[j], provider=v, model=models[i * n_models + j], rank=1)
                for i, v in enumerate(vendors)
                for j in range(n_models)
            ],
            batch_size=2000,
        )
        programs = MigrationProgram.objects.bulk_create(
            [
                MigrationProgram(provider=v, slug=f"{v.slug}-plan", name="Bench plan", starts_on="2024-06-01")
                for v in vendors
            ]
        )
        benefits = []
        for p in programs:
            benefits += [
                Benefit(program=p, position=0, kind="free_tokens", tokens=50_000_000, valid_days=90),
                Benefit(program=p, position=1, kind="matched_tokens", ratio=Decimal("0.5")),
                Benefit(program=p, position=2, kind="discount", percent=Decimal(20), months=3),
                Benefit(
                    program=p, position=3, kind="credit", amount=Decimal(100), currency="USD", valid_days=180
                ),
                Benefit(program=p, position=4, kind="training"),
            ]
        benefits = Benefit.objects.bulk_create(benefits)
        through = Benefit.models.through
        by_vendor = {v.pk: models[i * n_models : (i + 1) * n_models] for i, v in enumerate(vendors)}
        vendor_of = {p.pk: p.provider_id for p in programs}
        through.objects.bulk_create(
            [
                through(benefit_id=b.pk, model_id=m.pk)
                for b in benefits
                if b.kind == "free_tokens"
                for m in by_vendor[vendor_of[b.program_id]][:10]
            ]
        )
        ExchangeRate.objects.get_or_create(
            base="USD", quote="CNY", date="2024-07-01", defaults={"rate": Decimal("7.13")}
        )
        return [v.slug for v in vendors]

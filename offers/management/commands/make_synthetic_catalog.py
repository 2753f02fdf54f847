"""Fill the database with a large made-up catalog, for manual checks and benchmarks.

    python manage.py make_synthetic_catalog --vendors 50 --models 100

creates vendors synth-0 .. synth-49 with 100 models each (5,000 models), two or three current
prices per model (some tiered, some with a closed history row), a rank-1 mapping from every
OpenAI chat and embedding model already in the catalog to a model of the same kind at each vendor
(so every vendor prices the usual usage), and one running programme per vendor with five
benefits: free tokens (on the vendor's mapped models and its first five), tokens matched to the
OpenAI usage, a three-month discount, a credit (in USD or CNY) and a perk. Rows are marked as
synthetic (slug prefix, example.com sources); --delete removes them again.
"""

import datetime as dt
import random
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from offers.catalog.version import bump_catalog_version
from offers.models import Benefit, MigrationProgram, Model, ModelMapping, Price, Provider, today

PREFIX = "synth-"
SOURCE = "https://example.com/synthetic"


class Command(BaseCommand):
    help = "Create (or delete) a large synthetic catalog: N vendors x M models with prices."

    def add_arguments(self, parser):
        parser.add_argument("--vendors", type=int, default=50)
        parser.add_argument("--models", type=int, default=100, help="Models per vendor.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--delete", action="store_true", help="Only delete the synthetic rows.")

    @transaction.atomic
    def handle(self, *args, vendors, models, seed, delete, **options):
        deleted, _detail = Provider.objects.filter(slug__startswith=PREFIX).delete()
        if deleted:
            self.stdout.write(f"deleted {deleted} synthetic rows")
        if delete:
            return
        rng = random.Random(seed)
        on = today()
        providers = Provider.objects.bulk_create(
            Provider(
                slug=f"{PREFIX}{v}",
                name=f"Synthetic Vendor {v}",
                name_zh=f"合成厂商 {v}",
                api_base_url=f"https://api.synth-{v}.example.com/v1",
                openai_compatible=rng.choice([True, True, False, None]),
                region="CN",
            )
            for v in range(vendors)
        )
        kinds = [Model.Kind.CHAT] * 6 + [Model.Kind.EMBEDDING, Model.Kind.IMAGE]
        capabilities = list(Model.CAPABILITIES)
        rows = []
        for provider in providers:
            for m in range(models):
                rows.append(
                    Model(
                        provider=provider,
                        slug=f"synth-model-{m}.{rng.randint(1, 9)}",
                        name=f"Synth {provider.slug[len(PREFIX) :]}-{m}",
                        kind=rng.choice(kinds),
                        context_window=rng.choice([8000, 32000, 128000, 200000, 1000000, None]),
                        max_output_tokens=rng.choice([4096, 8192, 16384, None]),
                        capabilities=rng.sample(capabilities, rng.randint(0, 3)),
                    )
                )
        created = Model.objects.bulk_create(rows, batch_size=1000)
        prices = []
        for model in created:
            currency = rng.choice(["CNY", "CNY", "USD"])
            base = Decimal(rng.randint(1, 4000)) / Decimal(100)
            checked = on - dt.timedelta(days=rng.randint(0, 60))

            def price(kind, amount, model=model, currency=currency, checked=checked, **extra):
                fields = {"valid_from": dt.date(2025, 1, 1), "checked_on": checked, **extra}
                return Price(
                    model=model,
                    kind=kind,
                    amount=amount,
                    currency=currency,
                    source_url=SOURCE,
                    method=Price.Method.SCRAPED,
                    **fields,
                )

            if rng.random() < 0.2:  # tiered input
                prices.append(
                    price(Price.Kind.INPUT, base, tier_min_input_tokens=0, tier_max_input_tokens=32000)
                )
                prices.append(price(Price.Kind.INPUT, base * 2, tier_min_input_tokens=32001))
            else:
                prices.append(price(Price.Kind.INPUT, base))
            if rng.random() < 0.3:  # a closed history row
                prices.append(
                    price(
                        Price.Kind.INPUT,
                        base * 3,
                        valid_from=dt.date(2024, 6, 1),
                        valid_to=dt.date(2025, 1, 1),
                    )
                )
            if model.kind == Model.Kind.CHAT:
                prices.append(price(Price.Kind.OUTPUT, base * 3))
        Price.objects.bulk_create(prices, batch_size=2000)
        # Every OpenAI chat and embedding model maps to a model of its kind at each vendor.
        by_kind = {}
        for model in created:
            by_kind.setdefault((model.provider_id, model.kind), []).append(model)
        openai_models = Model.objects.filter(
            provider__slug="openai", kind__in=[Model.Kind.CHAT, Model.Kind.EMBEDDING]
        ).order_by("slug")
        mappings = []
        mapped = {}  # provider id -> its mapped models
        for provider in providers:
            for openai_model in openai_models:
                candidates = by_kind.get((provider.pk, openai_model.kind))
                if candidates:
                    target = rng.choice(candidates)
                    mappings.append(
                        ModelMapping(openai_model=openai_model, provider=provider, model=target, rank=1)
                    )
                    mapped.setdefault(provider.pk, set()).add(target)
        ModelMapping.objects.bulk_create(mappings, batch_size=2000)
        programs = MigrationProgram.objects.bulk_create(
            MigrationProgram(
                provider=provider,
                slug=f"{provider.slug}-programme",
                name=f"Synthetic programme {provider.slug}",
                name_zh=f"合成计划 {provider.slug}",
                starts_on=dt.date(2024, 7, 1),
                confirmed_on=on,  # confirmed today: it applies (rule 5), like a live programme
                source_urls=[SOURCE],
            )
            for provider in providers
        )
        benefits, free = [], []
        for program in programs:
            pool = Benefit(
                program=program,
                position=0,
                kind=Benefit.Kind.FREE_TOKENS,
                tokens=rng.choice([10, 50, 100]) * 1_000_000,
                valid_days=90,
            )
            free.append((pool, program.provider_id))
            benefits += [
                pool,
                Benefit(program=program, position=1, kind=Benefit.Kind.MATCHED_TOKENS, ratio=Decimal("0.5")),
                Benefit(
                    program=program, position=2, kind=Benefit.Kind.DISCOUNT, percent=Decimal(20), months=3
                ),
                Benefit(
                    program=program,
                    position=3,
                    kind=Benefit.Kind.CREDIT,
                    amount=Decimal(rng.choice([100, 500, 1000])),
                    currency=rng.choice(["USD", "CNY"]),
                    valid_days=180,
                ),
                Benefit(program=program, position=4, kind=Benefit.Kind.TRAINING),
            ]
        Benefit.objects.bulk_create(benefits)
        first_models = {}
        for model in created:
            first_models.setdefault(model.provider_id, []).append(model)
        links = []
        for pool, provider_id in free:
            chosen = mapped.get(provider_id, set()) | set(first_models.get(provider_id, [])[:5])
            links += [
                Benefit.models.through(benefit_id=pool.pk, model_id=m.pk)
                for m in sorted(chosen, key=lambda m: m.pk)
            ]
        Benefit.models.through.objects.bulk_create(links, batch_size=2000)
        bump_catalog_version()  # the through table's bulk_create sends no signal
        self.stdout.write(
            f"created {len(providers)} vendors, {len(created)} models, {len(prices)} prices, "
            f"{len(mappings)} mappings, {len(programs)} programmes of {len(benefits)} benefits"
        )

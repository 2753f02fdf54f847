"""Fill the database with a large made-up catalog, for manual checks and benchmarks.

    python manage.py make_synthetic_catalog --vendors 50 --models 100

creates vendors synth-0 .. synth-49 with 100 models each (5,000 models), two or three current
prices per model (some tiered, some with a closed history row) and one programme per vendor.
Rows are marked as synthetic (slug prefix, example.com sources); --delete removes them again.
"""

import datetime as dt
import random
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from offers.catalog.version import bump_catalog_version
from offers.models import Benefit, MigrationProgram, Model, Price, Provider, today

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
        programs = MigrationProgram.objects.bulk_create(
            MigrationProgram(
                provider=provider,
                slug=f"{provider.slug}-programme",
                name=f"Synthetic programme {provider.slug}",
                name_zh=f"合成计划 {provider.slug}",
                starts_on=dt.date(2024, 7, 1),
                ends_on=rng.choice([None, dt.date(2024, 12, 31)]),
                source_urls=[SOURCE],
            )
            for provider in providers
        )
        benefits = Benefit.objects.bulk_create(
            Benefit(
                program=program, kind=Benefit.Kind.FREE_TOKENS, tokens=rng.choice([10, 50, 100]) * 1_000_000
            )
            for program in programs
        )
        first_model = {}
        for model in created:
            first_model.setdefault(model.provider_id, model)
        Benefit.models.through.objects.bulk_create(
            Benefit.models.through(benefit_id=b.pk, model_id=first_model[p.provider_id].pk)
            for b, p in zip(benefits, programs, strict=True)
            if p.provider_id in first_model
        )
        bump_catalog_version()  # the through table's bulk_create sends no signal
        self.stdout.write(
            f"created {len(providers)} vendors, {len(created)} models, {len(prices)} prices, "
            f"{len(programs)} programmes"
        )

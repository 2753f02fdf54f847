"""Every minute: digests whose window ended and deliveries due again. Every 6 hours: a scan, for
programmes that end by their date alone (no catalog write announces that)."""

import json

from django.db import migrations

TASKS = [
    ("Send due watch deliveries", "watches.send_due", 1, "minutes"),
    ("Scan watches", "watches.scan_watches", 6, "hours"),
]


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, every, period in TASKS:
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "args": json.dumps([]), "interval": interval, "enabled": True}
        )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[t[0] for t in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [("watches", "0001_watches"), ("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [migrations.RunPython(create, remove)]

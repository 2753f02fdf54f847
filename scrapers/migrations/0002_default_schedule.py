"""The default refresh schedule for django-celery-beat, editable in the admin afterwards.

Every source daily at 03:00 UTC (vendor pages and feeds change at most daily), and the ECB
reference rates again at 16:30 UTC, after the ECB publishes them (around 16:00 CET).
"""

import json

from django.db import migrations

SCHEDULES = [
    # (name, task, args, minute, hour)
    ("Refresh all price sources", "scrapers.refresh_all_sources", [], "0", "3"),
    ("Refresh ECB exchange rates", "scrapers.refresh_source", ["ecb"], "30", "16"),
]


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, args, minute, hour in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
        )
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "args": json.dumps(args), "crontab": crontab, "enabled": True}
        )


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("scrapers", "0001_run_record"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]

"""Send the digests whose window ended and the deliveries due for another attempt (what the
`watches.send_due` task does every minute under beat; for a machine without a broker, run it from
cron)."""

from django.core.management.base import BaseCommand

from watches.tasks import send_due


class Command(BaseCommand):
    help = "Send due watch digests and retry due watch deliveries."

    def handle(self, *args, **options):
        ids = send_due()
        self.stdout.write(f"{len(ids)} delivery attempt(s) made.")

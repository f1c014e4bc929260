from django.core.management.base import BaseCommand

from pathways.notifications import tasks


class Command(BaseCommand):
    help = "Run the reminder sweep once (as the beat task does); prints sent=N last."

    def handle(self, *args, **options):
        sent = tasks.run_periodic()
        self.stdout.write(f"sent={sent}")

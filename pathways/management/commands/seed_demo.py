from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.module_loading import import_string

from config.celery import app as celery_app
from pathways.demo import EXTENSIONS
from pathways.management.heldmail import HeldBackEmailBackend
from pathways.management.synthetic import add_force_argument, refuse_unless_allowed
from pathways.patients import demo as base


class Command(BaseCommand):
    help = "Create demo organisations, users (password 'demo') and patients. Idempotent."

    def add_arguments(self, parser):
        add_force_argument(parser)

    def handle(self, *args, **options):
        refuse_unless_allowed("seed_demo", options, where="a test system")
        # The stories send a few thousand notices to made-up addresses: hold them back (in this
        # process, so tasks run here too rather than in a worker) and say how many, instead of
        # printing each one through the console backend. The notices stay readable in the app.
        HeldBackEmailBackend.held = 0
        eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = True
        try:
            with (
                override_settings(
                    EMAIL_BACKEND="pathways.management.heldmail.HeldBackEmailBackend"
                ),
                transaction.atomic(),
            ):
                demo = base.seed()
                demo.today = timezone.localdate()
                for path in EXTENSIONS:
                    import_string(path)(demo)
        finally:
            celery_app.conf.task_always_eager = eager
        self.stdout.write(
            f"Demo data ready: {len(demo.units)} units, {len(demo.users)} users, "
            f"{len(demo.patients)} patients."
        )
        self.stdout.write(
            f"{HeldBackEmailBackend.held} emails from the demo stories were held back, not sent "
            "(their notices are in the app under Varsler)."
        )

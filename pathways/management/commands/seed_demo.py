from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from pathways.demo import EXTENSIONS
from pathways.patients import demo as base


class Command(BaseCommand):
    help = "Create demo organisations, users (password 'demo') and patients. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even when DEBUG is off (never in production)."
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates users with a known password; refused with "
                "DEBUG off. Use --force only on a test system."
            )
        if not settings.ALLOW_SYNTHETIC_IDS:
            raise CommandError("seed_demo needs ALLOW_SYNTHETIC_IDS=true (synthetic ids).")
        with transaction.atomic():
            demo = base.seed()
            demo.today = timezone.localdate()
            for path in EXTENSIONS:
                import_string(path)(demo)
        self.stdout.write(
            f"Demo data ready: {len(demo.units)} units, {len(demo.users)} users, "
            f"{len(demo.patients)} patients."
        )

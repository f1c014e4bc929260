from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from pathways.demo import EXTENSIONS
from pathways.management.synthetic import add_force_argument, refuse_unless_allowed
from pathways.patients import demo as base


class Command(BaseCommand):
    help = "Create demo organisations, users (password 'demo') and patients. Idempotent."

    def add_arguments(self, parser):
        add_force_argument(parser)

    def handle(self, *args, **options):
        refuse_unless_allowed("seed_demo", options, where="a test system")
        with transaction.atomic():
            demo = base.seed()
            demo.today = timezone.localdate()
            for path in EXTENSIONS:
                import_string(path)(demo)
        self.stdout.write(
            f"Demo data ready: {len(demo.units)} units, {len(demo.users)} users, "
            f"{len(demo.patients)} patients."
        )

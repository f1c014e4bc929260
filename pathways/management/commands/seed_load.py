from django.core.management.base import BaseCommand, CommandError

from pathways.management.synthetic import add_force_argument, refuse_unless_allowed
from pathways.patients import load


class Command(BaseCommand):
    help = (
        "Fill an empty database with load data for benchmarks: the demo organisations and "
        "people (password 'demo'), N patients with care teams, consent and audit events, and "
        "each feature's load data (pathways/patients/load.py LOAD_EXTENSIONS)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=20_000)
        parser.add_argument(
            "--audit-events",
            type=int,
            default=None,
            help="Default: 50 per patient (a million for 20,000 patients).",
        )
        add_force_argument(parser)

    def handle(self, *args, **options):
        refuse_unless_allowed("seed_load", options, where="a benchmark database")
        patients = options["patients"]
        if patients < 0:
            raise CommandError("--patients must be zero or more.")
        audit_events = options["audit_events"]
        if audit_events is None:
            audit_events = 50 * patients
        load.seed(patients, audit_events, log=self.stdout.write)

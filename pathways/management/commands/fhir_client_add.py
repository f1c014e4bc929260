from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organisation
from pathways.fhir.services import api_client_create


class Command(BaseCommand):
    help = (
        "Register a system client for the FHIR API, bound to the organisation with the given "
        "organisation number (the client id is the issuer's client_id claim)."
    )

    def add_arguments(self, parser):
        parser.add_argument("client_id")
        parser.add_argument("org_number")
        parser.add_argument("--name", default="")

    def handle(self, *args, client_id, org_number, name, **options):
        organisation = Organisation.objects.filter(org_number=org_number).first()
        if organisation is None:
            raise CommandError(f"No organisation with organisation number {org_number}.")
        client = api_client_create(
            client_id=client_id, name=name or client_id, organisation=organisation
        )
        self.stdout.write(f"client={client.client_id} organisation={organisation.name}")

"""Registering API clients."""

from django.contrib.auth import get_user_model
from django.db import transaction

from pathways.models import ApiClient


@transaction.atomic
def api_client_create(*, client_id: str, name: str, organisation) -> ApiClient:
    """A client bound to ``organisation``, with the service account its reads are logged
    under: no password (it cannot log in) and no membership (it is no one's colleague)."""
    account = get_user_model()(
        username=f"api:{client_id}"[:150], first_name=name[:150], last_name="(API)"
    )
    account.set_unusable_password()
    account.save()
    client = ApiClient(client_id=client_id, name=name, organisation=organisation, account=account)
    client.full_clean()
    client.save()
    return client

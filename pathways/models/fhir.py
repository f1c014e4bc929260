from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation


class ApiClient(models.Model):
    """A record system allowed to call the FHIR API, bound to one organisation.

    The client sees exactly the patients on the care teams of its organisation's units. Its
    service account (no password, no membership) is the user its reads are logged under, so
    the patient's access log names the system that read.
    """

    client_id = models.CharField(_("client id"), max_length=200, unique=True)
    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="api_clients",
        verbose_name=_("organisation"),
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client"
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self):
        return f"{self.name} ({self.client_id})"


class FhirTransaction(models.Model):
    """A transaction Bundle a client has had carried out, kept under its ``Bundle.identifier``
    so that sending the same Bundle again answers with the same response instead of acting
    twice. The key row is written first in the transaction that does the work: a second
    request with the same key waits on the unique index until the first commits (then it
    reads the stored answer) or rolls back (then it does the work itself)."""

    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="transactions")
    # "<system>|<value>" of Bundle.identifier.
    key = models.CharField(max_length=600)
    # SHA-256 of the Bundle as sent: the same key with other content is refused.
    digest = models.CharField(max_length=64)
    # The response Bundle as sent, kept as text so a resend gets it byte for byte.
    response = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="fhir_transaction_key"),
        ]
        verbose_name = _("FHIR transaction")
        verbose_name_plural = _("FHIR transactions")

    def __str__(self):
        return f"{self.client_id}: {self.key}"

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

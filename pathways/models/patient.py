from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.fields import unit_fk, user_fk
from accounts.models import Organisation
from pathways.nationalid import mask


class Patient(models.Model):
    class IdKind(models.TextChoices):
        FNR = "fnr", _("Fødselsnummer")
        DNR = "dnr", _("D-number")
        HNR = "hnr", _("H-number")
        SYNTHETIC = "synthetic", _("Synthetic test number")
        NONE = "none", _("No Norwegian id")

    national_id = models.CharField(
        _("national id"), max_length=11, unique=True, null=True, blank=True
    )
    id_kind = models.CharField(_("id kind"), max_length=10, choices=IdKind.choices)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birth_date = models.DateField(_("date of birth"))
    home_kommune = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"level": Organisation.Level.KOMMUNE},
        related_name="residents",
        verbose_name=_("home municipality"),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    fastlege_name = models.CharField(_("GP (name)"), max_length=150, blank=True)
    fastlege_practice = models.CharField(_("GP practice"), max_length=150, blank=True)
    needs_interpreter = models.BooleanField(_("needs an interpreter"), default=False)
    interpreter_language = models.CharField(_("interpreter language"), max_length=60, blank=True)
    # A guardian (verge) recorded by staff: the patient's own access to /min/ then opens only
    # with a recorded reason why the guardianship does not stand in the way.
    guardian_name = models.CharField(_("guardian (verge)"), max_length=150, blank=True)
    registered_by_unit = unit_fk(_("registered by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = user_fk()
    # Raised on every change of the details; stale forms are refused, never saved over.
    version = models.PositiveIntegerField(default=1)
    # The last change of the row, set by the database (a trigger, pathways 0031) whatever
    # writes: meta.lastUpdated and ``_lastUpdated`` in the FHIR API.
    changed_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [models.Index(fields=["last_name", "first_name"], name="patient_name")]
        constraints = [
            models.CheckConstraint(
                condition=Q(national_id__isnull=True, id_kind="none")
                | Q(national_id__isnull=False) & ~Q(id_kind="none"),
                name="patient_id_kind_matches",
            ),
        ]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def has_national_id(self) -> bool:
        return self.national_id is not None

    @property
    def masked_id(self) -> str:
        return mask(self.national_id or "")

    def age(self, on=None) -> int:
        on = on or timezone.localdate()
        years = on.year - self.birth_date.year
        return years - ((on.month, on.day) < (self.birth_date.month, self.birth_date.day))


class NextOfKin(models.Model):
    """One person around the patient (pårørende or network), entered once: the plan's
    participants, the ansvarsgruppe's members and the crisis plan's contacts point here and
    read the name and contact details from this row."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="next_of_kin")
    name = models.CharField(_("name"), max_length=150)
    relation = models.CharField(_("relation"), max_length=60)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    # Minutes and plans go to people outside the service by post, never by ordinary email.
    address = models.CharField(_("postal address"), max_length=200, blank=True)
    may_receive_information = models.BooleanField(_("may receive information"), default=False)
    note = models.TextField(_("note"), blank=True)
    # Raised on every change; a stale form (edit or removal) is refused, never saved over.
    version = models.PositiveIntegerField(default=1)
    # The last change of the row, set by the database (a trigger, pathways 0031) whatever
    # writes: meta.lastUpdated and ``_lastUpdated`` in the FHIR API.
    changed_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("next of kin")
        verbose_name_plural = _("next of kin")

    def __str__(self):
        return f"{self.name} ({self.relation})"


# Direct foreign-key object permission tables (faster than guardian's generic ones).
class PatientUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Patient, on_delete=models.CASCADE)


class PatientGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Patient, on_delete=models.CASCADE)

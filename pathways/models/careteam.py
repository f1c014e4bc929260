from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.fields import unit_fk, user_fk
from pathways.models.patient import Patient


class ConsentQuerySet(models.QuerySet):
    def in_force(self, on=None):
        on = on or timezone.localdate()
        return self.filter(
            Q(withdrawn_at__isnull=True), Q(valid_until__isnull=True) | Q(valid_until__gte=on)
        )


class Consent(models.Model):
    """The patient's consent, recorded per unit; it can expire and be withdrawn."""

    class Scope(models.TextChoices):
        SHARING = "sharing", _("Sharing the care pathway with the unit")
        REFERRAL = "referral", _("Referral")
        INDIVIDUAL_PLAN = "individual_plan", _("Individual plan")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="consents")
    unit = unit_fk(_("unit"), optional=True)
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices)
    given_on = models.DateField(_("given on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = user_fk()
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = user_fk(optional=True)
    # The end date the patient was told runs out soon (the notice of Min plan): told once per
    # end date, again if the consent is given a new one.
    portal_notice_for = models.DateField(null=True, blank=True, editable=False)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_on", "-id"]
        indexes = [models.Index(fields=["valid_until"], name="consent_valid_until")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("given_on")),
                name="consent_dates_ordered",
            ),
        ]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self):
        return f"{self.get_scope_display()} – {self.unit or ''}"

    def describe(self) -> str:
        """The consent as a person names it: what it covers, for whom, since when."""
        return _("%(scope)s (%(unit)s), given %(date)s") % {
            "scope": self.get_scope_display(),
            "unit": self.unit.name if self.unit_id else _("no particular unit"),
            "date": self.given_on.strftime("%d.%m.%Y"),
        }

    @property
    def is_in_force(self) -> bool:
        today = timezone.localdate()
        return self.withdrawn_at is None and (self.valid_until is None or self.valid_until >= today)


class CareTeamMemberQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)


class CareTeamMember(models.Model):
    """A unit on the patient's care team. Only care-team units see the patient."""

    class Role(models.TextChoices):
        REGISTERING = "registering", _("Registering")
        TREATING = "treating", _("Treating")
        COORDINATING = "coordinating", _("Coordinating")
        INFORMED = "informed", _("Kept informed (read only)")

    class Basis(models.TextChoices):
        REGISTERED = "registered", _("Registered the patient")
        REFERRAL = "referral", _("Received a referral")
        CONSENT = "consent", _("The patient's consent")
        ADMISSION = "admission", _("Admitted for treatment")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="care_team")
    unit = unit_fk(_("unit"), related_name="care_teams")
    role = models.CharField(_("role in care"), max_length=20, choices=Role.choices)
    basis = models.CharField(_("basis"), max_length=20, choices=Basis.choices)
    consent = models.ForeignKey(
        Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="care_team_members"
    )
    started_at = models.DateTimeField(_("from"), default=timezone.now)
    ended_at = models.DateTimeField(_("to"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    objects = CareTeamMemberQuerySet.as_manager()

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "unit"],
                condition=Q(ended_at__isnull=True),
                name="careteam_one_active_per_unit",
            ),
        ]
        verbose_name = _("care team member")
        verbose_name_plural = _("care team members")

    def __str__(self):
        return f"{self.unit} – {self.get_role_display()}"

    @property
    def can_edit(self) -> bool:
        return self.role != self.Role.INFORMED


class BreakGlassAccess(models.Model):
    """Time-limited emergency read access for one user, reviewed by the unit's leader."""

    class Reason(models.TextChoices):
        EMERGENCY = "emergency", _("Acute situation / emergency")
        NEW_CONTACT = "new_contact", _("Patient has contacted us, not yet on the care team")
        CONTINUITY = "continuity", _("Continuity of care (e.g. out of hours)")
        OTHER = "other", _("Other")

    user = user_fk()
    unit = unit_fk()
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="break_glass")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    explanation = models.CharField(_("explanation"), max_length=500)
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = user_fk(optional=True)
    review_note = models.CharField(_("review note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-granted_at"]
        indexes = [
            models.Index(fields=["user", "patient", "expires_at"], name="breakglass_lookup"),
            models.Index(fields=["unit", "reviewed_at"], name="breakglass_review"),
            # The review reminder looks for old unreviewed grants only.
            models.Index(
                fields=["granted_at"],
                condition=Q(reviewed_at__isnull=True),
                name="breakglass_unreviewed",
            ),
        ]
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency access")

    def __str__(self):
        return f"{self.user} → {self.patient_id} ({self.granted_at:%Y-%m-%d %H:%M})"

    @property
    def is_active(self) -> bool:
        return self.expires_at > timezone.now()


class CareTeamCount(models.Model):
    """How many patients a unit's guardian group may see: its ``view_patient`` grants,
    kept by PostgreSQL triggers on the grants table (migration 0025), so that the patient
    list's count does not grow with the unit. Read through ``access.unit_patient_count``;
    on other databases (the embedded demo) that counts instead."""

    group = models.OneToOneField(
        "auth.Group", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    patients = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("care team count")
        verbose_name_plural = _("care team counts")

    def __str__(self):
        return f"{self.group_id}: {self.patients}"

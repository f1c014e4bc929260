"""Organisations, service units, memberships and the append-only audit log."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.fields import unit_fk, user_fk


class Organisation(models.Model):
    class Level(models.TextChoices):
        KOMMUNE = "kommune", _("Municipality")
        SPESIALIST = "spesialist", _("Specialist health service")

    name = models.CharField(_("name"), max_length=200, unique=True)
    org_number = models.CharField(
        _("organisation number"),
        max_length=9,
        unique=True,
        validators=[RegexValidator(r"^\d{9}$", _("Enter nine digits."))],
    )
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    is_private = models.BooleanField(_("private provider with agreement"), default=False)
    # Where a kommune is (its administrative centre): the distance to treatment places.
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name


class ServiceUnit(models.Model):
    class Kind(models.TextChoices):
        RUS_PSYKISK_HELSE = "rus_psykisk_helse", _("Substance use and mental health (municipal)")
        NAV = "nav", _("NAV")
        FASTLEGE = "fastlege", _("General practitioner")
        HJEMMETJENESTE = "hjemmetjeneste", _("Home services")
        BOLIG = "bolig", _("Housing")
        TSB_POLIKLINIKK = "tsb_poliklinikk", _("TSB outpatient clinic")
        TSB_DOGN = "tsb_dogn", _("TSB inpatient")
        LAR = "lar", _("LAR (opioid agonist treatment)")
        AVRUSNING = "avrusning", _("Detoxification")
        DPS = "dps", _("DPS / mental health services")
        FACT = "fact", _("FACT team")

    SPECIALIST_KINDS = {
        Kind.TSB_POLIKLINIKK,
        Kind.TSB_DOGN,
        Kind.LAR,
        Kind.AVRUSNING,
        Kind.DPS,
    }
    TSB_KINDS = {Kind.TSB_POLIKLINIKK, Kind.TSB_DOGN, Kind.LAR, Kind.AVRUSNING}

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="units", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # Letters to patients carry where to write and where to come; the two often differ (a post box
    # at the hospital, a ward in another building).
    postal_address = models.TextField(
        _("postal address"), blank=True, help_text=_("Street or post box, postcode and place.")
    )
    visiting_address = models.TextField(
        _("visiting address"), blank=True, help_text=_("Where patients come to meet.")
    )
    visiting_instructions = models.CharField(
        _("how to find us"),
        max_length=300,
        blank=True,
        help_text=_("For example: report to the reception on the 2nd floor."),
    )
    # The unit's guardian group: object permissions on patients are granted to it.
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="service_unit")

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="unit_unique_name"),
        ]
        verbose_name = _("service unit")
        verbose_name_plural = _("service units")

    def __str__(self):
        return f"{self.name} ({self.organisation.name})"

    @property
    def is_specialist(self) -> bool:
        return self.organisation.level == Organisation.Level.SPESIALIST

    @property
    def is_kommune(self) -> bool:
        return self.organisation.level == Organisation.Level.KOMMUNE


class UserIdentity(models.Model):
    """Who a login account belongs to, and the national identity that logs it in.

    Accounts without this row are staff (all accounts made before OpenID Connect). Patients and
    pårørende get one at their first ID-porten login; they never open a staff session.
    """

    class Kind(models.TextChoices):
        STAFF = "staff", _("Staff")
        PATIENT = "patient", _("Patient")
        NEXT_OF_KIN = "next_of_kin", _("Next of kin")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identity"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.STAFF)
    # The person identity HelseID sends (helseid://claims/identity/pid): the staff member's
    # national id, which the administrator records once for each HelseID user.
    helseid_pid = models.CharField(
        _("HelseID person identity"),
        max_length=11,
        unique=True,
        null=True,
        blank=True,
        validators=[RegexValidator(r"^\d{11}$", _("Enter eleven digits."))],
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(helseid_pid__isnull=True) | Q(kind="staff"),
                name="identity_helseid_staff_only",
            ),
        ]
        verbose_name = _("login identity")
        verbose_name_plural = _("login identities")

    def __str__(self):
        return f"{self.user} ({self.get_kind_display()})"


class MembershipQuerySet(models.QuerySet):
    def active(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(active_from__lte=on), Q(active_to__isnull=True) | Q(active_to__gte=on))


class Membership(models.Model):
    class Role(models.TextChoices):
        CLINICIAN = "clinician", _("Clinician")
        COORDINATOR = "coordinator", _("Coordinator")
        INTAKE = "intake", _("Intake team")
        LEADER = "leader", _("Leader")
        ADMIN = "admin", _("Administrator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(ServiceUnit, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    title = models.CharField(_("title"), max_length=100, blank=True)
    active_from = models.DateField(_("active from"), default=timezone.localdate)
    active_to = models.DateField(_("active to"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique"),
            models.CheckConstraint(
                condition=Q(active_to__isnull=True) | Q(active_to__gte=models.F("active_from")),
                name="membership_dates_ordered",
            ),
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{self.user} – {self.unit.name} ({self.get_role_display()})"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


class AuditEvent(models.Model):
    """One read or change of patient data. Rows are never changed or removed.

    The patient is stored as a plain id, not a foreign key: the log must outlive
    any record it mentions, and accounts must not depend on pathways.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        PRINT = "print", _("Printed")
        EXPORT = "export", _("Exported")
        BREAK_GLASS = "break_glass", _("Emergency access")
        REVEAL_ID = "reveal_id", _("Revealed national id")
        LOGIN = "login", _("Logged in")
        LOOKUP = "lookup", _("Looked up a national id")
        DENIED = "denied", _("Access refused")

    class Basis(models.TextChoices):
        CARE_TEAM = "care_team", _("Care team")
        BREAK_GLASS = "break_glass", _("Emergency access")
        ADMIN = "admin", _("Administration")
        SYSTEM = "system", _("System")
        NONE = "none", _("No access")  # a refused attempt
        PATIENT = "patient", _("The patient themselves")
        NEXT_OF_KIN = "next_of_kin", _("Next of kin, by the patient's consent")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = user_fk(_("user"), optional=True)
    unit = unit_fk(_("unit"), optional=True)
    patient_id = models.BigIntegerField(_("patient"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    basis = models.CharField(_("basis"), max_length=20, choices=Basis.choices)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=36, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["patient_id", "-at"], name="audit_patient_at")]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        # The PostgreSQL trigger is the real guard; this covers SQLite.
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")

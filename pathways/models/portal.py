"""The patient's and the pårørende's door into /min/."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.fields import user_fk
from pathways.models.patient import NextOfKin, Patient
from pathways.models.plan import IndividualPlan


class PortalAccessQuerySet(models.QuerySet):
    def open(self):
        return self.filter(ended_at__isnull=True)

    def in_force(self):
        """Open, and (for a pårørende) not past the end date the patient chose: an ended
        grant lets no one in from the day after, without anyone having to close it."""
        return self.open().filter(Q(ends_on__isnull=True) | Q(ends_on__gte=timezone.localdate()))


class NoticeChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message (SMS)")
    BOTH = "both", _("Both email and SMS")
    NONE = "none", _("No notices")


class PortalAccess(models.Model):
    """Access to /min/ for the patient or one pårørende, opened by staff with a reason.

    Nobody has access until a staff member opens it: the login finds the person by the
    national id in the ID token, and an unknown person or one without open access gets a
    page saying so, with no account made. The login account is made at the first login.
    """

    class Role(models.TextChoices):
        PATIENT = "patient", _("The patient")
        NEXT_OF_KIN = "next_of_kin", _("Next of kin")

    class Part(models.TextChoices):
        """What the patient may give a pårørende (§3): each part is one field below."""

        MEETINGS = "meetings", _("Meetings and minutes")
        PLAN = "plan", _("The plan")
        CRISIS_PLAN = "crisis_plan", _("The crisis plan")

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="portal_accesses", verbose_name=_("patient")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    # A pårørende is one of the people in the patient's register, known by their own national id.
    next_of_kin = models.ForeignKey(
        NextOfKin,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="portal_accesses",
        verbose_name=_("next of kin"),
    )
    national_id = models.CharField(_("national id of the next of kin"), max_length=11, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="portal_accesses",
        verbose_name=_("login account"),
    )
    reason = models.CharField(_("reason"), max_length=500)
    # Why a patient with a guardian may still have their own access (what the guardianship
    # covers, what the guardian and the patient agreed); required then, empty otherwise.
    guardian_reason = models.CharField(
        _("reason despite the guardianship"), max_length=500, blank=True
    )
    opened_by = user_fk(_("opened by"), optional=True)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    # Why it was closed, shown on the staff page: a staff member's reason, or the rule that
    # closed it by itself (a guardian or a birth date under 16 recorded while it was open).
    end_reason = models.CharField(_("why it was closed"), max_length=500, blank=True)
    # What a pårørende was given, and until when (the patient has everything, with no end).
    shares_meetings = models.BooleanField(_("meetings and minutes"), default=False)
    shares_plan = models.BooleanField(_("the plan"), default=False)
    shares_crisis_plan = models.BooleanField(_("the crisis plan"), default=False)
    ends_on = models.DateField(_("access until"), null=True, blank=True)
    # How the person hears that something new waits in /min/ (issue 13 §2): their own choice
    # and addresses, set in /min/varsler/. Until they choose (``notice_channel`` empty) a
    # notice goes by email to the address the record has, as meeting mail always did.
    notice_channel = models.CharField(
        _("notices by"), max_length=10, choices=NoticeChannel.choices, blank=True
    )
    notice_email = models.EmailField(_("email for notices"), blank=True)
    notice_phone = models.CharField(_("mobile number for notices"), max_length=30, blank=True)
    # The last notice sent: a burst of changes gives one notice (``portal.notices``).
    last_notice_at = models.DateTimeField(_("last notice"), null=True, blank=True)

    objects = PortalAccessQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(role="patient", ended_at__isnull=True),
                name="portal_one_open_patient_access",
            ),
            models.UniqueConstraint(
                fields=["patient", "national_id"],
                condition=Q(role="next_of_kin", ended_at__isnull=True),
                name="portal_one_open_access_per_next_of_kin",
            ),
            models.CheckConstraint(
                condition=Q(role="patient", next_of_kin__isnull=True, national_id="")
                | Q(role="next_of_kin", next_of_kin__isnull=False) & ~Q(national_id=""),
                name="portal_next_of_kin_identified",
            ),
            models.CheckConstraint(
                condition=~Q(role="patient")
                | Q(
                    shares_meetings=False,
                    shares_plan=False,
                    shares_crisis_plan=False,
                    ends_on__isnull=True,
                ),
                name="portal_patient_has_no_grant",
            ),
        ]
        indexes = [
            models.Index(
                fields=["national_id"],
                condition=Q(ended_at__isnull=True) & ~Q(national_id=""),
                name="portal_open_by_national_id",
            ),
        ]
        verbose_name = _("portal access")
        verbose_name_plural = _("portal accesses")

    def __str__(self):
        return f"{self.get_role_display()} → {self.patient_id}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def is_in_force(self) -> bool:
        return self.is_open and (self.ends_on is None or self.ends_on >= timezone.localdate())

    @property
    def is_patient(self) -> bool:
        return self.role == self.Role.PATIENT

    @property
    def parts(self) -> frozenset[str]:
        """The parts this door opens: all of them for the patient."""
        if self.is_patient:
            return frozenset(self.Part.values)
        return frozenset(part for part in self.Part.values if getattr(self, PART_FIELDS[part]))

    def part_labels(self) -> list[str]:
        return [str(label) for value, label in self.Part.choices if value in self.parts]


PART_FIELDS = {
    PortalAccess.Part.MEETINGS: "shares_meetings",
    PortalAccess.Part.PLAN: "shares_plan",
    PortalAccess.Part.CRISIS_PLAN: "shares_crisis_plan",
}


class PlanAgreement(models.Model):
    """The patient's own answer to the plan: "I have read it and agree", or comments.

    It replaces print-sign-scan: the time, the plan version read and the login's level of
    assurance (the ID token's acr) are kept. A later change by anyone else asks again.
    """

    class Answer(models.TextChoices):
        AGREE = "agree", _("I have read the plan and agree")
        COMMENTS = "comments", _("I have comments")

    plan = models.ForeignKey(
        IndividualPlan, on_delete=models.CASCADE, related_name="agreements", verbose_name=_("plan")
    )
    plan_version = models.PositiveIntegerField(_("plan version read"))
    answer = models.CharField(_("answer"), max_length=20, choices=Answer.choices)
    comment = models.TextField(_("comments"), blank=True)
    level = models.CharField(_("level of assurance"), max_length=60)
    by = user_fk(_("by"))
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answer="agree") | ~Q(comment=""), name="agreement_comments_written"
            ),
        ]
        verbose_name = _("agreement to the plan")
        verbose_name_plural = _("agreements to the plan")

    def __str__(self):
        return f"{self.plan_id} v{self.plan_version}: {self.answer}"


class AccessQuestion(models.Model):
    """ "Spør hvorfor": the patient's question about one line of their access log, and the
    answer the unit's leader (or the koordinator) writes back, read by the patient in /min/."""

    patient = models.ForeignKey(
        Patient,
        on_delete=models.CASCADE,
        related_name="access_questions",
        verbose_name=_("patient"),
    )
    # The line asked about: the month, who read and in which unit, on what basis.
    month = models.DateField(_("month"))
    read_by = user_fk(_("read by"))
    unit = models.ForeignKey(
        "accounts.ServiceUnit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unit"),
    )
    basis = models.CharField(_("basis"), max_length=30)
    question = models.TextField(_("question"))
    asked_by = user_fk(_("asked by"))
    asked_at = models.DateTimeField(_("asked"), default=timezone.now)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = user_fk(_("answered by"), optional=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["-asked_at", "-id"]
        verbose_name = _("question about the access log")
        verbose_name_plural = _("questions about the access log")

    def __str__(self):
        return f"{self.patient_id}: {self.month:%m.%Y}"

"""Treatment episodes at specialist units, messages to the kommune, the ettervern plan,
planning meetings, follow-up after discharge and moves between kommuner."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.fields import unit_fk, user_fk
from pathways.models.patient import Patient


class TreatmentEpisode(models.Model):
    """One stay or course of treatment at a specialist unit."""

    class Kind(models.TextChoices):
        DOGN = "dogn", _("Inpatient (døgn)")
        POLIKLINIKK = "poliklinikk", _("Outpatient")
        LAR = "lar", _("LAR")
        AVRUSNING = "avrusning", _("Detoxification")

    class EndKind(models.TextChoices):
        PLANNED = "planned", _("Planned discharge")
        UNPLANNED = "unplanned", _("Unplanned discharge / dropped out")
        TRANSFERRED = "transferred", _("Transferred to another unit")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="episodes")
    unit = unit_fk(_("unit"), related_name="episodes")
    kind = models.CharField(_("kind of treatment"), max_length=20, choices=Kind.choices)
    started_at = models.DateTimeField(_("started"))
    planned_end = models.DateField(_("planned discharge date"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    end_kind = models.CharField(
        _("how it ended"), max_length=20, choices=EndKind.choices, blank=True
    )
    end_note = models.CharField(_("note on the ending"), max_length=500, blank=True)
    # Recorded when a planned discharge goes ahead without a signed ettervern plan.
    without_plan_reason = models.CharField(
        _("reason for discharge without a signed plan"), max_length=500, blank=True
    )
    assessment = models.TextField(_("clinician's assessment"), blank=True)
    assessed_at = models.DateTimeField(_("assessed"), null=True, blank=True)
    assessed_by = user_fk(optional=True)
    # The assessment and the pathway dates are edited on their own forms, often by different
    # people: each carries its own version (a stale form never overwrites).
    assessment_version = models.PositiveIntegerField(default=1)
    ready_at = models.DateTimeField(_("ready for discharge"), null=True, blank=True)
    ready_by = user_fk(optional=True)
    # National patient pathway milestones (the timers count calendar days between them).
    first_attendance_on = models.DateField(_("first attendance"), null=True, blank=True)
    clinical_decision_on = models.DateField(_("clinical decision"), null=True, blank=True)
    milestones_version = models.PositiveIntegerField(default=1)
    # The latest evaluation's date, kept here so the reminder rules filter on an index.
    last_evaluation_on = models.DateField(_("latest evaluation"), null=True, blank=True)
    transferred_to = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transferred_from",
    )
    created_by = user_fk()
    created_at = models.DateTimeField(default=timezone.now)
    # The last change of the row, set by the database (a trigger, pathways 0031) whatever
    # writes: meta.lastUpdated and ``_lastUpdated`` in the FHIR API.
    changed_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "started_at"], name="episode_kind_started"),
            models.Index(fields=["planned_end"], name="episode_planned_end"),
            models.Index(fields=["unit", "ended_at"], name="episode_unit_ended"),
            models.Index(fields=["ended_at"], name="episode_ended"),
            models.Index(
                fields=["first_attendance_on"],
                condition=Q(ended_at__isnull=True, clinical_decision_on__isnull=True),
                name="episode_decision_due",
            ),
            models.Index(
                fields=["clinical_decision_on"],
                condition=Q(ended_at__isnull=True, last_evaluation_on__isnull=True),
                name="episode_first_evaluation_due",
            ),
            models.Index(
                fields=["last_evaluation_on"],
                condition=Q(ended_at__isnull=True),
                name="episode_evaluation_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, end_kind="")
                | Q(ended_at__isnull=False) & ~Q(end_kind=""),
                name="episode_end_kind_with_end",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="episode_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(clinical_decision_on__isnull=True)
                | Q(first_attendance_on__isnull=False)
                & Q(clinical_decision_on__gte=models.F("first_attendance_on")),
                name="episode_decision_after_attendance",
            ),
        ]
        verbose_name = _("treatment episode")
        verbose_name_plural = _("treatment episodes")

    def __str__(self):
        return f"{self.get_kind_display()} – {self.unit.name}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def is_ready(self) -> bool:
        return self.ready_at is not None

    @property
    def status(self) -> str:
        if self.ended_at is not None:
            return "ended"
        return "ready" if self.ready_at else "active"

    @property
    def status_label(self) -> str:
        """The phase as it stands: "Discharged" once it happened, never "Planned discharge"."""
        if self.ended_at is not None:
            if self.end_kind == self.EndKind.PLANNED:
                return _("Discharged")
            if self.end_kind == self.EndKind.UNPLANNED:
                return _("Discharged (unplanned)")
            return self.get_end_kind_display()
        return _("Ready for discharge") if self.ready_at else _("In treatment")


class EpisodeEvaluation(models.Model):
    """An evaluation of the treatment in the national patient pathway."""

    episode = models.ForeignKey(
        TreatmentEpisode, on_delete=models.CASCADE, related_name="evaluations"
    )
    held_on = models.DateField(_("date of the evaluation"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    by = user_fk()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_on", "id"]
        indexes = [models.Index(fields=["episode", "held_on"], name="episode_eval_held")]
        verbose_name = _("evaluation of the treatment")
        verbose_name_plural = _("evaluations of the treatment")

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d}"


class PlanningMeeting(models.Model):
    """A joint planning meeting for the follow-up after discharge (when there is no group)."""

    episode = models.ForeignKey(
        TreatmentEpisode, on_delete=models.CASCADE, related_name="planning_meetings"
    )
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place or video link"), max_length=200)
    participants = models.TextField(_("participants"))
    called_by = user_fk()
    called_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("planning meeting")
        verbose_name_plural = _("planning meetings")

    def __str__(self):
        return f"{self.starts_at:%Y-%m-%d %H:%M} {self.place}"


class KommuneMessage(models.Model):
    """A message from the specialist unit to one kommune unit, and the kommune's answer."""

    class Kind(models.TextChoices):
        ADMISSION = "admission", _("Notice of admitted patient")
        READY = "ready", _("Ready for discharge")
        UNPLANNED = "unplanned", _("Unplanned discharge")
        TRANSFER = "transfer", _("Transferred to another unit")
        DISCHARGED = "discharged", _("Notice of discharged patient")
        MOVED = "moved", _("Moving to another municipality")

    class Answer(models.TextChoices):
        CAN_RECEIVE = "can_receive", _("Can receive the patient")
        CANNOT_RECEIVE = "cannot_receive", _("Cannot receive the patient yet")

    episode = models.ForeignKey(TreatmentEpisode, on_delete=models.CASCADE, related_name="messages")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    from_unit = unit_fk()
    to_unit = unit_fk(related_name="kommune_messages")
    text = models.TextField(_("message"), blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    sent_by = user_fk()
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    read_by = user_fk(optional=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = user_fk(optional=True)
    answer = models.CharField(_("answer"), max_length=20, choices=Answer.choices, blank=True)
    can_receive_from = models.DateField(_("can receive from"), null=True, blank=True)
    answer_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["sent_at", "id"]
        indexes = [
            models.Index(fields=["episode", "kind"], name="kmessage_episode_kind"),
            models.Index(fields=["to_unit", "answered_at"], name="kmessage_unanswered"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(answer="can_receive") | Q(can_receive_from__isnull=False),
                name="kmessage_can_receive_has_date",
            ),
        ]
        verbose_name = _("message to the municipality")
        verbose_name_plural = _("messages to the municipality")

    def __str__(self):
        return f"{self.get_kind_display()} → {self.to_unit.name}"

    @property
    def expects_answer(self) -> bool:
        return self.kind == self.Kind.READY


class EttervernPlan(models.Model):
    """The aftercare plan for one episode, written by both sides, each in its own part.

    Each part has its own version: a save refuses when that part changed since the form was
    opened. The crisis plan is the patient's own (``CrisisPlan``), shared with the individuell
    plan. Any change of content after a sign-off clears the sign-offs (they covered the old text).
    """

    class Variant(models.TextChoices):
        STANDARD = "standard", _("Discharge to home")
        PRISON = "prison", _("Release from prison")

    class Return(models.TextChoices):
        NONE = "none", _("No agreement on a way back")
        OPEN_RETURN = "open_return", _("Open return (åpen retur)")
        SELF_REFERRAL_BED = "self_referral_bed", _("Self-referral bed (brukerstyrt plass)")

    episode = models.OneToOneField(
        TreatmentEpisode, on_delete=models.CASCADE, related_name="ettervern_plan"
    )
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="ettervern_plans")
    variant = models.CharField(
        _("variant"), max_length=20, choices=Variant.choices, default=Variant.STANDARD
    )

    # Specialist part.
    summary = models.TextField(_("summary for follow-up"), blank=True)
    medication = models.TextField(_("medication"), blank=True)
    lar_prescriber = models.CharField(_("LAR: who prescribes"), max_length=200, blank=True)
    lar_dispensing = models.CharField(_("LAR: dispensing place"), max_length=200, blank=True)
    risk = models.TextField(_("risk (suicide, overdose)"), blank=True)
    risk_communicated = models.BooleanField(
        _("risk communicated to the municipality and GP"), default=False
    )
    recommendations = models.TextField(_("recommendations"), blank=True)
    return_kind = models.CharField(
        _("way back in"), max_length=20, choices=Return.choices, blank=True
    )
    return_unit = unit_fk(_("unit for the way back"), optional=True)
    return_conditions = models.TextField(_("conditions"), blank=True)
    return_valid_until = models.DateField(_("valid until"), null=True, blank=True)
    specialist_version = models.PositiveIntegerField(default=1)

    # Kommune part.
    housing = models.TextField(_("housing on the day of discharge"), blank=True)
    economy = models.TextField(_("economy"), blank=True)
    activity = models.TextField(_("activity, work or school"), blank=True)
    network = models.TextField(_("network"), blank=True)
    first_appointment_at = models.DateTimeField(
        _("first municipal appointment"), null=True, blank=True
    )
    first_appointment_with = models.CharField(
        _("first appointment with (name, phone)"), max_length=200, blank=True
    )
    fastlege_appointment_at = models.DateTimeField(_("GP appointment"), null=True, blank=True)
    nav = models.TextField(_("NAV"), blank=True)
    release_date = models.DateField(_("release date"), null=True, blank=True)
    prison = models.CharField(_("prison"), max_length=200, blank=True)
    met_by = models.CharField(_("who meets the person on the day"), max_length=200, blank=True)
    kommune_version = models.PositiveIntegerField(default=1)

    specialist_signed_at = models.DateTimeField(null=True, blank=True)
    specialist_signed_by = user_fk(optional=True)
    kommune_signed_at = models.DateTimeField(null=True, blank=True)
    kommune_signed_by = user_fk(optional=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    SPECIALIST_FIELDS = [
        "summary",
        "medication",
        "lar_prescriber",
        "lar_dispensing",
        "risk",
        "risk_communicated",
        "recommendations",
        "return_kind",
        "return_unit",
        "return_conditions",
        "return_valid_until",
    ]
    KOMMUNE_FIELDS = [
        "housing",
        "economy",
        "activity",
        "network",
        "first_appointment_at",
        "first_appointment_with",
        "fastlege_appointment_at",
        "nav",
        "release_date",
        "prison",
        "met_by",
    ]

    class Meta:
        verbose_name = _("aftercare plan")
        verbose_name_plural = _("aftercare plans")

    def __str__(self):
        return f"Ettervern {self.episode_id}"

    @property
    def is_signed(self) -> bool:
        return self.specialist_signed_at is not None and self.kommune_signed_at is not None


class FollowUpAppointment(models.Model):
    """An appointment in the first weeks after discharge; the kommune records if it happened."""

    episode = models.ForeignKey(
        TreatmentEpisode, on_delete=models.CASCADE, related_name="follow_ups"
    )
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(_("date and time"))
    with_whom = models.CharField(_("with whom"), max_length=200)
    unit = unit_fk(_("unit"))
    is_first_kommune = models.BooleanField(_("first municipal appointment"), default=False)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = user_fk(optional=True)
    created_by = user_fk()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["episode", "at"], name="followup_episode_at")]
        verbose_name = _("follow-up appointment")
        verbose_name_plural = _("follow-up appointments")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.with_whom}"


class KommuneMove(models.Model):
    """The patient moves to another kommune: the new one joins, the old one leaves later."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="kommune_moves")
    from_unit = unit_fk(_("from unit"))
    to_unit = unit_fk(_("new unit"))
    handover_date = models.DateField(_("handover date"))
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = user_fk()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["completed_at", "handover_date"], name="kmove_due")]
        verbose_name = _("move to another municipality")
        verbose_name_plural = _("moves to another municipality")

    def __str__(self):
        return f"{self.from_unit.name} → {self.to_unit.name}"

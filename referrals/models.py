"""Referrals (henvisninger) to specialist units, their timeline, attachments and follow-up."""

import datetime
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from accounts.fields import unit_fk, user_fk
from accounts.models import Organisation, ServiceUnit
from pathways import uploads
from pathways.models import Consent, Patient

# What the referring side writes in a draft (in the order of the form).
EDITABLE_FIELDS = [
    "urgency",
    "reason",
    "question",
    "substance_use",
    "mental_health",
    "existing_services",
    "patient_wishes",
    "wished_place",
    "preferred_place",
    "consent_given_on",
]


class TreatmentPlace(models.Model):
    """A place of treatment: one of the helseforetak's own TSB units, or a private institution
    with an agreement with it. Its free capacity is kept by the place itself (or the intake
    team), so intake teams can place people where a place is free, not only where they know."""

    class Form(models.TextChoices):
        DOGN = "dogn", _("Inpatient (døgn)")
        POLIKLINIKK = "poliklinikk", _("Outpatient (poliklinikk)")
        DAG = "dag", _("Day treatment")
        AMBULANT = "ambulant", _("Ambulatory")

    class Profile(models.TextChoices):
        YOUTH = "youth", _("Youth")
        ROP = "rop", _("Substance use and mental illness (ROP)")
        LAR = "lar", _("LAR")
        FAMILY = "family", _("Family")
        ACTIVITY = "activity", _("Activity-based")
        WOMEN = "women", _("Women")
        DETOX = "detox", _("Detoxification")

    # Capacity not confirmed for a week is shown as stale: the intake team should call first.
    STALE_AFTER_DAYS = 7

    unit = models.OneToOneField(
        ServiceUnit,
        on_delete=models.PROTECT,
        related_name="treatment_place",
        verbose_name=_("unit"),
    )
    form = models.CharField(_("form of treatment"), max_length=20, choices=Form.choices)
    # A short list of Profile values; a JSON list works on both PostgreSQL and SQLite.
    profiles = models.JSONField(_("profile"), default=list, blank=True)
    location = models.CharField(_("location"), max_length=100)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    health_trust = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="agreement_places",
        limit_choices_to={"level": Organisation.Level.SPESIALIST, "is_private": False},
        verbose_name=_("agreement with"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    description = models.TextField(_("about the place"), blank=True)
    active = models.BooleanField(_("takes patients"), default=True)

    free_places = models.PositiveSmallIntegerField(_("free places"), default=0)
    free_from = models.DateField(_("free from"), null=True, blank=True)
    expected_wait_days = models.PositiveSmallIntegerField(
        _("expected waiting time (days)"), null=True, blank=True
    )
    capacity_note = models.CharField(_("note on capacity"), max_length=200, blank=True)
    capacity_updated_at = models.DateTimeField(_("capacity updated"), null=True, blank=True)
    capacity_updated_by = user_fk(optional=True)
    # Raised on every capacity update; a stale form is refused, never saved over.
    capacity_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["unit__organisation__name", "unit__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="place_both_coordinates",
            ),
        ]
        verbose_name = _("treatment place")
        verbose_name_plural = _("treatment places")

    def __str__(self):
        return str(self.unit)

    @property
    def name(self) -> str:
        return self.unit.name

    def profile_labels(self) -> list[str]:
        labels = dict(self.Profile.choices)
        return [str(labels[p]) for p in self.profiles if p in labels]

    def capacity_is_stale(self, now=None) -> bool:
        if self.capacity_updated_at is None:
            return True
        now = now or timezone.now()
        return (now - self.capacity_updated_at).days >= self.STALE_AFTER_DAYS

    def earliest_start(self, today=None):
        """The first day a patient could start here, from what the place has told us."""
        today = today or timezone.localdate()
        if self.free_places > 0:
            return max(today, self.free_from or today)
        if self.expected_wait_days is not None:
            return today + datetime.timedelta(days=self.expected_wait_days)
        return None


class CapacityReport(models.Model):
    """Each capacity update, kept: the figures compare what places reported with who started."""

    place = models.ForeignKey(TreatmentPlace, on_delete=models.CASCADE, related_name="reports")
    reported_at = models.DateTimeField(default=timezone.now)
    reported_by = user_fk(optional=True)
    free_places = models.PositiveSmallIntegerField()
    expected_wait_days = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["place", "reported_at"]
        indexes = [models.Index(fields=["place", "reported_at"], name="capacity_report_at")]

    def __str__(self):
        return f"{self.place_id} {self.reported_at:%Y-%m-%d}: {self.free_places}"


class Referral(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RECEIVED = "received", _("Received")
        UNDER_ASSESSMENT = "under_assessment", _("Under assessment")
        GRANTED = "granted", _("Right to necessary care granted")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        TREATMENT_STARTED = "treatment_started", _("Treatment started")
        CLOSED = "closed", _("Closed")
        COMPLETED = "completed", _("Treatment completed")

    # States in which the receiving unit still has to assess the referral.
    AWAITING_ASSESSMENT = (State.RECEIVED, State.UNDER_ASSESSMENT)
    ACTIVE = (State.RECEIVED, State.UNDER_ASSESSMENT, State.GRANTED, State.TREATMENT_STARTED)

    class Urgency(models.TextChoices):
        ORDINARY = "ordinary", _("Ordinary")
        URGENT = "urgent", _("Urgent")

    class HelpKind(models.TextChoices):
        OUTPATIENT = "outpatient", _("Outpatient (poliklinikk)")
        INPATIENT = "inpatient", _("Inpatient (døgn)")
        LAR = "lar", _("LAR")
        DETOX = "detox", _("Detoxification (avrusning)")

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("patient")
    )
    referring_unit = unit_fk(_("referring unit"), related_name="referrals_sent")
    referred_by = user_fk(_("referred by"))
    receiving_unit = unit_fk(_("receiving unit"), related_name="referrals_received")
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)

    # What the referrer writes.
    reason = models.TextField(_("reason for referral"))
    question = models.TextField(_("question to the specialist service"))
    substance_use = models.TextField(_("substance use"), blank=True)
    mental_health = models.TextField(_("mental health"), blank=True)
    existing_services = models.TextField(_("services the patient already has"), blank=True)
    patient_wishes = models.TextField(_("the patient's own wishes"), blank=True)
    preferred_place = models.CharField(_("preferred treatment place"), max_length=200, blank=True)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.ORDINARY
    )
    consent_given_on = models.DateField(_("the patient consented on"), null=True, blank=True)
    consent = models.ForeignKey(
        Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Derived from the birth date when the referral is sent; stored so lists can filter on it.
    under_23 = models.BooleanField(_("under 23"), default=False)

    # Dates that the deadlines count from.
    seniority_date = models.DateField(_("seniority date"), null=True, blank=True)
    received_on = models.DateField(_("received at this unit"), null=True, blank=True)
    assessment_due = models.DateField(_("assessment due"), null=True, blank=True)

    # The assessment.
    assessment_started_at = models.DateTimeField(null=True, blank=True)
    assessed_at = models.DateTimeField(_("assessed"), null=True, blank=True)
    assessed_by = user_fk(optional=True)
    start_deadline = models.DateField(_("start deadline (frist)"), null=True, blank=True)
    planned_appointment = models.DateTimeField(
        _("planned first appointment"), null=True, blank=True
    )
    help_kind = models.CharField(
        _("kind of help"), max_length=20, choices=HelpKind.choices, blank=True
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    forwarded_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="forwarded_to",
        verbose_name=_("forwarded from"),
    )
    # Every referral in a forwarding chain shares ``chain``; ``depth`` orders them. The chain is
    # linear (a referral is forwarded at most once), so a referral's history is its chain up to
    # its own depth.
    chain = models.UUIDField(default=uuid.uuid4, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)
    treatment_started_on = models.DateField(_("treatment started"), null=True, blank=True)
    # The treatment episode started from this referral (pathways never refers back here).
    treatment_episode = models.OneToOneField(
        "pathways.TreatmentEpisode",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referral",
        verbose_name=_("treatment episode"),
    )
    closed_reason = models.CharField(_("reason for closing"), max_length=300, blank=True)

    # Placement: where the patient will be treated, as the intake team decided after granting
    # rett; the wished place is the referrer's (or patient's) choice when it is a known place.
    wished_place = models.ForeignKey(
        TreatmentPlace,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("wished treatment place"),
    )
    place = models.ForeignKey(
        TreatmentPlace,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="placements",
        verbose_name=_("treatment place"),
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    placement_reason = models.TextField(_("reason for the choice of place"), blank=True)
    placed_at = models.DateTimeField(null=True, blank=True)
    placed_by = user_fk(optional=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    # Fristbrudd.
    frist_at_risk_at = models.DateTimeField(
        _("marked likely to miss the frist"), null=True, blank=True
    )
    frist_at_risk_by = user_fk(optional=True)
    helfo_notified_on = models.DateField(_("Helfo notified"), null=True, blank=True)
    helfo_notified_by = user_fk(optional=True)

    # The receiving unit's care-team access ends on this date after a rejection without
    # forwarding (or a withdrawal); the sweep ends it and stamps ``access_ended_at``.
    access_ends_on = models.DateField(null=True, blank=True)
    access_ended_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # Raised by every change; forms carry it so a stale form is refused, never saved over.
    version = models.PositiveIntegerField(default=1)
    # The last change of the row, set by the database (a trigger, referrals 0012) whatever
    # writes: Task.lastModified, meta.lastUpdated and ``_lastUpdated`` in the FHIR API.
    changed_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["receiving_unit", "state", "assessment_due"], name="referral_incoming"
            ),
            models.Index(
                fields=["receiving_unit", "state", "start_deadline"], name="referral_waiting"
            ),
            # The waiting list in its own order (under 23 first): read page by page from the
            # index instead of sorting every granted referral of the unit for each page.
            models.Index(
                fields=["receiving_unit", "state", "-under_23", "start_deadline", "id"],
                name="referral_waiting_order",
            ),
            # The incoming list in its own order: both awaiting states read from one index
            # in deadline order and cut at a page, instead of sorting all of them each time.
            models.Index(
                fields=["receiving_unit", "assessment_due", "received_on", "id"],
                condition=Q(state__in=["received", "under_assessment"]),
                name="referral_incoming_order",
            ),
            models.Index(fields=["referring_unit", "state"], name="referral_sent"),
            # The sent list (a kommune's first tab), newest first: a page read from the
            # index instead of sorting every referral the unit ever sent.
            models.Index(
                fields=["referring_unit", "-created_at", "-id"], name="referral_sent_order"
            ),
            models.Index(fields=["state", "assessment_due"], name="referral_due"),
            models.Index(fields=["state", "start_deadline"], name="referral_frist"),
            models.Index(
                fields=["access_ends_on"],
                name="referral_access_end",
                condition=Q(access_ended_at__isnull=True),
            ),
            models.Index(fields=["chain", "depth"], name="referral_chain"),
            models.Index(fields=["receiving_unit", "received_on"], name="referral_received"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(referring_unit=models.F("receiving_unit")),
                name="referral_not_to_itself",
            ),
            models.CheckConstraint(
                condition=~Q(state="granted") | Q(start_deadline__isnull=False),
                name="referral_granted_has_frist",
            ),
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(rejection_reason=""),
                name="referral_rejected_has_reason",
            ),
            models.UniqueConstraint(fields=["chain", "depth"], name="referral_chain_position"),
        ]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self):
        return f"{self.patient} → {self.receiving_unit.name} ({self.get_state_display()})"

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT

    # The labels as the lists show them, once per row: Django's get_FOO_display() rebuilds a
    # dictionary of every choice on each call.
    @property
    def state_label(self) -> str:
        return str(_STATE_LABELS.get(self.state, self.state))

    @property
    def help_kind_label(self) -> str:
        return str(_HELP_KIND_LABELS.get(self.help_kind, self.help_kind))

    @property
    def awaiting_assessment(self) -> bool:
        return self.state in self.AWAITING_ASSESSMENT

    @property
    def is_waiting(self) -> bool:
        return self.state == self.State.GRANTED

    @property
    def is_urgent(self) -> bool:
        return self.urgency == self.Urgency.URGENT

    @property
    def frist_passed(self) -> bool:
        return (
            self.state == self.State.GRANTED
            and self.start_deadline is not None
            and self.start_deadline < timezone.localdate()
        )

    @property
    def frist_breach(self) -> bool:
        """Fristbrudd: the frist has passed without a start, or a clinician expects it will."""
        if self.state in (self.State.TREATMENT_STARTED, self.State.COMPLETED, self.State.CLOSED):
            return bool(
                self.start_deadline
                and self.treatment_started_on
                and self.treatment_started_on > self.start_deadline
            )
        return self.state == self.State.GRANTED and (
            self.frist_passed or self.frist_at_risk_at is not None
        )

    @property
    def days_waited(self) -> int | None:
        if self.seniority_date is None:
            return None
        end = self.treatment_started_on or timezone.localdate()
        return (end - self.seniority_date).days

    @property
    def decision(self) -> str | None:
        """The assessment as the assessment form names it: "grant", "reject" or none yet."""
        if self.state == self.State.REJECTED:
            return "reject"
        if self.assessed_at is not None:
            return "grant"
        return None

    @property
    def was_forwarded(self) -> bool:
        return hasattr(self, "forwarded_to")


class ReferralEvent(models.Model):
    """One line on the timeline that both sides see: who, when, what."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Draft created")
        SENT = "sent", _("Sent")
        RECEIVED = "received", _("Received")
        ASSESSMENT_STARTED = "assessment_started", _("Assessment started")
        INFO_REQUESTED = "info_requested", _("More information requested")
        INFO_ANSWERED = "info_answered", _("Information given")
        GRANTED = "granted", _("Right to necessary care granted")
        REJECTED = "rejected", _("Rejected")
        FORWARDED = "forwarded", _("Forwarded")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        TREATMENT_STARTED = "treatment_started", _("Treatment started")
        CLOSED = "closed", _("Closed")
        COMPLETED = "completed", _("Treatment completed")
        EPISODE_LINKED = "episode_linked", _("Linked to a treatment episode")
        FRIST_AT_RISK = "frist_at_risk", _("Frist likely to be missed")
        HELFO_NOTIFIED = "helfo_notified", _("Helfo notified")
        FOLLOW_UP = "follow_up", _("Waiting-time follow-up recorded")
        ATTACHMENT = "attachment", _("Attachment added")
        ACCESS_ENDED = "access_ended", _("Access ended")
        PLACED = "placed", _("Treatment place chosen")
        PLANNED_START_CHANGED = "planned_start_changed", _("Planned start changed")
        JOINT_INTAKE = "joint_intake", _("Joint intake meeting")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    user = user_fk(optional=True)
    unit = unit_fk(optional=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["referral", "at"], name="referral_event_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"


class InformationRequest(models.Model):
    """The receiving unit asks for more; the clock keeps running; the referrer answers here."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="info_requests")
    question = models.TextField(_("what is missing"))
    asked_at = models.DateTimeField(default=timezone.now)
    asked_by = user_fk()
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = user_fk(optional=True)

    class Meta:
        ordering = ["asked_at", "id"]

    def __str__(self):
        return self.question[:60]

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


def attachment_path(instance, filename: str) -> str:
    return uploads.stored_name("referrals")


class Attachment(models.Model):
    """A PDF or image sent with the referral; served only through an access-checked view."""

    class ContentType(models.TextChoices):
        PDF = "application/pdf", "PDF"
        PNG = "image/png", "PNG"
        JPEG = "image/jpeg", "JPEG"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=40, choices=ContentType.choices)
    size = models.PositiveIntegerField()
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = user_fk()
    uploaded_by_unit = unit_fk()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.filename


class WaitingFollowUp(models.Model):
    """What the kommune does while the patient waits (behandlingsforberedende tiltak)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="follow_ups")
    contact_frequency = models.CharField(_("contact frequency"), max_length=200)
    stabilisation = models.TextField(_("stabilisation"), blank=True)
    motivation = models.TextField(_("motivation"), blank=True)
    practical_help = models.TextField(_("practical help"), blank=True)
    responsible = models.CharField(_("responsible"), max_length=200)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = user_fk()
    unit = unit_fk()

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self):
        return f"{self.contact_frequency} ({self.responsible})"


class JointIntakeForum(models.Model):
    """A standing joint intake meeting (én vei inn) of the specialist service and the kommuner of
    an area, e.g. every Tuesday: referrals and kommune requests are discussed with both there."""

    name = models.CharField(_("name"), max_length=150)
    health_trust = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Organisation.Level.SPESIALIST, "is_private": False},
        verbose_name=_("health trust"),
    )
    specialist_unit = unit_fk(_("specialist service's intake unit"), related_name="+")
    kommuner = models.ManyToManyField(
        Organisation,
        related_name="joint_intake_forums",
        limit_choices_to={"level": Organisation.Level.KOMMUNE},
        verbose_name=_("municipalities"),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=sorted(WEEKDAYS.items()))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("joint intake meeting")
        verbose_name_plural = _("joint intake meetings")

    def __str__(self):
        return self.name

    def next_meeting(self, today=None) -> datetime.date:
        today = today or timezone.localdate()
        return today + datetime.timedelta(days=(self.weekday - today.weekday()) % 7)


class JointIntakeCase(models.Model):
    """One patient on a joint intake meeting: a referral, or a kommune's request before any
    referral. The outcome lands in the patient's pathway whichever side takes it on."""

    class Outcome(models.TextChoices):
        SPECIALIST = "specialist", _("The specialist service")
        KOMMUNE = "kommune", _("The municipality")
        BOTH = "both", _("Both together (for example a FACT team)")

    forum = models.ForeignKey(
        JointIntakeForum, on_delete=models.PROTECT, related_name="cases", verbose_name=_("meeting")
    )
    meeting_on = models.DateField(_("meeting date"))
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="joint_intake")
    referral = models.ForeignKey(
        "Referral", on_delete=models.SET_NULL, null=True, blank=True, related_name="joint_intake"
    )
    requested_by_unit = unit_fk(_("put forward by"), related_name="+")
    requested_by = user_fk()
    question = models.TextField(_("what the meeting should consider"))
    consent_given_on = models.DateField(_("the patient consented on"))
    created_at = models.DateTimeField(default=timezone.now)

    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    place = models.ForeignKey(
        TreatmentPlace,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("treatment place"),
    )
    reasons = models.TextField(_("reasons"), blank=True)
    next_steps = models.TextField(_("who does what next"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = user_fk(optional=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["meeting_on", "id"]
        indexes = [models.Index(fields=["forum", "meeting_on"], name="joint_intake_meeting")]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="", decided_at__isnull=True)
                | ~Q(outcome="") & Q(decided_at__isnull=False),
                name="joint_intake_outcome_with_decision",
            ),
        ]
        verbose_name = _("joint intake case")
        verbose_name_plural = _("joint intake cases")

    def __str__(self):
        return f"{self.forum} {self.meeting_on}: {self.patient_id}"

    @property
    def is_decided(self) -> bool:
        return bool(self.outcome)


_STATE_LABELS = dict(Referral.State.choices)
_HELP_KIND_LABELS = dict(Referral.HelpKind.choices)


class TabCount(models.Model):
    """A unit's referral tab counts, kept between changes.

    PostgreSQL triggers (migration 0010) raise ``generation`` whenever a referral to or from
    the unit changes state, unit or patient, and whenever the unit's grants change (the tabs
    only count referrals of patients the unit may see). A reader whose ``counted_generation``
    is behind counts once and stores the result; until the next change every reader takes
    the stored counts. See ``selectors.tab_counts``.

    ``rows_generation`` (migration 0011) is raised by any change a list row shows: the rows of
    the unit's lists are kept rendered under it (``views.referral_list``)."""

    unit = models.OneToOneField(
        ServiceUnit, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    generation = models.BigIntegerField(default=1)
    counted_generation = models.BigIntegerField(default=0)
    incoming = models.IntegerField(default=0)
    waiting = models.IntegerField(default=0)
    sent = models.IntegerField(default=0)
    rows_generation = models.BigIntegerField(default=1)

    class Meta:
        verbose_name = _("referral tab count")
        verbose_name_plural = _("referral tab counts")

    def __str__(self):
        return f"{self.unit_id}: {self.incoming}/{self.waiting}/{self.sent}"

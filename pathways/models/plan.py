"""Koordinator and individuell plan: goals, resources and needs, participants, measures,
crisis plan, revisions with snapshots, evaluations and comments."""

import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.fields import unit_fk, user_fk
from pathways.models.careteam import Consent
from pathways.models.patient import NextOfKin, Patient


class LifeArea(models.TextChoices):
    """The eight BrukerPlan areas, plus family and next of kin."""

    HOUSING = "housing", _("Housing situation")
    ACTIVITY = "activity", _("Meaningful activity and work")
    ECONOMY = "economy", _("Economy")
    PHYSICAL_HEALTH = "physical_health", _("Physical health")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    SUBSTANCE_USE = "substance_use", _("Substance use")
    SOCIAL = "social", _("Social functioning")
    NETWORK = "network", _("Network")
    FAMILY = "family", _("Family and next of kin")


class SelfRating(models.IntegerChoices):
    """The patient's own rating of how things are in a life area right now.

    A five-step scale, the same for every area, so that a rating can be compared over time:
    1 very hard, 2 hard, 3 so-so, 4 good, 5 very good. The patient answers the question
    "How are things for you in this area now?"; staff record the answer, not their own view.
    """

    VERY_HARD = 1, _("1 – very hard")
    HARD = 2, _("2 – hard")
    SO_SO = 3, _("3 – so-so")
    GOOD = 4, _("4 – good")
    VERY_GOOD = 5, _("5 – very good")


def default_revision_date() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=182)


class CoordinatorAssignmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)


class CoordinatorAssignment(models.Model):
    """Who holds the thread for the patient. One active at a time; history is kept."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="coordinators")
    user = user_fk(_("koordinator"), related_name="coordinator_assignments")
    unit = unit_fk(_("unit"))
    started_at = models.DateTimeField(_("from"), default=timezone.now)
    ended_at = models.DateTimeField(_("to"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    appointed_by = user_fk()

    objects = CoordinatorAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(ended_at__isnull=True),
                name="coordinator_one_active_per_patient",
            ),
        ]
        indexes = [models.Index(fields=["user", "ended_at"], name="coordinator_user")]
        verbose_name = _("koordinator assignment")
        verbose_name_plural = _("koordinator assignments")

    def __str__(self):
        return f"{self.user} ({self.unit.name})"


class IndividualPlan(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    OPEN_STATUSES = (Status.IN_PROGRESS, Status.ACTIVE)

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="plans")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.IN_PROGRESS
    )
    owner_unit = unit_fk(_("owner unit"))
    consent = models.ForeignKey(
        Consent, on_delete=models.PROTECT, related_name="plans", verbose_name=_("consent")
    )
    consent_covers_sharing = models.BooleanField(
        _("the consent covers sharing the plan with the listed participants"), default=True
    )
    period_start = models.DateField(_("plan period from"), default=timezone.localdate)
    period_end = models.DateField(_("plan period to"), null=True, blank=True)
    next_revision_on = models.DateField(_("next revision"), default=default_revision_date)
    what_matters = models.TextField(_("What is important to you?"), blank=True)
    cooperation = models.TextField(_("Cooperation needed with other services"), blank=True)
    # The patient's participation: when they went through the plan and whether they agreed.
    patient_reviewed_on = models.DateField(
        _("gone through with the patient on"), null=True, blank=True
    )
    patient_agreed = models.BooleanField(_("the patient agrees to the plan"), default=False)
    participation_note = models.CharField(_("the patient's comments"), max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = user_fk()
    closed_at = models.DateTimeField(null=True, blank=True)
    # Raised by every save of any part of the plan; a revision row is written for each value.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=~Q(status="closed"),
                name="plan_one_active_per_patient",
            ),
            models.CheckConstraint(
                condition=Q(period_end__isnull=True) | Q(period_end__gte=models.F("period_start")),
                name="plan_period_ordered",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_revision_on"],
                condition=~Q(status="closed"),
                name="plan_revision_due",
            ),
        ]
        verbose_name = _("individual plan")
        verbose_name_plural = _("individual plans")

    def __str__(self):
        return f"IP {self.patient_id} v{self.version}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    def revision_state(self, today=None) -> str:
        """'overdue', 'soon' (within 14 days) or 'ok'."""
        today = today or timezone.localdate()
        if self.next_revision_on < today:
            return "overdue"
        if self.next_revision_on <= today + datetime.timedelta(days=14):
            return "soon"
        return "ok"


class Goal(models.Model):
    """A goal in the patient's own words; one main goal, the rest are sub-goals."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACTIVE = "active", _("Active")
        ACHIEVED = "achieved", _("Achieved")
        NOT_ACHIEVED = "not_achieved", _("Not achieved")
        CANCELLED = "cancelled", _("Cancelled")

    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE, related_name="goals")
    is_main = models.BooleanField(_("main goal"), default=False)
    life_area = models.CharField(
        _("life area"), max_length=20, choices=LifeArea.choices, blank=True
    )
    text = models.TextField(_("goal (in the patient's own words)"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The last change of the row, set by the database (a trigger, pathways 0031) whatever
    # writes: meta.lastUpdated and ``_lastUpdated`` in the FHIR API.
    changed_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-is_main", "life_area", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"], condition=Q(is_main=True), name="goal_one_main_per_plan"
            ),
            models.CheckConstraint(
                condition=Q(is_main=True) | ~Q(life_area=""), name="goal_subgoal_has_area"
            ),
        ]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")

    def __str__(self):
        return self.text[:60]


class GoalProgress(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="progress")
    noted_on = models.DateField(_("date"), default=timezone.localdate)
    text = models.TextField(_("progress note"))
    by = user_fk()
    # Written by the patient in /min/ ("slik går det"): shown to the team as their own words.
    by_patient = models.BooleanField(_("written by the patient"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["noted_on", "id"]
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")

    def __str__(self):
        return f"{self.noted_on}: {self.text[:40]}"


class GoalProposal(models.Model):
    """A goal the patient proposes in their own words from /min/.

    It stays outside the plan until the koordinator answers: accepted, it becomes a goal
    (``goal``); declined, the patient reads the koordinator's word back.
    """

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted into the plan")
        DECLINED = "declined", _("Not taken into the plan")

    plan = models.ForeignKey(
        IndividualPlan, on_delete=models.CASCADE, related_name="goal_proposals"
    )
    text = models.TextField(_("the goal in your own words"))
    life_area = models.CharField(
        _("life area"), max_length=20, choices=LifeArea.choices, blank=True
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.WAITING
    )
    proposed_by = user_fk(_("proposed by"), related_name="+")
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    answer = models.TextField(_("answer to the patient"), blank=True)
    answered_by = user_fk(_("answered by"), optional=True, related_name="+")
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    goal = models.OneToOneField(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposal"
    )

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="declined") | ~Q(answer=""),
                name="goal_proposal_declined_with_answer",
            ),
        ]
        indexes = [
            models.Index(
                fields=["plan"], condition=Q(state="waiting"), name="goal_proposal_waiting"
            ),
        ]
        verbose_name = _("proposed goal")
        verbose_name_plural = _("proposed goals")

    def __str__(self):
        return self.text[:60]


class AreaAssessment(models.Model):
    """Resources and needs in one life area, in the patient's own words."""

    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE, related_name="areas")
    life_area = models.CharField(_("life area"), max_length=20, choices=LifeArea.choices)
    resources = models.TextField(_("resources (what works, what I am good at)"), blank=True)
    needs = models.TextField(_("needs (what I need help with)"), blank=True)

    class Meta:
        ordering = ["life_area"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "life_area"], name="area_once_per_plan"),
        ]
        verbose_name = _("resources and needs")
        verbose_name_plural = _("resources and needs")

    def __str__(self):
        return self.get_life_area_display()


class AreaRating(models.Model):
    """One self-rating (see ``SelfRating``) of a life area on a date; kept to show change."""

    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE, related_name="ratings")
    life_area = models.CharField(_("life area"), max_length=20, choices=LifeArea.choices)
    rated_on = models.DateField(_("date"), default=timezone.localdate)
    score = models.PositiveSmallIntegerField(_("self-rating"), choices=SelfRating.choices)
    by = user_fk()

    class Meta:
        ordering = ["life_area", "rated_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="rating_scale"),
        ]
        verbose_name = _("self-rating")
        verbose_name_plural = _("self-ratings")

    def __str__(self):
        return f"{self.life_area} {self.rated_on}: {self.score}"


class Participant(models.Model):
    """Who takes part in the plan and what they contribute."""

    class Kind(models.TextChoices):
        PATIENT = "patient", _("The patient")
        NEXT_OF_KIN = "next_of_kin", _("Next of kin or network")
        UNIT = "unit", _("Service")
        PERSON = "person", _("Other person (for example the GP)")

    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE, related_name="participants")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    unit = unit_fk(_("service"), optional=True)
    # A pårørende or network person is read from the patient's register, never copied, so a
    # new phone number shows here too. The register refuses to remove a person in a role.
    next_of_kin = models.ForeignKey(
        NextOfKin,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_participations",
        verbose_name=_("next of kin"),
    )
    name = models.CharField(_("name"), max_length=150, blank=True)
    role = models.CharField(_("role or relation"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    contribution = models.TextField(_("contributes"), blank=True)

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="unit") | Q(unit__isnull=False), name="participant_unit_set"
            ),
            models.CheckConstraint(
                condition=~Q(kind="next_of_kin") | Q(next_of_kin__isnull=False),
                name="participant_next_of_kin_set",
            ),
        ]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.next_of_kin_id:
            return self.next_of_kin.name
        if self.name:
            return self.name
        if self.unit_id:
            return self.unit.name
        return self.get_kind_display()

    @property
    def role_display(self) -> str:
        """The relation from the register for a pårørende, else the role typed here."""
        return self.next_of_kin.relation if self.next_of_kin_id else self.role

    @property
    def contact_phone(self) -> str:
        return self.next_of_kin.phone if self.next_of_kin_id else self.phone


class Measure(models.Model):
    """A tiltak: what is done, by whom, how often, and how it is going."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        ON_HOLD = "on_hold", _("On hold")
        COMPLETED = "completed", _("Completed")
        STOPPED = "stopped", _("Stopped")

    OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.ON_HOLD)

    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE, related_name="measures")
    title = models.CharField(_("measure"), max_length=200)
    life_area = models.CharField(_("life area"), max_length=20, choices=LifeArea.choices)
    goals = models.ManyToManyField(
        Goal, blank=True, related_name="measures", verbose_name=_("goals")
    )
    responsible_unit = unit_fk(_("responsible service"), optional=True, related_name="measures")
    responsible_user = user_fk(
        _("responsible person (user)"), optional=True, related_name="measures"
    )
    responsible_name = models.CharField(
        _("responsible person (other)"),
        max_length=150,
        blank=True,
        help_text=_("For example the patient, a next of kin or the GP, when not a user here."),
    )
    scope = models.CharField(_("scope and frequency"), max_length=200, blank=True)
    how = models.TextField(_("how it is done"), blank=True)
    start_on = models.DateField(_("start"), null=True, blank=True)
    end_on = models.DateField(_("end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = user_fk(optional=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["life_area", "start_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True)
                | Q(start_on__isnull=True)
                | Q(end_on__gte=models.F("start_on")),
                name="measure_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["responsible_unit", "status"], name="measure_unit_status"),
            models.Index(fields=["responsible_user", "status"], name="measure_user_status"),
            # 'Mine oppgaver': open measures in due order, read until the page is full.
            models.Index(
                fields=["end_on", "id"],
                condition=Q(status__in=["not_started", "in_progress", "on_hold"]),
                name="measure_open_end",
            ),
            # The same per responsible unit and user (see ActionItem's action_open_unit_due).
            models.Index(
                fields=["responsible_unit", "end_on", "id"],
                condition=Q(status__in=["not_started", "in_progress", "on_hold"]),
                name="measure_open_unit_end",
            ),
            models.Index(
                fields=["responsible_user", "end_on", "id"],
                condition=Q(status__in=["not_started", "in_progress", "on_hold"]),
                name="measure_open_user_end",
            ),
        ]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def responsible_display(self) -> str:
        parts = []
        if self.responsible_unit_id:
            parts.append(self.responsible_unit.name)
        if self.responsible_user_id:
            parts.append(self.responsible_user.get_full_name() or self.responsible_user.username)
        if self.responsible_name:
            parts.append(self.responsible_name)
        return ", ".join(parts)


DEFAULT_EMERGENCY = "Legevakt: 116 117\nAMK (akutt medisinsk nødhjelp): 113"


class CrisisPlanQuerySet(models.QuerySet):
    def for_patient(self, patient) -> "CrisisPlan | None":
        """The patient's crisis plan with its contacts (two queries), or None. A contact from
        the register comes with its person, whose name and phone it shows."""
        patient_id = getattr(patient, "pk", patient)
        contacts = models.Prefetch(
            "contacts", queryset=CrisisContact.objects.select_related("next_of_kin")
        )
        return self.filter(patient_id=patient_id).prefetch_related(contacts).first()


class CrisisPlan(models.Model):
    """The patient's one crisis plan: the individuell plan and every ettervern plan show it,
    and both edit it (``version`` catches a save over someone else's)."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="crisis_plan")
    warning_signs = models.TextField(_("early warning signs"), blank=True)
    triggers = models.TextField(_("what can trigger a crisis"), blank=True)
    what_helps = models.TextField(_("what helps me"), blank=True)
    wishes = models.TextField(_("what I want others to do"), blank=True)
    emergency = models.TextField(_("emergency contacts"), blank=True, default=DEFAULT_EMERGENCY)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = CrisisPlanQuerySet.as_manager()

    TEXT_FIELDS = ["warning_signs", "triggers", "what_helps", "wishes", "emergency"]

    class Meta:
        verbose_name = _("crisis plan")
        verbose_name_plural = _("crisis plans")

    def __str__(self):
        return f"Kriseplan {self.patient_id}"

    @property
    def has_someone_to_call(self) -> bool:
        """A contact, or emergency numbers someone wrote (the preset ones alone say nothing
        about this patient). Reads prefetched contacts when there are any."""
        emergency = self.emergency.strip()
        return bool(self.contacts.all()) or (
            bool(emergency) and emergency != DEFAULT_EMERGENCY.strip()
        )

    @property
    def is_in_place(self) -> bool:
        """Warning signs and who to call: what the ettervern checklist asks for."""
        return bool(self.warning_signs.strip()) and self.has_someone_to_call


class CrisisContact(models.Model):
    crisis = models.ForeignKey(CrisisPlan, on_delete=models.CASCADE, related_name="contacts")
    # A pårørende or network person comes from the patient's register (name and phone read
    # from there); a professional contact (koordinator, legevakt) is typed here.
    next_of_kin = models.ForeignKey(
        NextOfKin,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="crisis_contacts",
        verbose_name=_("next of kin"),
    )
    name = models.CharField(_("name"), max_length=150, blank=True)
    role = models.CharField(_("role or relation"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    when = models.CharField(_("when to call"), max_length=150, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_of_kin__isnull=False) | (~Q(name="") & ~Q(phone="")),
                name="crisiscontact_person_or_typed",
            ),
        ]
        verbose_name = _("crisis contact")
        verbose_name_plural = _("crisis contacts")

    def __str__(self):
        return f"{self.display_name} {self.contact_phone}"

    @property
    def display_name(self) -> str:
        return self.next_of_kin.name if self.next_of_kin_id else self.name

    @property
    def role_display(self) -> str:
        return self.next_of_kin.relation if self.next_of_kin_id else self.role

    @property
    def contact_phone(self) -> str:
        return self.next_of_kin.phone if self.next_of_kin_id else self.phone


class PlanRevision(models.Model):
    """The plan as it stood after one save: who, when, a summary and a full snapshot."""

    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField(_("version"))
    at = models.DateTimeField(_("time"), default=timezone.now)
    by = user_fk()
    by_unit = unit_fk(optional=True)
    summary = models.CharField(_("summary"), max_length=300)
    # Touched parts, e.g. ["measure:12"], so a stale form conflicts only with its own item.
    keys = models.JSONField(default=list)
    snapshot = models.JSONField()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "version"], name="revision_unique_version"),
        ]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")

    def __str__(self):
        return f"v{self.version} {self.summary}"


class Evaluation(models.Model):
    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE, related_name="evaluations")
    held_on = models.DateField(_("date"), default=timezone.localdate)
    participants = models.CharField(_("who took part"), max_length=500)
    what_worked = models.TextField(_("what has worked"))
    what_changes = models.TextField(_("what we change"), blank=True)
    next_revision_on = models.DateField(_("next revision"))
    by = user_fk()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")

    def __str__(self):
        return f"Evaluering {self.held_on}"


class PlanComment(models.Model):
    """A remark from someone who may not edit that part (it does not change the plan)."""

    class Section(models.TextChoices):
        GENERAL = "general", _("The plan in general")
        GOALS = "goals", _("Goals")
        AREAS = "areas", _("Resources and needs")
        PARTICIPANTS = "participants", _("Participants")
        MEASURES = "measures", _("Measures")
        COOPERATION = "cooperation", _("Cooperation")
        CRISIS = "crisis", _("Crisis plan")

    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE, related_name="comments")
    section = models.CharField(
        _("about"), max_length=20, choices=Section.choices, default=Section.GENERAL
    )
    text = models.TextField(_("comment"))
    by = user_fk()
    unit = unit_fk(optional=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self):
        return self.text[:60]

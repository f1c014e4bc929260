"""Ansvarsgruppe: the group around the patient, its meetings, minutes and action items."""

import uuid
from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.fields import unit_fk, user_fk
from pathways.dates import CLOCK_SKEW, short_datetime
from pathways.models.patient import NextOfKin, Patient


class ResponsibilityGroup(models.Model):
    """One per patient, led by the koordinator (``leader`` until the koordinator is linked)."""

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, related_name="responsibility_group"
    )
    leader = user_fk(_("leader (koordinator)"))
    patient_say = models.TextField(
        _("the patient's say in who takes part"),
        blank=True,
        help_text=_("What the patient has said about who should and should not take part."),
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = user_fk()
    # Raised on every change of what the form edits; a form carries the version it was opened with.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("responsibility group")
        verbose_name_plural = _("responsibility groups")

    def __str__(self):
        return f"{self._meta.verbose_name}: {self.patient_id}"


class GroupMemberQuerySet(models.QuerySet):
    def active(self):
        return self.filter(removed_at__isnull=True)


class GroupMember(models.Model):
    """An internal user from a care-team unit, or an external participant without a login."""

    class Role(models.TextChoices):
        PROFESSIONAL = "professional", _("Professional")
        PATIENT = "patient", _("The patient")
        NEXT_OF_KIN = "next_of_kin", _("Next of kin or network")
        FASTLEGE = "fastlege", _("General practitioner")
        NAV = "nav", _("NAV contact")
        OTHER = "other", _("Other")

    class Basis(models.TextChoices):
        CARE_TEAM = "care_team", _("Works in a unit on the care team")
        CONSENT = "consent", _("The patient's consent")
        PATIENT = "patient", _("The patient themself")
        OTHER = "other", _("Other basis (see note)")

    class PatientView(models.TextChoices):
        ASKED_FOR = "asked_for", _("The patient asked for this person")
        AGREED = "agreed", _("The patient agreed")
        NOT_ASKED = "not_asked", _("Not yet asked")

    group = models.ForeignKey(ResponsibilityGroup, on_delete=models.CASCADE, related_name="members")
    user = user_fk(_("user"), optional=True, related_name="responsibility_groups")
    unit = unit_fk(_("unit"), optional=True)
    # A pårørende or network person is read from the patient's register (name, relation,
    # email, phone), so a change there reaches invitations and minutes. Professionals without a
    # login (GP, NAV) keep their details here.
    next_of_kin = models.ForeignKey(
        NextOfKin,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="group_memberships",
        verbose_name=_("next of kin"),
    )
    name = models.CharField(_("name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    role_note = models.CharField(_("role or title"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    basis = models.CharField(_("basis for taking part"), max_length=20, choices=Basis.choices)
    basis_note = models.CharField(_("note on consent or basis"), max_length=300, blank=True)
    patient_view = models.CharField(
        _("the patient's say"),
        max_length=20,
        choices=PatientView.choices,
        default=PatientView.NOT_ASKED,
    )
    added_at = models.DateTimeField(default=timezone.now)
    added_by = user_fk()
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = user_fk(optional=True)

    objects = GroupMemberQuerySet.as_manager()

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            # Internal members come with their unit; externals have a name and no login.
            models.CheckConstraint(
                condition=Q(user__isnull=False, unit__isnull=False, next_of_kin__isnull=True)
                | Q(user__isnull=True, unit__isnull=True)
                & (~Q(name="") | Q(next_of_kin__isnull=False)),
                name="groupmember_internal_or_external",
            ),
            models.CheckConstraint(
                condition=~Q(role="next_of_kin") | Q(next_of_kin__isnull=False),
                name="groupmember_next_of_kin_set",
            ),
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=Q(removed_at__isnull=True, user__isnull=False),
                name="groupmember_one_active_user",
            ),
        ]
        verbose_name = _("group member")
        verbose_name_plural = _("group members")

    def __str__(self):
        return self.display_name

    @property
    def is_internal(self) -> bool:
        return self.user_id is not None

    @property
    def display_name(self) -> str:
        if self.user_id is not None:
            return self.user.get_full_name() or self.user.username
        if self.next_of_kin_id is not None:
            return self.next_of_kin.name
        return self.name

    @property
    def may_receive_information(self) -> bool:
        """A person from the patient's register gets invitations and minutes only while the
        register says the patient lets them receive information (the one place that fact is
        kept); staff and typed professionals take part on their own basis."""
        return self.next_of_kin_id is None or self.next_of_kin.may_receive_information

    @property
    def contact_email(self) -> str:
        if self.next_of_kin_id is not None:
            return self.next_of_kin.email
        if self.email:
            return self.email
        return self.user.email if self.user_id is not None else ""

    @property
    def contact_phone(self) -> str:
        return self.next_of_kin.phone if self.next_of_kin_id is not None else self.phone

    @property
    def role_label(self) -> str:
        """Relation from the register, else the title typed here, else the role."""
        if self.next_of_kin_id is not None:
            return self.next_of_kin.relation
        return self.role_note or self.get_role_display()

    @property
    def describe(self) -> str:
        """Name with role or unit, as shown in lists and the minutes."""
        if self.is_internal:
            return f"{self.display_name} ({self.role_note or self.unit.name})"
        return f"{self.display_name} ({self.role_label})"


class Meeting(models.Model):
    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    group = models.ForeignKey(
        ResponsibilityGroup, on_delete=models.CASCADE, related_name="meetings"
    )
    # Kept beside the group so lists across patients filter without a join.
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="meetings")
    # The calendar UID: the same for every version of the invitation.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0)
    starts_at = models.DateTimeField(_("starts"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=60)
    place = models.CharField(_("place"), max_length=200, blank=True)
    digital_link = models.URLField(_("digital meeting link"), max_length=500, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default="planned")
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    # Minutes.
    general_notes = models.TextField(_("other notes"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = user_fk(optional=True)
    next_meeting_proposed = models.DateField(_("proposed next meeting"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = user_fk()
    # Raised on every change; stale forms are refused, never saved over.
    version = models.PositiveIntegerField(default=1)
    # The last change of the row, set by the database (a trigger, pathways 0031) whatever
    # writes: meta.lastUpdated and ``_lastUpdated`` in the FHIR API.
    changed_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["patient", "state", "starts_at"], name="meeting_patient_state"),
            models.Index(fields=["state", "starts_at"], name="meeting_state_starts"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(place="", digital_link=""), name="meeting_has_place_or_link"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=600),
                name="meeting_duration_range",
            ),
        ]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self):
        return f"{self._meta.verbose_name} {short_datetime(self.starts_at)}"

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def has_begun(self) -> bool:
        """Minutes and action items belong to a meeting that has taken place, or is under way.
        A clock a few minutes behind the room's is no reason to refuse them."""
        return self.starts_at <= timezone.now() + CLOCK_SKEW

    @property
    def is_upcoming(self) -> bool:
        return self.state == self.State.PLANNED and self.ends_at >= timezone.now()


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("agenda item"), max_length=300)
    # Set on items carried from an open action item of an earlier meeting.
    follow_up_of = models.ForeignKey(
        "ActionItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups"
    )
    notes = models.TextField(_("notes"), blank=True)
    decision = models.TextField(_("decision"), blank=True)
    # Proposed by the patient from /min/: marked on the agenda, kept when staff edit theirs.
    proposed_by_patient = models.BooleanField(_("proposed by the patient"), default=False)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "follow_up_of"],
                condition=Q(follow_up_of__isnull=False),
                name="agenda_follow_up_once",
            ),
        ]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self):
        return self.title


class Invitation(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey(GroupMember, on_delete=models.PROTECT, related_name="invitations")
    sent_sequence = models.PositiveIntegerField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="invitation_once"),
        ]

    def __str__(self):
        return f"{self.meeting_id} → {self.member_id}"


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(GroupMember, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("attendance"), max_length=10, choices=Status.choices)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once"),
        ]

    def __str__(self):
        return f"{self.member_id}: {self.status}"


class ActionItemQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=ActionItem.Status.OPEN)


class ActionItem(models.Model):
    """An action agreed in a meeting, tracked until it is done."""

    # The states read in a sentence ("due 3.12, Kari, not done yet"); the context keeps them
    # apart from the same English words elsewhere ("Open" is a button, "Cancelled" a meeting).
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("action item", "Open")
        DONE = "done", pgettext_lazy("action item", "Done")
        CANCELLED = "cancelled", pgettext_lazy("action item", "Cancelled")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="action_items")
    what = models.CharField(_("what"), max_length=500)
    responsible_user = user_fk(_("responsible"), optional=True, related_name="action_items")
    # The responsible user's unit (so the unit's list shows it) or empty for externals.
    responsible_unit = unit_fk(optional=True)
    responsible_external = models.ForeignKey(
        GroupMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
        verbose_name=_("responsible external participant"),
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="open")
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = user_fk(optional=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = user_fk()

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["status", "due_date"], name="action_status_due"),
            models.Index(fields=["responsible_user", "status"], name="action_user_status"),
            models.Index(fields=["responsible_unit", "status"], name="action_unit_status"),
            models.Index(fields=["patient", "status"], name="action_patient_status"),
            # 'Mine oppgaver': open items in due order, read until the page is full.
            models.Index(
                fields=["due_date", "id"], condition=Q(status="open"), name="action_open_due"
            ),
            # The same per responsible unit and user: the task list reads the first page of
            # each in due order and stops, however many open items other units hold.
            models.Index(
                fields=["responsible_unit", "due_date", "id"],
                condition=Q(status="open"),
                name="action_open_unit_due",
            ),
            models.Index(
                fields=["responsible_user", "due_date", "id"],
                condition=Q(status="open"),
                name="action_open_user_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(responsible_user__isnull=False, responsible_external__isnull=True)
                | Q(responsible_user__isnull=True, responsible_external__isnull=False),
                name="action_one_responsible",
            ),
            models.CheckConstraint(
                condition=Q(status="done", done_on__isnull=False) | ~Q(status="done"),
                name="action_done_has_date",
            ),
        ]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self):
        return self.what

    @property
    def responsible_name(self) -> str:
        if self.responsible_user_id is not None:
            return self.responsible_user.get_full_name() or self.responsible_user.username
        return self.responsible_external.describe if self.responsible_external_id else ""

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_date < timezone.localdate()


class Addendum(models.Model):
    """A correction to published minutes: the minutes themselves stay as published."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="addenda")
    text = models.TextField(_("addendum"))
    added_at = models.DateTimeField(default=timezone.now)
    added_by = user_fk()

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("addendum")
        verbose_name_plural = _("addenda")

    def __str__(self):
        return self.text[:60]

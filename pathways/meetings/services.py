"""Ansvarsgruppe: the group, meetings and calendar invitations, minutes and action items.

Every change checks the actor may (``pathways.meetings.permissions``), validates, writes the
audit log and schedules email with ``transaction.on_commit`` (mail never goes out for a
rolled-back change).
"""

import datetime
import logging
import re
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts import audit
from accounts.models import Membership
from pathways.dates import DateRules, short_datetime
from pathways.meetings.permissions import can_change, can_edit_group, require
from pathways.models import (
    ActionItem,
    Addendum,
    AgendaItem,
    Attendance,
    CareTeamMember,
    Consent,
    CoordinatorAssignment,
    GroupMember,
    Invitation,
    Meeting,
    PortalAccess,
    ResponsibilityGroup,
)
from pathways.notifications.reminders import notify
from pathways.patients.services.patients import (
    next_of_kin_save,
    person_for_role,
    person_named,
)
from pathways.portal.notices import notify_portal
from pathways.stale import StaleWrite, check_version, save_new_version

log = logging.getLogger(__name__)

FOLLOW_UP_HEADING = "Oppfølging fra forrige møte"
# 2–4 meetings a year is common; a quarter is the default proposal for the next one.
NEXT_MEETING_AFTER = timedelta(weeks=12)


LOCKED = gettext_lazy("The minutes are published and can no longer be changed. Add an addendum.")


class MinutesLocked(ValidationError):
    """The minutes are published; corrections go in an addendum. A ValidationError, so a form
    that saves meanwhile shows it instead of failing."""

    def __init__(self):
        super().__init__(LOCKED)


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


# "1. Bolig", "2) Økonomi", "- Kriseplan": the agenda is numbered when shown, so a number or
# bullet typed in front would read "1. 1. Bolig".
_LIST_MARK = re.compile(r"^\s*(?:\d{1,3}[.):]|[-–*•])(?=\s)\s*")


def agenda_titles(lines) -> list[str]:
    """The agenda items typed one a line: blank lines dropped, typed numbering removed."""
    titles = (_LIST_MARK.sub("", line or "", count=1).strip() for line in lines)
    return [title for title in titles if title]


def meeting_url(meeting) -> str:
    return reverse("pathways:meeting_detail", args=[meeting.patient_id, meeting.pk])


# --- the group -------------------------------------------------------------------------------


def active_coordinator(patient_id):
    return (
        CoordinatorAssignment.objects.active()
        .filter(patient_id=patient_id)
        .select_related("user", "unit")
        .first()
    )


def group_leader(group) -> tuple:
    """Who leads the group: the active koordinator when there is one, else the stored leader.
    Returns (user, is_koordinator)."""
    assignment = active_coordinator(group.patient_id)
    if assignment is not None:
        return assignment.user, True
    return group.leader, False


@transaction.atomic
def group_create(*, patient, actor, leader=None, patient_say: str = "") -> ResponsibilityGroup:
    """Start the patient's group. It is led by the koordinator when there is one (else by
    ``leader``, default the creator); the leader joins as its first member."""
    require(can_change(actor, patient))
    if ResponsibilityGroup.objects.filter(patient=patient).exists():
        raise ValidationError(_("The patient already has a responsibility group."))
    assignment = active_coordinator(patient.pk)
    leader = assignment.user if assignment is not None else (leader or actor.user)
    group = ResponsibilityGroup(
        patient=patient, leader=leader, patient_say=patient_say.strip(), created_by=actor.user
    )
    group.full_clean()
    group.save()
    audit.record_by(actor, audit.Action.CREATE, patient=patient, obj=group)
    leader_unit = actor.unit if leader == actor.user else _care_team_unit_of(patient, leader)
    if leader_unit is not None:
        group_member_add(group=group, actor=actor, user=leader, member_unit=leader_unit)
    return group


@transaction.atomic
def group_leader_follow_coordinator(*, patient, actor) -> ResponsibilityGroup | None:
    """The group is led by the koordinator: after the koordinator changes, the new one becomes
    the leader (and a member, when their unit is on the care team). The old leader stays a
    member until removed."""
    group = ResponsibilityGroup.objects.select_for_update().filter(patient=patient).first()
    assignment = active_coordinator(patient.pk)
    if group is None or assignment is None or assignment.user_id == group.leader_id:
        return group
    group.leader = assignment.user
    group.save(update_fields=["leader"])
    name = assignment.user.get_full_name() or assignment.user.username
    audit.record_by(
        actor,
        audit.Action.UPDATE,
        patient=patient.pk,
        obj=group,
        detail=_("The koordinator %(name)s leads the responsibility group") % {"name": name},
    )
    on_team = CareTeamMember.objects.active().filter(patient=patient, unit=assignment.unit_id)
    works_there = Membership.objects.active().filter(
        user=assignment.user_id, unit=assignment.unit_id
    )
    already = group.members.active().filter(user=assignment.user_id)
    if on_team.exists() and works_there.exists() and not already.exists():
        group_member_add(
            group=group, actor=actor, user=assignment.user, member_unit=assignment.unit
        )
    return group


def _care_team_unit_of(patient, user):
    units = CareTeamMember.objects.active().filter(patient=patient).values("unit_id")
    membership = (
        Membership.objects.active()
        .filter(user=user, unit_id__in=units)
        .select_related("unit")
        .first()
    )
    return membership.unit if membership else None


@transaction.atomic
def group_update(*, group, actor, version: int | None, patient_say: str) -> ResponsibilityGroup:
    """Record the patient's say; ``version`` is the group's version the form was opened with."""
    require(can_edit_group(actor, group))
    current = ResponsibilityGroup.objects.select_for_update().get(pk=group.pk)
    check_version(current, version)
    current.patient_say = patient_say.strip()
    save_new_version(current, ["patient_say"])
    audit.record_by(
        actor,
        audit.Action.UPDATE,
        patient=current.patient_id,
        obj=current,
        detail=_("The patient's say in who takes part"),
    )
    group.patient_say, group.version = current.patient_say, current.version
    return current


@transaction.atomic
def group_member_add(
    *,
    group,
    actor,
    user=None,
    member_unit=None,
    name: str = "",
    role: str = GroupMember.Role.PROFESSIONAL,
    role_note: str = "",
    email: str = "",
    phone: str = "",
    basis: str = "",
    basis_note: str = "",
    patient_view: str = GroupMember.PatientView.NOT_ASKED,
    consent=None,
    next_of_kin=None,
    new_person: dict | None = None,
) -> GroupMember:
    """Add an internal user (from a unit on the care team) or an external participant.

    External participants get no login. A pårørende or network person (role next_of_kin) is
    a person from the patient's register, ``next_of_kin`` or ``new_person`` added to it in the
    same step, whose details are read from there; a professional is a name and contact details.
    With ``consent`` (one of the patient's consents in force) they take part on it: it is named
    in the basis note instead of being noted again.
    """
    require(can_edit_group(actor, group))
    if consent is not None:
        in_force = Consent.objects.in_force().filter(pk=consent.pk, patient_id=group.patient_id)
        if not in_force.exists():
            raise ValidationError(
                {"consent": _("This consent is no longer in force. Choose another basis.")}
            )
        basis = GroupMember.Basis.CONSENT
        basis_note = basis_note.strip() or consent.describe()
    if role == GroupMember.Role.NEXT_OF_KIN and user is None:
        if next_of_kin is None and new_person is None and name.strip():
            next_of_kin = person_named(
                patient=group.patient,
                actor=actor,
                name=name,
                relation=role_note,
                phone=phone,
                email=email,
            )
        next_of_kin = person_for_role(
            patient=group.patient, actor=actor, person=next_of_kin, new=new_person
        )
        if next_of_kin is None:
            raise ValidationError({"person": _("Choose a person, or add a new one.")})
        if group.members.active().filter(next_of_kin=next_of_kin).exists():
            raise ValidationError({"person": _("The person is already in the group.")})
        if basis == GroupMember.Basis.CONSENT and not next_of_kin.may_receive_information:
            # Taking part on the patient's consent is consent to receive information: the
            # register, where that fact is kept, says so from now on.
            next_of_kin.may_receive_information = True
            next_of_kin_save(
                patient=group.patient,
                actor=actor,
                instance=next_of_kin,
                version=next_of_kin.version,
            )
        # Read from the register, never copied.
        name, role_note, email, phone = "", "", "", ""
    else:
        next_of_kin = None
    if user is not None:
        if member_unit is None:
            raise ValidationError({"user": _("Choose the unit the person takes part for.")})
        on_team = CareTeamMember.objects.active().filter(
            patient_id=group.patient_id, unit=member_unit
        )
        if not on_team.exists():
            raise ValidationError({"user": _("The unit is not on the patient's care team.")})
        if not Membership.objects.active().filter(user=user, unit=member_unit).exists():
            raise ValidationError({"user": _("The person does not work in that unit.")})
        if group.members.active().filter(user=user).exists():
            raise ValidationError({"user": _("The person is already in the group.")})
        basis = basis or GroupMember.Basis.CARE_TEAM
        role = GroupMember.Role.PROFESSIONAL
        name, email = "", email or ""
    else:
        member_unit = None
        if not name.strip() and next_of_kin is None:
            raise ValidationError({"name": _("Enter the name.")})
        if not basis:
            raise ValidationError({"basis": _("Choose the basis for taking part.")})
        if basis == GroupMember.Basis.CONSENT and not basis_note.strip():
            raise ValidationError({"basis_note": _("Note what the patient consented to and when.")})
    member = GroupMember(
        group=group,
        user=user,
        unit=member_unit,
        next_of_kin=next_of_kin,
        name=name.strip(),
        role=role,
        role_note=role_note.strip(),
        email=email.strip(),
        phone=phone.strip(),
        basis=basis,
        basis_note=basis_note.strip(),
        patient_view=patient_view,
        added_by=actor.user,
    )
    member.full_clean()
    member.save()
    audit.record_by(
        actor,
        audit.Action.CREATE,
        patient=group.patient_id,
        obj=member,
        detail=_("%(name)s joined the responsibility group") % {"name": member.display_name},
    )
    return member


@transaction.atomic
def group_member_remove(*, member, actor) -> None:
    require(can_edit_group(actor, member.group))
    if member.user_id is not None and member.user_id == member.group.leader_id:
        raise ValidationError(_("The leader of the group cannot be removed."))
    updated = GroupMember.objects.filter(pk=member.pk, removed_at__isnull=True).update(
        removed_at=timezone.now(), removed_by=actor.user
    )
    if updated:
        audit.record_by(
            actor,
            audit.Action.UPDATE,
            patient=member.group.patient_id,
            obj=member,
            detail=_("%(name)s left the responsibility group") % {"name": member.display_name},
        )


# --- meetings --------------------------------------------------------------------------------


def _validate_meeting(meeting: Meeting) -> None:
    errors = {}
    if not meeting.place.strip() and not meeting.digital_link.strip():
        errors["place"] = _("Enter a place, a digital meeting link or both.")
    try:
        meeting.full_clean(exclude=["group", "patient", "created_by"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            if field != "__all__":
                errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)


def _check_invitable(starts_at, inviting: bool) -> None:
    """No invitation goes out for a meeting whose time has passed. A meeting that has already
    taken place may still be recorded (to write its minutes), with no one invited."""
    if not inviting:
        return
    DateRules().not_past(
        "starts_at",
        starts_at,
        _(
            "The time has passed; no invitation can go out for it. Choose a later time, or "
            "invite no one to record a meeting that has taken place."
        ),
    ).check()


def _carry_over(meeting: Meeting) -> int:
    """Put open action items from earlier published minutes on this agenda (once each)."""
    open_items = (
        ActionItem.objects.open()
        .filter(
            patient_id=meeting.patient_id,
            meeting__starts_at__lt=meeting.starts_at,
            meeting__published_at__isnull=False,
        )
        .exclude(meeting=meeting)
        .exclude(follow_ups__meeting=meeting)
        .order_by("due_date", "id")
    )
    carried = list(open_items)
    if not carried:
        return 0
    # Follow-ups go first, before the meeting's own items.
    existing = list(meeting.agenda.all())
    follow_ups = [a for a in existing if a.follow_up_of_id is not None]
    own = [a for a in existing if a.follow_up_of_id is None]
    new = [
        AgendaItem(meeting=meeting, title=item.what[:300], follow_up_of=item) for item in carried
    ]
    for position, agenda in enumerate(follow_ups + new + own):
        agenda.position = position
    AgendaItem.objects.bulk_update(follow_ups + own, ["position"])
    AgendaItem.objects.bulk_create(new)
    return len(new)


def _invite(meeting: Meeting, members: Iterable[GroupMember]) -> None:
    Invitation.objects.bulk_create(
        [Invitation(meeting=meeting, member=m) for m in members], ignore_conflicts=True
    )


@transaction.atomic
def meeting_plan(
    *,
    group,
    actor,
    starts_at: datetime.datetime,
    duration_minutes: int = 60,
    place: str = "",
    digital_link: str = "",
    agenda: Iterable[str] = (),
    invite: Iterable[GroupMember] | None = None,
) -> Meeting:
    """Call a meeting: agenda (with follow-ups carried over), invitations, email with .ics."""
    require(can_edit_group(actor, group))
    members = list(group.members.active() if invite is None else invite)
    _check_invitable(starts_at, bool(members))
    meeting = Meeting(
        group=group,
        patient_id=group.patient_id,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        place=place.strip(),
        digital_link=digital_link.strip(),
        created_by=actor.user,
    )
    _validate_meeting(meeting)
    meeting.save()
    titles = agenda_titles(agenda)
    AgendaItem.objects.bulk_create(
        AgendaItem(meeting=meeting, title=title[:300], position=index)
        for index, title in enumerate(titles)
    )
    _carry_over(meeting)
    _invite(meeting, members)
    audit.record_by(actor, audit.Action.CREATE, patient=group.patient_id, obj=meeting)
    _send_invitations(meeting, actor=actor, method="REQUEST")
    return meeting


@transaction.atomic
def meeting_change(
    *,
    meeting,
    actor,
    version: int,
    starts_at,
    duration_minutes: int,
    place: str,
    digital_link: str,
    agenda: Iterable[str] | None = None,
    invite: Iterable[GroupMember] | None = None,
) -> Meeting:
    """Move or change a planned meeting; the calendar SEQUENCE goes up and invitations go again."""
    require(can_change(actor, meeting))
    current = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if current.state != Meeting.State.PLANNED:
        raise ValidationError(_("Only planned meetings can be changed."))
    check_version(current, version)
    invite = list(invite) if invite is not None else None
    inviting = bool(invite) if invite is not None else current.invitations.exists()
    _check_invitable(starts_at, inviting)
    current.starts_at = starts_at
    current.duration_minutes = duration_minutes
    current.place = place.strip()
    current.digital_link = digital_link.strip()
    _validate_meeting(current)
    current.sequence += 1
    current.version += 1
    current.save()
    if agenda is not None:
        titles = agenda_titles(agenda)
        # The patient's own proposals stay: they are not in the staff's agenda text.
        current.agenda.filter(follow_up_of__isnull=True, proposed_by_patient=False).delete()
        start = current.agenda.count()
        AgendaItem.objects.bulk_create(
            AgendaItem(meeting=current, title=title[:300], position=start + index)
            for index, title in enumerate(titles)
        )
    _carry_over(current)
    if invite is not None:
        keep = [m.pk for m in invite]
        current.invitations.exclude(member_id__in=keep).delete()
        _invite(current, invite)
    audit.record_by(
        actor,
        audit.Action.UPDATE,
        patient=current.patient_id,
        obj=current,
        detail=_("Meeting changed (version %(n)s)") % {"n": current.sequence},
    )
    _send_invitations(current, actor=actor, method="REQUEST")
    meeting.__dict__.update(current.__dict__)
    return current


@transaction.atomic
def meeting_cancel(*, meeting, actor, reason: str = "") -> Meeting:
    """Cancel a planned meeting; invitees get a calendar cancellation (METHOD:CANCEL)."""
    require(can_change(actor, meeting))
    current = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if current.state != Meeting.State.PLANNED:
        raise ValidationError(_("Only planned meetings can be cancelled."))
    current.state = Meeting.State.CANCELLED
    current.cancel_reason = reason.strip()[:300]
    current.sequence += 1
    current.version += 1
    current.save(update_fields=["state", "cancel_reason", "sequence", "version"])
    audit.record_by(
        actor,
        audit.Action.UPDATE,
        patient=current.patient_id,
        obj=current,
        detail=_("Meeting cancelled"),
    )
    _send_invitations(current, actor=actor, method="CANCEL")
    meeting.__dict__.update(current.__dict__)
    return current


@transaction.atomic
def agenda_item_propose_by_patient(*, meeting, actor, title: str) -> AgendaItem:
    """The patient proposes an item for a planned meeting (from /min/): it goes last on the
    agenda, marked as theirs, and the group's leader is told (no health information).

    The caller (the portal) has established that ``actor`` is the meeting's patient.
    """
    current = Meeting.objects.select_for_update().select_related("group").get(pk=meeting.pk)
    if current.state != Meeting.State.PLANNED or not current.is_upcoming:
        raise ValidationError(_("You can only propose items for a meeting that is ahead."))
    title = " ".join(title.split())
    if not title:
        raise ValidationError({"title": _("Write what you would like to talk about.")})
    last = current.agenda.order_by("-position").values_list("position", flat=True).first()
    item = AgendaItem(
        meeting=current,
        title=title[:300],
        position=(last or 0) + 1,
        proposed_by_patient=True,
    )
    item.full_clean(exclude=["follow_up_of"])
    item.save()
    audit.record(
        user=actor.user,
        unit=None,
        action=audit.Action.CREATE,
        patient=current.patient_id,
        obj=item,
        basis=audit.Basis.PATIENT,
        detail=_("Agenda item proposed by the patient"),
    )
    leader, _is_coordinator = group_leader(current.group)
    local = timezone.localtime(current.starts_at)
    notify(
        users=[leader],
        kind="agenda_item_proposed",
        title=_("The patient proposed an agenda item for the meeting %(when)s")
        % {"when": local.strftime("%d.%m.%Y")},
        url=meeting_url(current),
        patient=current.patient,
    )
    return item


# --- minutes ---------------------------------------------------------------------------------


def _lock_for_minutes(meeting, version: int | None = None, stale_message: str = "") -> Meeting:
    """The meeting row, locked; ``version`` (when given) must be the one the form was opened
    with, else ``StaleWrite`` carrying ``stale_message``."""
    current = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if current.published_at is not None:
        raise MinutesLocked
    if current.state == Meeting.State.CANCELLED:
        raise ValidationError(_("The meeting is cancelled."))
    if not current.has_begun:
        # Saving minutes marks the meeting as held, and a held meeting counts on the pathway
        # (utskrivningsklar): a meeting still ahead has no minutes yet.
        raise ValidationError(
            _(
                "The meeting has not taken place yet (%(time)s). Write the minutes once it "
                "has begun."
            )
            % {"time": short_datetime(current.starts_at)}
        )
    if version is not None and int(version) != current.version:
        raise StaleWrite(current, message=stale_message)
    return current


@transaction.atomic
def minutes_record(
    *,
    meeting,
    actor,
    version: int,
    attendance: dict[int, str],
    agenda_notes: dict[int, tuple[str, str]],
    general_notes: str = "",
) -> Meeting:
    """Save the minutes draft: attendance per member, notes and decision per agenda item.

    Saving minutes marks the meeting as held. Published minutes refuse every change.
    """
    require(can_change(actor, meeting))
    current = _lock_for_minutes(
        meeting,
        version,
        _(
            "Someone else saved the minutes while you were writing. Your text is kept "
            "below; compare with the saved minutes and save again."
        ),
    )
    valid_status = set(Attendance.Status.values)
    member_ids = set(current.group.members.values_list("pk", flat=True))
    for member_id, status in attendance.items():
        if member_id not in member_ids:
            continue
        if status not in valid_status:
            Attendance.objects.filter(meeting=current, member_id=member_id).delete()
            continue
        Attendance.objects.update_or_create(
            meeting=current, member_id=member_id, defaults={"status": status}
        )
    items = {a.pk: a for a in current.agenda.all()}
    changed = []
    for agenda_id, (notes, decision) in agenda_notes.items():
        item = items.get(agenda_id)
        if item is None:
            continue
        item.notes, item.decision = notes.strip(), decision.strip()
        changed.append(item)
    AgendaItem.objects.bulk_update(changed, ["notes", "decision"])
    current.general_notes = general_notes.strip()
    current.state = Meeting.State.HELD
    current.version += 1
    current.save(update_fields=["general_notes", "state", "version"])
    audit.record_by(
        actor,
        audit.Action.UPDATE,
        patient=current.patient_id,
        obj=current,
        detail=_("Minutes saved"),
    )
    meeting.__dict__.update(current.__dict__)
    return current


@transaction.atomic
def action_item_add(
    *,
    meeting,
    actor,
    what: str,
    due_date: datetime.date,
    responsible_user=None,
    responsible_external: GroupMember | None = None,
) -> ActionItem:
    """Record an agreed action in the minutes; it is tracked until done."""
    require(can_change(actor, meeting))
    current = _lock_for_minutes(meeting)
    responsible_unit = None
    if responsible_user is not None:
        member = current.group.members.active().filter(user=responsible_user).first()
        if member is None:
            raise ValidationError({"responsible": _("Choose someone in the group.")})
        responsible_unit = member.unit
    elif responsible_external is not None and (
        responsible_external.group_id != current.group_id or responsible_external.is_internal
    ):
        raise ValidationError({"responsible": _("Choose someone in the group.")})
    item = ActionItem(
        meeting=current,
        patient_id=current.patient_id,
        what=what.strip(),
        due_date=due_date,
        responsible_user=responsible_user,
        responsible_unit=responsible_unit,
        responsible_external=responsible_external,
        created_by=actor.user,
    )
    if responsible_user is None and responsible_external is None:
        raise ValidationError({"responsible": _("Choose who is responsible.")})
    DateRules().not_before(
        "due_date",
        due_date,
        current.starts_at,
        _("The action cannot be due before the meeting that agreed it (%(date)s)."),
    ).check()
    item.full_clean()
    item.save()
    audit.record_by(actor, audit.Action.CREATE, patient=current.patient_id, obj=item)
    return item


@transaction.atomic
def action_item_delete(*, item, actor) -> None:
    """Remove an action from unpublished minutes (a slip of the pen)."""
    require(can_change(actor, item))
    _lock_for_minutes(item.meeting)
    audit.record_by(actor, audit.Action.DELETE, patient=item.patient_id, obj=item)
    item.delete()


@transaction.atomic
def action_item_set_status(*, item, actor, status: str) -> bool:
    """Mark an open action done or cancelled; False when it was no longer open."""
    require(can_change(actor, item))
    if status not in (ActionItem.Status.DONE, ActionItem.Status.CANCELLED):
        raise ValidationError({"status": _("Unknown status.")})
    done_on = timezone.localdate() if status == ActionItem.Status.DONE else None
    updated = ActionItem.objects.filter(pk=item.pk, status=ActionItem.Status.OPEN).update(
        status=status, done_on=done_on, done_by=actor.user
    )
    if updated:
        item.status, item.done_on, item.done_by = status, done_on, actor.user
        audit.record_by(
            actor,
            audit.Action.UPDATE,
            patient=item.patient_id,
            obj=item,
            detail=_("Action item: %(status)s") % {"status": item.get_status_display()},
        )
    return bool(updated)


def action_item_done(*, item, actor) -> bool:
    return action_item_set_status(item=item, actor=actor, status=ActionItem.Status.DONE)


def propose_next_meeting(meeting) -> datetime.date:
    """The proposed date of the next meeting: a quarter on, moved off the weekend."""
    day = timezone.localtime(meeting.starts_at).date() + NEXT_MEETING_AFTER
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@transaction.atomic
def minutes_publish(
    *, meeting, actor, version: int, next_meeting_proposed: datetime.date | None = None
) -> Meeting:
    """Lock the minutes and send them: internal participants are notified, externals get a PDF."""
    require(can_change(actor, meeting))
    current = _lock_for_minutes(
        meeting,
        version,
        _("The minutes were changed meanwhile. Read them through and publish again."),
    )
    if current.state != Meeting.State.HELD:
        raise ValidationError(_("Record the minutes before publishing them."))
    DateRules().after(
        "next_meeting_proposed",
        next_meeting_proposed,
        current.starts_at,
        _("The next meeting comes after this one (%(date)s)."),
    ).check()
    current.published_at = timezone.now()
    current.published_by = actor.user
    current.next_meeting_proposed = next_meeting_proposed or propose_next_meeting(current)
    current.version += 1
    current.save(update_fields=["published_at", "published_by", "next_meeting_proposed", "version"])
    audit.record_by(
        actor,
        audit.Action.UPDATE,
        patient=current.patient_id,
        obj=current,
        detail=_("Minutes published"),
    )
    # Open actions go on the agenda of a meeting already planned after this one.
    for later in Meeting.objects.filter(
        group_id=current.group_id, state=Meeting.State.PLANNED, starts_at__gt=current.starts_at
    ):
        _carry_over(later)
    members = list(current.group.members.active().select_related("user", "unit", "next_of_kin"))
    internal = [m.user for m in members if m.is_internal and m.user_id != actor.user.pk]
    notify(
        users=internal,
        kind="minutes_published",
        title=_("Minutes from the responsibility group meeting %(date)s")
        % {"date": timezone.localtime(current.starts_at).strftime("%d.%m.%Y")},
        url=meeting_url(current),
        patient=current.patient,
    )
    externals = [m for m in members if not m.is_internal]
    # The patient with access to Min plan, and a pårørende they gave "meetings and minutes",
    # read the minutes there: no paper.
    online = online_readers(current.patient_id)
    withheld = [m for m in externals if not m.may_receive_information]
    by_post = [m for m in externals if not reads_online(m, online) and m.may_receive_information]
    if withheld:
        notify(
            users=[current.group.leader],
            kind="minutes_to_post",
            title=ngettext(
                "The minutes were not sent to %(count)d person whom the patient has not "
                "allowed to receive information",
                "The minutes were not sent to %(count)d people whom the patient has not "
                "allowed to receive information",
                len(withheld),
            )
            % {"count": len(withheld)},
            url=reverse("pathways:next_of_kin_list", args=[current.patient_id]),
            patient=current.patient,
        )
    if by_post:
        # Minutes are health information: external participants (pårørende, the GP's
        # office) get a neutral notice by email; the leader sends the document by post.
        notify(
            users=[current.group.leader],
            kind="minutes_to_post",
            title=ngettext(
                "Send the minutes by post to %(count)d external participant",
                "Send the minutes by post to %(count)d external participants",
                len(by_post),
            )
            % {"count": len(by_post)},
            url=reverse("pathways:minutes_pdf", args=[current.patient_id, current.pk]),
            patient=current.patient,
        )
    emailed = [m.pk for m in by_post if m.contact_email]
    if emailed:
        meeting_id = current.pk
        transaction.on_commit(lambda: _notice_minutes(meeting_id, emailed), robust=True)
    # The patient and the pårørende given meetings: the neutral notice (their own choice of
    # email or SMS), and they read the minutes in /min/.
    notify_portal(
        patient=current.patient_id, next_of_kin_parts=[PortalAccess.Part.MEETINGS], actor=actor
    )
    meeting.__dict__.update(current.__dict__)
    return current


@transaction.atomic
def minutes_addendum(*, meeting, actor, text: str) -> Addendum:
    """Correct published minutes: the addendum is kept with who wrote it and when."""
    require(can_change(actor, meeting))
    if not meeting.is_published:
        raise ValidationError(_("Change the minutes directly until they are published."))
    addendum = Addendum(meeting=meeting, text=text.strip(), added_by=actor.user)
    addendum.full_clean()
    addendum.save()
    audit.record_by(
        actor,
        audit.Action.UPDATE,
        patient=meeting.patient_id,
        obj=meeting,
        detail=_("Addendum to the minutes"),
    )
    return addendum


# --- calendar and email ----------------------------------------------------------------------


def meeting_ics(
    meeting: Meeting, *, method: str | None = None, link: str | None = None, attendees=True
) -> bytes:
    """The meeting as an RFC 5545 calendar (CRLF lines, UTC times, stable UID, SEQUENCE).

    ``link`` replaces the staff page in the description (the patient's own calendar links
    to /min/); without ``attendees`` the other participants' addresses stay out.
    """
    from icalendar import Calendar, Event, vCalAddress, vText

    method = method or ("CANCEL" if meeting.state == Meeting.State.CANCELLED else "REQUEST")
    cal = Calendar()
    cal.add("prodid", "-//Samhandling//Ansvarsgruppe//NO")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    event = Event()
    event.add("uid", f"{meeting.uid}@samhandling")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now().astimezone(datetime.UTC))
    event.add("dtstart", meeting.starts_at.astimezone(datetime.UTC))
    event.add("dtend", meeting.ends_at.astimezone(datetime.UTC))
    # No patient name: invitations travel by ordinary email and sit in shared calendars.
    with translation.override(settings.LANGUAGE_CODE):
        summary = _("Responsibility group meeting")
        description = [_("Responsibility group meeting in Samhandling.")]
        if meeting.digital_link:
            description.append(_("Digital link: %(link)s") % {"link": meeting.digital_link})
        description.append(_site(link or meeting_url(meeting)))
    event.add("summary", summary)
    event.add("description", "\n".join(description))
    if meeting.place:
        event.add("location", meeting.place)
    elif meeting.digital_link:
        event.add("location", meeting.digital_link)
    if meeting.digital_link:
        event.add("url", meeting.digital_link)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    leader = meeting.group.leader
    organizer = vCalAddress(f"mailto:{leader.email or settings.DEFAULT_FROM_EMAIL}")
    organizer.params["cn"] = vText(leader.get_full_name() or leader.username)
    event.add("organizer", organizer)
    invitations = (
        meeting.invitations.select_related("member__user", "member__next_of_kin").order_by("id")
        if attendees
        else []
    )
    for invitation in invitations:
        member = invitation.member
        email = member.contact_email
        # The patient is never an attendee: the list goes to every invitee and sits in
        # calendars; their own invitation still reaches them by mail.
        if not email or member.role == GroupMember.Role.PATIENT:
            continue
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["cn"] = vText(member.display_name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        attendee.params["rsvp"] = vText("FALSE")
        event.add("attendee", attendee, encode=0)
    cal.add_component(event)
    return cal.to_ical()


def _send_invitations(meeting: Meeting, *, actor, method: str) -> None:
    """Notify internal invitees; email everyone with an address the .ics (after commit)."""
    invitations = list(meeting.invitations.select_related("member__user", "member__next_of_kin"))
    internal = [i.member.user for i in invitations if i.member.is_internal]
    local = timezone.localtime(meeting.starts_at)
    if method == "CANCEL":
        title = _("Meeting %(when)s is cancelled") % {"when": local.strftime("%d.%m.%Y %H:%M")}
    elif meeting.sequence:
        title = _("Meeting %(when)s is changed") % {"when": local.strftime("%d.%m.%Y %H:%M")}
    else:
        title = _("Invitation to responsibility group meeting %(when)s") % {
            "when": local.strftime("%d.%m.%Y %H:%M")
        }
    notify(
        users=[u for u in internal if u.pk != actor.user.pk],
        kind="meeting_invitation",
        title=title,
        url=meeting_url(meeting),
        patient=meeting.patient,
    )
    # The patient and the pårørende given meetings read the meeting in /min/ (and take the
    # .ics from there): they get the neutral notice instead of the invitation mail.
    notify_portal(
        patient=meeting.patient_id, next_of_kin_parts=[PortalAccess.Part.MEETINGS], actor=actor
    )
    ids = [i.pk for i in invitations if i.member.contact_email and i.member.may_receive_information]
    if ids:
        meeting_id = meeting.pk
        transaction.on_commit(
            lambda: _email_invitations(meeting_id, ids, method, title), robust=True
        )


def _email_invitations(meeting_id: int, invitation_ids: list[int], method: str, title: str):
    meeting = Meeting.objects.select_related("group__leader").get(pk=meeting_id)
    ics = meeting_ics(meeting, method=method)
    local = timezone.localtime(meeting.starts_at)
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            _("Time: %(when)s (%(minutes)s minutes)")
            % {"when": local.strftime("%d.%m.%Y %H:%M"), "minutes": meeting.duration_minutes},
        ]
        if meeting.place:
            lines.append(_("Place: %(place)s") % {"place": meeting.place})
        if meeting.digital_link:
            lines.append(_("Digital link: %(link)s") % {"link": meeting.digital_link})
        # No cancel reason: free text may name the patient or their health, and mail is not
        # access-checked. The reason stays on the meeting page.
        lines.append("")
        lines.append(_("The calendar invitation is attached."))
    invitations = Invitation.objects.filter(pk__in=invitation_ids).select_related(
        "member__user", "member__next_of_kin"
    )
    online = online_readers(meeting.patient_id)
    for invitation in invitations:
        if reads_online(invitation.member, online):
            continue
        message = EmailMessage(
            subject=title,
            body="\n".join(lines),
            to=[invitation.member.contact_email],
        )
        message.attach("invitasjon.ics", ics, f"text/calendar; charset=utf-8; method={method}")
        message.send()
    # Those reading online count as sent too: the meeting waits for them in /min/, and the
    # Min plan notice (their own choice of channel) tells them so.
    Invitation.objects.filter(pk__in=invitation_ids).update(
        emailed_at=timezone.now(), sent_sequence=meeting.sequence
    )


def minutes_context(meeting: Meeting) -> dict:
    """Everything the minutes page and PDF show, in a fixed number of queries."""
    attendance = {
        a.member_id: a
        for a in meeting.attendance.select_related(
            "member__user", "member__unit", "member__next_of_kin"
        )
    }
    agenda = list(
        meeting.agenda.select_related(
            "follow_up_of__responsible_user", "follow_up_of__responsible_external__next_of_kin"
        )
    )
    leader, leader_is_coordinator = group_leader(meeting.group)
    return {
        "meeting": meeting,
        "leader": leader,
        "leader_is_coordinator": leader_is_coordinator,
        "attendance": list(attendance.values()),
        "agenda": agenda,
        "follow_ups": [a for a in agenda if a.follow_up_of_id is not None],
        "own_agenda": [a for a in agenda if a.follow_up_of_id is None],
        "action_items": list(
            meeting.action_items.select_related(
                "responsible_user", "responsible_external__next_of_kin", "responsible_unit"
            )
        ),
        "addenda": list(meeting.addenda.select_related("added_by")),
    }


def minutes_pdf_context(meeting: Meeting, patient) -> dict:
    """The printed minutes (``pdf/minutes.html``): the minutes page's content and the patient."""
    return {**minutes_context(meeting), "patient": patient}


def online_readers(patient_id: int) -> tuple[bool, set[int]]:
    """Whether the patient has access to Min plan in force, and the pårørende (register ids)
    given "meetings and minutes" there: they read meetings and minutes in /min/."""
    doors = PortalAccess.objects.in_force().filter(patient_id=patient_id)
    kin = set(
        doors.filter(role=PortalAccess.Role.NEXT_OF_KIN, shares_meetings=True).values_list(
            "next_of_kin_id", flat=True
        )
    )
    return doors.filter(role=PortalAccess.Role.PATIENT).exists(), kin


def reads_online(member: GroupMember, online: tuple[bool, set[int]]) -> bool:
    patient_online, kin = online
    return (member.role == GroupMember.Role.PATIENT and patient_online) or (
        member.next_of_kin_id is not None and member.next_of_kin_id in kin
    )


def _notice_minutes(meeting_id: int, member_ids: list[int]) -> None:
    """A notice without health information to the externals who get the minutes by post
    (the patient and pårørende who read them in Min plan get the neutral notice)."""
    meeting = Meeting.objects.only("starts_at").get(pk=meeting_id)
    with translation.override(settings.LANGUAGE_CODE):
        local = timezone.localtime(meeting.starts_at)
        subject = _("Minutes from the responsibility group meeting %(date)s") % {
            "date": local.strftime("%d.%m.%Y")
        }
        body = _(
            "The minutes from the responsibility group meeting are ready. They contain "
            "confidential information and are therefore not sent by email: the koordinator "
            "sends you a copy by post."
        )
    for member in GroupMember.objects.filter(pk__in=member_ids).select_related("next_of_kin"):
        EmailMessage(subject=subject, body=body, to=[member.contact_email]).send()

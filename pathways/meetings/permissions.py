"""Who may do what in the responsibility group. Services enforce these (``PermissionDenied``);
views pass the answers to templates as one object, ``can`` (see ``rights``).

Everything here needs change rights on the patient's record for the unit the actor acts for: a
unit on the care team that may change the record (not one kept informed, not break-the-glass).
The state decides the rest: a planned meeting can be changed or cancelled, minutes are written
until they are published, published minutes take addenda, and open action items can be closed.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied

from pathways import access
from pathways.models import ActionItem, GroupMember, Meeting, Patient


def _patient(obj):
    """The patient of ``obj`` when it is loaded (itself or through a loaded parent), else its id."""
    if isinstance(obj, Patient):
        return obj
    model = type(obj)
    if isinstance(obj, GroupMember):
        return _patient(obj.group) if model.group.is_cached(obj) else obj.group.patient_id
    if model.patient.is_cached(obj):
        return obj.patient
    if isinstance(obj, ActionItem) and model.meeting.is_cached(obj):
        return _patient(obj.meeting)
    return obj.patient_id


def can_change(actor, obj) -> bool:
    """Change rights on the record of ``obj``'s patient (a patient, group, member, meeting or
    action item). A patient read through the access gate (``patient_view``) carries the gate's
    answer for the request's actor; otherwise the access basis is looked up."""
    patient = _patient(obj)
    if isinstance(patient, Patient):
        if hasattr(patient, "can_edit"):
            return patient.can_edit
        patient = patient.pk
    if actor.user is None:
        return False
    found = access.access_basis(actor.user, actor.unit, patient)
    return found is not None and found[1]


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def can_create_group(actor, patient, group=None) -> bool:
    return group is None and can_change(actor, patient)


def can_edit_group(actor, group) -> bool:
    """The patient's say, the members, and calling meetings."""
    return can_change(actor, group)


def can_remove_member(actor, member) -> bool:
    """Anyone but the leader, while still a member."""
    return (
        member.removed_at is None
        and not (member.user_id is not None and member.user_id == member.group.leader_id)
        and can_change(actor, member)
    )


def can_edit_meeting(actor, meeting) -> bool:
    """Move, change or cancel: only a planned meeting."""
    return meeting.state == Meeting.State.PLANNED and can_change(actor, meeting)


def can_write_minutes(actor, meeting) -> bool:
    """Attendance, notes and action items: from the meeting's start until the minutes are
    published."""
    return (
        meeting.state != Meeting.State.CANCELLED
        and meeting.has_begun
        and not meeting.is_published
        and can_change(actor, meeting)
    )


def can_publish_minutes(actor, meeting) -> bool:
    return (
        meeting.state == Meeting.State.HELD
        and not meeting.is_published
        and can_change(actor, meeting)
    )


def can_add_addendum(actor, meeting) -> bool:
    """Published minutes are locked; corrections are addenda."""
    return meeting.is_published and can_change(actor, meeting)


def can_mark_item_done(actor, item) -> bool:
    return item.status == ActionItem.Status.OPEN and can_change(actor, item)


@dataclass(frozen=True)
class Rights:
    """What the page offers; templates read only these flags."""

    create_group: bool = False
    edit_group: bool = False
    edit_meeting: bool = False
    write_minutes: bool = False
    publish_minutes: bool = False
    add_addendum: bool = False
    follow_up_items: bool = False
    # Members that can be removed, action items that can be marked done (by pk).
    remove_members: frozenset = field(default_factory=frozenset)
    mark_done: frozenset = field(default_factory=frozenset)


def group_rights(actor, patient, group, members=()) -> Rights:
    if group is None:
        return Rights(create_group=can_create_group(actor, patient))
    return Rights(
        edit_group=can_edit_group(actor, group),
        remove_members=frozenset(m.pk for m in members if can_remove_member(actor, m)),
    )


def meeting_rights(actor, meeting, action_items=()) -> Rights:
    return Rights(
        edit_meeting=can_edit_meeting(actor, meeting),
        write_minutes=can_write_minutes(actor, meeting),
        publish_minutes=can_publish_minutes(actor, meeting),
        add_addendum=can_add_addendum(actor, meeting),
        # Action items are followed up once the minutes are out.
        follow_up_items=meeting.is_published and can_change(actor, meeting),
        mark_done=frozenset(
            item.pk
            for item in action_items
            if meeting.is_published and can_mark_item_done(actor, item)
        ),
    )

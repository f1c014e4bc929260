"""Who may do what in the dialogue between services.

Everyone who sees the patient (the care team, emergency access) reads the threads: they are
part of the shared pathway. Writing needs the acting unit on the care team with more than
read access: it starts a thread to another such unit, the asking unit asks more in its own
threads, and only the asked unit answers. Emergency access and units only kept informed read.
"""

from dataclasses import dataclass

from pathways.models import CareTeamMember


def writes_record(actor, patient) -> bool:
    """The acting unit writes in the patient's record (the gate's answer when the patient came
    through it, else one query)."""
    if actor.unit is None:
        return False
    known = getattr(patient, "can_edit", None)
    if known is not None:
        return bool(known)
    return _writing_team(patient).filter(unit=actor.unit).exists()


def _writing_team(patient):
    return (
        CareTeamMember.objects.active()
        .filter(patient_id=getattr(patient, "pk", patient))
        .exclude(role=CareTeamMember.Role.INFORMED)
    )


def units_to_ask(actor, patient) -> list:
    """The other units on the care team that write in the record (one query)."""
    if actor.unit is None:
        return []
    members = (
        _writing_team(patient)
        .exclude(unit=actor.unit)
        .select_related("unit__organisation")
        .order_by("unit__name", "unit_id")
    )
    return [m.unit for m in members]


def can_start(actor, patient) -> bool:
    return writes_record(actor, patient)


def may_ask(actor, patient, unit) -> bool:
    """``unit`` may be asked: another writing unit on the patient's care team."""
    if unit is None or actor.unit is None or unit.pk == actor.unit.pk:
        return False
    return _writing_team(patient).filter(unit=unit).exists()


def side(actor, thread) -> str | None:
    """'asker', 'asked' or None for the acting unit."""
    if actor.unit is None:
        return None
    if actor.unit.pk == thread.from_unit_id:
        return "asker"
    if actor.unit.pk == thread.to_unit_id:
        return "asked"
    return None


def can_reply(actor, thread, patient=None) -> bool:
    """The two units of the thread, while they write in the record: the asked one answers,
    the asking one asks more."""
    return side(actor, thread) is not None and writes_record(
        actor, patient if patient is not None else thread.patient_id
    )


def can_answer(actor, thread, patient=None) -> bool:
    return side(actor, thread) == "asked" and can_reply(actor, thread, patient)


@dataclass(frozen=True)
class ThreadRights:
    """The flags the thread page reads."""

    answer: bool = False
    ask_more: bool = False


def thread_rights(actor, thread, patient) -> ThreadRights:
    reply = can_reply(actor, thread, patient)
    return ThreadRights(
        answer=reply and side(actor, thread) == "asked",
        ask_more=reply and side(actor, thread) == "asker",
    )

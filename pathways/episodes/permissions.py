"""Who may do what with a treatment episode, its messages and its ettervern plan.

Every rule is a ``can_*(actor, obj)`` function answering for the person who acts. Services call
them and raise ``PermissionDenied``; views build one ``EpisodeRights``/``PlanRights`` for the
page, and templates read only its flags (never roles and states combined by themselves).

"Writes in the record" means the acting unit is on the patient's care team with more than
read access. When the patient came through the access gate (``patient.can_edit`` is set for
this request's actor) the gate's answer is used; otherwise the care team is asked (one query).
"""

from dataclasses import dataclass, field

from accounts.models import Membership
from pathways.models import CareTeamMember

# Who signs the specialist side and records the clinician's assessment.
SIGNING_ROLES = {Membership.Role.CLINICIAN, Membership.Role.LEADER}


def unit_on_team(unit, patient) -> bool:
    """``unit`` is an active care-team member that writes in the record (not only informed)."""
    if unit is None:
        return False
    patient_id = getattr(patient, "pk", patient)
    return (
        CareTeamMember.objects.active()
        .filter(patient_id=patient_id, unit=unit)
        .exclude(role=CareTeamMember.Role.INFORMED)
        .exists()
    )


def writes_record(actor, patient) -> bool:
    """The actor's unit writes in the patient's record."""
    if actor.unit is None:
        return False
    known = getattr(patient, "can_edit", None)
    if known is not None:
        return bool(known)
    return unit_on_team(actor.unit, patient)


def _patient(obj):
    """The patient of an episode or plan: the loaded one (it may carry the gate's answer), else
    only its id (no query to load it)."""
    if type(obj).patient.is_cached(obj):
        return obj.patient
    return obj.patient_id


def is_clinician(actor) -> bool:
    return actor.has(SIGNING_ROLES)


# --- the episode ----------------------------------------------------------------------------


def is_treating_unit(actor, episode) -> bool:
    """The episode's own unit, writing in the record (open or ended)."""
    return (
        actor.unit is not None
        and actor.unit.pk == episode.unit_id
        and writes_record(actor, _patient(episode))
    )


def can_start_treatment(actor, patient) -> bool:
    """A specialist unit on the care team registers an admission or a start of treatment."""
    return actor.is_specialist and writes_record(actor, patient)


def can_treat(actor, episode) -> bool:
    """The treating unit while the episode is open."""
    return episode.is_open and is_treating_unit(actor, episode)


def can_record_pathway(actor, episode) -> bool:
    """The pathway's dates are recorded by the treating unit, also after the discharge."""
    return is_treating_unit(actor, episode)


def can_evaluate(actor, episode) -> bool:
    """An evaluation follows the clinical decision."""
    return episode.clinical_decision_on is not None and can_record_pathway(actor, episode)


def can_assess(actor, episode) -> bool:
    """A clinician of the treating unit records the assessment while the episode is open."""
    return is_clinician(actor) and can_treat(actor, episode)


def can_message(actor, episode) -> bool:
    """The treating unit sends the notice of admission while the episode is open."""
    return can_treat(actor, episode)


def can_call_meeting(actor, episode) -> bool:
    return can_treat(actor, episode)


def can_declare_ready(actor, episode) -> bool:
    return episode.ready_at is None and can_treat(actor, episode)


def can_end(actor, episode) -> bool:
    return can_treat(actor, episode)


def can_transfer(actor, episode) -> bool:
    return can_treat(actor, episode)


def is_kommune_on_team(actor, patient) -> bool:
    """A municipal unit that writes in the record (follow-up, moves, the municipal part)."""
    return actor.is_kommune and writes_record(actor, patient)


def can_follow_up(actor, episode) -> bool:
    """The municipality adds follow-up appointments and records whether they happened."""
    return is_kommune_on_team(actor, _patient(episode))


def can_move(actor, patient) -> bool:
    """The municipality registers a move to another municipality."""
    return is_kommune_on_team(actor, patient)


def can_answer_message(actor, message, patient=None) -> bool:
    """Only the receiving unit answers (the service says so when the message asks nothing)."""
    return (
        actor.unit is not None
        and actor.unit.pk == message.to_unit_id
        and writes_record(actor, patient if patient is not None else message.patient_id)
    )


# --- the ettervern plan -------------------------------------------------------------------


def can_write_plan(actor, episode) -> bool:
    """Either side on the care team starts the plan."""
    return writes_record(actor, _patient(episode))


def plan_side(plan, actor) -> str | None:
    """Which part the acting unit writes: 'specialist', 'kommune' or None."""
    unit = actor.unit
    if unit is None:
        return None
    if unit.pk == plan.episode.unit_id:
        return "specialist"
    if unit.is_kommune:
        return "kommune"
    return None


def can_edit_part(actor, plan, part: str) -> bool:
    """Each side writes its own part (the crisis plan is the patient's: ``pathways.crisis``)."""
    side = plan_side(plan, actor)
    if side is None or not writes_record(actor, _patient(plan)):
        return False
    return part == side


def can_sign(actor, plan) -> bool:
    """A side of the plan, on the care team (the service adds what is still missing)."""
    return plan_side(plan, actor) is not None and writes_record(actor, _patient(plan))


# --- what the pages show ------------------------------------------------------------------


@dataclass(frozen=True)
class EpisodeRights:
    """The flags the episode page reads."""

    treat: bool = False
    assess: bool = False
    message: bool = False
    call_meeting: bool = False
    declare_ready: bool = False
    end: bool = False
    transfer: bool = False
    record_pathway: bool = False
    evaluate: bool = False
    follow_up: bool = False
    answer: frozenset = field(default_factory=frozenset)  # ids of messages the actor answers
    record_attendance: frozenset = field(default_factory=frozenset)  # appointment ids


def episode_rights(actor, episode, *, notices=(), follow_ups=(), now=None) -> EpisodeRights:
    """What the actor may do on the episode page (``episode.patient`` is the gate's patient)."""
    follow_up = can_follow_up(actor, episode)
    return EpisodeRights(
        treat=can_treat(actor, episode),
        assess=can_assess(actor, episode),
        message=can_message(actor, episode),
        call_meeting=can_call_meeting(actor, episode),
        declare_ready=can_declare_ready(actor, episode),
        end=can_end(actor, episode),
        transfer=can_transfer(actor, episode),
        record_pathway=can_record_pathway(actor, episode),
        evaluate=can_evaluate(actor, episode),
        follow_up=follow_up,
        answer=frozenset(
            m.pk
            for m in notices
            if m.expects_answer and can_answer_message(actor, m, patient=_patient(episode))
        ),
        record_attendance=frozenset(
            a.pk for a in follow_ups if follow_up and now is not None and a.at <= now
        ),
    )


@dataclass(frozen=True)
class PlanRights:
    """The flags the ettervern plan page reads."""

    start: bool = False
    sign: bool = False
    edit_specialist: bool = False
    edit_kommune: bool = False


def plan_rights(actor, episode, plan) -> PlanRights:
    """What the actor may do on the plan page (``episode.patient`` is the gate's patient)."""
    if plan is None:
        return PlanRights(start=episode.is_open and can_write_plan(actor, episode))
    if not episode.is_open:
        return PlanRights()
    return PlanRights(
        sign=can_sign(actor, plan),
        edit_specialist=can_edit_part(actor, plan, "specialist"),
        edit_kommune=can_edit_part(actor, plan, "kommune"),
    )

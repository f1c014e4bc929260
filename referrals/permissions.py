"""Who may do what with a referral. Services enforce these; views use them to show actions.

Only intake or clinicians of the receiving unit assess and forward; only the referring unit
sends, withdraws, answers questions and records waiting-time follow-up.
"""

from accounts.acting import Actor
from accounts.models import Membership
from referrals.models import Referral

Role = Membership.Role
State = Referral.State

ASSESS_ROLES = frozenset({Role.INTAKE, Role.CLINICIAN})
RECEIVING_ROLES = frozenset({Role.INTAKE, Role.CLINICIAN, Role.LEADER})
REFERRER_ROLES = frozenset({Role.CLINICIAN, Role.COORDINATOR, Role.LEADER, Role.INTAKE})
STATISTICS_ROLES = frozenset({Role.LEADER, Role.ADMIN})

# The two sides of a referral.
REFERRER = "referrer"
RECEIVER = "receiver"


def _is_referrer(actor: Actor, referral: Referral) -> bool:
    return actor.unit is not None and referral.referring_unit_id == actor.unit.pk


def _is_receiver(actor: Actor, referral: Referral) -> bool:
    return actor.unit is not None and referral.receiving_unit_id == actor.unit.pk


def on_side(actor: Actor, referral: Referral, side: str, roles=None) -> bool:
    """The actor's unit is that side of the referral (and, given ``roles``, they hold one of
    them), whatever state the referral is in: the difference between "not yours" (403) and
    "not now"."""
    mine = _is_referrer(actor, referral) if side == REFERRER else _is_receiver(actor, referral)
    return mine and (roles is None or actor.has(roles))


def can_refer(actor: Actor) -> bool:
    return actor.unit is not None and actor.has(REFERRER_ROLES)


def can_edit_draft(actor: Actor, referral: Referral) -> bool:
    return referral.is_draft and on_side(actor, referral, REFERRER, REFERRER_ROLES)


def can_withdraw(actor: Actor, referral: Referral) -> bool:
    return referral.state in (State.RECEIVED, State.UNDER_ASSESSMENT, State.GRANTED) and on_side(
        actor, referral, REFERRER, REFERRER_ROLES
    )


def can_assess(actor: Actor, referral: Referral) -> bool:
    return referral.awaiting_assessment and on_side(actor, referral, RECEIVER, ASSESS_ROLES)


def can_forward(actor: Actor, referral: Referral) -> bool:
    return (
        referral.state == State.REJECTED
        and not referral.was_forwarded
        and on_side(actor, referral, RECEIVER, ASSESS_ROLES)
    )


def can_answer(actor: Actor, referral: Referral) -> bool:
    return referral.state not in (
        State.DRAFT,
        State.WITHDRAWN,
        State.CLOSED,
        State.COMPLETED,
    ) and on_side(actor, referral, REFERRER, REFERRER_ROLES)


def can_start_treatment(actor: Actor, referral: Referral) -> bool:
    return referral.state == State.GRANTED and on_side(actor, referral, RECEIVER, RECEIVING_ROLES)


def can_place(actor: Actor, referral: Referral) -> bool:
    """The receiving side chooses the treatment place (and moves the planned start)."""
    return referral.state == State.GRANTED and on_side(actor, referral, RECEIVER, RECEIVING_ROLES)


def can_link_episode(actor: Actor, referral: Referral, episode) -> bool:
    """The treating unit links its episode to the referral, or the receiving unit does."""
    treating = actor.unit is not None and actor.unit.pk == episode.unit_id
    return (
        referral.state in Referral.ACTIVE
        and referral.receiving_unit.organisation_id == episode.unit.organisation_id
        and (treating or _is_receiver(actor, referral))
        and actor.has(RECEIVING_ROLES)
    )


def can_close(actor: Actor, referral: Referral) -> bool:
    return referral.state in (State.GRANTED, State.TREATMENT_STARTED) and on_side(
        actor, referral, RECEIVER, RECEIVING_ROLES
    )


def can_mark_frist_at_risk(actor: Actor, referral: Referral) -> bool:
    return (
        referral.state == State.GRANTED
        and referral.frist_at_risk_at is None
        and on_side(actor, referral, RECEIVER, RECEIVING_ROLES)
    )


def can_record_helfo(actor: Actor, referral: Referral) -> bool:
    return (
        referral.frist_breach
        and referral.helfo_notified_on is None
        and on_side(actor, referral, RECEIVER, RECEIVING_ROLES)
    )


def can_follow_up(actor: Actor, referral: Referral) -> bool:
    return referral.state == State.GRANTED and on_side(actor, referral, REFERRER, REFERRER_ROLES)


def can_attach(actor: Actor, referral: Referral) -> bool:
    open_states = (State.DRAFT, *Referral.AWAITING_ASSESSMENT, State.GRANTED)
    if referral.state not in open_states:
        return False
    if _is_referrer(actor, referral):
        return actor.has(REFERRER_ROLES)
    return referral.state != State.DRAFT and on_side(actor, referral, RECEIVER, RECEIVING_ROLES)


def can_see_statistics(actor: Actor) -> bool:
    return actor.unit is not None and actor.has(STATISTICS_ROLES)


def rights(actor: Actor, referral: Referral) -> dict:
    """What the actor may do with the referral now: the one object the detail page reads.
    A patient the unit may only read offers no actions at all."""
    editable = bool(getattr(referral.patient, "can_edit", False))
    can = {
        "edit": can_edit_draft(actor, referral),
        "withdraw": can_withdraw(actor, referral),
        "start_assessment": referral.state == State.RECEIVED and can_assess(actor, referral),
        "assess": can_assess(actor, referral),
        "forward": can_forward(actor, referral),
        "answer": can_answer(actor, referral),
        "start_treatment": can_start_treatment(actor, referral),
        "place": can_place(actor, referral),
        "close": can_close(actor, referral),
        "frist_risk": can_mark_frist_at_risk(actor, referral),
        "helfo": can_record_helfo(actor, referral),
        "follow_up": can_follow_up(actor, referral),
        "attach": can_attach(actor, referral),
    }
    can = {key: editable and allowed for key, allowed in can.items()}
    # Answering and attaching sit beside their sections, not among the actions.
    can["any_action"] = any(v for k, v in can.items() if k not in ("answer", "attach"))
    return can

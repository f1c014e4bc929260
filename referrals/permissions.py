"""Who may do what with a referral. Services enforce these; views use them to show actions.

Only intake or clinicians of the receiving unit assess and forward; only the referring unit
sends, withdraws, answers questions and records waiting-time follow-up.
"""

from dataclasses import dataclass

from accounts.models import Membership, ServiceUnit
from referrals.models import Referral

Role = Membership.Role
State = Referral.State

ASSESS_ROLES = frozenset({Role.INTAKE, Role.CLINICIAN})
RECEIVING_ROLES = frozenset({Role.INTAKE, Role.CLINICIAN, Role.LEADER})
REFERRER_ROLES = frozenset({Role.CLINICIAN, Role.COORDINATOR, Role.LEADER, Role.INTAKE})
STATISTICS_ROLES = frozenset({Role.LEADER, Role.ADMIN})


@dataclass(frozen=True)
class Actor:
    """A user acting for a unit, with their roles there."""

    user: object
    unit: ServiceUnit | None
    roles: frozenset

    @classmethod
    def of(cls, user, unit, memberships=None) -> "Actor":
        """``memberships``: the user's active memberships when already loaded (the request's
        ``request.memberships``), so the roles cost no second query."""
        if unit is None or not user.is_authenticated:
            return cls(user, unit, frozenset())
        if memberships is not None:
            return cls(user, unit, frozenset(m.role for m in memberships if m.unit_id == unit.pk))
        roles = (
            Membership.objects.active().filter(user=user, unit=unit).values_list("role", flat=True)
        )
        return cls(user, unit, frozenset(roles))

    @classmethod
    def of_request(cls, request) -> "Actor":
        """The user acting for the request's active unit, from the memberships it loaded."""
        unit = request.active_unit or None
        return cls.of(request.user, unit, getattr(request, "memberships", None))

    def has(self, roles) -> bool:
        return bool(self.roles & roles)

    def is_referrer(self, referral: Referral) -> bool:
        return self.unit is not None and referral.referring_unit_id == self.unit.pk

    def is_receiver(self, referral: Referral) -> bool:
        return self.unit is not None and referral.receiving_unit_id == self.unit.pk


def can_refer(actor: Actor) -> bool:
    return actor.unit is not None and actor.has(REFERRER_ROLES)


def can_edit_draft(actor: Actor, referral: Referral) -> bool:
    return referral.is_draft and actor.is_referrer(referral) and actor.has(REFERRER_ROLES)


def can_withdraw(actor: Actor, referral: Referral) -> bool:
    return (
        referral.state in (State.RECEIVED, State.UNDER_ASSESSMENT, State.GRANTED)
        and actor.is_referrer(referral)
        and actor.has(REFERRER_ROLES)
    )


def can_assess(actor: Actor, referral: Referral) -> bool:
    return referral.awaiting_assessment and actor.is_receiver(referral) and actor.has(ASSESS_ROLES)


def can_forward(actor: Actor, referral: Referral) -> bool:
    return (
        referral.state == State.REJECTED
        and not referral.was_forwarded
        and actor.is_receiver(referral)
        and actor.has(ASSESS_ROLES)
    )


def can_answer(actor: Actor, referral: Referral) -> bool:
    return (
        referral.state not in (State.DRAFT, State.WITHDRAWN, State.CLOSED)
        and actor.is_referrer(referral)
        and actor.has(REFERRER_ROLES)
    )


def can_start_treatment(actor: Actor, referral: Referral) -> bool:
    return (
        referral.state == State.GRANTED
        and actor.is_receiver(referral)
        and actor.has(RECEIVING_ROLES)
    )


def can_close(actor: Actor, referral: Referral) -> bool:
    return (
        referral.state in (State.GRANTED, State.TREATMENT_STARTED)
        and actor.is_receiver(referral)
        and actor.has(RECEIVING_ROLES)
    )


def can_mark_frist_at_risk(actor: Actor, referral: Referral) -> bool:
    return (
        referral.state == State.GRANTED
        and referral.frist_at_risk_at is None
        and actor.is_receiver(referral)
        and actor.has(RECEIVING_ROLES)
    )


def can_record_helfo(actor: Actor, referral: Referral) -> bool:
    return (
        referral.frist_breach
        and referral.helfo_notified_on is None
        and actor.is_receiver(referral)
        and actor.has(RECEIVING_ROLES)
    )


def can_follow_up(actor: Actor, referral: Referral) -> bool:
    return (
        referral.state == State.GRANTED
        and actor.is_referrer(referral)
        and actor.has(REFERRER_ROLES)
    )


def can_attach(actor: Actor, referral: Referral) -> bool:
    open_states = (State.DRAFT, *Referral.AWAITING_ASSESSMENT, State.GRANTED)
    if referral.state not in open_states:
        return False
    if actor.is_referrer(referral):
        return actor.has(REFERRER_ROLES)
    return (
        referral.state != State.DRAFT and actor.is_receiver(referral) and actor.has(RECEIVING_ROLES)
    )


def can_see_statistics(actor: Actor) -> bool:
    return actor.unit is not None and actor.has(STATISTICS_ROLES)

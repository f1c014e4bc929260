"""The referrals section of the patient overview (one or two queries)."""

from django.db.models import Exists, OuterRef

from config.prepared import prepared
from referrals import permissions as perms
from referrals.models import JointIntakeCase, Referral
from referrals.selectors import referrals_for_patient
from referrals.services import linkable_referrals


@prepared
def _referrals(patient_id, unit_id):
    # Each referral row says whether the patient has joint intake cases at all, so the
    # cases are read only when there are some (or when there is no referral to ask).
    cases = JointIntakeCase.objects.filter(patient=OuterRef("patient_id"))
    return referrals_for_patient(patient_id, unit_id).annotate(
        patient_has_joint_intake=Exists(cases)
    )


@prepared
def _joint_intake(patient_id):
    return (
        JointIntakeCase.objects.filter(patient_id=patient_id)
        .select_related("forum", "place__unit")
        .order_by("-meeting_on", "-pk")[:5]
    )


def section(request, patient) -> dict:
    actor = request.actor
    can_edit = bool(getattr(patient, "can_edit", False))
    referrals = _referrals(patient_id=patient.pk, unit_id=actor.unit.pk if actor.unit else None)
    joint_intake = []
    if not referrals or referrals[0].patient_has_joint_intake:
        joint_intake = _joint_intake(patient_id=patient.pk)
    return {
        "referrals": referrals,
        "can_refer": can_edit and perms.can_refer(actor),
        # Joint intake outcomes are part of the pathway, whichever side took the patient on.
        "joint_intake": joint_intake,
        # The page itself says so when the unit takes part in no joint intake meeting: asking
        # here would cost the overview a query for a link.
        "can_put_forward": can_edit,
    }


def episode_section(request, episode) -> dict | None:
    """The referral a treatment episode came from (one query), for the episode page; without
    one (an emergency admission), the open referrals it can be linked to (one more query)."""
    referral = (
        Referral.objects.filter(treatment_episode=episode)
        .select_related("referring_unit__organisation", "receiving_unit")
        .first()
    )
    if referral is not None:
        return {"template": "referrals/_episode_referral.html", "referral": referral}
    candidates = [
        r for r in linkable_referrals(episode) if perms.can_link_episode(request.actor, r, episode)
    ]
    if not candidates:
        return None
    return {"template": "referrals/_episode_link.html", "candidates": candidates}

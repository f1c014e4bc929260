"""Who may do what with a patient's record: details, next of kin, consent, care team, emergency
access. Services call these and refuse (PermissionDenied or a ValidationError the form shows);
views pass the answers to templates as one object (``rights``), so templates never combine roles
and states themselves.

A patient read through the access gate (``pathways.access.get_patient_for_user``) carries
``can_edit`` for the unit the user acts for; a patient read elsewhere is checked against the
unit's grants.
"""

from dataclasses import dataclass

from accounts.models import Membership
from pathways import access
from pathways.models import CareTeamMember


def can_edit_patient(actor, patient) -> bool:
    """Change the details, next of kin, consent and care team: units on the care team that are
    not only kept informed. Emergency access is read-only. The system (periodic jobs) may."""
    if actor.is_system:
        return True
    known = getattr(patient, "can_edit", None)
    if known is not None:
        return bool(known)
    basis = access.access_basis(actor.user, actor.unit, patient.pk)
    return basis is not None and basis[1]


def can_manage_care_team(actor, patient) -> bool:
    """Add a unit to the care team or record consent."""
    return can_edit_patient(actor, patient)


def can_end_care_team_member(actor, member, patient=None) -> bool:
    """End a unit's membership by hand: the last unit on the care team cannot leave (the patient
    would be seen by no one). Consent running out or being withdrawn ends membership anyway."""
    if not can_manage_care_team(actor, patient or member.patient):
        return False
    return (
        CareTeamMember.objects.active()
        .filter(patient_id=member.patient_id)
        .exclude(pk=member.pk)
        .exists()
    )


def can_reveal_national_id(actor, patient) -> bool:
    """Show the full national id (every reveal is audited): anyone who sees the record, when
    there is a number to show."""
    return patient.has_national_id


def can_review_break_glass(actor, grant=None) -> bool:
    """Review emergency access: the leader of the unit the access was used for."""
    if actor.is_system:
        return False
    if actor.unit is None:
        if grant is None:
            return False
        return (
            Membership.objects.active()
            .filter(user=actor.user, unit_id=grant.unit_id, role=Membership.Role.LEADER)
            .exists()
        )
    if grant is not None and grant.unit_id != actor.unit_id:
        return False
    return actor.is_leader


@dataclass(frozen=True)
class PatientRights:
    """What the acting person may do on a patient's pages; templates read only these flags."""

    edit: bool
    manage_care_team: bool
    reveal_national_id: bool


def patient_rights(actor, patient) -> PatientRights:
    """The flags for the record's pages (no query: the gate already knows ``can_edit``)."""
    return PatientRights(
        edit=can_edit_patient(actor, patient),
        manage_care_team=can_manage_care_team(actor, patient),
        reveal_national_id=can_reveal_national_id(actor, patient),
    )

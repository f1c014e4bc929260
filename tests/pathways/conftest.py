import pytest

from accounts.acting import Actor
from pathways.access import sync_unit_access
from pathways.models import BreakGlassAccess, CareTeamMember, NextOfKin
from pathways.patients.services.breakglass import break_glass_open


@pytest.fixture
def next_of_kin(patient):
    return NextOfKin.objects.create(
        patient=patient, name="Kari Nordmann", relation="Mor", phone="41234567"
    )


@pytest.fixture
def informed_user(shared_patient, unn_tsb, tsb_clinician):
    """UNN TSB døgn stays on the care team but only kept informed: read-only."""
    CareTeamMember.objects.filter(patient=shared_patient, unit=unn_tsb).update(
        role=CareTeamMember.Role.INFORMED
    )
    sync_unit_access(shared_patient, unn_tsb)
    return tsb_clinician


@pytest.fixture
def break_glass_user(patient, other_kommune_user, sarpsborg_rus) -> BreakGlassAccess:
    """Sarpsborg's coordinator opened the patient through emergency access."""
    break_glass_open(
        patient=patient,
        actor=Actor(other_kommune_user, sarpsborg_rus),
        reason=BreakGlassAccess.Reason.EMERGENCY,
        explanation="Innlagt akutt på legevakten, trenger kriseplan",
    )
    return other_kommune_user

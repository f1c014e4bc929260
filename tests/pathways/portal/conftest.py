import pytest

from accounts.acting import Actor
from pathways.portal.services import portal_access_open


@pytest.fixture
def patient_access(patient, coordinator, vadso_rus):
    """The patient's own door to /min/, opened by the koordinator."""
    return portal_access_open(
        actor=Actor(coordinator, vadso_rus),
        patient=patient,
        reason="Ønsket av pasienten i samtale",
    )

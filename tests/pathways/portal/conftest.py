import pytest

from accounts.acting import Actor
from accounts.backends import PORTAL_BACKEND
from pathways.models import NextOfKin
from pathways.portal.gate import ACCESS_KEY, ACR_KEY
from pathways.portal.services import portal_access_open, portal_login
from tests.pathways.plan.setup import add_goal, add_measure, start_plan


@pytest.fixture
def patient_access(patient, coordinator, vadso_rus):
    """The patient's own door to /min/, opened by the koordinator."""
    return portal_access_open(
        actor=Actor(coordinator, vadso_rus),
        patient=patient,
        reason="Ønsket av pasienten i samtale",
    )


def portal_client(client, portal_access):
    """``client`` logged in as the person behind ``portal_access`` (as after ID-porten)."""
    user = portal_login(portal_access=portal_access, level="idporten-loa-high", method="test")
    client.force_login(user, backend=PORTAL_BACKEND)
    session = client.session
    session[ACCESS_KEY] = portal_access.pk
    session[ACR_KEY] = "idporten-loa-high"
    session.save()
    return client


@pytest.fixture
def patient_client(client, patient_access):
    return portal_client(client, patient_access)


@pytest.fixture
def plan(patient, coordinator, vadso_rus):
    plan = start_plan(patient, coordinator, vadso_rus)
    add_goal(plan, coordinator, vadso_rus, text="Jeg vil ha min egen leilighet.", is_main=True)
    add_measure(
        plan, coordinator, vadso_rus, title="Søknad om kommunal bolig", scope="Innen to uker"
    )
    plan.refresh_from_db()
    return plan


@pytest.fixture
def relative_client(client, patient, coordinator, vadso_rus, plan):
    kin = NextOfKin.objects.create(patient=patient, name="Anne Nordmann", relation="søster")
    access = portal_access_open(
        actor=Actor(coordinator, vadso_rus),
        patient=patient,
        reason="Pasienten ønsker at søsteren ser planen",
        next_of_kin=kin,
        national_id="01018512345",
    )
    return portal_client(client, access)

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from accounts.acting import Actor
from accounts.backends import PORTAL_BACKEND
from pathways.models import NextOfKin, PortalAccess
from pathways.patients.demo_ids import synthetic_id
from pathways.portal import grants
from pathways.portal.gate import ACCESS_KEY, ACR_KEY
from pathways.portal.services import portal_access_open, portal_login
from tests.pathways.plan.setup import add_goal, add_measure, start_plan

KIN_ID = synthetic_id(datetime.date(1985, 1, 1), serial=3)


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


def give(patient_access, kin, parts, *, national_id=KIN_ID, days=30):
    """The patient gives ``kin`` the ``parts`` in /min/parorende/ (through the service)."""
    if patient_access.user is None:
        portal_login(portal_access=patient_access, level="idporten-loa-high", method="test")
        patient_access.refresh_from_db()
    return grants.next_of_kin_grant(
        portal_access=patient_access,
        actor=Actor(patient_access.user),
        next_of_kin=kin,
        national_id=national_id,
        parts=parts,
        ends_on=timezone.localdate() + datetime.timedelta(days=days),
    )


@pytest.fixture
def kin(patient):
    return NextOfKin.objects.create(patient=patient, name="Anne Nordmann", relation="søster")


@pytest.fixture
def relative_client(client, patient_access, kin, plan):
    """A pårørende the patient gave "the plan"."""
    return portal_client(client, give(patient_access, kin, [PortalAccess.Part.PLAN]))


@pytest.fixture
def relative_with(patient_access, kin):
    """``relative_with(parts)``: a new client logged in as a pårørende given ``parts``."""

    def make(parts):
        return portal_client(Client(), give(patient_access, kin, parts))

    return make

"""A person with more than one door into /min/ chooses whose plan they see, and switches."""

import pytest
from django.test import Client

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.models import NextOfKin, PortalAccess
from pathways.portal import grants
from pathways.portal.chooser import CHOICES_KEY
from pathways.portal.services import accesses_for_national_id, portal_access_open
from tests.factories import make_patient
from tests.oidc_provider import provider_login
from tests.pathways.portal.conftest import KIN_ID, give, portal_client

pytestmark = pytest.mark.django_db

START = "/min/innlogging/idporten/"
CHOOSE = "/min/velg/"


@pytest.fixture
def second_patient(vadso_rus, coordinator):
    return make_patient(vadso_rus, by=coordinator, first_name="Kari", last_name="Fjellheim")


@pytest.fixture
def second_access(second_patient, coordinator, vadso_rus):
    return portal_access_open(
        actor=Actor(coordinator, vadso_rus), patient=second_patient, reason="Ønsket"
    )


def _kin_of(patient, name="Anne Nordmann"):
    return NextOfKin.objects.create(patient=patient, name=name, relation="søster")


@pytest.fixture
def two_grants(patient_access, second_access, patient, second_patient):
    """The same person (KIN_ID) is pårørende of both patients, with different parts."""
    first = give(patient_access, _kin_of(patient), [PortalAccess.Part.MEETINGS])
    second = give(second_access, _kin_of(second_patient), [PortalAccess.Part.CRISIS_PLAN])
    return first, second


def _logged_in(found, current=None):
    """A client as after an ID-porten login that opened the doors ``found``."""
    client = portal_client(Client(), current or found[0])
    session = client.session
    session[CHOICES_KEY] = [a.pk for a in found]
    session.save()
    return client


def _choose(client, access):
    return client.post(CHOOSE, {"access": access.pk})


def test_a_next_of_kin_of_two_patients_chooses_after_the_login(
    client, oidc, provider_browser, two_grants, patient, second_patient
):
    first, second = two_grants
    response = client.get(provider_login(client, START, pid=KIN_ID, browser=provider_browser))
    assert response.status_code == 302
    assert response["Location"] == CHOOSE
    page = client.get(CHOOSE).content.decode()
    assert f"Planen til {patient.full_name}" in page
    assert f"Planen til {second_patient.full_name}" in page
    # The chooser is a read like any /min/ page, with the basis of the door in use.
    shown = AuditEvent.objects.get(detail="/min/: choose whose plan")
    assert shown.basis == AuditEvent.Basis.NEXT_OF_KIN
    assert shown.patient_id == patient.pk
    # The second patient's plan: only that patient's pages, with the parts given there.
    assert _choose(client, second)["Location"] == "/min/"
    start = client.get("/min/").content.decode()
    assert f"Planen til {second_patient.full_name}" in start
    assert client.get("/min/kriseplan/").status_code == 200
    assert client.get("/min/moter/").status_code == 404
    assert client.session["portal_acr"] == "idporten-loa-high"
    # And back to the first: its meetings, not the second's crisis plan.
    assert "Se en annen plan du har tilgang til" in start
    _choose(client, first)
    assert f"Planen til {patient.full_name}" in client.get("/min/").content.decode()
    assert client.get("/min/moter/").status_code == 200
    assert client.get("/min/kriseplan/").status_code == 404
    reads = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, detail="/min/: meetings")
    assert {e.patient_id for e in reads} == {patient.pk}
    assert {e.basis for e in reads} == {AuditEvent.Basis.NEXT_OF_KIN}


def test_one_door_goes_straight_to_the_start_page(
    client, oidc, provider_browser, patient, patient_access
):
    response = client.get(
        provider_login(client, START, pid=patient.national_id, browser=provider_browser)
    )
    assert response["Location"] == "/min/"
    assert "Se en annen plan" not in client.get("/min/").content.decode()
    assert client.get(CHOOSE)["Location"] == "/min/"


def test_a_patient_who_is_also_next_of_kin_chooses_between_own_plan_and_the_other(
    patient, patient_access, second_patient, second_access
):
    # The second patient is pårørende of the first, known by their own national id.
    grant = give(
        patient_access,
        _kin_of(patient, name=second_patient.full_name),
        [PortalAccess.Part.MEETINGS],
        national_id=second_patient.national_id,
    )
    found = accesses_for_national_id(second_patient.national_id)
    # Their own plan first.
    assert found == [second_access, grant]
    client = _logged_in(found)
    page = client.get(CHOOSE).content.decode()
    assert "Min egen plan" in page
    assert f"Planen til {patient.full_name}" in page
    assert "Hei, Kari" in client.get("/min/").content.decode()
    _choose(client, grant)
    start = client.get("/min/").content.decode()
    assert f"Planen til {patient.full_name}" in start
    # As pårørende they do not reach the patient's own pages of the first patient.
    assert client.get("/min/samtykker/").status_code == 404
    _choose(client, second_access)
    assert "Hei, Kari" in client.get("/min/").content.decode()
    assert client.get("/min/samtykker/").status_code == 200


def test_a_withdrawn_grant_disappears_from_the_chooser_at_once(
    two_grants, patient_access, patient, second_patient
):
    first, second = two_grants
    client = _logged_in([first, second], current=second)
    assert f"Planen til {patient.full_name}" in client.get(CHOOSE).content.decode()
    grants.next_of_kin_withdraw(
        portal_access=patient_access, actor=Actor(patient_access.user), grant_id=first.pk
    )
    # One door left: nothing to choose, and the start page no longer offers it.
    assert client.get(CHOOSE)["Location"] == "/min/"
    assert _choose(client, first)["Location"] == "/min/"
    assert client.session["portal_access"] == second.pk
    start = client.get("/min/").content.decode()
    assert f"Planen til {second_patient.full_name}" in start
    assert "Se en annen plan" not in start


def test_the_chosen_door_withdrawn_logs_the_person_out_at_once(two_grants, patient_access):
    first, second = two_grants
    client = _logged_in([first, second])
    _choose(client, first)
    assert client.get("/min/moter/").status_code == 200
    grants.next_of_kin_withdraw(
        portal_access=patient_access, actor=Actor(patient_access.user), grant_id=first.pk
    )
    response = client.get("/min/moter/")
    assert response.status_code == 302
    assert response["Location"] == "/min/innlogging/"


def test_a_door_not_opened_by_this_login_cannot_be_chosen(
    two_grants, patient_access, second_access
):
    first, second = two_grants
    client = _logged_in([first, second])
    refused = _choose(client, patient_access)
    assert refused.status_code == 200
    assert client.session["portal_access"] == first.pk
    assert "Velg et gyldig valg" in refused.content.decode()

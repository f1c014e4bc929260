"""§3: the patient gives a pårørende chosen parts until a date; withdrawn or ended, at once."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent
from pathways.models import NextOfKin, PortalAccess
from pathways.patients.demo_ids import synthetic_id
from pathways.portal import services as portal
from tests.pathways.portal.conftest import KIN_ID, give, portal_client
from tests.security.conftest import page_form

pytestmark = pytest.mark.django_db

URL = "/min/parorende/"
MEETINGS, PLAN, CRISIS = (
    PortalAccess.Part.MEETINGS,
    PortalAccess.Part.PLAN,
    PortalAccess.Part.CRISIS_PLAN,
)
# A valid (synthetic) national id for the form, which checks the digits.
VALID_ID = synthetic_id(datetime.date(1962, 3, 14), serial=7)


def _form(client, **data):
    fields = page_form(client.get(URL).content.decode())
    fields.update(data)
    return fields


def _later(days=60):
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def test_the_patient_gives_a_person_from_the_register_chosen_parts(patient_client, kin, patient):
    page = patient_client.get(URL).content.decode()
    assert "Anne Nordmann (søster)" in page and "Ingen kan se noe av ditt nå." in page
    data = _form(
        patient_client,
        next_of_kin=kin.pk,
        national_id=VALID_ID,
        parts=[MEETINGS, CRISIS],
        ends_on=_later(),
    )
    response = patient_client.post(URL, data)
    assert response.status_code == 302
    grant = PortalAccess.objects.get(role=PortalAccess.Role.NEXT_OF_KIN)
    assert grant.parts == {MEETINGS, CRISIS} and grant.national_id == VALID_ID
    assert grant.ends_on.isoformat() == _later() and grant.next_of_kin == kin
    event = AuditEvent.objects.get(object_type="pathways.portalaccess", object_id=str(grant.pk))
    assert event.basis == AuditEvent.Basis.PATIENT and "Anne Nordmann" in event.detail
    page = patient_client.get(URL).content.decode()
    assert "Kan se: Møter og referater, Kriseplanen" in page
    # The same form sent again gives nothing twice.
    assert patient_client.post(URL, data).status_code == 302
    assert PortalAccess.objects.filter(role=PortalAccess.Role.NEXT_OF_KIN).count() == 1


@pytest.mark.parametrize(
    ("change", "field_error"),
    [
        ({"parts": []}, "Feltet er påkrevet."),
        ({"ends_on": "2001-01-01"}, "Velg en siste dag som er i dag eller senere."),
        ({"national_id": "12345678901"}, "Kontrollsifrene stemmer ikke"),
        ({"national_id": "abc"}, "Et fødselsnummer har bare sifre."),
    ],
)
def test_bad_input_is_explained_and_kept(patient_client, kin, change, field_error):
    data = _form(
        patient_client, next_of_kin=kin.pk, national_id=VALID_ID, parts=[PLAN], ends_on=_later()
    )
    data.update(change)
    response = patient_client.post(URL, data)
    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert not PortalAccess.objects.filter(role=PortalAccess.Role.NEXT_OF_KIN).exists()


def test_a_person_of_another_patients_register_cannot_be_chosen(
    patient_client, kin, coordinator, vadso_rus
):
    from tests.factories import make_patient

    other = make_patient(vadso_rus, coordinator)
    stranger = NextOfKin.objects.create(patient=other, name="Per Fremmed", relation="venn")
    assert "Per Fremmed" not in patient_client.get(URL).content.decode()
    data = _form(
        patient_client,
        next_of_kin=stranger.pk,
        national_id=VALID_ID,
        parts=[PLAN],
        ends_on=_later(),
    )
    assert patient_client.post(URL, data).status_code == 200
    assert not PortalAccess.objects.filter(role=PortalAccess.Role.NEXT_OF_KIN).exists()


def test_a_second_grant_to_the_same_person_is_refused_until_withdrawn(
    patient_client, patient_access, kin
):
    give(patient_access, kin, [PLAN])
    data = _form(
        patient_client, next_of_kin=kin.pk, national_id=KIN_ID, parts=[MEETINGS], ends_on=_later()
    )
    response = patient_client.post(URL, data)
    assert "Anne Nordmann har allerede tilgang" in response.content.decode()


def test_withdrawing_ends_the_pårørende_session_at_once(patient_client, patient_access, kin, plan):
    grant = give(patient_access, kin, [PLAN])
    relative = portal_client(Client(), grant)
    assert relative.get("/min/plan/").status_code == 200
    assert f"{URL}{grant.pk}/trekk-tilbake/" in patient_client.get(URL).content.decode()
    response = patient_client.post(f"{URL}{grant.pk}/trekk-tilbake/")
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.ended_at is not None
    assert AuditEvent.objects.filter(
        object_id=str(grant.pk), action=AuditEvent.Action.UPDATE, basis=AuditEvent.Basis.PATIENT
    ).exists()
    gone = relative.get("/min/plan/")
    assert gone.status_code == 302 and gone["Location"] == "/min/innlogging/"
    assert "_auth_user_id" not in relative.session
    # The person can be given access again; they keep their login account.
    again = give(patient_access, kin, [MEETINGS])
    assert again.user_id == grant.user_id
    assert "Trukket tilbake" in patient_client.get(URL).content.decode()


def test_a_grant_past_its_last_day_lets_no_one_in(patient_access, kin, plan):
    grant = give(patient_access, kin, [PLAN])
    relative = portal_client(Client(), grant)
    assert relative.get("/min/plan/").status_code == 200
    PortalAccess.objects.filter(pk=grant.pk).update(
        ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert relative.get("/min/plan/")["Location"] == "/min/innlogging/"
    # The login by national id finds nothing either, and a new grant can be given.
    assert portal.access_for_national_id(KIN_ID) is None
    assert give(patient_access, kin, [MEETINGS]).is_in_force


def test_the_login_by_national_id_finds_the_grant(patient_access, kin):
    grant = give(patient_access, kin, [MEETINGS])
    assert portal.access_for_national_id(KIN_ID) == grant


def test_another_patients_grant_cannot_be_withdrawn(patient_client, patient_access, kin):
    grant = give(patient_access, kin, [PLAN])
    assert patient_client.post(f"{URL}{grant.pk + 1000}/trekk-tilbake/").status_code == 404
    grant.refresh_from_db()
    assert grant.ended_at is None


def test_a_pårørende_never_reaches_the_grants_page(relative_with):
    client = relative_with([MEETINGS, PLAN, CRISIS])
    assert client.get(URL).status_code == 404
    assert client.post(URL, {}).status_code == 404
    assert "/min/parorende/" not in client.get("/min/").content.decode()


def test_staff_see_the_grants_on_the_min_plan_page(
    login, coordinator, patient, patient_access, kin
):
    give(patient_access, kin, [MEETINGS, CRISIS], days=10)
    page = login(coordinator).get(f"/pasienter/{patient.pk}/min-plan/").content.decode()
    assert "Anne Nordmann" in page and "Møter og referater, Kriseplanen" in page
    ends = (timezone.localdate() + datetime.timedelta(days=10)).strftime("%-d.%-m.%Y")
    assert ends in page
    assert login(coordinator).get(URL).status_code == 404
    assert Client().get(URL)["Location"] == "/min/innlogging/"


def test_the_grants_page_costs_the_same_for_one_grant_or_many(
    patient_client, patient_access, patient, django_assert_num_queries
):
    people = [
        NextOfKin.objects.create(patient=patient, name=f"Person {n}", relation="venn")
        for n in range(4)
    ]
    give(patient_access, people[0], [PLAN], national_id=synthetic_id(datetime.date(1970, 1, 1)))
    patient_client.get(URL)
    # Session, user, access, session renewal, grants, the register for the form, the audit
    # row: one query per grant would grow with them.
    with django_assert_num_queries(GRANT_PAGE_QUERIES):
        assert patient_client.get(URL).status_code == 200
    for n, person in enumerate(people[1:], start=1):
        give(
            patient_access,
            person,
            [MEETINGS],
            national_id=synthetic_id(datetime.date(1970, 1, 1), serial=n),
        )
    with django_assert_num_queries(GRANT_PAGE_QUERIES):
        assert patient_client.get(URL).status_code == 200


GRANT_PAGE_QUERIES = 7

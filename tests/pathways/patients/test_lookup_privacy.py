"""The lookup by national id does not tell a user without access who is a patient.

Every lookup is audited (who, why, outcome), rate-limited per user and per unit, and shown to
the unit's leader beside emergency access. Only registering and emergency access, which record
a reason, say that a person exists; elsewhere a registered-but-not-visible person and an
unregistered one get the same answer.
"""

import datetime
import re

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Membership
from pathways.models import BreakGlassAccess, Patient
from pathways.patients.demo_ids import synthetic_id
from tests.factories import make_user

pytestmark = pytest.mark.django_db
LOOKUP = AuditEvent.Action.LOOKUP


@pytest.fixture
def unknown_id(patient):
    number = synthetic_id(datetime.date(1975, 6, 15), serial=7)
    assert not Patient.objects.filter(national_id=number).exists()
    return number


def normalised(response, number) -> tuple[int, str]:
    page = response.content.decode().replace(number, "<ID>")
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "<CSRF>", page)
    page = re.sub(r'nonce="[^"]+"', "<NONCE>", page)
    page = re.sub(r'name="form_key" value="[^"]+"', "<FORM KEY>", page)  # new for each form
    page = re.sub(r"\b[A-Za-z0-9]{64}\b", "<TOKEN>", page)  # the CSRF token in hx-headers
    return response.status_code, page


def lookup(client, number):
    return client.post(reverse("pathways:lookup"), {"national_id": number})


def lookups():
    return list(AuditEvent.objects.filter(action=LOOKUP).order_by("pk"))


def test_lookup_answers_alike_for_a_registered_but_not_visible_and_an_unregistered_id(
    login, other_kommune_user, patient, unknown_id
):
    client = login(other_kommune_user)
    known = normalised(lookup(client, patient.national_id), patient.national_id)
    unknown = normalised(lookup(client, unknown_id), unknown_id)
    assert known[0] == unknown[0] == 200
    assert known[1] == unknown[1]
    assert "vises ikke her" in known[1]  # the page says it does not tell
    assert "Nordmann" not in known[1]


def test_the_emergency_access_start_page_answers_alike(
    login, other_kommune_user, patient, unknown_id
):
    client = login(other_kommune_user)
    pages = [
        normalised(
            client.post(reverse("pathways:break_glass"), {"national_id": n, "start": "1"}), n
        )
        for n in (patient.national_id, unknown_id)
    ]
    assert pages[0] == pages[1]
    assert pages[0][0] == 200


def test_every_lookup_is_audited_with_who_why_and_outcome_but_never_the_id(
    login, other_kommune_user, coordinator, patient, unknown_id, sarpsborg_rus, vadso_rus
):
    lookup(login(other_kommune_user), patient.national_id)
    lookup(login(other_kommune_user), unknown_id)
    assert lookup(login(coordinator), patient.national_id).status_code == 302
    hidden_known, hidden_unknown, opened = lookups()
    for event in (hidden_known, hidden_unknown):
        assert (event.user, event.unit) == (other_kommune_user, sarpsborg_rus)
        assert event.detail == "Finn pasient med fødselsnummer: ikke vist"
    # The patient's own access log shows that someone looked them up; nobody else's does.
    assert hidden_known.patient_id == patient.pk and hidden_unknown.patient_id is None
    assert (opened.user, opened.unit, opened.patient_id) == (coordinator, vadso_rus, patient.pk)
    assert opened.detail.endswith("åpnet")
    for event in lookups():
        assert patient.national_id not in event.detail and unknown_id not in event.detail


def test_lookups_are_limited_per_user(login, other_kommune_user, unknown_id, settings):
    settings.LOOKUP_LIMIT_PER_USER = 3
    client = login(other_kommune_user)
    assert [lookup(client, unknown_id).status_code for _ in range(3)] == [200, 200, 200]
    refused = lookup(client, unknown_id)
    assert refused.status_code == 429
    assert "mange oppslag" in refused.content.decode()
    assert lookups()[-1].detail.endswith("avvist, for mange oppslag")
    # The limit also holds on the other paths that look a person up.
    response = client.post(
        reverse("pathways:break_glass"),
        {
            "national_id": unknown_id,
            "reason": BreakGlassAccess.Reason.EMERGENCY,
            "explanation": "Akutt innlagt, trenger kriseplanen nå",
        },
    )
    assert response.status_code == 429


def test_lookups_are_limited_per_unit(
    login, sarpsborg_rus, other_kommune_user, unknown_id, settings
):
    settings.LOOKUP_LIMIT_PER_UNIT = 2
    colleague = make_user(sarpsborg_rus, Membership.Role.CLINICIAN)
    assert lookup(login(other_kommune_user), unknown_id).status_code == 200
    assert lookup(login(other_kommune_user), unknown_id).status_code == 200
    assert lookup(login(colleague), unknown_id).status_code == 429


def test_registering_a_known_person_says_so_and_is_audited_as_a_lookup(
    login, other_kommune_user, patient
):
    response = login(other_kommune_user).post(
        reverse("pathways:patient_new"),
        {
            "national_id": patient.national_id,
            "first_name": "Ola",
            "last_name": "Nordmann",
            "birth_date": patient.birth_date.isoformat(),
        },
    )
    assert "allerede registrert" in response.content.decode()  # registering is a reason
    [event] = lookups()
    assert event.user == other_kommune_user and event.patient_id == patient.pk
    assert event.detail == "Registrering av pasient: ikke vist"


def test_emergency_access_says_nobody_has_the_id_and_records_the_reason(
    login, other_kommune_user, unknown_id
):
    response = login(other_kommune_user).post(
        reverse("pathways:break_glass"),
        {
            "national_id": unknown_id,
            "reason": BreakGlassAccess.Reason.EMERGENCY,
            "explanation": "Innlagt akutt, trenger kriseplanen",
        },
    )
    assert response.status_code == 200
    assert "Ingen pasient med dette fødselsnummeret" in response.content.decode()
    [event] = lookups()
    assert event.detail.startswith("Nødtilgang: ikke vist (")
    assert "Innlagt akutt" in event.detail


def test_emergency_access_audits_the_lookup_beside_the_grant(login, other_kommune_user, patient):
    response = login(other_kommune_user).post(
        reverse("pathways:break_glass"),
        {
            "national_id": patient.national_id,
            "reason": BreakGlassAccess.Reason.EMERGENCY,
            "explanation": "Innlagt akutt, trenger kriseplanen",
        },
    )
    assert response.status_code == 302
    assert [e.patient_id for e in lookups()] == [patient.pk]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.BREAK_GLASS).count() == 1


def test_the_leader_sees_the_units_lookups_beside_emergency_access(
    login, coordinator, leader, unknown_id, patient
):
    lookup(login(coordinator), unknown_id)
    lookup(login(coordinator), patient.national_id)
    page = login(leader).get(reverse("breakglass_review")).content.decode()
    assert "Oppslag på fødselsnummer" in page
    assert page.count("Finn pasient med fødselsnummer: ikke vist") == 1
    assert page.count("Finn pasient med fødselsnummer: åpnet") == 1
    assert unknown_id not in page and patient.national_id not in page

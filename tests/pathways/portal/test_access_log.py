"""/min/innsyn/: who has read my record (the access log's summary), and "Spør hvorfor"."""

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent, Membership
from pathways.models import Notification
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def read_by_tsb(shared_patient, tsb_clinician):
    staff = Client()
    staff.force_login(tsb_clinician)
    assert staff.get(f"/pasienter/{shared_patient.pk}/").status_code == 200
    return shared_patient


@pytest.fixture
def tsb_leader(unn_tsb):
    return make_user(unn_tsb, Membership.Role.LEADER, username="tsbleder", first_name="Lise")


def _ask_url(page: str, user) -> str:
    """The "Spør hvorfor" link of ``user``'s line."""
    page = page.replace("&amp;", "&")
    start = page.rindex("/min/innsyn/spor-hvorfor/?", 0, page.index(f"&person={user.pk}&"))
    return page[start : page.index('"', start)]


def test_the_patient_sees_who_read_it_per_month(read_by_tsb, tsb_clinician, patient_client):
    page = patient_client.get("/min/innsyn/").content.decode()
    assert "Hvem har lest journalen din" in page
    assert tsb_clinician.get_full_name() in page
    assert "TSB døgn (UNN HF)" in page
    assert "lest 1 gang" in page
    assert "Spør hvorfor" in page
    # The patient's own reads at /min/ are not in the list: the question is who else read it.
    assert "Pasienten selv" not in page
    read = AuditEvent.objects.filter(patient_id=read_by_tsb.pk, action="view").latest("at")
    assert read.basis == AuditEvent.Basis.PATIENT and read.detail == "/min/: who has read my record"


def test_asking_why_sends_a_notice_to_the_units_leader(
    read_by_tsb, tsb_leader, tsb_clinician, patient_client, unn_tsb
):
    url = _ask_url(patient_client.get("/min/innsyn/").content.decode(), tsb_clinician)
    form = patient_client.get(url).content.decode()
    assert tsb_clinician.get_full_name() in form
    response = patient_client.post(url, {"question": "Jeg kjenner ikke denne behandleren."})
    assert response.status_code == 302
    note = Notification.objects.get(user=tsb_leader, kind="access_question")
    assert note.body == "Jeg kjenner ikke denne behandleren."
    assert note.patient_id == read_by_tsb.pk
    # The notice opens the page where the leader answers; it links the access log's lines.
    assert note.url.startswith(f"/pasienter/{read_by_tsb.pk}/min-plan/sporsmal/")
    leader = Client()
    leader.force_login(tsb_leader)
    assert f"enhet={unn_tsb.pk}" in leader.get(note.url).content.decode().replace("&amp;", "&")
    asked = AuditEvent.objects.filter(
        patient_id=read_by_tsb.pk, action="create", basis=AuditEvent.Basis.PATIENT
    ).get()
    assert "Spør hvorfor" in asked.detail and "TSB døgn" in asked.detail
    assert asked.object_type == "pathways.notification" and asked.user.portal_accesses.exists()
    from pathways.patients.auditlog import describe

    assert describe(asked) == "Opprettet: Spørsmål om tilgangsloggen"
    # No health information and not the question in any email.
    assert all("behandleren" not in m.body and "Ola" not in m.body for m in mail.outbox)


def test_without_a_leader_the_question_goes_to_the_koordinator(
    read_by_tsb, patient_client, coordinator, vadso_rus, tsb_clinician
):
    from tests.pathways.plan.setup import appoint

    appoint(read_by_tsb, coordinator, vadso_rus)
    url = _ask_url(patient_client.get("/min/innsyn/").content.decode(), tsb_clinician)
    patient_client.post(url, {"question": "Hvorfor?"})
    assert Notification.objects.filter(user=coordinator, kind="access_question").exists()


def test_an_empty_question_is_refused_beside_the_field(
    read_by_tsb, tsb_leader, patient_client, tsb_clinician
):
    url = _ask_url(patient_client.get("/min/innsyn/").content.decode(), tsb_clinician)
    response = patient_client.post(url, {"question": ""})
    assert response.status_code == 200
    assert "error" in response.content.decode()
    assert not Notification.objects.exists()


def test_a_line_that_is_not_in_the_log_is_not_found(read_by_tsb, tsb_leader, patient_client):
    month = timezone.localdate().strftime("%Y-%m")
    url = (
        f"/min/innsyn/spor-hvorfor/?maned={month}&person={tsb_leader.pk}&enhet=1&grunnlag=care_team"
    )
    assert patient_client.get(url).status_code == 404
    assert patient_client.post(url, {"question": "Hvorfor?"}).status_code == 404
    assert patient_client.get("/min/innsyn/spor-hvorfor/?maned=x").status_code == 404
    assert not Notification.objects.exists()


@pytest.mark.parametrize("url", ["/min/innsyn/", "/min/innsyn/spor-hvorfor/"])
def test_only_the_patient_reaches_it(url, read_by_tsb, relative_client, coordinator):
    assert relative_client.get(url).status_code == 404
    staff = Client()
    staff.force_login(coordinator)
    assert staff.get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"] == "/min/innlogging/"


def test_the_list_costs_the_same_queries_with_more_readers(
    read_by_tsb, patient_client, unn_tsb, django_assert_num_queries
):
    patient_client.get("/min/innsyn/")
    with django_assert_num_queries(6) as first:
        patient_client.get("/min/innsyn/")
    # Read now: the staff requests below clear the connection's query log.
    count = len(first.captured_queries)
    for n in range(3):
        staff = Client()
        staff.force_login(make_user(unn_tsb, username=f"leser{n}"))
        staff.get(f"/pasienter/{read_by_tsb.pk}/")
    with django_assert_num_queries(count):
        page = patient_client.get("/min/innsyn/").content.decode()
    assert page.count("Spør hvorfor") >= 4

"""Ansvarsgruppe in /min/: meetings ahead with .ics, the patient's agenda items, the minutes."""

import pytest
from django.test import Client
from icalendar import Calendar

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.meetings import services as meetings
from pathways.models import AgendaItem, Meeting, Notification, PortalAccess
from tests.pathways.meetings.fixtures import *  # noqa: F403  (fixtures)
from tests.pathways.meetings.fixtures import at, hold

pytestmark = pytest.mark.django_db

LIST = "/min/moter/"
MEETINGS = PortalAccess.Part.MEETINGS


def _reads(patient, basis):
    return AuditEvent.objects.filter(
        patient_id=patient.pk, action=AuditEvent.Action.VIEW, basis=basis
    )


def test_the_patient_sees_the_meetings_ahead_with_place_and_who(patient_client, planned):
    page = patient_client.get(LIST).content.decode()
    assert "Vadsø rådhus, møterom 2" in page
    assert "Nina NAV" in page and "Status bolig" in page
    assert f"/min/moter/{planned.pk}/kalender.ics" in page
    assert f"/min/moter/{planned.pk}/foresla/" in page
    assert "Ingen referater er publisert ennå." in page


def test_the_calendar_file_is_the_meeting_without_the_other_participants(
    patient_client, planned, patient
):
    response = patient_client.get(f"/min/moter/{planned.pk}/kalender.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["UID"]) == f"{planned.uid}@samhandling"
    assert "ATTENDEE" not in event
    # The link in it leads to the patient's own page, not the staff record.
    assert "/min/moter/" in str(event["DESCRIPTION"])
    assert "/pasienter/" not in str(event["DESCRIPTION"])
    assert _reads(patient, AuditEvent.Basis.PATIENT).filter(detail__contains="calendar").exists()


def test_a_proposed_item_lands_on_the_agenda_marked_and_the_leader_is_told(
    patient_client, planned, patient, coordinator, login
):
    url = f"/min/moter/{planned.pk}/foresla/"
    assert patient_client.get(url).status_code == 200
    response = patient_client.post(url, {"title": "  Jeg vil snakke om   jobb  "})
    assert response.status_code == 302
    item = AgendaItem.objects.get(meeting=planned, proposed_by_patient=True)
    assert item.title == "Jeg vil snakke om jobb"
    assert item.position > max(a.position for a in planned.agenda.exclude(pk=item.pk))
    assert AuditEvent.objects.filter(
        object_type="pathways.agendaitem",
        object_id=str(item.pk),
        basis=AuditEvent.Basis.PATIENT,
        action=AuditEvent.Action.CREATE,
    ).exists()
    note = Notification.objects.get(user=coordinator, kind="agenda_item_proposed")
    assert "jobb" not in note.title  # a notice, no content
    assert "ditt forslag" in patient_client.get(LIST).content.decode()
    staff_page = login(coordinator).get(f"/pasienter/{patient.pk}/moter/{planned.pk}/")
    assert "Foreslått av pasienten" in staff_page.content.decode()


def test_an_empty_proposal_is_refused_beside_the_field(patient_client, planned):
    response = patient_client.post(f"/min/moter/{planned.pk}/foresla/", {"title": "   "})
    assert response.status_code == 200
    assert not AgendaItem.objects.filter(proposed_by_patient=True).exists()


def test_staff_changing_the_agenda_keeps_the_patients_item(
    patient_client, planned, coordinator, vadso_rus
):
    patient_client.post(f"/min/moter/{planned.pk}/foresla/", {"title": "Økonomi"})
    planned.refresh_from_db()
    meetings.meeting_change(
        meeting=planned,
        actor=Actor(coordinator, vadso_rus),
        version=planned.version,
        starts_at=planned.starts_at,
        duration_minutes=60,
        place=planned.place,
        digital_link="",
        agenda=["Bolig"],
    )
    titles = {a.title: a.proposed_by_patient for a in planned.agenda.all()}
    assert titles == {"Bolig": False, "Økonomi": True}


def test_no_item_can_be_proposed_for_a_meeting_that_is_over(patient_client, planned):
    url = f"/min/moter/{planned.pk}/foresla/"
    assert patient_client.get(url).status_code == 200
    Meeting.objects.filter(pk=planned.pk).update(starts_at=at(-3))
    assert patient_client.post(url, {"title": "Bolig"}).status_code == 404
    assert not AgendaItem.objects.filter(proposed_by_patient=True).exists()


def test_published_minutes_are_read_and_unpublished_are_not(
    patient_client, published, patient, planned
):
    page = patient_client.get(LIST).content.decode()
    assert f"/min/moter/{published.pk}/referat/" in page
    minutes = patient_client.get(f"/min/moter/{published.pk}/referat/").content.decode()
    assert "Ola har fått leilighet." in minutes and "NAV søker bostøtte." in minutes
    assert "Søke om bostøtte" in minutes
    assert _reads(patient, AuditEvent.Basis.PATIENT).filter(detail="/min/: minutes").exists()
    Meeting.objects.filter(pk=published.pk).update(published_at=None)
    assert patient_client.get(f"/min/moter/{published.pk}/referat/").status_code == 404


def test_another_patients_meeting_is_404(patient_client, published, coordinator, vadso_rus):
    from tests.factories import make_patient

    other = make_patient(vadso_rus, coordinator, first_name="Kari")
    Meeting.objects.filter(pk=published.pk).update(patient=other)
    for url in ("referat/", "kalender.ics", "foresla/"):
        assert patient_client.get(f"/min/moter/{published.pk}/{url}").status_code == 404


def test_a_next_of_kin_given_meetings_reads_minutes_but_proposes_nothing(
    relative_with, published, patient
):
    client = relative_with([MEETINGS])
    assert client.get(LIST).status_code == 200
    minutes = client.get(f"/min/moter/{published.pk}/referat/")
    assert minutes.status_code == 200
    assert "Ola har fått leilighet." in minutes.content.decode()
    read = _reads(patient, AuditEvent.Basis.NEXT_OF_KIN).filter(detail="/min/: minutes")
    assert read.exists()
    assert "foresla" not in client.get(LIST).content.decode()
    assert client.get(f"/min/moter/{published.pk}/foresla/").status_code == 404
    # Not given: the plan, the patient's own pages.
    for url in ("/min/plan/", "/min/slik-har-jeg-det/", "/min/parorende/", "/min/viktig/"):
        assert client.get(url).status_code == 404, url


def test_a_next_of_kin_without_meetings_gets_404_on_every_meeting_page(relative_with, published):
    client = relative_with([PortalAccess.Part.PLAN])
    for url in (
        LIST,
        f"/min/moter/{published.pk}/referat/",
        f"/min/moter/{published.pk}/kalender.ics",
    ):
        assert client.get(url).status_code == 404, url
    assert "/min/moter/" not in client.get("/min/").content.decode()


def test_staff_and_anonymous_visitors_do_not_reach_the_pages(login, coordinator, published):
    staff = login(coordinator)
    assert staff.get(LIST).status_code == 404
    assert staff.get(f"/min/moter/{published.pk}/referat/").status_code == 404
    anonymous = Client().get(f"/min/moter/{published.pk}/referat/")
    assert anonymous.status_code == 302 and anonymous["Location"] == "/min/innlogging/"


PAGE_QUERIES = 9


def test_the_meetings_page_costs_the_same_for_one_meeting_or_many(
    patient_client, planned, group, coordinator, vadso_rus, django_assert_num_queries
):
    patient_client.get(LIST)
    with django_assert_num_queries(PAGE_QUERIES):
        assert patient_client.get(LIST).status_code == 200
    for days in (14, 21, 28):
        meeting = meetings.meeting_plan(
            group=group,
            actor=Actor(coordinator, vadso_rus),
            starts_at=at(days),
            place="Vadsø",
            agenda=["Bolig", "Arbeid"],
        )
        hold(meeting, coordinator, vadso_rus)
        meeting.refresh_from_db()
        meetings.minutes_publish(
            meeting=meeting, actor=Actor(coordinator, vadso_rus), version=meeting.version
        )
    for days in (35, 42):
        meetings.meeting_plan(
            group=group, actor=Actor(coordinator, vadso_rus), starts_at=at(days), place="Vadsø"
        )
    # Session, user, access, session renewal, three for the meetings ahead (with invitations
    # and agenda), one for the minutes, the audit row: one per meeting would be 10+ more.
    with django_assert_num_queries(PAGE_QUERIES):
        assert patient_client.get(LIST).status_code == 200


def test_a_pårørende_given_the_minutes_reads_them_online_instead_of_by_post(
    held, group, kin, patient_access, coordinator, vadso_rus, django_capture_on_commit_callbacks
):
    from django.core import mail

    from pathways.models import GroupMember
    from tests.pathways.portal.conftest import give

    kin.email = "anne@example.no"
    kin.save()
    meetings.group_member_add(
        group=group,
        actor=Actor(coordinator, vadso_rus),
        role=GroupMember.Role.NEXT_OF_KIN,
        next_of_kin=kin,
        basis=GroupMember.Basis.CONSENT,
        basis_note="Muntlig samtykke",
    )
    give(patient_access, kin, [MEETINGS])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meetings.minutes_publish(
            meeting=held, actor=Actor(coordinator, vadso_rus), version=held.version
        )
    # Only Nina NAV gets the minutes by post; Anne reads them in Min plan.
    to_post = Notification.objects.get(kind="minutes_to_post")
    assert to_post.title == "Send referatet per post til 1 ekstern deltaker"
    notices = {m.to[0]: m.body for m in mail.outbox}
    assert "post" in notices["nina.nav@example.no"]
    # Anne gets the neutral notice of Min plan (to the address in the register: she has not
    # chosen otherwise), nothing about the meeting.
    assert notices["anne@example.no"].startswith("Du har en ny melding i Samhandling.")
    assert "leilighet" not in notices["anne@example.no"]
    assert "referat" not in notices["anne@example.no"].lower()

"""The calendar invitation: valid RFC 5545, read back with a real parser."""

import datetime

import pytest
from django.urls import reverse
from icalendar import Calendar

from accounts.acting import Actor
from pathways.meetings import services as svc
from tests.pathways.meetings.fixtures import *  # noqa: F403  (fixtures)
from tests.pathways.meetings.fixtures import at

pytestmark = pytest.mark.django_db


def ics_url(meeting):
    return reverse("pathways:meeting_ics", args=[meeting.patient_id, meeting.pk])


def parse(data: bytes):
    cal = Calendar.from_ical(data)
    (event,) = cal.walk("VEVENT")
    return cal, event


def test_the_invitation_parses_and_carries_what_a_calendar_needs(login, coordinator, planned):
    response = login(coordinator).get(ics_url(planned))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content
    # Every line ends in CRLF.
    assert body.count(b"\r\n") == body.count(b"\n")
    cal, event = parse(body)
    assert cal["METHOD"] == "REQUEST"
    assert cal["VERSION"] == "2.0"
    assert str(event["UID"]) == f"{planned.uid}@samhandling"
    assert event["SEQUENCE"] == 0
    start = event.decoded("DTSTART")
    assert start.utcoffset() == datetime.timedelta(0)
    assert start == planned.starts_at
    assert event.decoded("DTEND") - start == datetime.timedelta(minutes=90)
    assert b"DTSTART:" in body and b"Z\r\n" in body
    assert str(event["ORGANIZER"]) == f"mailto:{coordinator.email}"
    attendees = sorted(str(a) for a in event["ATTENDEE"])
    assert "mailto:nina.nav@example.no" in attendees
    assert len(attendees) == 3  # the patient has no email
    assert str(event["LOCATION"]) == "Vadsø rådhus, møterom 2"
    # The calendar never names the patient.
    assert b"Nordmann" not in body


def test_a_summer_meeting_at_ten_oslo_time_is_eight_utc(group, coordinator, vadso_rus):
    from zoneinfo import ZoneInfo

    summer = datetime.datetime(2031, 6, 10, 10, 0, tzinfo=ZoneInfo("Europe/Oslo"))
    meeting = svc.meeting_plan(
        group=group, actor=Actor(coordinator, vadso_rus), starts_at=summer, place="Rådhuset"
    )
    _, event = parse(svc.meeting_ics(meeting))
    assert event.decoded("DTSTART") == datetime.datetime(2031, 6, 10, 8, 0, tzinfo=datetime.UTC)


def test_the_uid_stays_and_the_sequence_rises_with_each_change(
    login, coordinator, vadso_rus, planned
):
    client = login(coordinator)
    _, first = parse(client.get(ics_url(planned)).content)
    for n in (1, 2):
        planned.refresh_from_db()
        svc.meeting_change(
            meeting=planned,
            actor=Actor(coordinator, vadso_rus),
            version=planned.version,
            starts_at=at(7 + n),
            duration_minutes=60,
            place="Vadsø rådhus",
            digital_link="",
        )
        _, changed = parse(client.get(ics_url(planned)).content)
        assert changed["UID"] == first["UID"]
        assert changed["SEQUENCE"] == n
        assert changed.decoded("DTSTART") == at(7 + n)


def test_a_cancelled_meeting_gives_a_cancel_with_a_higher_sequence(
    login, coordinator, vadso_rus, planned
):
    svc.meeting_cancel(meeting=planned, actor=Actor(coordinator, vadso_rus))
    cal, event = parse(login(coordinator).get(ics_url(planned)).content)
    assert cal["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 1


def test_the_patient_with_an_email_is_invited_but_never_listed_as_an_attendee(
    planned, group, coordinator, vadso_rus, django_capture_on_commit_callbacks
):
    from django.core import mail

    from pathways.models import GroupMember

    group.members.filter(role=GroupMember.Role.PATIENT).update(email="ola@example.no")
    _, event = parse(svc.meeting_ics(planned))
    attendees = [str(a) for a in event["ATTENDEE"]]
    assert "mailto:ola@example.no" not in attendees
    assert b"Nordmann" not in svc.meeting_ics(planned)
    planned.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        svc.meeting_change(
            meeting=planned,
            actor=Actor(coordinator, vadso_rus),
            version=planned.version,
            starts_at=at(9),
            duration_minutes=60,
            place="Vadsø rådhus",
            digital_link="",
        )
    to_patient = [m for m in mail.outbox if m.to == ["ola@example.no"]]
    assert len(to_patient) == 1
    for message in mail.outbox:
        assert b"Nordmann" not in message.attachments[0][1].encode()
        assert "Nordmann" not in message.subject + message.body

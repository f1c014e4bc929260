"""Shared set-up for the ansvarsgruppe tests, made through the real services."""

import datetime

import pytest
from django.utils import timezone

from accounts.acting import Actor
from pathways.meetings import services as svc
from pathways.models import GroupMember, Meeting

OSLO_TEN = datetime.time(10, 0)


def at(days: int, time=OSLO_TEN):
    """An aware datetime ``days`` from today at ``time`` Norwegian time."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, time))


@pytest.fixture
def group(shared_patient, coordinator, vadso_rus, tsb_clinician, unn_tsb):
    group = svc.group_create(
        patient=shared_patient,
        actor=Actor(coordinator, vadso_rus),
        patient_say="Ola vil ha med mor og NAV-veileder, ikke faren.",
    )
    svc.group_member_add(
        group=group, actor=Actor(coordinator, vadso_rus), user=tsb_clinician, member_unit=unn_tsb
    )
    svc.group_member_add(
        group=group,
        actor=Actor(coordinator, vadso_rus),
        name="Nina NAV",
        role=GroupMember.Role.NAV,
        role_note="NAV-veileder",
        email="nina.nav@example.no",
        basis=GroupMember.Basis.CONSENT,
        basis_note="Skriftlig samtykke 1.2.2026",
        patient_view=GroupMember.PatientView.ASKED_FOR,
    )
    svc.group_member_add(
        group=group,
        actor=Actor(coordinator, vadso_rus),
        name="Ola Nordmann",
        role=GroupMember.Role.PATIENT,
        basis=GroupMember.Basis.PATIENT,
    )
    return group


def member(group, **lookup):
    return group.members.get(**lookup)


@pytest.fixture
def planned(group, coordinator, vadso_rus):
    return svc.meeting_plan(
        group=group,
        actor=Actor(coordinator, vadso_rus),
        starts_at=at(7),
        duration_minutes=90,
        place="Vadsø rådhus, møterom 2",
        digital_link="https://meet.example.no/abc",
        agenda=["Status bolig", "Aktivitet og arbeid"],
    )


def begin(meeting):
    """Let the meeting's time come: minutes belong to a meeting that has begun. The meeting is
    moved to yesterday at ten, as if the days between had passed."""
    if not meeting.has_begun:
        Meeting.objects.filter(pk=meeting.pk).update(starts_at=at(-1))
        meeting.refresh_from_db()
    return meeting


def hold(meeting, by, unit, *, notes="Ola har fått leilighet.", decision="NAV søker bostøtte."):
    begin(meeting)
    agenda = {a.pk: (notes, decision) for a in meeting.agenda.all()}
    attendance = {m.pk: "present" for m in meeting.group.members.active()}
    return svc.minutes_record(
        meeting=meeting,
        actor=Actor(by, unit),
        version=meeting.version,
        attendance=attendance,
        agenda_notes=agenda,
        general_notes="Neste møte i Vadsø.",
    )


@pytest.fixture
def begun(planned):
    """The planned meeting, its time come: minutes may be written."""
    return begin(planned)


@pytest.fixture
def held(planned, coordinator, vadso_rus, tsb_clinician, group):
    meeting = hold(planned, coordinator, vadso_rus)
    svc.action_item_add(
        meeting=meeting,
        actor=Actor(coordinator, vadso_rus),
        what="Sende epikrise til fastlege",
        due_date=timezone.localdate() + datetime.timedelta(days=14),
        responsible_user=tsb_clinician,
    )
    svc.action_item_add(
        meeting=meeting,
        actor=Actor(coordinator, vadso_rus),
        what="Søke om bostøtte",
        due_date=timezone.localdate() + datetime.timedelta(days=10),
        responsible_external=member(group, name="Nina NAV"),
    )
    meeting.refresh_from_db()
    return meeting


@pytest.fixture
def published(held, coordinator, vadso_rus):
    return svc.minutes_publish(
        meeting=held, actor=Actor(coordinator, vadso_rus), version=held.version
    )

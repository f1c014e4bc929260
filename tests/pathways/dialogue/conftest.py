"""The cast of the dialogue tests: Vadsø's rus/psykisk helse unit (registered the patient)
asks UNN TSB døgn (on the care team by consent); Vadsø's NAV office is a third unit on the
team; Sarpsborg and another helseforetak are outside it."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.acting import Actor
from accounts.models import Membership, ServiceUnit
from pathways.dialogue import services as dialogue
from pathways.models import CareTeamMember
from pathways.patients.services.careteam import care_team_add
from tests.factories import make_unit, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="epikrise.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def vadso_nav(vadso):
    return make_unit(vadso, ServiceUnit.Kind.NAV, "NAV Vadsø")


@pytest.fixture
def nav_user(vadso_nav):
    return make_user(vadso_nav, Membership.Role.CLINICIAN, username="navveileder")


@pytest.fixture
def team_patient(shared_patient, coordinator, vadso_rus, vadso_nav):
    """The shared patient with NAV Vadsø on the care team too."""
    care_team_add(
        patient=shared_patient,
        unit=vadso_nav,
        role=CareTeamMember.Role.TREATING,
        basis=CareTeamMember.Basis.CONSENT,
        actor=Actor(coordinator, vadso_rus),
    )
    return shared_patient


def ask(patient, user, unit, to_unit, **extra):
    data = {
        "subject": "Legemidler ved utskriving",
        "text": "Hvilke legemidler skal Ola ha med seg hjem?",
        "answer_by": in_days(3),
        **extra,
    }
    return dialogue.thread_start(patient=patient, actor=Actor(user, unit), to_unit=to_unit, **data)


@pytest.fixture
def thread(team_patient, coordinator, vadso_rus, unn_tsb, tsb_clinician, nav_user):
    """Vadsø asks UNN TSB døgn, with an answer-by date in three days (the people of each unit
    exist first, so the notices reach them)."""
    return ask(team_patient, coordinator, vadso_rus, unn_tsb)

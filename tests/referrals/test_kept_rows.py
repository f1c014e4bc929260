"""The referral lists' rows are kept rendered per unit (config/fragments.py) under a version
the database raises with every change a row shows. Each change below is on the next look,
however it was written; the day turning is too."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.acting import Actor
from pathways.models import PatientGroupObjectPermission
from referrals import services
from referrals.models import Referral
from tests.referrals.conftest import send_referral

pytestmark = pytest.mark.django_db


def look(client, tab="innkommende") -> str:
    response = client.get(reverse("referrals:list") + f"?fane={tab}")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def sent(patient, coordinator, vadso_rus, unn_intake):
    return send_referral(patient, coordinator, vadso_rus, unn_intake)


def test_a_change_of_a_field_only_the_row_shows(client, sent, tsb_intake):
    client.force_login(tsb_intake)
    due = sent.assessment_due
    assert due.strftime("%-d.%-m.%Y") in look(client)
    later = due + datetime.timedelta(days=40)
    # Written past the services (a queryset update): the database raises the version.
    Referral.objects.filter(pk=sent.pk).update(assessment_due=later)
    page = look(client)
    assert later.strftime("%-d.%-m.%Y") in page
    assert due.strftime("%-d.%-m.%Y") not in page


def test_a_patient_renamed_on_both_units_lists(client, sent, patient, tsb_intake, coordinator):
    client.force_login(tsb_intake)
    assert patient.last_name in look(client)
    client.force_login(coordinator)
    assert patient.last_name in look(client, "sendt")
    patient.last_name = "Nyttnavn"
    patient.save()
    assert "Nyttnavn" in look(client, "sendt")
    client.force_login(tsb_intake)
    assert "Nyttnavn" in look(client)


def test_a_unit_or_organisation_renamed(client, sent, vadso_rus, tsb_intake):
    client.force_login(tsb_intake)
    assert vadso_rus.name in look(client)
    vadso_rus.name = "Rus og psykisk helse Vadsø"
    vadso_rus.save()
    assert "Rus og psykisk helse Vadsø" in look(client)
    organisation = vadso_rus.organisation
    organisation.name = "Vadsø kommune (ny)"
    organisation.save()
    assert "Vadsø kommune (ny)" in look(client)


def test_a_grant_taken_away_takes_the_row(client, sent, patient, unn_intake, tsb_intake):
    client.force_login(tsb_intake)
    assert patient.last_name in look(client)
    PatientGroupObjectPermission.objects.filter(
        group_id=unn_intake.group_id, content_object=patient
    ).delete()
    assert patient.last_name not in look(client)


def test_the_days_left_follow_the_day(client, sent, unn_intake, tsb_intake, monkeypatch):
    today = timezone.localdate()
    services.referral_grant(
        referral=sent,
        actor=Actor(tsb_intake, unn_intake),
        start_deadline=today + datetime.timedelta(days=20),
        help_kind="outpatient",
    )
    client.force_login(tsb_intake)
    assert "20 dager igjen" in look(client, "venteliste")
    monkeypatch.setattr(
        timezone, "localdate", lambda *args, **kwargs: today + datetime.timedelta(1)
    )
    assert "19 dager igjen" in look(client, "venteliste")


def test_each_page_and_filter_is_its_own(client, sent, patient, tsb_intake):
    client.force_login(tsb_intake)
    assert patient.last_name in look(client)
    under_23 = client.get(reverse("referrals:list") + "?fane=innkommende&under23=on")
    assert (patient.last_name in under_23.content.decode()) == sent.under_23

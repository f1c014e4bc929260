"""Discharge figures on a fixed data set, the page and the CSV; and the reminder rules."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.acting import Actor
from pathways.episodes import services as svc
from pathways.models import (
    EttervernPlan,
    FollowUpAppointment,
    KommuneMessage,
    Notification,
    TreatmentEpisode,
)
from pathways.notifications.reminders import sweep
from tests.factories import make_unit
from tests.pathways.episodes.test_services import admit

pytestmark = pytest.mark.django_db

TZ = datetime.UTC
DAY = datetime.datetime(2026, 3, 16, 12, 0, tzinfo=TZ)  # discharges happen around this day


def episode(patient, unit, by, *, ended, end_kind="planned", kind="dogn"):
    return TreatmentEpisode.objects.create(
        patient=patient,
        unit=unit,
        kind=kind,
        started_at=ended - datetime.timedelta(days=30),
        ended_at=ended,
        end_kind=end_kind,
        created_by=by,
    )


def message(e, kind, sent_at, to_unit):
    return KommuneMessage.objects.create(
        episode=e,
        patient=e.patient,
        kind=kind,
        from_unit=e.unit,
        to_unit=to_unit,
        sent_at=sent_at,
        sent_by=e.created_by,
        urgent=kind == "unplanned",
    )


def follow_up(e, at, unit):
    return FollowUpAppointment.objects.create(
        episode=e, patient=e.patient, at=at, with_whom="Kari", unit=unit, created_by=e.created_by
    )


@pytest.fixture
def fixed(shared_patient, unn_tsb, vadso_rus, tsb_clinician, unn):
    p, u, k, by = shared_patient, unn_tsb, vadso_rus, tsb_clinician
    d = datetime.timedelta
    # 1. Planned, plan signed before, told 10 days ahead, first appointment after 3 days.
    e1 = episode(p, u, by, ended=DAY)
    EttervernPlan.objects.create(
        episode=e1,
        patient=p,
        specialist_signed_at=DAY - d(days=3),
        kommune_signed_at=DAY - d(days=2),
    )
    message(e1, "ready", DAY - d(days=10), k)
    follow_up(e1, DAY + d(days=3), k)
    # 2. Planned, plan signed only after discharge, told 2 days ahead, appointment after 10 days.
    e2 = episode(p, u, by, ended=DAY + d(days=1))
    EttervernPlan.objects.create(
        episode=e2,
        patient=p,
        specialist_signed_at=DAY + d(days=2),
        kommune_signed_at=DAY - d(days=2),
    )
    message(e2, "ready", DAY - d(days=1), k)
    follow_up(e2, DAY + d(days=11), k)
    # 3. Unplanned, kommune told after 30 minutes.
    e3 = episode(p, u, by, ended=DAY + d(days=2), end_kind="unplanned")
    message(e3, "unplanned", DAY + d(days=2, minutes=30), k)
    # 4. Unplanned, kommune never told.
    episode(p, u, by, ended=DAY + d(days=3), end_kind="unplanned")
    # Not counted: outpatient, transferred, outside the period, another unit.
    episode(p, u, by, ended=DAY, kind="poliklinikk")
    episode(p, u, by, ended=DAY, end_kind="transferred")
    episode(p, u, by, ended=DAY + d(days=60))
    other = make_unit(unn, "tsb_dogn", "Annen døgn")
    episode(p, other, by, ended=DAY)


def test_the_figures_on_a_fixed_data_set(fixed, unn_tsb):
    f = svc.discharge_statistics(
        unn_tsb, datetime.date(2026, 3, 1), datetime.date(2026, 3, 31), notice_days=7
    )
    assert f.discharges == 4
    assert (f.signed_before, f.signed_share) == (1, 25.0)
    assert (f.told_ahead, f.told_share) == (1, 25.0)
    assert (f.first_within_7, f.first_share) == (1, 25.0)
    assert (f.unplanned, f.unplanned_told) == (2, 1)
    assert f.unplanned_median_minutes == 30.0
    assert f.unplanned_max_minutes == 30.0


def test_a_shorter_notice_counts_more_as_told_ahead(fixed, unn_tsb):
    f = svc.discharge_statistics(
        unn_tsb, datetime.date(2026, 3, 1), datetime.date(2026, 3, 31), notice_days=2
    )
    assert f.told_ahead == 2


def test_the_kommune_sees_the_figures_of_its_care_team_patients(fixed, vadso_rus, sarpsborg_rus):
    start, end = datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)
    assert svc.discharge_statistics(vadso_rus, start, end).discharges == 5  # both døgn units
    assert svc.discharge_statistics(sarpsborg_rus, start, end).discharges == 0


def test_the_page_and_the_csv(fixed, login, tsb_clinician):
    client = login(tsb_clinician)
    query = "?start=2026-03-01&end=2026-03-31&notice_days=7"
    page = client.get(reverse("discharge_statistics") + query)
    assert page.status_code == 200
    assert "Signert ettervernsplan før utskrivning" in page.content.decode()
    csv = client.get(reverse("discharge_statistics") + query + "&format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    rows = [line.split(";") for line in csv.content.decode("utf-8-sig").splitlines()]
    by_label = {row[0]: row[1:] for row in rows}
    assert by_label["Utskrivninger fra døgn"][0] == "4"
    assert by_label["Signert ettervernsplan før utskrivning"] == ["1", "4", "25.0"]
    assert by_label["Uplanlagte utskrivninger"][0] == "2"


def test_the_statistics_need_login(client):
    response = client.get(reverse("discharge_statistics"))
    assert response.status_code == 302


def test_a_period_ending_before_it_starts_is_refused_kindly(login, coordinator):
    response = login(coordinator).get(
        reverse("discharge_statistics") + "?start=2026-03-31&end=2026-03-01&notice_days=7"
    )
    assert response.status_code == 200
    assert response.context["form"].errors["end"]
    assert response.context["figures"] is None


# --- reminders ----------------------------------------------------------------------------


def test_an_admission_notice_not_sent_after_24_hours_reminds_the_treating_unit_once(
    shared_patient, tsb_clinician, unn_tsb
):
    e = admit(shared_patient, tsb_clinician, unn_tsb, days_ago=0)
    TreatmentEpisode.objects.filter(pk=e.pk).update(
        started_at=timezone.now() - datetime.timedelta(hours=23)
    )
    assert sweep(rules=["discharge_admission_notice"]) == 0
    TreatmentEpisode.objects.filter(pk=e.pk).update(
        started_at=timezone.now() - datetime.timedelta(hours=25)
    )
    assert sweep(rules=["discharge_admission_notice"]) == 1
    assert sweep(rules=["discharge_admission_notice"]) == 0
    assert Notification.objects.filter(
        user=tsb_clinician, kind="discharge_admission_notice"
    ).exists()


def test_a_sent_admission_notice_silences_the_reminder(shared_patient, tsb_clinician, unn_tsb):
    admit(shared_patient, tsb_clinician, unn_tsb, days_ago=3, send=True)
    assert sweep(rules=["discharge_admission_notice"]) == 0


def test_a_near_discharge_without_plan_or_notice_reminds_both_sides(
    shared_patient, tsb_clinician, unn_tsb, coordinator
):
    admit(shared_patient, tsb_clinician, unn_tsb, planned=5)
    admit(shared_patient, tsb_clinician, unn_tsb, planned=20)  # not yet near
    assert sweep(rules=["discharge_unprepared"]) == 2  # unsigned + kommune not told
    assert Notification.objects.filter(user=coordinator, kind="discharge_unprepared").count() == 1
    assert Notification.objects.filter(user=tsb_clinician, kind="discharge_unprepared").count() == 2


def test_no_first_appointment_after_discharge_reminds_the_kommune(
    shared_patient, tsb_clinician, unn_tsb, coordinator, vadso_rus
):
    e = admit(shared_patient, tsb_clinician, unn_tsb)
    svc.episode_end(episode=e, actor=Actor(tsb_clinician, unn_tsb), end_kind="unplanned")
    assert sweep(rules=["discharge_no_first_appointment"]) == 1
    assert Notification.objects.filter(
        user=coordinator, kind="discharge_no_first_appointment"
    ).exists()
    # Once an appointment is recorded the next discharge is not chased for it.
    e2 = admit(shared_patient, tsb_clinician, unn_tsb)
    svc.episode_end(episode=e2, actor=Actor(tsb_clinician, unn_tsb), end_kind="unplanned")
    svc.follow_up_add(
        episode=e2,
        actor=Actor(coordinator, vadso_rus),
        at=timezone.now() + datetime.timedelta(days=2),
        with_whom="Kari",
    )
    assert sweep(rules=["discharge_no_first_appointment"]) == 0

"""Leaders' figures on a fixed data set, and the CSV download."""

import csv
import datetime
import io
import zoneinfo

import pytest
from django.urls import reverse

from accounts.models import Membership
from pathways.workdays import add_working_days
from referrals.models import Referral
from referrals.statistics import figures_for
from tests.factories import make_patient, make_user

pytestmark = pytest.mark.django_db
OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
D = datetime.date


def noon(day):
    return datetime.datetime(day.year, day.month, day.day, 12, tzinfo=OSLO)


@pytest.fixture
def data(settings, vadso_rus, coordinator, unn_intake, unn_dps):
    settings.WORKING_DAYS_COUNT_SATURDAY = True
    rows = [
        # received, assessed, frist, started, rejection, forwarded
        (D(2026, 1, 5), D(2026, 1, 9), D(2026, 2, 20), D(2026, 2, 10), "", False),
        (D(2026, 1, 12), D(2026, 1, 30), None, None, "Hører til DPS", True),
        (D(2026, 1, 20), D(2026, 1, 22), None, None, "Ikke behov for TSB", False),
        (D(2026, 2, 2), None, None, None, "", False),
        (D(2026, 2, 3), D(2026, 2, 5), D(2026, 2, 15), D(2026, 2, 20), "", False),
        (D(2025, 12, 1), D(2025, 12, 2), None, None, "Utenfor perioden", False),
    ]
    for received, assessed, frist, started, rejection, forwarded in rows:
        patient = make_patient(vadso_rus, by=coordinator)
        state = (
            Referral.State.TREATMENT_STARTED
            if started
            else Referral.State.REJECTED
            if rejection
            else Referral.State.RECEIVED
        )
        referral = Referral.objects.create(
            patient=patient,
            referring_unit=vadso_rus,
            referred_by=coordinator,
            receiving_unit=unn_intake,
            state=state,
            reason="r",
            question="q",
            seniority_date=received,
            received_on=received,
            assessment_due=add_working_days(received, 10),
            assessed_at=noon(assessed) if assessed else None,
            start_deadline=frist,
            treatment_started_on=started,
            rejection_reason=rejection,
            help_kind="outpatient" if frist else "",
        )
        if forwarded:
            Referral.objects.create(
                patient=patient,
                referring_unit=vadso_rus,
                referred_by=coordinator,
                receiving_unit=unn_dps,
                state=Referral.State.RECEIVED,
                reason="r",
                question="q",
                seniority_date=received,
                received_on=D(2026, 1, 30),
                forwarded_from=referral,
                chain=referral.chain,
                depth=1,
            )


def test_the_figures_for_a_fixed_data_set(data, unn_intake):
    total, months = figures_for(unn_intake, D(2026, 1, 1), D(2026, 2, 28), today=D(2026, 3, 1))
    assert total.received == 5
    assert total.assessed == 4
    assert total.median_assessment_days == 3  # 4, 16, 2 and 2 working days
    assert total.share_within_deadline == 75.0
    assert total.share_granted == 50.0
    assert total.median_wait_days == 26.5  # 36 and 17 days
    assert total.breaches == 1
    assert total.share_forwarded == 50.0
    january, february = months
    assert (january.label, january.received, january.median_assessment_days) == ("2026-01", 3, 4)
    assert january.share_within_deadline == 66.7
    assert (february.received, february.breaches, february.share_forwarded) == (2, 1, None)


def test_the_csv_has_a_row_per_month_and_a_total(data, login, unn_intake):
    leader = make_user(unn_intake, Membership.Role.LEADER)
    response = login(leader).get(
        reverse("referrals:statistics_csv") + "?fra=2026-01-01&til=2026-02-28"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "periode"
    assert [r[0] for r in rows[1:]] == ["2026-01", "2026-02", "totalt"]
    assert rows[-1][1:5] == ["5", "4", "3,0", "75,0"]


def test_the_statistics_page_is_for_leaders(data, login, unn_intake, tsb_intake, coordinator):
    leader = make_user(unn_intake, Membership.Role.LEADER)
    url = reverse("referrals:statistics") + "?fra=2026-01-01&til=2026-02-28"
    response = login(leader).get(url)
    assert response.status_code == 200
    assert "2026-02" in response.content.decode()
    assert login(tsb_intake).get(url).status_code == 403
    assert login(tsb_intake).get(reverse("referrals:statistics_csv")).status_code == 403


def test_a_reversed_period_is_refused_with_a_message(login, unn_intake):
    leader = make_user(unn_intake, Membership.Role.LEADER)
    response = login(leader).get(reverse("referrals:statistics") + "?fra=2026-03-01&til=2026-01-01")
    assert response.status_code == 200
    assert 'id="id_til_error"' in response.content.decode()

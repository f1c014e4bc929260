"""The patient rates life areas at /min/ and sees the change as an SVG chart and a table."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from pathways.models import AreaRating, LifeArea

pytestmark = pytest.mark.django_db

URL = "/min/slik-har-jeg-det/"


def test_the_patient_rates_two_areas(patient_client, plan, patient):
    response = patient_client.post(URL, {"housing": "2", "economy": "4"})
    assert response.status_code == 302
    ratings = {r.life_area: r.score for r in AreaRating.objects.filter(plan=plan)}
    assert ratings == {"housing": 2, "economy": 4}
    event = AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, patient_id=patient.pk
    ).latest("at")
    assert event.basis == AuditEvent.Basis.PATIENT
    assert "Bosituasjon" in event.detail


def test_no_answer_at_all_is_refused_with_a_clear_message(patient_client, plan):
    response = patient_client.post(URL, {})
    assert response.status_code == 200
    assert "minst ett område" in response.content.decode()
    assert not AreaRating.objects.filter(plan=plan).exists()


def test_a_score_outside_the_scale_is_refused_beside_the_field(patient_client, plan):
    response = patient_client.post(URL, {"housing": "9"})
    assert response.status_code == 200
    assert not AreaRating.objects.filter(plan=plan).exists()


def test_the_chart_and_table_show_the_change_over_time(patient_client, plan, coordinator):
    today = timezone.localdate()
    for days_ago, score in ((60, 1), (30, 3), (0, 4)):
        AreaRating.objects.create(
            plan=plan,
            life_area=LifeArea.HOUSING,
            score=score,
            rated_on=today - datetime.timedelta(days=days_ago),
            by=coordinator,
        )
    page = patient_client.get(URL).content.decode()
    assert '<svg role="img" aria-label="Bosituasjon: fra 1 til 4 av 5 over 3 vurderinger."' in page
    assert page.count('class="rating-chart__point"') == 3
    # Coordinates with a decimal point (the Norwegian comma would put every point at 0).
    assert '<circle cx="14.0" cy="106.0"' in page
    assert "<polyline" in page
    # The table carries the same numbers for a screen reader.
    assert page.count('<th scope="row">') >= 3
    assert "1 – svært vanskelig" in page


def test_a_next_of_kin_sees_the_answers_but_cannot_rate(relative_client, plan):
    page = relative_client.get(URL)
    assert page.status_code == 200
    assert "Svar nå" not in page.content.decode()
    # They see the answers but may not give them: refused by the service.
    assert relative_client.post(URL, {"housing": "3"}).status_code == 403
    assert not AreaRating.objects.filter(plan=plan).exists()


def _rated_over_time(plan, coordinator):
    today = timezone.localdate()
    for days_ago, score in ((40, 2), (0, 4)):
        AreaRating.objects.create(
            plan=plan,
            life_area=LifeArea.ECONOMY,
            score=score,
            rated_on=today - datetime.timedelta(days=days_ago),
            by=coordinator,
        )
    return today


def test_the_team_sees_the_same_chart_and_table_on_the_plan_page(
    login, plan, patient, coordinator, colleague
):
    today = _rated_over_time(plan, coordinator)
    page = login(colleague).get(f"/pasienter/{patient.pk}/plan/").content.decode()
    chart = page[page.index('id="rating-chart-economy"') :]
    chart = chart[: chart.index("</figure>")]
    assert '<svg role="img" aria-label="Økonomi: fra 2 til 4 av 5 over 2 vurderinger."' in chart
    assert chart.count('class="rating-chart__point"') == 2
    assert "<polyline" in chart
    # The table a screen reader reads: each date with the patient's answer.
    assert f'<th scope="row">{today:%-d.%-m.%Y}</th><td>4 – bra</td>' in chart
    assert "2 – vanskelig" in chart
    # Only rated areas get a chart.
    assert 'id="rating-chart-housing"' not in page


def test_an_outsider_still_gets_404_on_the_plan_page(login, plan, coordinator, other_kommune_user):
    _rated_over_time(plan, coordinator)
    response = login(other_kommune_user).get(f"/pasienter/{plan.patient_id}/plan/")
    assert response.status_code == 404
    assert "rating-chart" not in response.content.decode()

"""The main pages stay within 15 queries each (the target of the speed issue), with rows on
every list: the session, the user with the unit, the page's own reads, the header's unread
count and, on patient pages, the audit entry of the read."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pathways.models import Notification
from pathways.notifications.reminders import notify
from tests.pathways.plan.setup import add_goal, add_measure, start_plan
from tests.referrals.conftest import send_referral

pytestmark = pytest.mark.django_db

MAX_QUERIES = 15


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.fixture
def busy(patient, coordinator, vadso_rus, unn_intake, tsb_intake):
    """A patient with a plan (goals, measures for the koordinator's unit), a referral to UNN
    and a notification for the koordinator."""
    plan = start_plan(patient, coordinator, vadso_rus)
    goal = add_goal(plan, coordinator, vadso_rus)
    for n in range(3):
        add_measure(plan, coordinator, vadso_rus, title=f"Tiltak {n}", responsible_unit=vadso_rus)
    send_referral(patient, coordinator, vadso_rus, unn_intake)
    notify(users=[coordinator], kind="test", title="Noe skjedde", patient=patient)
    assert Notification.objects.filter(user=coordinator).exists() and goal
    return patient


@pytest.mark.parametrize(
    "name",
    ["home", "tasks", "notifications:list", "pathways:patient_list"],
)
def test_the_koordinators_main_pages(login, coordinator, busy, name):
    client = login(coordinator)
    url = reverse(name)
    client.get(url)
    assert queries(client, url) <= MAX_QUERIES


@pytest.mark.parametrize("name", ["pathways:patient_overview", "pathways:plan"])
def test_the_patient_pages(login, coordinator, busy, name):
    client = login(coordinator)
    url = reverse(name, args=[busy.pk])
    client.get(url)
    assert queries(client, url) <= MAX_QUERIES


@pytest.mark.parametrize("query", ["", "?fane=venteliste"])
def test_the_intake_teams_worklists(login, tsb_intake, busy, query):
    client = login(tsb_intake)
    url = reverse("referrals:list") + query
    client.get(url)
    assert queries(client, url) <= MAX_QUERIES
    client.get(reverse("home"))
    assert queries(client, reverse("home")) <= MAX_QUERIES

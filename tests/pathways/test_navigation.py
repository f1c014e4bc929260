"""Each header link is marked as the current page only on its own pages."""

import re

import pytest
from django.urls import reverse

from tests.pathways.plan.setup import start_plan

pytestmark = pytest.mark.django_db

NAV = re.compile(r'<li><a href="([^"]+)"( aria-current="page")?>')


def current_links(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    header = page[page.index('class="main-nav"') :]
    header = header[: header.index("</nav>")]
    return [href for href, current in NAV.findall(header) if current]


def test_each_page_marks_only_its_own_nav_link(login, patient, coordinator, vadso_rus):
    start_plan(patient, coordinator, vadso_rus)
    client = login(coordinator)
    patients = reverse("pathways:patient_list")
    cases = {
        reverse("home"): reverse("home"),
        patients: patients,
        reverse("pathways:patient_overview", args=[patient.pk]): patients,
        reverse("pathways:plan", args=[patient.pk]): patients,
        reverse("pathways:episode_list", args=[patient.pk]): patients,
        reverse("pathways:meetings", args=[patient.pk]): patients,
        reverse("pathways:lookup"): reverse("pathways:lookup"),
        reverse("pathways:my_plans"): reverse("pathways:my_plans"),
        reverse("referrals:list"): reverse("referrals:list"),
        reverse("tasks"): reverse("tasks"),
        reverse("notifications:list"): reverse("notifications:list"),
        reverse("discharge_statistics"): reverse("discharge_statistics"),
    }
    for url, expected in cases.items():
        assert current_links(client, url) == [expected], url


def test_the_review_link_is_current_on_the_review_page(login, leader):
    review = reverse("breakglass_review")
    assert current_links(login(leader), review) == [review]

"""A patient's or pårørende's session reaches only /min/; staff sessions never reach /min/."""

import re

import pytest

from pathways.portal.services import portal_login

pytestmark = pytest.mark.django_db


def staff_urls(patient):
    return [
        "/",
        "/pasienter/",
        f"/pasienter/{patient.pk}/",
        f"/pasienter/{patient.pk}/plan/",
        f"/pasienter/{patient.pk}/endre/",
        f"/pasienter/{patient.pk}/parorende/",
        "/henvisninger/",
        "/varsler/",
        "/oppgaver/",
        "/accounts/tofaktor/",
        "/accounts/login/",
        "/admin/",
        "/_floor/",
        "/healthz",
        "/finnes-ikke/",
    ]


def test_a_patient_session_gets_404_on_every_staff_url(patient_client, patient):
    assert patient_client.get("/min/").status_code == 200
    page = patient_client.get("/pasienter/").content.decode()
    assert "Tilbake til planen min" in page and "Til behandling" not in page
    for url in staff_urls(patient):
        assert patient_client.get(url).status_code == 404, url
        assert patient_client.post(url).status_code == 404, url


def test_the_staff_urls_are_real_pages_for_staff(login, coordinator, patient):
    client = login(coordinator)
    for url in staff_urls(patient)[:7]:
        assert client.get(url).status_code == 200, url


def test_a_staff_session_gets_404_on_min(login, coordinator):
    client = login(coordinator)
    assert client.get("/min/").status_code == 404
    assert client.get("/min/viktig/").status_code == 404


def test_anonymous_visitors_are_sent_to_the_portal_login(client):
    response = client.get("/min/")
    assert response.status_code == 302
    assert response["Location"] == "/min/innlogging/"
    assert client.get("/min/innlogging/").status_code == 200


def test_a_patient_account_cannot_log_in_with_a_password(client, patient_access):
    user = portal_login(portal_access=patient_access, level="demo", method="test")
    user.set_password("et-langt-passord-for-test")
    user.save()
    response = client.post(
        "/accounts/login/",
        {"username": user.username, "password": "et-langt-passord-for-test"},
    )
    assert response.status_code == 200  # the form again, not a session
    assert "_auth_user_id" not in client.session


def test_ending_the_access_ends_the_session_at_once(patient_client, patient_access):
    from django.utils import timezone

    patient_access.ended_at = timezone.now()
    patient_access.save(update_fields=["ended_at"])
    response = patient_client.get("/min/")
    assert response["Location"] == "/min/innlogging/"
    assert "_auth_user_id" not in patient_client.session


def test_every_route_outside_min_answers_404_to_a_patient(patient_client):
    from tests.security.endpoints import all_endpoints

    routes = [e.route for e in all_endpoints() if not e.route.startswith("min/")]
    assert len(routes) > 50
    for route in routes:
        url = "/" + re.sub(r"<(?:int:)?[^>]+>", "1", route).lstrip("^").rstrip("$")
        assert patient_client.get(url).status_code == 404, url


def test_every_min_page_is_closed_to_staff_and_sends_anonymous_to_the_portal_login(
    login, coordinator, patient_access
):
    from django.test import Client

    from tests.security.endpoints import all_endpoints

    open_pages = ("min/innlogging/", "min/logget-ut/", "min/logg-ut/")
    routes = [
        e.route
        for e in all_endpoints()
        if e.route.startswith("min/") and not e.route.startswith(open_pages)
    ]
    assert "min/samtykker/" in routes and "min/innsyn/spor-hvorfor/" in routes
    staff = login(coordinator)
    for route in routes:
        url = "/" + re.sub(r"<(?:int:)?[^>]+>", "1", route)
        assert staff.get(url).status_code == 404, url
        assert staff.post(url).status_code == 404, url
        anonymous = Client().get(url)
        assert anonymous["Location"] == "/min/innlogging/", url

"""Every patient-scoped URL, requested by every kind of user.

The URLs are found by walking the project's resolver, so a feature's new pages are covered
the moment they land. Expected statuses:

| role | GET | POST |
|---|---|---|
| anonymous | 302 to login | 302 to login, nothing changes |
| another kommune, another helseforetak | 404 | 404, nothing changes |
| the registering unit | 200 | (not sent) |
| a specialist unit on the care team | 200 (403 on kommune-only edits) | (not sent) |
| break-the-glass | 200 on reads, 403/404 on edits | 403/404 on edits, nothing changes |

POST-only endpoints answer GET with 405 for everyone. An outsider never gets a 200.
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.conftest import changed_tables, fingerprint, page_form
from tests.security.endpoints import (
    EXPECT,
    EXPECT_POST,
    KOMMUNE_ONLY,
    SPECIALIST_ONLY,
    STATEFUL,
    Unfillable,
    build_url,
    patient_endpoints,
)

pytestmark = pytest.mark.django_db

ENDPOINTS = patient_endpoints()
OUTSIDERS = ("other_kommune", "other_hf")

ROLES = {
    # role -> attribute of the cast (None: anonymous)
    "anonymous": None,
    "other_kommune": "other_kommune_user",
    "other_hf": "other_hf_user",
    "same_unit": "coordinator",
    "specialist": "tsb_clinician",
    "break_glass": "glass_user",
}


def client_for(cast, role) -> Client:
    client = Client()
    attr = ROLES[role]
    if attr:
        client.force_login(getattr(cast, attr))
    return client


def expected_get(endpoint, role, post_only: bool) -> set[int]:
    if endpoint.name in EXPECT and role in EXPECT[endpoint.name]:
        return EXPECT[endpoint.name][role]
    if post_only:
        # require_POST answers before anything is looked up; anonymous may see the login first.
        return {405, 302} if role == "anonymous" else {405}
    if role == "anonymous":
        return {302}
    if role in OUTSIDERS:
        return {404}
    if endpoint.name in STATEFUL:
        if role in ("same_unit", "specialist"):
            return {200, 302, 403}
        return {403, 404} if endpoint.for_edit else {200, 302, 403, 404}
    if role == "specialist" and endpoint.name in KOMMUNE_ONLY:
        return {403}
    if role == "same_unit" and endpoint.name in SPECIALIST_ONLY:
        return {403}
    if role == "break_glass" and endpoint.for_edit:
        return {403, 404}
    return {200}


def login_for(endpoint) -> str:
    """Where an anonymous visitor is sent: the patients' own login for /min/ pages."""
    return reverse("portal:login") if endpoint.route.startswith("min/") else reverse("login")


def url_or_fail(endpoint, cast) -> str:
    try:
        return build_url(endpoint, cast)
    except Unfillable as exc:
        pytest.fail(str(exc))


def test_the_matrix_finds_the_patient_pages():
    routes = {e.route for e in ENDPOINTS}
    assert "pasienter/<int:patient_id>/" in routes
    assert "pasienter/<int:patient_id>/endre/" in routes
    # Lists without a patient in the URL are scoped by their queries, not by this matrix.
    assert "pasienter/" not in routes


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_each_role_gets_the_right_answer_on_get(endpoint, cast):
    url = url_or_fail(endpoint, cast)
    insider = client_for(cast, "same_unit").get(url)
    post_only = insider.status_code == 405
    failures = []
    for role in ROLES:
        response = insider if role == "same_unit" else client_for(cast, role).get(url)
        allowed = expected_get(endpoint, role, post_only)
        if response.status_code not in allowed:
            failures.append(f"{role}: got {response.status_code}, expected {sorted(allowed)}")
        login = login_for(endpoint)
        redirected = role == "anonymous" and response.status_code == 302
        if redirected and not response["Location"].startswith(login):
            failures.append(f"anonymous: redirected to {response['Location']}, not to login")
        if role in ("anonymous", *OUTSIDERS) and response.status_code == 200:
            failures.append(f"{role}: an outsider got 200")
    assert not failures, f"GET {url} ({endpoint.name}):\n  " + "\n  ".join(failures)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_posts_from_outside_change_nothing(endpoint, cast):
    url = url_or_fail(endpoint, cast)
    # The insider's own form, as it would be submitted: a save that would succeed if the
    # access check let the outsider through.
    role = "specialist" if endpoint.name in SPECIALIST_ONLY else "same_unit"
    insider = client_for(cast, role).get(url)
    html = insider.status_code == 200 and insider["Content-Type"].startswith("text/html")
    payload = page_form(insider.content.decode()) if html else {}
    failures = []
    for role in ("anonymous", *OUTSIDERS, "break_glass"):
        client = client_for(cast, role)
        before = fingerprint()
        response = client.post(url, payload)
        changed = changed_tables(before, fingerprint())
        if changed:
            failures.append(f"{role}: POST changed {', '.join(changed)}")
        status = response.status_code
        if role == "anonymous" and not (
            status == 405
            or (status == 302 and response["Location"].startswith(login_for(endpoint)))
        ):
            failures.append(f"anonymous: got {status}, expected a login redirect")
        allowed = EXPECT_POST.get(endpoint.name, {}).get(role, {404, 405})
        if role in OUTSIDERS and status not in allowed:
            failures.append(f"{role}: got {status}, expected {sorted(allowed)}")
        if role == "break_glass" and endpoint.for_edit and status not in (403, 404, 405):
            failures.append(f"break_glass: got {status} on an edit, expected 403/404")
    assert not failures, f"POST {url} ({endpoint.name}):\n  " + "\n  ".join(failures)


def test_the_post_check_notices_a_real_change(cast):
    """The fingerprint is not blind: the same kind of POST from the registering unit saves."""
    url = reverse("pathways:patient_edit", args=[cast.patient.pk])
    client = client_for(cast, "same_unit")
    payload = page_form(client.get(url).content.decode())
    assert payload["version"] and payload["first_name"] == cast.patient.first_name
    payload["phone"] = "91234567"
    before = fingerprint()
    assert client.post(url, payload).status_code == 302
    assert "pathways.patient" in changed_tables(before, fingerprint())

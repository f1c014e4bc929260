"""A patient's or pårørende's session against the whole site, and its reads in /min/.

- Every staff URL (every route outside /min/, with real ids of the session's own patient, and
  the admin) answers 404 to GET and POST from either session, and nothing is written.
- Every /min/ page a session can read writes exactly one read event with its own basis
  (the patient themselves, or next of kin by consent), and the staff access log shows them.
"""

import datetime
import html

import pytest
from django.test import Client
from django.utils import timezone

from accounts.acting import Actor
from accounts.backends import PORTAL_BACKEND
from accounts.models import AuditEvent
from pathways.meetings.services import minutes_publish
from pathways.models import NextOfKin, PortalAccess
from pathways.patients.demo_ids import synthetic_id
from pathways.portal import grants
from pathways.portal import services as portal
from pathways.portal.gate import ACCESS_KEY, ACR_KEY
from tests.security.conftest import changed_tables, fingerprint
from tests.security.endpoints import (
    PORTAL,
    Unfillable,
    _meeting,
    _planned_meeting,
    all_endpoints,
    build_url,
)

pytestmark = pytest.mark.django_db

# Django's admin is left out of the endpoint walk; its door is tried here by hand.
ADMIN = ["/admin/", "/admin/login/", "/admin/auth/user/", "/admin/pathways/patient/"]
# The /min/ pages anyone may reach (logging in and out): not reads of the record.
OPEN_PAGES = ("min/innlogging/", "min/logget-ut/", "min/logg-ut/")


def _session(access: PortalAccess) -> Client:
    user = portal.portal_login(portal_access=access, level="idporten-loa-high", method="test")
    client = Client()
    client.force_login(user, backend=PORTAL_BACKEND)
    session = client.session
    session[ACCESS_KEY], session[ACR_KEY] = access.pk, "idporten-loa-high"
    session.save()
    return client


def _doors(cast):
    """The patient's own door, and a pårørende given every part."""
    own = portal.portal_access_open(
        actor=Actor(cast.coordinator, cast.vadso_rus), patient=cast.patient, reason="Ønsket"
    )
    portal.portal_login(portal_access=own, level="test", method="test")
    own.refresh_from_db()
    kin = NextOfKin.objects.create(patient=cast.patient, name="Siri Sikker", relation="søster")
    grant = grants.next_of_kin_grant(
        portal_access=own,
        actor=Actor(own.user),
        next_of_kin=kin,
        national_id=synthetic_id(datetime.date(1970, 5, 6), serial=11),
        parts=list(PortalAccess.Part.values),
        ends_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    return own, grant


def _staff_urls(cast) -> list[str]:
    urls = []
    for endpoint in all_endpoints():
        if endpoint.name.startswith(f"{PORTAL}:"):
            continue
        try:
            urls.append(build_url(endpoint, cast))
        except Unfillable as exc:
            pytest.fail(str(exc))
    return urls + ADMIN


@pytest.mark.parametrize("role", ["patient", "next_of_kin"])
def test_a_portal_session_gets_404_on_every_staff_url_for_get_and_post(cast, role):
    urls = _staff_urls(cast)
    assert len(urls) > 100
    own, grant = _doors(cast)
    client = _session(own if role == "patient" else grant)
    assert client.get("/min/").status_code == 200
    before = fingerprint()
    for url in urls:
        assert client.get(url).status_code == 404, f"GET {url}"
        assert client.post(url, {"reason": "x", "text": "x"}).status_code == 404, f"POST {url}"
    assert changed_tables(before, fingerprint()) == []
    # Still logged in at /min/: the 404s did not end the session.
    assert client.get("/min/").status_code == 200


def _min_urls(cast) -> dict[str, str]:
    """Every /min/ page that answers GET, with ids that make it a page: a meeting ahead to
    propose for, published minutes to read."""
    found = {}
    for endpoint in all_endpoints():
        if not endpoint.name.startswith(f"{PORTAL}:") or endpoint.route.startswith(OPEN_PAGES):
            continue
        if "GET" not in getattr(endpoint.callback, "portal_methods", ("GET",)):
            continue
        found[endpoint.name] = build_url(endpoint, cast)
    held = _meeting(cast)
    minutes_publish(
        meeting=held, actor=Actor(cast.coordinator, cast.vadso_rus), version=held.version
    )
    found["portal:agenda_propose"] = f"/min/moter/{_planned_meeting(cast)}/foresla/"
    return found


def _ask_why_url(client) -> str:
    """ "Spør hvorfor" about the first line of the patient's access log (staff have read)."""
    page = client.get("/min/innsyn/").content.decode()
    start = page.index("/min/innsyn/spor-hvorfor/?")
    return html.unescape(page[start : page.index('"', start)])


def test_every_min_page_read_is_audited_with_its_own_basis_and_shown_to_staff(cast):
    urls = _min_urls(cast)
    assert {"portal:start", "portal:plan", "portal:meetings", "portal:consents"} <= set(urls)
    own, grant = _doors(cast)
    staff = Client()
    staff.force_login(cast.coordinator)
    assert staff.get(f"/pasienter/{cast.patient.pk}/").status_code == 200
    read = {}
    for role, access, basis in (
        ("patient", own, AuditEvent.Basis.PATIENT),
        ("next_of_kin", grant, AuditEvent.Basis.NEXT_OF_KIN),
    ):
        client = _session(access)
        access.refresh_from_db()
        read[role] = []
        if role == "patient":
            urls["portal:ask_why"] = _ask_why_url(client)
        for name, url in urls.items():
            before = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).count()
            response = client.get(url)
            events = list(
                AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).order_by("pk")[before:]
            )
            if response.status_code == 200:
                read[role].append(name)
                assert len(events) == 1, f"{role} {url}: {len(events)} read events"
                (event,) = events
                assert event.user == access.user, url
                assert event.patient_id == cast.patient.pk, url
                assert event.basis == basis, url
                assert event.detail.startswith("/min/: "), url
            else:
                # Not this role's page (404) or a redirect: nothing was read.
                assert response.status_code in (302, 404), f"{role} {url}"
                assert events == [], url
    # The patient reads every page; the pårørende, given every part, the same except the
    # patient's own (consents, pårørende, access log, what to write, the agreement).
    # The chooser only with more than one door (its read: tests/pathways/portal/test_chooser.py).
    assert set(read["patient"]) == set(urls) - {"portal:choose"}
    assert {"portal:start", "portal:plan", "portal:meetings", "portal:crisis_plan"} <= set(
        read["next_of_kin"]
    )
    assert "portal:consents" not in read["next_of_kin"]
    # The staff access log names both, each with their basis.
    page = staff.get(f"/pasienter/{cast.patient.pk}/logg/").content.decode()
    assert "Siri Sikker" in page
    assert "Pårørende, med pasientens samtykke" in page
    assert "Pasienten selv" in page

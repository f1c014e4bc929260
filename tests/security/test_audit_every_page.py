"""Every patient-scoped page, with every HTTP method: refused (405) or audited exactly once.

The pages are found by walking the resolver for views marked ``patient_scoped`` by
``@patient_view``; their ids come from the security matrix's factories, so each page answers
200 to a GET. For each method the answer is either 405 (with ``Allow``) or, when it shows
the record (2xx), exactly one read event of the page's kind (VIEW, or PRINT for PDFs) with
the access basis; a redirect after a POST (a change, audited by its service) writes no read.
Read-only pages are walked again as a break-the-glass reader. No 404 is accepted.
"""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from tests.security.endpoints import (
    SPECIALIST_ONLY,
    Unfillable,
    all_endpoints,
    build_url,
    patient_endpoints,
)

pytestmark = pytest.mark.django_db

# POST last: an empty POST to an action may change the object the other methods read.
METHODS = ("GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "POST")
READS = {AuditEvent.Action.VIEW, AuditEvent.Action.PRINT, AuditEvent.Action.REVEAL_ID}
# Actions of the treating (specialist) unit on its own episode.
SPECIALIST_ACTIONS = {
    "pathways:episode_planned_end",
    "pathways:episode_admission_message",
    "referrals:link_episode",
}
# Pages whose service records the read itself (the gate then adds none).
SERVICE_READS = {"pathways:national_id_reveal": AuditEvent.Action.REVEAL_ID}

GATED = [e for e in all_endpoints() if getattr(e.callback, "patient_scoped", False)]
READ_ONLY = [e for e in GATED if not e.callback.patient_for_edit]


def _url(endpoint, cast) -> str:
    try:
        return build_url(endpoint, cast)
    except Unfillable as exc:
        pytest.fail(str(exc))


def _walk(endpoint, cast, user, basis):
    url = _url(endpoint, cast)
    client = Client()
    client.force_login(user)
    allowed = endpoint.callback.patient_methods
    probe = client.options(url)
    if probe.status_code == 405:
        # A decorator outside the gate (``require_POST``) may only narrow the gate's methods.
        narrowed = tuple(probe["Allow"].split(", "))
        assert set(narrowed) <= set(allowed), f"{url} allows {narrowed}, more than {allowed}"
        allowed = narrowed
    kind = SERVICE_READS.get(endpoint.name, endpoint.callback.patient_action)
    failures = []
    for method in METHODS:
        before = set(AuditEvent.objects.values_list("pk", flat=True))
        response = client.generic(method, url)
        new = list(AuditEvent.objects.exclude(pk__in=before).filter(patient_id=cast.patient.pk))
        reads = [e for e in new if e.action in READS]
        status = response.status_code
        if status == 405:
            if method in allowed:
                failures.append(f"{method}: 405, but the view takes {allowed}")
            if sorted(response["Allow"].split(", ")) != sorted(allowed):
                failures.append(f"{method}: Allow is {response['Allow']!r}")
            if reads:
                failures.append(f"{method}: 405 wrote a read event")
        elif method not in allowed:
            failures.append(f"{method}: answered {status}, expected 405")
        elif 200 <= status < 300:
            if len(reads) != 1:
                failures.append(f"{method}: {status} with {len(reads)} read events")
            elif (reads[0].action, reads[0].basis, reads[0].user) != (kind, basis, user):
                event = reads[0]
                failures.append(
                    f"{method}: event {event.action}/{event.basis}, expected {kind}/{basis}"
                )
        elif status in (301, 302, 303):
            if reads:
                failures.append(f"{method}: a redirect wrote {len(reads)} read events")
            if method in ("GET", "HEAD"):
                failures.append(f"{method}: redirected to {response['Location']}, expected 200")
        else:
            failures.append(f"{method}: {status}")
        if method == "GET" and status != 200 and "GET" in allowed:
            failures.append(f"GET: {status}; the walk needs data that makes the page answer 200")
    return url, failures


def test_the_walk_finds_every_patient_page():
    names = {e.name for e in GATED}
    assert {"pathways:patient_overview", "pathways:access_log", "pathways:care_team"} <= names
    assert len(GATED) >= 60, len(GATED)


@pytest.mark.parametrize("endpoint", GATED, ids=str)
def test_every_method_is_refused_or_audited_once(endpoint, cast):
    specialist = endpoint.name in SPECIALIST_ONLY | SPECIALIST_ACTIONS
    user = cast.tsb_clinician if specialist else cast.coordinator
    url, failures = _walk(endpoint, cast, user, AuditEvent.Basis.CARE_TEAM)
    assert not failures, f"{url} ({endpoint.name}):\n  " + "\n  ".join(failures)


@pytest.mark.parametrize("endpoint", READ_ONLY, ids=str)
def test_every_method_under_emergency_access(endpoint, cast):
    url, failures = _walk(endpoint, cast, cast.glass_user, AuditEvent.Basis.BREAK_GLASS)
    assert not failures, f"{url} ({endpoint.name}):\n  " + "\n  ".join(failures)


OTHER = [e for e in patient_endpoints() if not getattr(e.callback, "patient_scoped", False)]
ODD_METHODS = ("OPTIONS", "TRACE", "PUT", "PATCH", "DELETE", "PROPFIND")


@pytest.mark.parametrize("endpoint", OTHER, ids=str)
def test_pages_outside_the_gate_leak_nothing_unaudited(endpoint, cast):
    """Referral pages and the like audit themselves; with any unusual method they either
    refuse (405) or, when they answer with content, have written a read event."""
    url = _url(endpoint, cast)
    client = Client()
    client.force_login(cast.coordinator)
    failures = []
    for method in ODD_METHODS:
        before = set(AuditEvent.objects.values_list("pk", flat=True))
        response = client.generic(method, url)
        new = AuditEvent.objects.exclude(pk__in=before).filter(patient_id=cast.patient.pk)
        if 200 <= response.status_code < 300 and not new.filter(action__in=READS).exists():
            failures.append(f"{method}: {response.status_code} without a read event")
    assert not failures, f"{url} ({endpoint.name}):\n  " + "\n  ".join(failures)


def test_read_only_referral_pages_refuse_other_methods(cast):
    from tests.security.endpoints import OBJECTS

    pk = OBJECTS["referrals:pk"](cast)
    client = Client()
    client.force_login(cast.coordinator)
    for name in ("referrals:detail", "referrals:pdf"):
        url = reverse(name, args=[pk])
        assert client.get(url).status_code == 200, name
        for method in ODD_METHODS + ("POST",):
            response = client.generic(method, url)
            assert response.status_code == 405, (name, method)
            assert response["Allow"] == "GET, HEAD"

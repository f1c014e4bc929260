"""Every patient-scoped page writes an audit event when it is read."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import AuditEvent
from pathways.models import CareTeamMember

pytestmark = pytest.mark.django_db


def patient_scoped_patterns(resolver=None, namespace=""):
    """(url name, route keyword names) of every view decorated with @patient_view."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from patient_scoped_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and getattr(entry.callback, "patient_scoped", False):
            yield f"{namespace}{entry.name}", set(entry.pattern.converters)


def test_the_walk_finds_the_patient_pages():
    names = {name for name, _ in patient_scoped_patterns()}
    assert {"pathways:patient_overview", "pathways:access_log", "pathways:care_team"} <= names


def test_every_patient_page_writes_an_audit_event(login, coordinator, shared_patient, vadso_rus):
    from pathways.models import NextOfKin

    nok = NextOfKin.objects.create(patient=shared_patient, name="Kari", relation="Mor")
    values = {
        "patient_id": shared_patient.pk,
        "nok_id": nok.pk,
        "consent_id": shared_patient.consents.get().pk,
        "member_id": CareTeamMember.objects.get(patient=shared_patient, unit=vadso_rus).pk,
    }
    client = login(coordinator)
    checked = []
    for name, keywords in patient_scoped_patterns():
        unknown = keywords - values.keys()
        if unknown:
            # Pages of other features whose objects this test does not build.
            continue
        url = reverse(name, kwargs={k: values[k] for k in keywords})
        before = AuditEvent.objects.filter(patient_id=shared_patient.pk).count()
        response = client.get(url)
        if response.status_code == 405:
            # POST-only actions (reveal, withdraw) are audited by the services they call.
            continue
        # 403: a page for the other level (a specialist-only form); 404: a document the
        # patient does not have yet (no ettervern plan). Both are still a recorded access.
        assert response.status_code in (200, 403, 404), name
        after = AuditEvent.objects.filter(patient_id=shared_patient.pk).count()
        assert after == before + 1, f"{name} wrote {after - before} audit events"
        event = AuditEvent.objects.filter(patient_id=shared_patient.pk).first()
        assert event.user == coordinator
        assert event.unit == vadso_rus
        assert event.detail == url
        checked.append(name)
    assert len(checked) >= 12

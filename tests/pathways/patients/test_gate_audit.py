"""What the patient gate writes to the audit log: reads after the view, refusals, probing."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Membership
from pathways.models import Notification
from pathways.probing import ALERT_KIND
from tests.factories import make_user

pytestmark = pytest.mark.django_db


READS = (AuditEvent.Action.VIEW, AuditEvent.Action.PRINT)


def events(**filters):
    return list(AuditEvent.objects.filter(**filters))


def reads(patient):
    return events(patient_id=patient.pk, action__in=READS)


def test_a_read_only_page_refuses_other_methods_before_any_lookup(login, coordinator, patient):
    client = login(coordinator)
    url = reverse("pathways:patient_overview", args=[patient.pk])
    for method in ("POST", "PUT", "DELETE", "OPTIONS", "TRACE"):
        response = client.generic(method, url)
        assert response.status_code == 405, method
        assert response["Allow"] == "GET, HEAD"
    assert not reads(patient)


def test_a_form_shown_again_with_errors_is_one_read(login, coordinator, patient):
    client = login(coordinator)
    response = client.post(reverse("pathways:next_of_kin_new", args=[patient.pk]), {})
    assert response.status_code == 200
    (event,) = reads(patient)
    assert (event.action, event.basis, event.user) == (
        AuditEvent.Action.VIEW,
        AuditEvent.Basis.CARE_TEAM,
        coordinator,
    )


def test_a_missing_nested_object_is_no_read(login, coordinator, patient):
    client = login(coordinator)
    response = client.get(reverse("pathways:meeting_detail", args=[patient.pk, 999999]))
    assert response.status_code == 404
    assert not reads(patient)


def test_an_outsider_is_logged_as_refused(login, other_kommune_user, patient, sarpsborg_rus):
    client = login(other_kommune_user)
    assert client.get(reverse("pathways:patient_overview", args=[patient.pk])).status_code == 404
    assert client.get(reverse("pathways:patient_overview", args=[999999])).status_code == 404
    existing, missing = events(user=other_kommune_user, action=AuditEvent.Action.DENIED)[::-1]
    assert existing.patient_id == patient.pk and existing.unit == sarpsborg_rus
    assert existing.basis == AuditEvent.Basis.NONE
    assert missing.patient_id is None and missing.detail == "GET /pasienter/999999/"
    assert not events(user=other_kommune_user, action=AuditEvent.Action.VIEW)


def test_a_reader_trying_an_edit_is_logged_as_refused(login, shared_patient, other_hf_unit):
    from accounts.acting import Actor
    from pathways.models import BreakGlassAccess
    from pathways.patients.services.breakglass import break_glass_open

    reader = make_user(other_hf_unit)
    break_glass_open(
        patient=shared_patient,
        actor=Actor(reader, other_hf_unit),
        reason=BreakGlassAccess.Reason.EMERGENCY,
        explanation="Innlagt akutt, trenger kriseplanen",
    )
    client = login(reader)
    assert client.get(reverse("pathways:patient_edit", args=[shared_patient.pk])).status_code == 403
    (event,) = events(user=reader, action=AuditEvent.Action.DENIED)
    assert event.patient_id == shared_patient.pk


def test_probing_alerts_the_leaders_once_per_window(login, settings, sarpsborg_rus, patient):
    settings.AUDIT_DENIED_ALERT_COUNT = 5
    settings.AUDIT_DENIED_ALERT_MINUTES = 10
    prober = make_user(sarpsborg_rus, username="prober")
    leader = make_user(sarpsborg_rus, Membership.Role.LEADER)
    client = login(prober)
    for pk in range(patient.pk, patient.pk + 4):
        client.get(reverse("pathways:patient_overview", args=[pk]))
    assert not Notification.objects.filter(kind=ALERT_KIND).exists()
    for pk in range(patient.pk + 4, patient.pk + 12):
        client.get(reverse("pathways:patient_overview", args=[pk]))
    (alert,) = Notification.objects.filter(kind=ALERT_KIND)
    assert alert.user == leader and alert.urgent
    assert prober.get_full_name() in alert.title
    assert patient.first_name not in alert.title + alert.body
    assert patient.last_name not in alert.title + alert.body


def test_probing_outside_the_window_does_not_alert(login, settings, sarpsborg_rus, patient):
    import datetime

    from django.utils import timezone

    settings.AUDIT_DENIED_ALERT_COUNT = 3
    prober = make_user(sarpsborg_rus)
    make_user(sarpsborg_rus, Membership.Role.LEADER)
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    for _ in range(5):
        AuditEvent.objects.create(
            user=prober, action=AuditEvent.Action.DENIED, basis="care_team", at=long_ago
        )
    login(prober).get(reverse("pathways:patient_overview", args=[patient.pk]))
    assert not Notification.objects.filter(kind=ALERT_KIND).exists()


def test_a_refusal_reads_plainly_in_the_access_log(login, other_kommune_user, patient):
    from pathways.patients.auditlog import describe

    login(other_kommune_user).get(reverse("pathways:patient_overview", args=[patient.pk]))
    (event,) = events(user=other_kommune_user, action=AuditEvent.Action.DENIED)
    assert event.basis == AuditEvent.Basis.NONE
    assert describe(event) == "Tilgang avvist: Oversikt"

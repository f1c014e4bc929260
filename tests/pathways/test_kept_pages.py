"""Pages kept rendered between looks (pathways/kept.py): a kept page is the page a render
would give; every change of what it shows is on the next look, whatever wrote it; access
and the read's audit event come first; forms in a kept page carry the looker's CSRF token
and a fresh form key."""

import datetime
import re

import pytest
from django.apps import apps
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.acting import Actor
from accounts.models import AuditEvent
from config import fragments
from pathways.models import CareTeamMember, KeptPart, Patient, PatientGroupObjectPermission
from pathways.patients.rules import kept_parts_prune
from pathways.patients.services.breakglass import break_glass_open
from pathways.patients.services.careteam import care_team_end
from tests.kept import forget_kept
from tests.pathways.plan.setup import add_measure, start_plan

pytestmark = pytest.mark.django_db

# Tables with a way to a patient that raise no page version, and why.
NOT_SHOWN_ON_PAGES = {
    "pathways_notification": "the notification list has its own version (per user)",
    "accounts_auditevent": "the access log is read fresh; a read writes an event",
}


def _reaches_patient(model, seen=()) -> bool:
    for field in model._meta.concrete_fields:
        if not field.is_relation or not (field.many_to_one or field.one_to_one):
            continue
        target = field.related_model
        if target is Patient:
            return True
        deeper = target not in seen and target is not model and len(seen) < 3
        if deeper and _reaches_patient(target, (*seen, model)):
            return True
    return False


def test_every_table_of_patient_data_raises_the_page_versions():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname LIKE 'page_version%%'"
        )
        with_triggers = {row[0] for row in cursor.fetchall()}
    tables = {
        model._meta.db_table
        # With the many-to-many tables (the goals a measure serves).
        for model in apps.get_models(include_auto_created=True)
        if model is Patient or _reaches_patient(model)
    }
    missing = tables - with_triggers - set(NOT_SHOWN_ON_PAGES)
    assert not missing, f"no page-version triggers on {sorted(missing)}"
    assert "pathways_measure" in with_triggers and "referrals_referral" in with_triggers
    assert "pathways_measure_goals" in with_triggers


def normalised(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "csrf", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "csrf", html)
    return re.sub(r'name="form_key" value="[^"]+"', "form_key", html)


def look(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def plan(patient, coordinator, vadso_rus):
    plan = start_plan(patient, coordinator, vadso_rus)
    add_measure(plan, coordinator, vadso_rus, title="Søknad om kommunal bolig")
    return plan


def pages(patient):
    return [
        reverse("pathways:patient_overview", args=[patient.pk]),
        reverse("pathways:plan", args=[patient.pk]),
        reverse("pathways:patient_list"),
        reverse("home"),
        reverse("tasks"),
    ]


def test_a_kept_page_is_the_page_a_render_gives(client, plan, patient, coordinator):
    client.force_login(coordinator)
    for url in pages(patient):
        forget_kept()
        rendered = look(client, url)
        kept = look(client, url)
        assert "<!--keep-->" not in rendered and "<!--keep-->" not in kept
        assert normalised(kept) == normalised(rendered), url


def test_changes_show_on_the_next_look(client, plan, patient, coordinator, vadso_rus):
    client.force_login(coordinator)
    for url in pages(patient):
        look(client, url)
    # A measure, through the service.
    add_measure(plan, coordinator, vadso_rus, title="Kurs i økonomi")
    assert "Kurs i økonomi" in look(client, reverse("pathways:plan", args=[patient.pk]))
    # The patient's name, written past the services.
    Patient.objects.filter(pk=patient.pk).update(last_name="Omdøpt")
    for url in pages(patient)[:3]:
        assert "Omdøpt" in look(client, url), url
    # A unit's name (shown in the care team and the header), through the model.
    vadso_rus.name = "Rus og psykisk helse, Vadsø"
    vadso_rus.save()
    overview = look(client, reverse("pathways:patient_overview", args=[patient.pk]))
    assert "Rus og psykisk helse, Vadsø" in overview


def test_access_and_audit_come_before_the_kept_page(
    client, plan, patient, coordinator, vadso_rus, other_kommune_user
):
    url = reverse("pathways:plan", args=[patient.pk])
    client.force_login(coordinator)
    look(client, url)
    before = AuditEvent.objects.filter(patient_id=patient.pk, user=coordinator).count()
    look(client, url)  # kept
    assert AuditEvent.objects.filter(patient_id=patient.pk, user=coordinator).count() == before + 1
    outsider = Client()
    outsider.force_login(other_kommune_user)
    assert outsider.get(url).status_code == 404
    # The unit leaves the care team: its kept page is not shown again.
    member = CareTeamMember.objects.active().get(patient=patient, unit=vadso_rus)
    care_team_end(member=member, actor=Actor(coordinator, vadso_rus), reason="Flyttet")
    PatientGroupObjectPermission.objects.filter(group_id=vadso_rus.group_id).delete()
    assert client.get(url).status_code == 404


def test_forms_in_a_kept_page_carry_the_lookers_token_and_a_fresh_key(
    client, plan, patient, coordinator
):
    url = reverse("pathways:plan", args=[patient.pk])
    client.force_login(coordinator)
    look(client, url)  # kept by this session
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(coordinator)
    first, second = look(checked, url), look(checked, url)
    keys = [re.findall(r'name="form_key" value="([^"]+)"', page) for page in (first, second)]
    assert keys[0] and keys[1] and not set(keys[0]) & set(keys[1])
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', second).group(1)
    response = checked.post(
        reverse("pathways:plan_comment", args=[patient.pk]),
        {
            "csrfmiddlewaretoken": token,
            "form_key": keys[1][0],
            "section": "general",
            "text": "Ser bra ut.",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert "Ser bra ut." in look(checked, url)


def test_an_emergency_access_keeps_nothing_of_the_users_worklists(
    client, patient, other_kommune_user, sarpsborg_rus, django_assert_num_queries
):
    from pathways.models import BreakGlassAccess

    break_glass_open(
        patient=patient,
        actor=Actor(other_kommune_user, sarpsborg_rus),
        reason=BreakGlassAccess.Reason.EMERGENCY,
        explanation="Innlagt akutt, trenger kriseplan",
    )
    client.force_login(other_kommune_user)
    home = reverse("home")
    look(client, home)
    look(client, home)
    assert not caches[fragments.CACHE]._cache  # nothing kept
    assert not KeptPart.objects.exists()


def test_a_part_one_process_kept_serves_another_until_pruned(client, plan, patient, coordinator):
    url = reverse("pathways:plan", args=[patient.pk])
    client.force_login(coordinator)
    rendered = look(client, url)
    assert KeptPart.objects.count() == 1
    caches[fragments.CACHE].clear()  # another process: its own memory is empty
    with CaptureQueriesContext(connection) as queries:
        served = look(client, url)
    assert normalised(served) == normalised(rendered)
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "pathways_keptpart" in sql
    assert "pathways_measure" not in sql  # not rendered again
    assert kept_parts_prune(timezone.now()) == 0  # made this minute
    assert kept_parts_prune(timezone.now() + datetime.timedelta(hours=2)) == 1
    assert not KeptPart.objects.exists()

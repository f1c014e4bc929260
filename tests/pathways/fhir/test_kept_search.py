"""Searches kept between identical searches (pathways/fhir/kept.py): a kept answer is the
answer a search gives; every change of what it holds shows in the next answer, whatever
wrote it; each answer logs its reads; a client sees only its own; the access log is read
fresh."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.fhir.registry import REGISTRY
from pathways.models import CareTeamMember, Goal, Patient, PatientGroupObjectPermission
from pathways.patients.services.careteam import care_team_end
from tests.kept import forget_kept
from tests.pathways.fhir.test_search import bundle
from tests.pathways.plan.setup import add_goal

pytestmark = pytest.mark.django_db

# Tables a search reads that raise no page version, and why that is safe.
READ_FRESH = {
    "pathways_apiclient": "the caller, checked on every request before a kept answer",
    "accounts_kommune": "the national list of kommuner, loaded with the code lists",
    "auth_permission": "the view permission's id in the grant lookup, made by migrate",
    "django_content_type": "the same lookup's content type, made by migrate",
}


def entries(bundle) -> list:
    return bundle.get("entry", [])


def _tables(sql: str) -> set[str]:
    return set(re.findall(r'(?:FROM|JOIN) "?([a-z_]+)"?', sql))


def test_a_kept_search_reads_only_what_raises_the_versions(
    api, unn_system, patient, pathway, aftercare
):
    """Each searchable type that is kept, with all its _include pairs: every table its
    search reads raises the page versions (or is named above)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname LIKE 'page_version%%'"
        )
        versioned = {row[0] for row in cursor.fetchall()}
    versioned |= {"pathways_unitversion", "pathways_referenceversion", "pathways_keptpart"}
    searched = 0
    for resource in REGISTRY.values():
        if not resource.kept or "search-type" not in resource.interactions:
            continue
        includes = [f"{resource.name}:{include.name}" for include in resource.includes]
        forget_kept()
        with CaptureQueriesContext(connection) as queries:
            found = bundle(api, unn_system, resource.name, _include=includes)
        assert entries(found), resource.name  # the pathway has one of each
        read = set()
        for query in queries.captured_queries:
            if query["sql"].lstrip("( ").upper().startswith("SELECT"):
                read |= _tables(query["sql"])
        unversioned = read - versioned - set(READ_FRESH)
        assert not unversioned, f"{resource.name} reads {sorted(unversioned)}"
        searched += 1
    assert searched >= 15
    assert not REGISTRY["AuditEvent"].kept


def test_a_kept_answer_is_the_answer_a_search_gives(api, vadso_system, patient, pathway):
    forget_kept()
    searched = bundle(api, vadso_system, "CarePlan", patient=patient.pk, _include="CarePlan:goal")
    with CaptureQueriesContext(connection) as queries:
        kept = bundle(api, vadso_system, "CarePlan", patient=patient.pk, _include="CarePlan:goal")
    assert "pathways_goal" not in " ".join(q["sql"] for q in queries.captured_queries)
    assert kept["entry"] == searched["entry"] and kept["link"] == searched["link"]
    assert kept["type"] == "searchset" and kept["meta"]["lastUpdated"]


def test_each_answer_logs_its_reads(api, vadso_system, patient, pathway):
    def reads():
        return AuditEvent.objects.filter(user=vadso_system.account, patient_id=patient.pk)

    bundle(api, vadso_system, "Goal", patient=patient.pk)
    first = reads().count()
    assert first == 2  # one per goal
    bundle(api, vadso_system, "Goal", patient=patient.pk)  # kept
    assert reads().count() == 2 * first
    assert set(reads().values_list("object_type", flat=True)) == {"pathways.goal"}


def test_changes_show_in_the_next_answer(
    api, vadso_system, patient, pathway, coordinator, vadso_rus
):
    bundle(api, vadso_system, "Goal", patient=patient.pk)
    bundle(api, vadso_system, "Patient", _id=patient.pk)
    # A goal, through the service.
    add_goal(pathway["plan"], coordinator, vadso_rus, text="Egen bolig innen sommeren.")
    goals = bundle(api, vadso_system, "Goal", patient=patient.pk)
    texts = [e["resource"]["description"]["text"] for e in entries(goals)]
    assert "Egen bolig innen sommeren." in texts
    # A measure linked to one more goal: a row of the many-to-many table only.
    plans = bundle(api, vadso_system, "CarePlan", patient=patient.pk)
    measure, goal = pathway["measure"], Goal.objects.filter(plan=pathway["plan"]).last()
    assert not measure.goals.filter(pk=goal.pk).exists()
    measure.goals.add(goal)
    plans = bundle(api, vadso_system, "CarePlan", patient=patient.pk)
    linked = [
        ref["reference"]
        for e in entries(plans)
        for activity in e["resource"].get("activity", [])
        for ref in activity["detail"].get("goal", [])
    ]
    assert f"Goal/{goal.pk}" in linked
    # The patient's name, past the services.
    Patient.objects.filter(pk=patient.pk).update(last_name="Omdøpt")
    (found,) = entries(bundle(api, vadso_system, "Patient", _id=patient.pk))
    assert found["resource"]["name"][0]["family"] == "Omdøpt"
    # A unit's name (a reference version), through the model.
    bundle(api, vadso_system, "HealthcareService", _id=vadso_rus.pk)
    vadso_rus.name = "Rus og psykisk helse, Vadsø"
    vadso_rus.save()
    (unit,) = entries(bundle(api, vadso_system, "HealthcareService", _id=vadso_rus.pk))
    assert unit["resource"]["name"] == "Rus og psykisk helse, Vadsø"
    # A username, shown for someone without a name.
    users = get_user_model().objects.filter(pk=coordinator.pk)
    users.update(first_name="", last_name="")
    bundle(api, vadso_system, "Practitioner", _id=coordinator.pk)
    users.update(username="koordinator.vadso")
    (person,) = entries(bundle(api, vadso_system, "Practitioner", _id=coordinator.pk))
    assert person["resource"]["name"] == [{"text": "koordinator.vadso"}]


def test_a_client_sees_only_its_own(
    api, vadso_system, stranger_system, patient, pathway, coordinator, vadso_rus
):
    assert entries(bundle(api, vadso_system, "Patient", _id=patient.pk))
    assert not entries(bundle(api, stranger_system, "Patient", _id=patient.pk))
    # The unit leaves the care team: the patient is not in the next answer.
    member = CareTeamMember.objects.active().get(patient=patient, unit=vadso_rus)
    care_team_end(member=member, actor=Actor(coordinator, vadso_rus), reason="Flyttet")
    PatientGroupObjectPermission.objects.filter(group_id=vadso_rus.group_id).delete()
    assert not entries(bundle(api, vadso_system, "Patient", _id=patient.pk))


def test_the_access_log_is_read_fresh(api, vadso_system, patient, pathway):
    def lines():
        log = bundle(api, vadso_system, "AuditEvent", patient=patient.pk, _count=200)
        return {e["resource"]["id"] for e in entries(log)}

    first = lines()
    second = lines()  # holds the first search's own read
    assert first < second

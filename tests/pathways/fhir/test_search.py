"""Search: the common parameters, status, _lastUpdated, _include, keyset paging with
Bundle.link next, errors as OperationOutcome, and a page's constant query count."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pathways.models import (
    CrisisContact,
    CrisisPlan,
    EttervernPlan,
    FollowUpAppointment,
    Goal,
    Meeting,
    ResponsibilityGroup,
    TreatmentEpisode,
)
from referrals.models import Attachment
from tests.factories import make_patient
from tests.kept import forget_kept
from tests.pathways.fhir.test_resources import validate
from tests.pathways.plan.setup import add_goal, start_plan
from tests.referrals.conftest import send_referral

pytestmark = pytest.mark.django_db


def bundle(api, system, name, **params):
    response = api(system).get(reverse("fhir:search", args=[name]), params)
    assert response.status_code == 200, response.content
    return response.json()


def ids(result):
    return [e["resource"]["id"] for e in result.get("entry", []) if e["search"]["mode"] == "match"]


def test_status_maps_back_to_our_states(api, vadso_system, patient, pathway):
    first, forwarded = pathway["referral"], pathway["forwarded"]
    assert ids(bundle(api, vadso_system, "Task", patient=patient.pk, status="rejected")) == [
        str(first.pk)
    ]
    assert ids(
        bundle(api, vadso_system, "ServiceRequest", patient=patient.pk, status="active,draft")
    ) == [str(forwarded.pk)]
    assert ids(bundle(api, vadso_system, "Goal", **{"lifecycle-status": "completed"})) == [
        str(g.pk) for g in Goal.objects.filter(status=Goal.Status.ACHIEVED)
    ]
    assert ids(bundle(api, vadso_system, "Encounter", status="finished")) == []
    assert ids(bundle(api, vadso_system, "CarePlan", subject=f"Patient/{patient.pk}")) == [
        str(pathway["plan"].pk)
    ]


def test_last_updated_filters_on_the_latest_change(api, vadso_system, patient, pathway):
    today = timezone.now().date()
    tomorrow = today + datetime.timedelta(days=1)
    assert ids(bundle(api, vadso_system, "CarePlan", _lastUpdated=f"ge{today}")) == [
        str(pathway["plan"].pk)
    ]
    assert ids(bundle(api, vadso_system, "CarePlan", _lastUpdated=f"gt{tomorrow}")) == []
    soon = (timezone.now() + datetime.timedelta(minutes=5)).isoformat()
    assert ids(bundle(api, vadso_system, "Task", _lastUpdated=f"lt{soon}"))
    result = bundle(api, vadso_system, "Task", _lastUpdated=f"gt{soon}")
    assert ids(result) == []


def test_include_brings_the_pairs_once(api, vadso_system, patient, pathway):
    result = bundle(
        api, vadso_system, "Task", patient=patient.pk, _include=["Task:focus", "Task:patient"]
    )
    validate(result)
    included = [
        (e["resource"]["resourceType"], e["resource"]["id"])
        for e in result["entry"]
        if e["search"]["mode"] == "include"
    ]
    assert sorted(included) == sorted(
        [
            ("Patient", str(patient.pk)),
            ("ServiceRequest", str(pathway["referral"].pk)),
            ("ServiceRequest", str(pathway["forwarded"].pk)),
        ]
    )
    plans = bundle(api, vadso_system, "CarePlan", patient=patient.pk, _include="CarePlan:goal")
    assert {e["resource"]["resourceType"] for e in plans["entry"]} == {"CarePlan", "Goal"}


@pytest.mark.parametrize(
    "params, says",
    [
        ({"colour": "blue"}, "colour"),
        ({"status": "nonsense"}, "nonsense"),
        ({"_count": "0"}, "_count"),
        ({"_count": "many"}, "_count"),
        ({"patient": "Patient/abc"}, "patient"),
        ({"_lastUpdated": "yesterday"}, "yesterday"),
        ({"_lastUpdated": ""}, "_lastUpdated"),
        ({"_lastUpdated": "ge"}, "_lastUpdated"),
        ({"_lastUpdated": "ge2026-01-01T10:00:00"}, "_lastUpdated"),
        ({"_include": "Task:focus"}, "Task:focus"),
    ],
)
def test_bad_parameters_are_an_operation_outcome(api, vadso_system, params, says):
    response = api(vadso_system).get(reverse("fhir:search", args=["CarePlan"]), params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    validate(body)
    assert body["issue"][0]["code"] == "invalid"
    assert says in body["issue"][0]["diagnostics"]


def test_unknown_types_and_writes_are_refused_as_outcomes(api, vadso_system, patient):
    response = api(vadso_system).get("/fhir/R4/Medication")
    assert response.status_code == 404
    assert response.json()["issue"][0]["code"] == "not-supported"
    response = api(vadso_system).get(f"/fhir/R4/Patient/{patient.pk}/_history")
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"


def _plans(count, coordinator, vadso_rus):
    for n in range(count):
        other = make_patient(vadso_rus, by=coordinator, last_name=f"Plansen{n}")
        plan = start_plan(other, coordinator, vadso_rus)
        add_goal(plan, coordinator, vadso_rus)


def test_paging_follows_next_links_to_the_end(api, vadso_system, coordinator, vadso_rus):
    _plans(5, coordinator, vadso_rus)
    seen = []
    result = bundle(api, vadso_system, "CarePlan", _count=2)
    pages = 1
    while True:
        seen.extend(ids(result))
        following = [link["url"] for link in result["link"] if link["relation"] == "next"]
        if not following:
            break
        url = urlsplit(following[0])
        params = {k: v for k, v in parse_qs(url.query).items()}
        assert params["_count"] == ["2"]
        response = api(vadso_system).get(url.path, {k: v[0] for k, v in params.items()})
        result = response.json()
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 5


PAGES = {
    "CarePlan": {"_include": "CarePlan:goal"},
    "Goal": {"_include": "Goal:patient"},
    "Patient": {},
    "CareTeam": {},
    "EpisodeOfCare": {"_include": "EpisodeOfCare:patient"},
    "ServiceRequest": {"_include": "ServiceRequest:patient"},
    "Task": {"_include": ["Task:focus", "Task:patient"]},
}


def _patients_with_referrals(count, coordinator, vadso_rus, unn_intake):
    for n in range(count):
        other = make_patient(vadso_rus, by=coordinator, last_name=f"Henvisesen{n}")
        plan = start_plan(other, coordinator, vadso_rus)
        add_goal(plan, coordinator, vadso_rus)
        send_referral(other, coordinator, vadso_rus, unn_intake)


def test_a_page_costs_the_same_queries_for_one_row_and_thirty(
    api, vadso_system, coordinator, vadso_rus, unn_intake, django_assert_num_queries
):
    _patients_with_referrals(1, coordinator, vadso_rus, unn_intake)
    caller = api(vadso_system)
    caller.get(reverse("fhir:search", args=["Patient"]))  # warm: content types, permissions
    one = {}
    for name, params in PAGES.items():
        forget_kept()  # the search itself, not a kept answer (pathways.fhir.kept)
        with CaptureQueriesContext(connection) as queries:
            assert len(ids(caller.get(reverse("fhir:search", args=[name]), params).json())) == 1
        one[name] = len(queries.captured_queries)
    _patients_with_referrals(29, coordinator, vadso_rus, unn_intake)
    for name, params in PAGES.items():
        forget_kept()
        with django_assert_num_queries(one[name]):
            result = caller.get(reverse("fhir:search", args=[name]), params).json()
        assert len(ids(result)) == 30, name
        # Asked again, the answer is kept: the token's client, the versions, the read events.
        with django_assert_num_queries(3):
            again = caller.get(reverse("fhir:search", args=[name]), params).json()
        assert again["entry"] == result["entry"] and again["link"] == result["link"]


# The types served from several models, a page over every part (the ettervern plans, the
# follow-up appointments beside the meetings, the ettervern plans, minutes and referral
# attachments as documents).
AFTERCARE_PAGES = {
    "CarePlan": {"_include": ["CarePlan:patient", "CarePlan:care-team"]},
    "Appointment": {"_include": "Appointment:patient"},
    "DocumentReference": {"_include": "DocumentReference:patient"},
}


def _patients_after_a_stay(count, coordinator, vadso_rus, unn_tsb, unn_intake):
    """Vadsø's patients after a stay at TSB døgn: the ettervern plan with a way back, the
    crisis plan with a contact, a follow-up appointment, published minutes and a referral's
    attachment. Rows made directly: the page is what is measured, not the services."""
    now = timezone.now()
    for n in range(count):
        other = make_patient(vadso_rus, by=coordinator, last_name=f"Ettervernsen{n}")
        Attachment.objects.create(
            referral=send_referral(other, coordinator, vadso_rus, unn_intake),
            file="vedlegg/epikrise.pdf",
            filename="epikrise.pdf",
            content_type=Attachment.ContentType.PDF,
            size=100,
            uploaded_by=coordinator,
            uploaded_by_unit=vadso_rus,
        )
        episode = TreatmentEpisode.objects.create(
            patient=other,
            unit=unn_tsb,
            kind=TreatmentEpisode.Kind.DOGN,
            started_at=now - datetime.timedelta(days=20),
            ended_at=now - datetime.timedelta(days=2),
            end_kind=TreatmentEpisode.EndKind.PLANNED,
            created_by=coordinator,
        )
        EttervernPlan.objects.create(
            episode=episode,
            patient=other,
            summary="Fullført opphold.",
            return_kind=EttervernPlan.Return.OPEN_RETURN,
            return_unit=unn_tsb,
            return_valid_until=timezone.localdate() + datetime.timedelta(days=30),
            first_appointment_at=now + datetime.timedelta(days=1),
        )
        crisis = CrisisPlan.objects.create(patient=other, warning_signs="Sover dårlig.")
        CrisisContact.objects.create(crisis=crisis, name="Legevakt", phone="116117")
        FollowUpAppointment.objects.create(
            episode=episode,
            patient=other,
            at=now - datetime.timedelta(days=1),
            with_whom="Ruskonsulent",
            unit=vadso_rus,
            attended=True,
            created_by=coordinator,
        )
        group = ResponsibilityGroup.objects.create(
            patient=other, leader=coordinator, created_by=coordinator
        )
        Meeting.objects.create(
            group=group,
            patient=other,
            starts_at=now - datetime.timedelta(days=3),
            place="Vadsø rådhus",
            state=Meeting.State.HELD,
            published_at=now - datetime.timedelta(days=2),
            published_by=coordinator,
            created_by=coordinator,
        )


def test_a_page_of_each_part_costs_the_same_queries_for_one_patient_and_eight(
    api, vadso_system, coordinator, vadso_rus, unn_tsb, unn_intake, django_assert_num_queries
):
    per_patient = {"CarePlan": 1, "Appointment": 2, "DocumentReference": 3}
    _patients_after_a_stay(1, coordinator, vadso_rus, unn_tsb, unn_intake)
    caller = api(vadso_system)
    caller.get(reverse("fhir:search", args=["Patient"]))  # warm: content types, permissions
    one = {}
    for name, params in AFTERCARE_PAGES.items():
        forget_kept()
        with CaptureQueriesContext(connection) as queries:
            result = caller.get(reverse("fhir:search", args=[name]), params).json()
        assert len(ids(result)) == per_patient[name], name
        one[name] = len(queries.captured_queries)
    _patients_after_a_stay(7, coordinator, vadso_rus, unn_tsb, unn_intake)
    for name, params in AFTERCARE_PAGES.items():
        forget_kept()
        with django_assert_num_queries(one[name]):
            result = caller.get(reverse("fhir:search", args=[name]), params).json()
        assert len(ids(result)) == 8 * per_patient[name], name
        with django_assert_num_queries(3):  # kept: the client, the versions, the reads
            again = caller.get(reverse("fhir:search", args=[name]), params).json()
        assert again["entry"] == result["entry"]
    # The ettervern plans carry what the page prefetched: the kommune, the crisis plan, the
    # follow-up appointment.
    plan = next(
        e["resource"]
        for e in result_of(caller, "CarePlan", AFTERCARE_PAGES["CarePlan"])["entry"]
        if e["search"]["mode"] == "match"
    )
    assert plan["contributor"][1]["display"].startswith(vadso_rus.name)
    assert [a["detail"]["description"] for a in plan["activity"] if "detail" in a][0].startswith(
        "Tidlige varselsignaler: Sover dårlig."
    )
    assert plan["activity"][-1]["reference"]["reference"].startswith("Appointment/oppfolging-")


def result_of(caller, name, params):
    return caller.get(reverse("fhir:search", args=[name]), params).json()


def test_stays_meetings_and_the_log_search_by_date(api, vadso_system, patient, pathway):
    today = timezone.now().date()
    week = today + datetime.timedelta(days=6)
    assert ids(bundle(api, vadso_system, "Encounter", date=f"lt{today}")) == [
        str(pathway["episode"].pk)
    ]
    assert ids(bundle(api, vadso_system, "Encounter", date=f"ge{today}")) == []
    assert ids(bundle(api, vadso_system, "Appointment", date=f"gt{week}")) == [
        str(pathway["meeting"].pk)
    ]
    assert ids(bundle(api, vadso_system, "Appointment", date=f"le{today}")) == []
    assert ids(bundle(api, vadso_system, "Communication", sent=f"ge{today}"))
    assert ids(bundle(api, vadso_system, "AuditEvent", patient=patient.pk, date=f"eq{today}"))
    response = api(vadso_system).get(reverse("fhir:search", args=["Encounter"]), {"date": "soon"})
    assert response.status_code == 400

"""Referrals in from a record system: ``POST /fhir/R4/`` with a transaction Bundle makes the
referral the web form makes, once per Bundle.identifier, and the sender reads the answer back
from the Task."""

import base64
import copy
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.models import CareTeamMember, Consent, FhirTransaction, Notification, Patient
from pathways.workdays import add_working_days
from referrals import services
from referrals.models import Attachment, Referral
from tests.factories import make_patient
from tests.pathways.fhir.referral_bundle import NATIONAL_ID, PDF, referral_bundle
from tests.pathways.fhir.test_resources import validate

pytestmark = pytest.mark.django_db

WRITE = "system/*.read system/ServiceRequest.write"


@pytest.fixture
def send(client, token_for):
    def post(system, bundle, *, scope=WRITE):
        token = token_for(system, scope=scope)
        return client.post(
            reverse("fhir:base"),
            bundle,
            content_type="application/fhir+json",
            headers={"Authorization": f"Bearer {token}"},
        )

    return post


def answered(response, status=200):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    validate(body)
    return body


def issues(response, status):
    body = answered(response, status)
    assert body["resourceType"] == "OperationOutcome"
    return [(i["code"], i.get("expression", [""])[0], i["diagnostics"]) for i in body["issue"]]


def test_a_bundle_makes_the_referral_the_web_form_makes(
    send, api, vadso_system, vadso_rus, unn_intake, coordinator, tsb_intake
):
    body = answered(send(vadso_system, referral_bundle(vadso_rus, unn_intake)))
    assert body["type"] == "transaction-response"
    referral = Referral.objects.get()
    patient = referral.patient
    statuses = [e["response"]["status"] for e in body["entry"]]
    locations = [e["response"].get("location") for e in body["entry"]]
    assert statuses == ["201 Created"] * 5
    assert locations == [
        f"Patient/{patient.pk}",
        f"ServiceRequest/{referral.pk}",
        f"Task/{referral.pk}",
        f"Consent/{referral.consent_id}",
        None,
    ]

    # The patient as the registration form registers them, the referral as the form sends it.
    assert (patient.national_id, patient.first_name, patient.last_name) == (
        NATIONAL_ID,
        "Per Ola",
        "Importsen",
    )
    assert patient.phone == "41234567" and patient.registered_by_unit == vadso_rus
    assert referral.state == Referral.State.RECEIVED
    assert (referral.referring_unit, referral.receiving_unit) == (vadso_rus, unn_intake)
    assert referral.question == "Vurdering av rett til TSB, helst døgnbehandling."
    assert referral.mental_health == "Angst og søvnvansker."
    today = timezone.localdate()
    assert referral.seniority_date == referral.received_on == today
    assert referral.assessment_due == add_working_days(today, services.ASSESSMENT_WORKING_DAYS)
    assert referral.consent.scope == Consent.Scope.REFERRAL
    assert referral.consent.given_on == today
    (attachment,) = Attachment.objects.filter(referral=referral)
    assert attachment.filename == "epikrise.pdf" and attachment.file.read() == PDF
    assert attachment.description == "Epikrise fra legevakt"

    # The receiving intake team is told, as when the web form sends (a notice, no content).
    (notice,) = Notification.objects.filter(user=tsb_intake)
    assert notice.url == reverse("referrals:detail", args=[referral.pk])

    # The same deadline as a referral sent on the web page for another patient today.
    web = services.referral_create(
        patient=make_patient(vadso_rus, by=coordinator),
        actor=Actor(coordinator, vadso_rus),
        receiving_unit=unn_intake,
        data={"reason": "r", "question": "q", "consent_given_on": today},
        send=True,
    )
    assert (web.seniority_date, web.assessment_due) == (
        referral.seniority_date,
        referral.assessment_due,
    )

    # Both units on the care team, as the web form leaves them.
    team = dict(
        CareTeamMember.objects.filter(patient=patient, ended_at=None).values_list(
            "unit_id", "basis"
        )
    )
    assert team == {
        vadso_rus.pk: CareTeamMember.Basis.REGISTERED,
        unn_intake.pk: CareTeamMember.Basis.REFERRAL,
    }
    # Every change is on the patient's access log with the client's account as the actor.
    events = AuditEvent.objects.filter(patient_id=patient.pk)
    assert {e.user_id for e in events} == {vadso_system.account_id}
    assert {e.unit_id for e in events} == {vadso_rus.pk}
    details = [e.detail for e in events]
    assert "Henvisning opprettet" in details and "Vedlegg lagt til" in details
    assert any(d.startswith("Henvisning sendt til") for d in details)
    assert events.filter(action=AuditEvent.Action.CREATE, object_type="pathways.patient").exists()

    # The created resources read back and validate.
    for location in locations[:4]:
        kind, _sep, pk = location.partition("/")
        response = api(vadso_system).get(reverse("fhir:read", args=[kind, pk]))
        assert response.status_code == 200, location
        validate(response.json())


def test_a_draft_task_keeps_the_referral_as_a_draft(send, vadso_system, vadso_rus, unn_intake):
    bundle = referral_bundle(vadso_rus, unn_intake, status="draft", consent=False)
    answered(send(vadso_system, bundle))
    referral = Referral.objects.get()
    assert referral.state == Referral.State.DRAFT and referral.sent_at is None


def test_the_same_bundle_twice_makes_one_referral_and_the_same_answer(
    send, vadso_system, vadso_rus, unn_intake
):
    bundle = referral_bundle(vadso_rus, unn_intake)
    first = send(vadso_system, bundle)
    second = send(vadso_system, copy.deepcopy(bundle))
    assert first.content == second.content
    answered(second)
    assert Referral.objects.count() == 1 and Attachment.objects.count() == 1
    assert FhirTransaction.objects.get().client == vadso_system

    # The same identifier on another Bundle is a mistake the sender must hear about.
    other = copy.deepcopy(bundle)
    other["entry"][1]["resource"]["priority"] = "urgent"
    ((code, where, message),) = issues(send(vadso_system, other), 409)
    assert (code, where) == ("duplicate", "Bundle.identifier")
    assert Referral.objects.count() == 1

    # A new Bundle for the same referral is a second referral to the same unit: refused as
    # the web form refuses it (the form offers "send anyway"; a system resends a new Bundle).
    again = referral_bundle(vadso_rus, unn_intake)
    found = issues(send(vadso_system, again), 422)
    assert found[0][0] == "duplicate" and found[0][1] == "Bundle.entry[1].resource"
    assert "allerede en åpen henvisning" in found[0][2]


def test_validation_errors_name_the_element(send, vadso_system, vadso_rus, unn_intake, unn):
    found = issues(send(vadso_system, referral_bundle(vadso_rus, unn_intake, reason="")), 422)
    assert found == [
        ("invalid", "Bundle.entry[1].resource.reasonCode", "Beskriv årsaken til henvisningen.")
    ]
    # A unit that is not a specialist unit cannot be referred to.
    found = issues(send(vadso_system, referral_bundle(vadso_rus, vadso_rus)), 422)
    assert found[0][1] == "Bundle.entry[1].resource.performer[0]"
    # Without a consent in force and none in the Bundle.
    found = issues(send(vadso_system, referral_bundle(vadso_rus, unn_intake, consent=False)), 422)
    assert found == [
        (
            "invalid",
            "Bundle.entry",
            "Registrer når pasienten samtykket til henvisningen.",
        )
    ]
    # A national id with wrong check digits, as the registration form says it.
    wrong = NATIONAL_ID[:-1] + str((int(NATIONAL_ID[-1]) + 1) % 10)
    found = issues(
        send(vadso_system, referral_bundle(vadso_rus, unn_intake, national_id=wrong)), 422
    )
    assert found[0][1] == "Bundle.entry[0].resource.identifier"
    assert "kontrollsifrene" in found[0][2].lower()
    # A Task that does not point at the ServiceRequest.
    bundle = referral_bundle(vadso_rus, unn_intake)
    bundle["entry"][2]["resource"]["focus"] = {"reference": "ServiceRequest/1"}
    found = issues(send(vadso_system, bundle), 400)
    assert found[0][1] == "Bundle.entry[2].resource.focus"
    # A sender without its unit.
    bundle = referral_bundle(vadso_rus, unn_intake)
    del bundle["entry"][1]["resource"]["contained"][0]["healthcareService"]
    found = issues(send(vadso_system, bundle), 400)
    assert found[0][1] == "Bundle.entry[1].resource.contained[0].healthcareService"
    # A Bundle without its identifier, of another type, or not JSON at all.
    bundle = referral_bundle(vadso_rus, unn_intake)
    del bundle["identifier"]
    assert issues(send(vadso_system, bundle), 400)[0][1] == "Bundle.identifier"
    assert issues(send(vadso_system, {**bundle, "type": "batch"}), 400)[0][1] == "Bundle.type"
    assert issues(send(vadso_system, "{"), 400)[0][0] == "structure"
    # Nothing was made and nothing stored: a corrected Bundle goes through.
    assert not Referral.objects.exists() and not FhirTransaction.objects.exists()
    assert not Patient.objects.filter(national_id=NATIONAL_ID).exists()
    answered(send(vadso_system, referral_bundle(vadso_rus, unn_intake)))


def test_a_client_sends_only_as_its_own_organisation(
    send, vadso_system, stranger_system, vadso_rus, unn_intake, sarpsborg_rus
):
    # Another organisation's unit as the sender.
    found = issues(send(vadso_system, referral_bundle(sarpsborg_rus, unn_intake)), 403)
    assert found[0][0] == "forbidden"
    # A stranger's system naming Vadsø's unit.
    found = issues(send(stranger_system, referral_bundle(vadso_rus, unn_intake)), 403)
    assert found[0][1] == "Bundle.entry[1].resource.requester"
    # The organisation itself as requester, someone else's.
    bundle = referral_bundle(vadso_rus, unn_intake)
    request = bundle["entry"][1]["resource"]
    del request["contained"]
    request["requester"] = {"reference": f"Organization/{sarpsborg_rus.organisation_id}"}
    issues(send(vadso_system, bundle), 403)
    # Its own, with one unit: that unit sends.
    request["requester"] = {"reference": f"Organization/{vadso_rus.organisation_id}"}
    answered(send(vadso_system, bundle))
    assert Referral.objects.get().referring_unit == vadso_rus


def test_the_write_scope_is_required(send, vadso_system, vadso_rus, unn_intake):
    response = send(vadso_system, referral_bundle(vadso_rus, unn_intake), scope="system/*.read")
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
    assert "system/ServiceRequest.write" in response.json()["issue"][0]["diagnostics"]
    assert not Referral.objects.exists()


def test_a_known_patient_outside_the_units_care_team_is_not_referred(
    send, vadso_system, vadso_rus, sarpsborg_rus, unn_intake, other_kommune_user
):
    elsewhere = make_patient(sarpsborg_rus, by=other_kommune_user)
    bundle = referral_bundle(vadso_rus, unn_intake, national_id=elsewhere.national_id)
    bundle["entry"][0]["resource"]["birthDate"] = elsewhere.birth_date.isoformat()
    ((code, where, message),) = issues(send(vadso_system, bundle), 422)
    assert (code, where) == ("business-rule", "Bundle.entry[0].resource.identifier")
    assert not Referral.objects.exists()
    # The attempt is on that patient's access log as a lookup that showed nothing.
    lookup = AuditEvent.objects.get(patient_id=elsewhere.pk, action=AuditEvent.Action.LOOKUP)
    assert lookup.user_id == vadso_system.account_id


def test_a_patient_on_the_units_care_team_is_referred_as_is(
    send, vadso_system, vadso_rus, unn_intake, patient
):
    bundle = referral_bundle(vadso_rus, unn_intake, national_id=patient.national_id)
    bundle["entry"][0]["resource"]["birthDate"] = patient.birth_date.isoformat()
    body = answered(send(vadso_system, bundle))
    assert body["entry"][0]["response"] == {"status": "200 OK", "location": f"Patient/{patient.pk}"}
    assert Referral.objects.get().patient == patient
    assert Patient.objects.filter(national_id=patient.national_id).count() == 1


def read_task(api, system, referral_pk):
    bundle = api(system).get(
        reverse("fhir:search", args=["Task"]), {"focus": f"ServiceRequest/{referral_pk}"}
    )
    assert bundle.status_code == 200, bundle.content
    validate(bundle.json())
    (entry,) = bundle.json()["entry"]
    return entry["resource"]


def test_the_sender_reads_the_answer_back_from_the_task(
    send, api, vadso_system, vadso_rus, unn_intake, unn_tsb, tsb_intake, tsb_clinician
):
    body = answered(send(vadso_system, referral_bundle(vadso_rus, unn_intake)))
    pk = int(body["entry"][2]["response"]["location"].partition("/")[2])
    task = read_task(api, vadso_system, pk)
    assert task["status"] == "received" and task["focus"]["reference"] == f"ServiceRequest/{pk}"

    # Rejected and forwarded by UNN's intake team on the web pages.
    forwarded = services.referral_reject(
        referral=Referral.objects.get(pk=pk),
        actor=Actor(tsb_intake, unn_intake),
        reason="Bedre egnet for døgnbehandling.",
        forward_to=unn_tsb,
    )
    task = read_task(api, vadso_system, pk)
    assert task["status"] == "rejected"
    assert task["statusReason"]["text"] == "Bedre egnet for døgnbehandling."
    assert task["output"][0]["valueReference"]["reference"] == f"ServiceRequest/{forwarded.pk}"
    found = api(vadso_system).get(
        reverse("fhir:search", args=["ServiceRequest"]), {"replaces": f"ServiceRequest/{pk}"}
    )
    (entry,) = found.json()["entry"]
    assert entry["resource"]["id"] == str(forwarded.pk)
    assert entry["resource"]["replaces"] == [{"reference": f"ServiceRequest/{pk}"}]

    # The døgn unit grants it: the new Task says accepted, with the start deadline.
    deadline = add_working_days(timezone.localdate(), 20)
    services.referral_grant(
        referral=forwarded,
        actor=Actor(tsb_clinician, unn_tsb),
        start_deadline=deadline,
        help_kind=Referral.HelpKind.INPATIENT,
    )
    task = read_task(api, vadso_system, forwarded.pk)
    assert task["status"] == "accepted"
    assert task["restriction"]["period"]["end"] == deadline.isoformat()


def test_the_capability_statement_declares_the_transaction(client):
    statement = client.get(reverse("fhir:metadata")).json()
    (rest,) = statement["rest"]
    assert [i["code"] for i in rest["interaction"]] == ["transaction"]
    assert "system/ServiceRequest.write" in rest["security"]["description"]
    task = next(r for r in rest["resource"] if r["type"] == "Task")
    assert "focus" in {p["name"] for p in task["searchParam"]}


def _paths(node, path=()):
    """Every element of a Bundle, containers included, as a path of keys and indexes."""
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*path, index))


def _replaced(bundle, path, value):
    out = copy.deepcopy(bundle)
    node = out
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return out


ODD = [None, 7, -1, True, [], {}, "", "\x00", "x" * 300, [{}], {"reference": 5}, "Patient/1"]


def test_no_odd_element_breaks_the_import(send, vadso_system, vadso_rus, unn_intake):
    """Any element of the Bundle replaced by a value of another kind: a FHIR answer with a
    2xx or 4xx status, never a server error."""
    bundle = referral_bundle(vadso_rus, unn_intake)
    paths = [p for p in _paths(bundle) if p]
    statuses = []

    @settings(
        max_examples=80,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(path=st.sampled_from(paths), value=st.sampled_from(ODD), fresh=st.uuids())
    def post(path, value, fresh):
        sent = _replaced(bundle, path, value)
        if path != ("identifier",) and path[:1] != ("identifier",):
            sent["identifier"] = {"system": "urn:test", "value": str(fresh)}
        response = send(vadso_system, sent)
        assert response.status_code < 500, (path, value, response.content)
        body = response.json()
        assert body["resourceType"] in ("Bundle", "OperationOutcome"), body
        statuses.append(response.status_code)

    post()
    assert {400, 422} <= set(statuses), statuses


def test_a_large_attachment_is_taken_up_to_the_forms_limit(
    send, vadso_system, vadso_rus, unn_intake, unn_tsb
):
    """A Bundle with a 9 MB PDF (12 MB in base64, past Django's form upload limit) is taken;
    an 11 MB one is refused as the upload form refuses it."""
    big = PDF + b"0" * (9 * 1024 * 1024)
    bundle = referral_bundle(vadso_rus, unn_intake)
    attachment = bundle["entry"][4]["resource"]["content"][0]["attachment"]
    attachment["data"] = base64.b64encode(big).decode()
    answered(send(vadso_system, bundle))
    assert Attachment.objects.get().size == len(big)

    bigger = referral_bundle(vadso_rus, unn_tsb)
    bigger["entry"][4]["resource"]["content"][0]["attachment"]["data"] = base64.b64encode(
        PDF + b"0" * (11 * 1024 * 1024)
    ).decode()
    found = issues(send(vadso_system, bigger), 422)
    assert found[0][1] == "Bundle.entry[4].resource.content[0].attachment"
    assert "10 MB" in found[0][2]


def test_the_bundle_a_record_system_sends_is_valid_r4(vadso_rus, unn_intake):
    """What the tests (and docs/fhir.md) send is itself a valid R4 transaction Bundle."""
    validate(referral_bundle(vadso_rus, unn_intake))


@pytest.mark.parametrize(
    "system, sender, kind, status",
    [
        ("vadso_system", "vadso_rus", "new", 200),
        ("vadso_system", "vadso_rus", "own", 200),
        ("vadso_system", "vadso_rus", "shared", 200),
        ("unn_system", "unn_tsb", "new", 200),
        ("unn_system", "unn_tsb", "own", 422),
        ("unn_system", "unn_tsb", "shared", 200),
        ("stranger_system", "other_hf_unit", "own", 422),
        ("stranger_system", "vadso_rus", "new", 403),
    ],
)
def test_who_may_refer_whom(send, request, system, sender, kind, status, unn_intake):
    """Each client × each kind of patient: a new person, Vadsø's own patient (on Vadsø's care
    team only), and one shared by consent with UNN TSB døgn. A unit refers a known patient
    only from its own care team, as on the web."""
    patient = {
        "new": None,
        "own": lambda: request.getfixturevalue("patient"),
        "shared": lambda: request.getfixturevalue("shared_patient"),
    }[kind]
    known = patient() if patient else None
    client = request.getfixturevalue(system)
    unit = request.getfixturevalue(sender)
    bundle = referral_bundle(unit, unn_intake, national_id=known.national_id if known else None)
    if known:
        bundle["entry"][0]["resource"]["birthDate"] = known.birth_date.isoformat()
    response = send(client, bundle)
    answered(response, status)
    made = Referral.objects.filter(referring_unit=unit)
    assert made.count() == (1 if status == 200 else 0)


def test_old_bundle_keys_are_forgotten_by_the_periodic_job(
    send, vadso_system, vadso_rus, unn_intake
):
    from pathways.fhir.transaction import KEEP_DAYS, expire_transactions

    answered(send(vadso_system, referral_bundle(vadso_rus, unn_intake)))
    kept = FhirTransaction.objects.get()
    assert expire_transactions(kept.created_at + datetime.timedelta(days=KEEP_DAYS - 1)) == 0
    assert expire_transactions(kept.created_at + datetime.timedelta(days=KEEP_DAYS, seconds=1)) == 1
    assert not FhirTransaction.objects.exists()
    assert Referral.objects.count() == 1  # the referral itself stays

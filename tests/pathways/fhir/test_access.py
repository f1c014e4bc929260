"""The API's access matrix: a client sees exactly what its organisation's units see on the
web pages, an outsider's read is the same 404 as a missing id, and every read is audited
with the client's account as the actor."""

from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.fhir.registry import REGISTRY
from pathways.models import ApiClient, CareTeamMember, Consent
from pathways.patients.services.breakglass import break_glass_open
from pathways.patients.services.careteam import care_team_end, consent_withdraw
from referrals import services as referrals
from tests.pathways.fhir.pathway import ATTACHMENT
from tests.referrals.conftest import referral_data, send_referral

pytestmark = pytest.mark.django_db


def read(api, system, name, pk):
    return api(system).get(reverse("fhir:read", args=[name, pk]))


def found_ids(api, system, name, **params):
    response = api(system).get(reverse("fhir:search", args=[name]), params)
    assert response.status_code == 200, response.content
    return [e["resource"]["id"] for e in response.json().get("entry", [])]


PATIENT_TYPES = sorted(
    name
    for name, resource in REGISTRY.items()
    if resource.patient_field not in (None, "pk") and "search-type" in resource.interactions
)


def sees(api, system, patient) -> bool:
    """Read and search agree on whether the client sees the patient; a client that does not
    gets nothing of any type about them."""
    response = read(api, system, "Patient", patient.pk)
    listed = str(patient.pk) in found_ids(api, system, "Patient", _id=patient.pk)
    assert (response.status_code == 200) == listed
    if response.status_code != 200:
        assert response.status_code == 404
        assert response.json()["resourceType"] == "OperationOutcome"
        for name in PATIENT_TYPES:
            assert found_ids(api, system, name, patient=patient.pk) == [], name
        for name in ("CareTeam", "EpisodeOfCare"):
            assert read(api, system, name, patient.pk).status_code == 404
    return listed


def _end_unn_membership(patient, coordinator, vadso_rus):
    member = CareTeamMember.objects.get(
        patient=patient, unit__organisation__name="UNN HF", ended_at__isnull=True
    )
    care_team_end(member=member, actor=Actor(coordinator, vadso_rus), reason="Avsluttet")


@pytest.mark.parametrize(
    "kind, vadso_sees, unn_sees",
    [
        ("registered in Vadsø", True, False),
        ("shared with UNN by consent", True, True),
        ("consent to UNN withdrawn", True, False),
        ("referred to UNN", True, True),
        ("opened by another HF with emergency access", True, False),
        ("opened by another kommune with emergency access", True, False),
    ],
)
def test_each_client_sees_what_its_units_see(
    kind,
    vadso_sees,
    unn_sees,
    api,
    vadso_system,
    unn_system,
    stranger_system,
    other_kommune_system,
    patient,
    shared_patient,
    coordinator,
    vadso_rus,
    unn_intake,
    tsb_intake,
    other_hf_user,
    other_hf_unit,
    other_kommune_user,
    sarpsborg_rus,
):
    if kind == "registered in Vadsø":
        _end_unn_membership(patient, coordinator, vadso_rus)
    elif kind == "consent to UNN withdrawn":
        consent = Consent.objects.get(patient=patient, scope=Consent.Scope.SHARING)
        consent_withdraw(consent=consent, actor=Actor(coordinator, vadso_rus))
    elif kind == "referred to UNN":
        consent = Consent.objects.get(patient=patient, scope=Consent.Scope.SHARING)
        consent_withdraw(consent=consent, actor=Actor(coordinator, vadso_rus))
        send_referral(patient, coordinator, vadso_rus, unn_intake)
    elif kind == "opened by another HF with emergency access":
        _end_unn_membership(patient, coordinator, vadso_rus)
        break_glass_open(
            patient=patient,
            actor=Actor(other_hf_user, other_hf_unit),
            reason="emergency",
            explanation="Pasienten er innlagt akutt og trenger oppfølging nå.",
        )
    elif kind == "opened by another kommune with emergency access":
        _end_unn_membership(patient, coordinator, vadso_rus)
        break_glass_open(
            patient=patient,
            actor=Actor(other_kommune_user, sarpsborg_rus),
            reason="emergency",
            explanation="Pasienten har flyttet hit og trenger hjelp i natt.",
        )
    assert sees(api, vadso_system, patient) is vadso_sees
    assert sees(api, unn_system, patient) is unn_sees
    # Another helseforetak's system never sees the patient, not even by emergency access
    # opened by one of its people: break-the-glass is for a person, never for a system.
    assert sees(api, stranger_system, patient) is False
    # Another kommune's system sees nothing of Vadsø's patients either, whatever the case
    # (kommune access follows the care team, never the kind of organisation).
    assert sees(api, other_kommune_system, patient) is False


@pytest.mark.parametrize("outsider_system", ["stranger_system", "other_kommune_system"])
def test_an_outsider_gets_the_same_answer_as_for_a_missing_id(
    api, outsider_system, patient, vadso_system, request
):
    stranger_system = request.getfixturevalue(outsider_system)
    outsider = read(api, stranger_system, "Patient", patient.pk)
    missing = read(api, vadso_system, "Patient", 999_999_999)
    assert outsider.status_code == missing.status_code == 404
    assert outsider.content == missing.content
    for name in ("CareTeam", "EpisodeOfCare"):
        assert read(api, stranger_system, name, patient.pk).status_code == 404
    assert found_ids(api, stranger_system, "Consent", patient=patient.pk) == []


def test_every_read_is_audited_with_the_client_as_actor(api, vadso_system, shared_patient):
    patient = shared_patient
    before = AuditEvent.objects.count()
    assert read(api, vadso_system, "Patient", patient.pk).status_code == 200
    found_ids(api, vadso_system, "Consent", patient=patient.pk)
    events = list(AuditEvent.objects.order_by("pk")[before:])
    assert [e.action for e in events] == ["view"] * len(events)
    assert len(events) >= 2
    assert {e.user_id for e in events} == {vadso_system.account_id}
    assert {e.patient_id for e in events} == {patient.pk}
    assert {e.object_type for e in events} == {"pathways.patient", "pathways.consent"}
    assert all(e.detail.startswith("FHIR vadso-profil: /fhir/R4/") for e in events)


def test_a_refused_read_is_logged_as_refused_and_not_as_a_read(api, stranger_system, patient):
    before = AuditEvent.objects.filter(action="view").count()
    read(api, stranger_system, "Patient", patient.pk)
    read(api, stranger_system, "CareTeam", patient.pk)
    read(api, stranger_system, "Patient", 999_999_999)
    found_ids(api, stranger_system, "Patient", _id=patient.pk)
    assert AuditEvent.objects.filter(action="view").count() == before
    refused = AuditEvent.objects.filter(action="denied", user=stranger_system.account)
    assert [e.patient_id for e in refused.order_by("pk")] == [patient.pk, patient.pk, None]
    assert {e.basis for e in refused} == {"none"}


def test_another_units_draft_referral_is_not_shown(
    api, vadso_system, unn_system, shared_patient, coordinator, vadso_rus, unn_intake
):
    draft = referrals.referral_create(
        patient=shared_patient,
        actor=Actor(coordinator, vadso_rus),
        receiving_unit=unn_intake,
        data=referral_data(),
        send=False,
    )
    assert found_ids(api, vadso_system, "ServiceRequest", patient=shared_patient.pk) == [
        str(draft.pk)
    ]
    assert found_ids(api, unn_system, "ServiceRequest", patient=shared_patient.pk) == []
    assert read(api, unn_system, "Task", draft.pk).status_code == 404
    # Nor its attachments.
    attachment = referrals.attachment_add(
        referral=draft,
        actor=Actor(coordinator, vadso_rus),
        upload=SimpleUploadedFile("epikrise.pdf", ATTACHMENT),
    )
    document = f"vedlegg-{attachment.pk}"
    assert found_ids(api, vadso_system, "DocumentReference", patient=shared_patient.pk) == [
        document
    ]
    assert found_ids(api, unn_system, "DocumentReference", patient=shared_patient.pk) == []
    assert read(api, unn_system, "DocumentReference", document).status_code == 404
    assert read(api, unn_system, "Binary", document).status_code == 404
    assert read(api, vadso_system, "Binary", document).content == ATTACHMENT


def test_a_service_account_has_no_password_and_no_unit(vadso_system):
    account = vadso_system.account
    assert not account.has_usable_password()
    assert not account.check_password("")
    assert not account.memberships.exists()


def test_a_client_is_registered_by_organisation_number(vadso, api, shared_patient):
    out = StringIO()
    call_command("fhir_client_add", "vadso-gerica", vadso.org_number, name="Gerica", stdout=out)
    assert out.getvalue().strip() == f"client=vadso-gerica organisation={vadso.name}"
    system = ApiClient.objects.get(client_id="vadso-gerica")
    assert system.organisation == vadso
    assert sees(api, system, shared_patient)
    with pytest.raises(CommandError):
        call_command("fhir_client_add", "nobody", "000000000")


def test_the_aftercare_resources_are_seen_as_the_patient_is(
    api, vadso_system, unn_system, stranger_system, patient, aftercare
):
    """The ettervern plan, the follow-up appointments and the new documents: the client that
    sees the patient reads them; an outsider gets the missing id's 404, logged as refused."""
    plan, minutes = aftercare["ettervern"].pk, aftercare["minutes"].pk
    resources = [
        ("CarePlan", f"ettervern-{plan}"),
        ("Appointment", f"oppfolging-{aftercare['missed'].pk}"),
        ("Appointment", f"oppfolging-{aftercare['ahead'].pk}"),
        ("DocumentReference", f"ettervern-{plan}"),
        ("DocumentReference", f"referat-{minutes}"),
        ("Binary", f"ettervern-{plan}"),
        ("Binary", f"referat-{minutes}"),
        ("DocumentReference", f"vedlegg-{aftercare['attachment'].pk}"),
        ("Binary", f"vedlegg-{aftercare['attachment'].pk}"),
    ]
    missing = read(api, vadso_system, "CarePlan", "ettervern-999999999")
    assert missing.status_code == 404
    denied = AuditEvent.objects.filter(action="denied", user=stranger_system.account)
    for name, pk in resources:
        if name != "Binary":  # the PDFs are read in test_resources
            assert read(api, vadso_system, name, pk).status_code == 200, (name, pk)
            assert read(api, unn_system, name, pk).status_code == 200, (name, pk)
        before = denied.count()
        outsider = read(api, stranger_system, name, pk)
        assert outsider.status_code == 404, (name, pk)
        assert outsider.content == missing.content
        assert list(denied.order_by("pk").values_list("patient_id", flat=True)[before:]) == [
            patient.pk
        ]
    for name in ("CarePlan", "Appointment", "DocumentReference"):
        assert found_ids(api, stranger_system, name, patient=patient.pk) == []
        assert found_ids(api, stranger_system, name) == []
    assert f"ettervern-{plan}" in found_ids(api, unn_system, "CarePlan", patient=patient.pk)

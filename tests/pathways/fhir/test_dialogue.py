"""The dialogue between services as FHIR Communication, beside the kommune messages: the
thread by ``partOf`` and its identifier, an answer ``inResponseTo`` its question, the subject
as ``topic``; both kinds found by patient, paged across, read by id, validated as R4."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.dialogue import services as dialogue
from pathways.episodes import services as episodes
from pathways.models import KommuneMessage, TreatmentEpisode
from tests.pathways.fhir.test_resources import validate

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def conversation(shared_patient, coordinator, vadso_rus, unn_tsb, tsb_clinician):
    """A kommune message (the notice of admission) and a thread: Vadsø's question with a
    PDF, UNN's answer."""
    from django.utils import timezone

    episodes.episode_start(
        patient=shared_patient,
        actor=Actor(tsb_clinician, unn_tsb),
        kind=TreatmentEpisode.Kind.DOGN,
        started_at=timezone.now(),
        send_admission_message=True,
    )
    thread = dialogue.thread_start(
        patient=shared_patient,
        actor=Actor(coordinator, vadso_rus),
        to_unit=unn_tsb,
        subject="Legemidler ved utskriving",
        text="Hvilke legemidler skal Ola ha med seg?",
        upload=SimpleUploadedFile("liste.pdf", PDF),
    )
    answer = dialogue.thread_reply(
        thread=thread, actor=Actor(tsb_clinician, unn_tsb), text="Metadon 60 mg."
    )
    return thread, thread.posts.get(kind="question"), answer


def search(api, system, **params):
    response = api(system).get(reverse("fhir:search", args=["Communication"]), params)
    assert response.status_code == 200, response.content
    bundle = response.json()
    validate(bundle)
    return bundle


def test_both_kinds_are_found_by_patient_and_validate(
    api, vadso_system, shared_patient, conversation
):
    thread, question, answer = conversation
    bundle = search(api, vadso_system, patient=shared_patient.pk)
    resources = {e["resource"]["id"]: e["resource"] for e in bundle["entry"]}
    message = KommuneMessage.objects.get(patient=shared_patient)
    assert set(resources) == {str(message.pk), f"dialog-{question.pk}", f"dialog-{answer.pk}"}
    for resource in resources.values():
        validate(resource)
    asked, answered = resources[f"dialog-{question.pk}"], resources[f"dialog-{answer.pk}"]
    assert asked["topic"] == {"text": "Legemidler ved utskriving"}
    assert "partOf" not in asked and "inResponseTo" not in asked
    assert asked["payload"][1]["contentAttachment"]["title"] == "liste.pdf"
    assert answered["partOf"] == [{"reference": f"Communication/dialog-{question.pk}"}]
    assert answered["inResponseTo"] == [{"reference": f"Communication/dialog-{question.pk}"}]
    assert answered["identifier"] == asked["identifier"]
    assert answered["category"][0]["coding"][0]["code"] == "answer"
    assert answered["payload"] == [{"contentString": "Metadon 60 mg."}]
    assert "received" in asked  # UNN read the question when it answered


def test_paging_runs_through_both_kinds_once(api, vadso_system, shared_patient, conversation):
    seen, params = [], {"patient": shared_patient.pk, "_count": 1}
    while True:
        bundle = search(api, vadso_system, **params)
        seen += [e["resource"]["id"] for e in bundle.get("entry", [])]
        following = [link for link in bundle["link"] if link["relation"] == "next"]
        if not following:
            break
        cursor = following[0]["url"].split("_cursor=")[1].split("&")[0]
        params["_cursor"] = cursor
    assert len(seen) == len(set(seen)) == 3
    assert seen[0].isdigit() and seen[1].startswith("dialog-")


def test_a_post_is_read_by_its_id_and_audited(api, vadso_system, shared_patient, conversation):
    _thread, _question, answer = conversation
    url = reverse("fhir:read", args=["Communication", f"dialog-{answer.pk}"])
    resource = api(vadso_system).get(url).json()
    validate(resource)
    assert resource["id"] == f"dialog-{answer.pk}"
    assert AuditEvent.objects.filter(
        patient_id=shared_patient.pk, object_type="pathways.dialoguepost", object_id=str(answer.pk)
    ).exists()
    by_id = search(api, vadso_system, _id=f"dialog-{answer.pk}")
    assert [e["resource"]["id"] for e in by_id["entry"]] == [f"dialog-{answer.pk}"]
    for wrong in ("dialog-x", "dialog-", "dialog-99999999"):
        response = api(vadso_system).get(reverse("fhir:read", args=["Communication", wrong]))
        assert response.status_code == 404


def test_an_outside_system_finds_nothing(api, stranger_system, shared_patient, conversation):
    _thread, question, _answer = conversation
    url = reverse("fhir:read", args=["Communication", f"dialog-{question.pk}"])
    assert api(stranger_system).get(url).status_code == 404
    assert "entry" not in search(api, stranger_system, patient=shared_patient.pk)

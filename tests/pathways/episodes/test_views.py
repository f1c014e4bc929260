"""Discharge pages: the access ladder, forms that keep what was typed, the overview, the PDF."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.episodes import services as svc
from pathways.models import CareTeamMember, EttervernPlan, KommuneMessage, TreatmentEpisode
from tests.pathways.episodes.test_services import admit, fill_plan, make_ready

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode(shared_patient, tsb_clinician, unn_tsb):
    return admit(shared_patient, tsb_clinician, unn_tsb, send=True)


def url(name, episode, *extra):
    return reverse(f"pathways:{name}", args=[episode.patient_id, episode.pk, *extra])


# --- access ladder ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["episode_detail", "ettervern_plan", "episode_assess", "episode_ready", "episode_end"],
)
def test_anonymous_is_sent_to_login(client, episode, name):
    response = client.get(url(name, episode))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["episode_detail", "ettervern_plan", "episode_assess"])
def test_outsiders_get_404(login, episode, other_kommune_user, other_hf_user, name):
    for user in (other_kommune_user, other_hf_user):
        assert login(user).get(url(name, episode)).status_code == 404


def test_read_only_units_read_but_may_not_change(login, episode, tsb_clinician, unn_tsb):
    from pathways.access import sync_unit_access

    CareTeamMember.objects.filter(patient=episode.patient, unit=unn_tsb).update(
        role=CareTeamMember.Role.INFORMED
    )
    sync_unit_access(episode.patient, unn_tsb)
    client = login(tsb_clinician)
    assert client.get(url("episode_detail", episode)).status_code == 200
    assert client.get(url("episode_assess", episode)).status_code == 403
    assert client.post(url("episode_end", episode), {"end_kind": "unplanned"}).status_code == 403


def test_the_care_team_sees_the_pages(login, episode, coordinator, tsb_clinician):
    for user in (coordinator, tsb_clinician):
        client = login(user)
        assert (
            client.get(reverse("pathways:episode_list", args=[episode.patient_id])).status_code
            == 200
        )
        assert client.get(url("episode_detail", episode)).status_code == 200
        assert client.get(url("ettervern_plan", episode)).status_code == 200


def test_an_episode_of_another_patient_is_404(login, episode, coordinator, vadso_rus):
    from tests.factories import make_patient

    other = make_patient(vadso_rus, by=coordinator)
    path = reverse("pathways:episode_detail", args=[other.pk, episode.pk])
    assert login(coordinator).get(path).status_code == 404


def test_the_kommune_may_not_open_specialist_forms(login, episode, coordinator):
    client = login(coordinator)
    assert client.post(url("episode_assess", episode), {"assessment": "x"}).status_code == 403
    assert client.get(url("ettervern_edit", episode, "spesialist")).status_code in (403, 404)


def test_reading_the_episode_is_audited_and_marks_the_kommune_message_read(
    login, episode, coordinator
):
    login(coordinator).get(url("episode_detail", episode))
    assert AuditEvent.objects.filter(
        user=coordinator, action="view", patient_id=episode.patient_id
    ).exists()
    assert KommuneMessage.objects.get(episode=episode).read_by == coordinator


# --- forms --------------------------------------------------------------------------------


def test_starting_treatment_through_the_form(login, shared_patient, tsb_clinician):
    client = login(tsb_clinician)
    response = client.post(
        reverse("pathways:episode_new", args=[shared_patient.pk]),
        {
            "kind": "dogn",
            "started_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "planned_end": "",
            "send_admission_message": "on",
        },
    )
    assert response.status_code == 302
    episode = TreatmentEpisode.objects.get(patient=shared_patient)
    assert episode.messages.filter(kind="admission").count() == 1


def test_a_bad_form_keeps_the_typed_values_and_says_what_is_wrong(
    login, shared_patient, tsb_clinician
):
    response = login(tsb_clinician).post(
        reverse("pathways:episode_new", args=[shared_patient.pk]),
        {"kind": "dogn", "started_at": "ikke en dato", "planned_end": "2020-01-01"},
    )
    assert response.status_code == 200
    assert "ikke en dato" in response.content.decode()
    assert response.context["form"].errors["started_at"]


def test_utskrivningsklar_refused_shows_the_reasons(login, episode, tsb_clinician):
    response = login(tsb_clinician).post(url("episode_ready", episode), {"text": "Klar"})
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "vurdering" in errors
    episode.refresh_from_db()
    assert episode.ready_at is None


def test_the_kommune_answers_through_the_form(login, episode, tsb_clinician, unn_tsb, coordinator):
    message = make_ready(episode, tsb_clinician, unn_tsb)[0]
    client = login(coordinator)
    path = url("message_answer", episode, message.pk)
    bad = client.post(path, {"answer": "cannot_receive", "answer_reason": ""})
    assert bad.status_code == 200
    assert bad.context["form"].errors["answer_reason"]
    day = timezone.localdate() + datetime.timedelta(days=4)
    ok = client.post(path, {"answer": "can_receive", "can_receive_from": day.isoformat()})
    assert ok.status_code == 302
    message.refresh_from_db()
    assert message.can_receive_from == day
    # The specialist sees the answer on the episode page.
    page = login(tsb_clinician).get(url("episode_detail", episode)).content.decode()
    assert f"Kan ta imot fra {day.day}.{day.month}.{day.year}" in page


def test_a_stale_plan_form_is_refused_and_keeps_what_was_typed(
    login, episode, tsb_clinician, unn_tsb, coordinator, vadso_rus
):
    plan = svc.plan_start(episode=episode, actor=Actor(tsb_clinician, unn_tsb))
    svc.plan_save_part(
        plan=plan,
        part="kommune",
        actor=Actor(coordinator, vadso_rus),
        data={"housing": "A"},
        version=1,
    )
    response = login(coordinator).post(
        url("ettervern_edit", episode, "kommune"), {"housing": "Mitt forslag", "version": 1}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mitt forslag" in body
    assert "Lagret av noen andre" in body
    plan.refresh_from_db()
    assert plan.housing == "A"


def test_garbage_input_never_gives_a_server_error(login, episode, tsb_clinician, coordinator):
    client = login(tsb_clinician)
    for name, data in [
        ("episode_end", {"end_kind": "nonsense", "ended_at": "x"}),
        ("episode_transfer", {"to_unit": "999999", "kind": "zzz"}),
        ("planning_meeting_new", {"starts_at": "31.02.2020", "place": "", "participants": ""}),
        ("episode_planned_end", {"planned_end": "ikke"}),
    ]:
        assert client.post(url(name, episode), data).status_code in (200, 302)
    client = login(coordinator)
    assert client.post(url("ettervern_edit", episode, "kommune"), {"version": "x"}).status_code in (
        200,
        404,
    )
    assert client.get(reverse("discharge_statistics") + "?start=x&end=y").status_code == 200


# --- overview and query counts -----------------------------------------------------------


def test_the_overview_shows_readiness(
    login, episode, tsb_clinician, unn_tsb, coordinator, vadso_rus
):
    plan = svc.plan_start(episode=episode, actor=Actor(tsb_clinician, unn_tsb))
    fill_plan(
        plan, clinician=tsb_clinician, unit=unn_tsb, coordinator=coordinator, kommune_unit=vadso_rus
    )
    svc.plan_save_part(
        plan=plan,
        part="kommune",
        actor=Actor(coordinator, vadso_rus),
        data={"economy": "", "activity": "", "housing": ""},
        version=plan.kommune_version,
    )
    body = login(coordinator).get(reverse("pathways:patient_overview", args=[episode.patient_id]))
    text = body.content.decode()
    assert "7 av 10 punkter på plass" in text
    assert "ikke signert av begge" in text


def test_the_overview_section_costs_the_same_for_one_or_many_episodes(
    rf, episode, tsb_clinician, unn_tsb, shared_patient
):
    from pathways.episodes.section import section as discharge

    request = rf.get("/")
    svc.plan_start(episode=episode, actor=Actor(tsb_clinician, unn_tsb))
    with CaptureQueriesContext(connection) as one:
        discharge(request, shared_patient)
    for _ in range(5):
        e = admit(shared_patient, tsb_clinician, unn_tsb, send=True)
        svc.plan_start(episode=e, actor=Actor(tsb_clinician, unn_tsb))
    with CaptureQueriesContext(connection) as many:
        context = discharge(request, shared_patient)
    # One query (episodes with plans and their messages) and one looking for the patient's
    # crisis plan, once for all plans; one per episode would be 3+ more.
    assert len(one) == len(many) == 2
    assert len(context["discharge_episodes"]) == 3


def test_the_statistics_cost_one_query_however_many_discharges(
    episode, tsb_clinician, unn_tsb, shared_patient, django_assert_num_queries
):
    today = timezone.localdate()
    with django_assert_num_queries(1):
        svc.discharge_statistics(unn_tsb, today - datetime.timedelta(days=30), today)
    for _ in range(6):
        e = admit(shared_patient, tsb_clinician, unn_tsb, send=True)
        svc.episode_end(episode=e, actor=Actor(tsb_clinician, unn_tsb), end_kind="unplanned")
    with django_assert_num_queries(1):
        figures = svc.discharge_statistics(unn_tsb, today - datetime.timedelta(days=30), today)
    assert figures.unplanned == 6


# --- PDF ----------------------------------------------------------------------------------


def pdf_text(response) -> str:
    reader = PdfReader(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_is_the_plan_in_plain_language_with_whom_to_call(
    login, episode, tsb_clinician, unn_tsb, coordinator, vadso_rus
):
    vadso_rus.phone = "78 94 23 00"
    vadso_rus.save()
    unn_tsb.phone = "77 62 60 00"  # the treating unit's number is on the handout too
    unn_tsb.save()
    plan = svc.plan_start(episode=episode, actor=Actor(tsb_clinician, unn_tsb))
    fill_plan(
        plan, clinician=tsb_clinician, unit=unn_tsb, coordinator=coordinator, kommune_unit=vadso_rus
    )
    response = login(coordinator).get(reverse("pathways:ettervern_pdf", args=[episode.patient_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    filename = f"ettervern-{episode.patient_id}.pdf"
    assert response["Content-Disposition"] == f'inline; filename="{filename}"'
    text = pdf_text(response)
    assert "Din plan etter utskrivning" in text
    assert "Hvem du kan ringe" in text
    assert "78 94 23 00" in text
    assert "77 62 60 00" in text
    assert "Egen leilighet." in text
    assert "Isolerer seg." in text
    assert "116 117" in text
    assert AuditEvent.objects.filter(
        user=coordinator, action="print", patient_id=episode.patient_id
    ).exists()


def test_the_prison_pdf_says_who_meets_the_person(
    login, episode, tsb_clinician, unn_tsb, coordinator, vadso_rus
):
    plan = svc.plan_start(
        episode=episode, actor=Actor(coordinator, vadso_rus), variant=EttervernPlan.Variant.PRISON
    )
    svc.plan_save_part(
        plan=plan,
        part="kommune",
        actor=Actor(coordinator, vadso_rus),
        data={
            "release_date": timezone.localdate() + datetime.timedelta(days=5),
            "prison": "Vadsø fengsel",
            "met_by": "Kari Nilsen ved porten",
        },
        version=1,
    )
    text = pdf_text(
        login(coordinator).get(reverse("pathways:ettervern_pdf", args=[episode.patient_id]))
    )
    assert "Vadsø fengsel" in text
    assert "Kari Nilsen ved porten" in text


def test_the_pdf_without_a_plan_is_404_and_outsiders_get_404(
    login, episode, coordinator, other_kommune_user
):
    path = reverse("pathways:ettervern_pdf", args=[episode.patient_id])
    assert login(coordinator).get(path).status_code == 404
    assert login(other_kommune_user).get(path).status_code == 404

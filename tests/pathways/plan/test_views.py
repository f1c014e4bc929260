"""The plan pages: access from every role, edit rights, conflicts, htmx, history, PDF,
query counts, 'my plans', the overview and the task list."""

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
from pathways.crisis import services as crisis_svc
from pathways.models import CareTeamMember, Goal, IndividualPlan, Measure, PlanRevision
from pathways.plan import services as svc
from pathways.plan.worklist import tasks as measure_tasks
from pathways.worklist import tasks_for
from tests.pathways.plan.setup import (
    add_goal,
    add_measure,
    appoint,
    record_plan_consent,
    start_plan,
)

pytestmark = pytest.mark.django_db


def url(name, patient, *args):
    return reverse(f"pathways:{name}", args=[patient.pk, *args])


@pytest.fixture
def plan(coordinator, vadso_rus, shared_patient):
    return start_plan(shared_patient, coordinator, vadso_rus)


# --- access ladder ---


def test_anonymous_is_sent_to_login(client, plan):
    response = client.get(url("plan", plan.patient))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_outsiders_get_404_for_every_plan_page(login, other_kommune_user, other_hf_user, plan):
    for user in (other_kommune_user, other_hf_user):
        client = login(user)
        for name in ("plan", "plan_history", "plan_pdf", "plan_goal_new", "plan_measure_new"):
            assert client.get(url(name, plan.patient)).status_code == 404, name


def test_the_care_team_sees_the_plan(login, coordinator, colleague, tsb_clinician, plan):
    for user in (coordinator, colleague, tsb_clinician):
        assert login(user).get(url("plan", plan.patient)).status_code == 200


def test_a_unit_kept_informed_reads_but_gets_403_on_edits(login, tsb_clinician, plan, unn_tsb):
    from pathways.access import sync_unit_access

    CareTeamMember.objects.filter(patient=plan.patient, unit=unn_tsb).update(
        role=CareTeamMember.Role.INFORMED
    )
    sync_unit_access(plan.patient, unn_tsb)
    client = login(tsb_clinician)
    assert client.get(url("plan", plan.patient)).status_code == 200
    assert client.get(url("plan_goal_new", plan.patient)).status_code == 403
    assert client.post(url("plan_comment", plan.patient), {"text": "x"}).status_code == 403


def test_only_the_koordinator_edits_goals(login, colleague, tsb_clinician, coordinator, plan):
    goal = add_goal(plan, coordinator, plan.owner_unit)
    for user in (colleague, tsb_clinician):
        client = login(user)
        assert client.get(url("plan_goal_new", plan.patient)).status_code == 403
        assert client.get(url("plan_goal", plan.patient, goal.pk)).status_code == 403
        assert client.get(url("plan_section", plan.patient, "grunnlag")).status_code == 403
    assert login(coordinator).get(url("plan_goal", plan.patient, goal.pk)).status_code == 200


def test_the_responsible_unit_edits_its_own_measure_only(
    login, coordinator, tsb_clinician, vadso_rus, unn_tsb, plan
):
    ours = add_measure(plan, coordinator, vadso_rus, responsible_unit=unn_tsb, title="Døgn")
    theirs = add_measure(plan, coordinator, vadso_rus, title="Bolig")
    client = login(tsb_clinician)
    assert client.get(url("plan_measure", plan.patient, theirs.pk)).status_code == 403
    page = client.get(url("plan_measure", plan.patient, ours.pk))
    assert page.status_code == 200
    version = svc.open_plan(plan.patient).version
    prefix = f"measure-{ours.pk}"
    response = client.post(
        url("plan_measure", plan.patient, ours.pk),
        {
            f"{prefix}-version": version,
            f"{prefix}-status": "on_hold",
            f"{prefix}-scope": "Pause til januar",
            f"{prefix}-how": "",
            f"{prefix}-start_on": "",
            f"{prefix}-end_on": "",
            f"{prefix}-responsible_user": "",
        },
    )
    assert response.status_code == 302
    ours.refresh_from_db()
    assert (ours.status, ours.scope, ours.title) == ("on_hold", "Pause til januar", "Døgn")
    assert client.post(url("plan_measure_done", plan.patient, theirs.pk)).status_code == 403


def test_a_kommune_colleague_comments_and_the_koordinator_is_told(
    login, colleague, coordinator, plan
):
    response = login(colleague).post(
        url("plan_comment", plan.patient), {"section": "measures", "text": "NAV kan ta dette."}
    )
    assert response.status_code == 302
    assert plan.comments.get().text == "NAV kan ta dette."
    assert coordinator.notifications.filter(kind="plan_comment").exists()


# --- starting a plan ---


def test_starting_a_plan_records_consent_and_makes_the_starter_koordinator(
    login, coordinator, vadso_rus, patient
):
    client = login(coordinator)
    today = timezone.localdate()
    response = client.post(
        url("plan_new", patient),
        {
            "consent_given_on": today.isoformat(),
            "consent_covers_sharing": "on",
            "owner_unit": vadso_rus.pk,
            "period_start": today.isoformat(),
            "next_revision_on": (today + datetime.timedelta(days=182)).isoformat(),
            "what_matters": "Å få bo hjemme.",
        },
    )
    assert response.status_code == 302
    plan = IndividualPlan.objects.get(patient=patient)
    assert plan.consent.scope == "individual_plan" and plan.what_matters == "Å få bo hjemme."
    assert svc.active_coordinator(patient).user == coordinator


def test_the_start_form_without_consent_date_keeps_what_was_typed(login, coordinator, patient):
    response = login(coordinator).post(
        url("plan_new", patient),
        {"what_matters": "Egen bolig", "period_start": "", "next_revision_on": ""},
    )
    assert response.status_code == 200
    assert "Egen bolig" in response.content.decode()
    assert response.context["form"].errors["consent_given_on"]
    assert not IndividualPlan.objects.exists()


def test_a_koordinator_is_appointed_from_the_care_team(
    login, coordinator, colleague, vadso_rus, patient
):
    from accounts.models import Membership

    membership = Membership.objects.get(user=colleague, unit=vadso_rus)
    response = login(coordinator).post(
        url("plan_coordinator", patient), {"membership": membership.pk, "note": ""}
    )
    assert response.status_code == 302
    assert svc.active_coordinator(patient).user == colleague
    overview = login(coordinator).get(reverse("pathways:patient_overview", args=[patient.pk]))
    assert colleague.get_full_name() in overview.content.decode()


def test_garbage_input_never_gives_500(login, coordinator, plan):
    client = login(coordinator)
    for name, data in [
        ("plan_goal_new", {"goal-new-version": "x", "goal-new-life_area": "nope"}),
        ("plan_measure_new", {"measure-new-start_on": "31.02.2026", "measure-new-goals": "abc"}),
        ("plan_evaluation", {"held_on": "i morgen", "next_revision_on": "2020-01-01"}),
        ("plan_participant_new", {"kind": "unit"}),
        ("crisis_plan_contact_new", {"name": ""}),
        ("crisis_plan", {"version": "x", "warning_signs": "a" * 20000}),
    ]:
        assert client.post(url(name, plan.patient), data).status_code == 200, name
    assert client.get(url("plan_history", plan.patient) + "?a=x&b=999").status_code == 200
    assert client.get(url("plan_section", plan.patient, "nope")).status_code == 404
    assert client.get(url("plan_area", plan.patient, "nope")).status_code == 404


# --- htmx and conflicts ---


def _goal_post(goal, version, text, prefix=None):
    prefix = prefix or f"goal-{goal.pk}"
    return {
        f"{prefix}-version": version,
        f"{prefix}-life_area": goal.life_area,
        f"{prefix}-text": text,
        f"{prefix}-status": goal.status,
        f"{prefix}-target_date": "",
    }


def test_inline_edit_returns_only_the_goal_with_htmx(login, coordinator, plan):
    goal = add_goal(plan, coordinator, plan.owner_unit)
    client = login(coordinator)
    form = client.get(url("plan_goal", plan.patient, goal.pk), HTTP_HX_REQUEST="true")
    assert b"<html" not in form.content and b'hx-post="' in form.content
    version = svc.open_plan(plan.patient).version
    response = client.post(
        url("plan_goal", plan.patient, goal.pk),
        _goal_post(goal, version, "Ha egen leilighet i Vadsø sentrum."),
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert f'id="goal-{goal.pk}"' in body and "Vadsø sentrum" in body
    assert 'id="plan-version" hx-swap-oob="true"' in body


def test_the_first_goal_and_measure_added_inline_clear_the_none_yet_texts_and_count(
    login, coordinator, vadso_rus, plan
):
    client = login(coordinator)
    page = client.get(url("plan", plan.patient)).content.decode()
    assert 'id="goals-empty"' in page and 'id="measures-empty"' in page
    assert '<span class="muted" id="measure-count">(0)</span>' in page
    goal = client.post(
        url("plan_goal_new", plan.patient),
        {
            "goal-new-version": svc.open_plan(plan.patient).version,
            "goal-new-life_area": "housing",
            "goal-new-text": "Jeg vil klare meg selv.",
            "goal-new-status": "active",
        },
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert '<p id="goals-empty" hx-swap-oob="delete"></p>' in goal
    measure = client.post(
        url("plan_measure_new", plan.patient),
        {
            "measure-new-version": svc.open_plan(plan.patient).version,
            "measure-new-title": "Søknad om kommunal bolig",
            "measure-new-life_area": "housing",
            "measure-new-responsible_unit": vadso_rus.pk,
            "measure-new-status": "in_progress",
        },
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "Søknad om kommunal bolig" in measure
    assert '<p id="measures-empty" hx-swap-oob="delete"></p>' in measure
    assert 'id="measure-count" hx-swap-oob="true">(1)</span>' in measure


def test_adding_a_goal_without_javascript_redirects_to_the_plan(login, coordinator, plan):
    client = login(coordinator)
    version = svc.open_plan(plan.patient).version
    response = client.post(
        url("plan_goal_new", plan.patient),
        {
            "goal-new-version": version,
            "goal-new-is_main": "on",
            "goal-new-text": "Jeg vil klare meg selv.",
            "goal-new-status": "active",
        },
    )
    goal = Goal.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#goal-{goal.pk}")
    assert goal.is_main


def test_a_stale_goal_form_shows_what_changed_and_keeps_the_text(
    login, coordinator, colleague, vadso_rus, plan
):
    goal = add_goal(plan, coordinator, vadso_rus)
    client = login(coordinator)
    opened_at = svc.open_plan(plan.patient).version
    # Meanwhile the goal is changed (in another tab).
    client.post(
        url("plan_goal", plan.patient, goal.pk),
        _goal_post(goal, opened_at, "Egen leilighet før påske."),
    )
    response = client.post(
        url("plan_goal", plan.patient, goal.pk),
        _goal_post(goal, opened_at, "Egen leilighet før sommeren."),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Egen leilighet før påske." in body  # what changed meanwhile
    assert "Egen leilighet før sommeren." in body  # what the user typed, kept
    goal.refresh_from_db()
    assert goal.text == "Egen leilighet før påske."
    current = svc.open_plan(plan.patient).version
    assert response.context["form"].data[f"goal-{goal.pk}-version"] == current
    # Saving again applies the change.
    client.post(
        url("plan_goal", plan.patient, goal.pk),
        _goal_post(goal, current, "Egen leilighet før sommeren."),
    )
    goal.refresh_from_db()
    assert goal.text == "Egen leilighet før sommeren."


def test_a_second_save_of_a_stale_section_form_never_overwrites(login, coordinator, plan):
    client = login(coordinator)
    page = url("plan_section", plan.patient, "viktig")
    opened_at = svc.open_plan(plan.patient).version
    first = client.post(page, {"version": opened_at, "what_matters": "Å bo for meg selv."})
    assert first.status_code == 302
    response = client.post(page, {"version": opened_at, "what_matters": "Å ha en jobb."})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Å bo for meg selv." in body  # what changed meanwhile
    assert "Å ha en jobb." in body  # what the user typed, kept
    assert svc.open_plan(plan.patient).what_matters == "Å bo for meg selv."
    current = svc.open_plan(plan.patient).version
    assert response.context["form"].data["version"] == current
    # Saving from the conflict screen applies the change.
    assert (
        client.post(page, {"version": current, "what_matters": "Å ha en jobb."}).status_code == 302
    )
    assert svc.open_plan(plan.patient).what_matters == "Å ha en jobb."


def test_a_goal_form_without_a_version_is_stale(login, coordinator, vadso_rus, plan):
    goal = add_goal(plan, coordinator, vadso_rus)
    client = login(coordinator)
    response = client.post(
        url("plan_goal", plan.patient, goal.pk), _goal_post(goal, "", "Uten versjon.")
    )
    assert response.status_code == 200 and "Uten versjon." in response.content.decode()
    goal.refresh_from_db()
    assert goal.text != "Uten versjon."
    current = svc.open_plan(plan.patient).version
    assert response.context["form"].data[f"goal-{goal.pk}-version"] == current


def test_the_history_page_shows_the_diff_between_two_revisions(login, coordinator, plan):
    add_goal(plan, coordinator, plan.owner_unit, text="Få tilbake førerkortet.")
    add_measure(plan, coordinator, plan.owner_unit, title="Kurs hos trafikkskole")
    last = svc.open_plan(plan.patient).version
    response = login(coordinator).get(url("plan_history", plan.patient) + f"?a=1&b={last}")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Få tilbake førerkortet." in body and "Kurs hos trafikkskole" in body
    assert len(response.context["revisions"]) == last


def test_the_history_shows_section_summaries_in_norwegian_also_those_stored_in_english(
    login, coordinator, plan
):
    current = svc.open_plan(plan.patient)
    svc.plan_update_section(
        plan=current,
        actor=Actor(coordinator, plan.owner_unit),
        section="what_matters",
        data={"what_matters": "Å ha et sted å bo."},
        base_version=current.version,
    )
    # A revision saved before the summaries were translated kept the English text.
    PlanRevision.objects.filter(plan=plan).order_by("-version").update(
        summary="'What is important to you?' changed"
    )
    body = login(coordinator).get(url("plan_history", plan.patient)).content.decode()
    assert "«Hva er viktig for deg?» endret" in body
    assert "What is important to you" not in body


# --- PDF ---


def _pdf_text(response) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def test_the_pdf_holds_goals_measures_and_the_crisis_plan_and_is_audited(
    login, coordinator, vadso_rus, plan
):
    add_goal(plan, coordinator, vadso_rus, text="Jeg vil ha min egen leilighet.")
    add_measure(plan, coordinator, vadso_rus, title="Søknad om kommunal bolig")
    plan.refresh_from_db()
    crisis_svc.crisis_plan_save(
        patient=plan.patient,
        actor=Actor(coordinator, vadso_rus),
        version=1,
        data={
            "warning_signs": "Slutter å svare på telefonen.",
            "triggers": "",
            "what_helps": "At søsteren ringer.",
            "wishes": "",
            "emergency": "Legevakt: 116 117",
        },
    )
    response = login(coordinator).get(url("plan_pdf", plan.patient))
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('inline; filename="individuell-plan-') and ".pdf" in disposition
    text, pages = _pdf_text(response)
    assert "Jeg vil ha min egen leilighet." in text
    assert "Søknad om kommunal bolig" in text
    assert "Slutter å svare på telefonen." in text and "116 117" in text
    assert plan.patient.full_name in text and plan.patient.masked_id in text
    assert pages >= 2  # the crisis plan has a page of its own
    last_page = PdfReader(io.BytesIO(response.content)).pages[-1].extract_text()
    assert "Slutter å svare på telefonen." in last_page
    assert AuditEvent.objects.filter(
        patient_id=plan.patient.pk, action=AuditEvent.Action.PRINT
    ).exists()


def test_a_past_revision_prints_as_it_was(login, coordinator, vadso_rus, plan):
    add_measure(plan, coordinator, vadso_rus, title="Tiltak som senere ble endret")
    old = svc.open_plan(plan.patient).version
    measure = Measure.objects.get()
    plan.refresh_from_db()
    svc.measure_save(
        plan=plan,
        actor=Actor(coordinator, vadso_rus),
        measure=measure,
        base_version=plan.version,
        data={"title": "Nytt navn på tiltaket"},
    )
    client = login(coordinator)
    text, _ = _pdf_text(client.get(url("plan_revision_pdf", plan.patient, old)))
    assert "Tiltak som senere ble endret" in text and "Nytt navn" not in text
    assert client.get(url("plan_revision_pdf", plan.patient, 999)).status_code == 404


# --- query counts ---


def _page_queries(client, patient) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url("plan", patient)).status_code == 200
    return len(ctx.captured_queries)


def test_the_plan_page_costs_the_same_with_1_and_40_measures(
    login, coordinator, vadso_rus, unn_tsb, plan
):
    goal = add_goal(plan, coordinator, vadso_rus)
    add_measure(plan, coordinator, vadso_rus, goals=[goal])
    client = login(coordinator)
    one = _page_queries(client, plan.patient)
    for i in range(39):
        add_measure(
            plan,
            coordinator,
            vadso_rus,
            title=f"Tiltak {i}",
            responsible_unit=unn_tsb if i % 2 else vadso_rus,
            goals=[goal],
        )
    # One query per measure would be 40+ more here.
    assert _page_queries(client, plan.patient) == one
    # A render after a change: 15 for the page, and the shared kept part looked up and
    # stored (pathways.kept); the looks after it until the next change take 6.
    assert one <= 17


def test_my_plans_lists_revision_dates_in_constant_queries(
    login, coordinator, vadso_rus, django_assert_max_num_queries
):
    from tests.factories import make_patient

    client = login(coordinator)
    first = make_patient(vadso_rus, by=coordinator)
    start_plan(first, coordinator, vadso_rus)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("pathways:my_plans"))
    for _ in range(5):
        other = make_patient(vadso_rus, by=coordinator)
        appoint(other, coordinator, vadso_rus)
    overdue = make_patient(vadso_rus, by=coordinator, first_name="Forsinket")
    start_plan(overdue, coordinator, vadso_rus)
    IndividualPlan.objects.filter(patient=overdue).update(
        next_revision_on=timezone.localdate() - datetime.timedelta(days=3)
    )
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("pathways:my_plans"))
    assert len(many.captured_queries) == len(one.captured_queries)
    rows = response.context["rows"]
    assert len(rows) == 7
    assert rows[0]["patient"] == overdue and rows[0]["state"] == "overdue"
    assert "Forfalt" in response.content.decode()


def test_the_overview_shows_koordinator_and_plan_status(login, coordinator, plan):
    body = login(coordinator).get(reverse("pathways:patient_overview", args=[plan.patient.pk]))
    text = body.content.decode()
    assert coordinator.get_full_name() in text
    assert body.context["plan_section"]["plan"] == plan


# --- task list ---


def test_open_measures_of_the_unit_are_tasks_with_a_done_url(
    login, coordinator, tsb_clinician, vadso_rus, unn_tsb, plan
):
    measure = add_measure(
        plan, coordinator, vadso_rus, responsible_unit=unn_tsb, title="Utskrivningssamtale"
    )
    add_measure(plan, coordinator, vadso_rus, title="Bolig", status="completed")
    tasks = measure_tasks(tsb_clinician, unn_tsb)
    assert [t.title for t in tasks] == ["Utskrivningssamtale"]
    assert tasks[0].due == measure.end_on
    assert measure_tasks(coordinator, vadso_rus) == []  # Vadsø's own measure is completed
    response = login(tsb_clinician).post(tasks[0].done_url, {"next": "/pasienter/"})
    assert response.status_code == 302 and response["Location"] == "/pasienter/"
    measure.refresh_from_db()
    assert measure.status == Measure.Status.COMPLETED
    assert measure_tasks(tsb_clinician, unn_tsb) == []


def test_measure_tasks_cost_one_query_however_many(
    coordinator, vadso_rus, plan, django_assert_num_queries
):
    add_measure(plan, coordinator, vadso_rus)
    with django_assert_num_queries(1):
        assert len(measure_tasks(coordinator, vadso_rus)) == 1
    for i in range(29):
        add_measure(plan, coordinator, vadso_rus, title=f"Tiltak {i}")
    with django_assert_num_queries(1):
        assert len(measure_tasks(coordinator, vadso_rus)) == 30
    assert any(t.key.startswith("measure-") for t in tasks_for(coordinator, vadso_rus))


def test_plan_consent_is_shown_before_starting(login, coordinator, vadso_rus, patient):
    record_plan_consent(patient, coordinator, vadso_rus)
    response = login(coordinator).get(url("plan_new", patient))
    assert response.context["consent"] is not None
    assert "consent_given_on" not in response.context["form"].fields


def test_a_measure_without_dates_says_the_period_is_not_set(login, coordinator, vadso_rus, plan):
    add_measure(plan, coordinator, vadso_rus, title="Uten datoer", start_on=None, end_on=None)
    page = login(coordinator).get(url("plan", plan.patient)).content.decode()
    assert "Ikke satt" in page
    assert "– –" not in page


def test_a_measure_with_only_a_start_says_from_when(login, coordinator, vadso_rus, plan):
    add_measure(plan, coordinator, vadso_rus, start_on=datetime.date(2027, 1, 2), end_on=None)
    page = login(coordinator).get(url("plan", plan.patient)).content.decode()
    assert "fra 2.1.2027" in page


def test_the_responsible_person_is_chosen_by_name_and_unit_grouped_by_unit(
    login, coordinator, colleague, tsb_clinician, unn_tsb, vadso_rus, plan
):
    page = login(coordinator).get(url("plan_measure_new", plan.patient)).content.decode()
    select = page[page.index('name="measure-new-responsible_user"') :]
    select = select[: select.index("</select>")]
    assert f'<optgroup label="{unn_tsb.name}">' in select
    assert f'<optgroup label="{vadso_rus.name}">' in select
    assert f"{coordinator.get_full_name()} ({vadso_rus.name})" in select
    assert f"{tsb_clinician.get_full_name()} ({unn_tsb.name})" in select
    # Units in alphabetical order, each person under their own unit.
    assert select.index(unn_tsb.name) < select.index(tsb_clinician.get_full_name())
    assert select.index(vadso_rus.name) < select.index(coordinator.get_full_name())


def test_an_unchanged_plan_prints_from_the_kept_pdf_and_a_change_makes_a_new_one(
    login, coordinator, vadso_rus, plan, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    add_measure(plan, coordinator, vadso_rus, title="Første tiltak")
    client = login(coordinator)
    first = client.get(url("plan_pdf", plan.patient))
    kept = sorted((tmp_path / "pdf").rglob("*.pdf"))
    assert len(kept) == 1 and kept[0].read_bytes() == first.content
    # Printed again: the same bytes, no second file, and still audited as a print.
    prints = AuditEvent.objects.filter(patient_id=plan.patient.pk, action=AuditEvent.Action.PRINT)
    again = client.get(url("plan_pdf", plan.patient))
    assert again.content == first.content
    assert len(list((tmp_path / "pdf").rglob("*.pdf"))) == 1
    assert prints.count() == 2
    add_measure(plan, coordinator, vadso_rus, title="Andre tiltak")
    changed = client.get(url("plan_pdf", plan.patient))
    assert "Andre tiltak" in _pdf_text(changed)[0]
    assert "Andre tiltak" not in _pdf_text(again)[0]
    assert len(list((tmp_path / "pdf").rglob("*.pdf"))) == 2

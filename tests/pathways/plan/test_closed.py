"""A closed individual plan stays readable and printable: its page, history and PDFs."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.models import IndividualPlan
from pathways.plan import services as svc
from tests.pathways.plan.setup import add_goal, start_plan

pytestmark = pytest.mark.django_db


def close(plan, by, unit):
    plan.refresh_from_db()
    return svc.plan_update_section(
        plan=plan,
        actor=Actor(by, unit),
        section="basics",
        data={
            "status": IndividualPlan.Status.CLOSED,
            "owner_unit": plan.owner_unit,
            "period_start": plan.period_start,
            "period_end": timezone.localdate(),
            "next_revision_on": plan.next_revision_on,
        },
        base_version=plan.version,
    )


@pytest.fixture
def closed(shared_patient, coordinator, vadso_rus):
    plan = start_plan(shared_patient, coordinator, vadso_rus)
    add_goal(plan, coordinator, vadso_rus, text="Jeg vil ha min egen leilighet.")
    return close(plan, coordinator, vadso_rus)


def earlier(name, plan, *extra):
    return reverse(f"pathways:{name}", args=[plan.patient_id, plan.pk, *extra])


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_plan_page_lists_earlier_plans(login, coordinator, closed):
    page = login(coordinator).get(reverse("pathways:plan", args=[closed.patient_id]))
    text = page.content.decode()
    assert "Tidligere planer" in text
    assert earlier("plan_earlier", closed) in text
    assert earlier("plan_earlier_history", closed) in text
    assert earlier("plan_earlier_pdf", closed) in text


def test_a_closed_plan_is_read_only(login, coordinator, closed):
    response = login(coordinator).get(earlier("plan_earlier", closed))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Jeg vil ha min egen leilighet." in text
    assert "ikke endres" in text
    assert reverse("pathways:plan_goal_new", args=[closed.patient_id]) not in text
    assert reverse("pathways:plan_comment", args=[closed.patient_id]) not in text
    assert coordinator.get_full_name() in text  # the koordinator when it was last saved


def test_the_history_of_a_closed_plan_compares_versions(login, coordinator, closed):
    client = login(coordinator)
    response = client.get(earlier("plan_earlier_history", closed), {"a": 1, "b": closed.version})
    assert response.status_code == 200
    assert response.context["changes"]
    assert earlier("plan_earlier_revision_pdf", closed, 1) in response.content.decode()


def test_a_closed_plan_prints_as_last_saved_and_the_print_is_audited(login, coordinator, closed):
    client = login(coordinator)
    text = pdf_text(client.get(earlier("plan_earlier_pdf", closed)))
    assert "Jeg vil ha min egen leilighet." in text
    assert AuditEvent.objects.filter(
        user=coordinator, action="print", patient_id=closed.patient_id
    ).exists()
    first = pdf_text(client.get(earlier("plan_earlier_revision_pdf", closed, 1)))
    assert "datteren" in first
    assert "Jeg vil ha min egen leilighet." not in first
    assert client.get(earlier("plan_earlier_revision_pdf", closed, 999)).status_code == 404


def test_earlier_plans_stay_readable_next_to_a_new_plan(
    login, coordinator, vadso_rus, closed, shared_patient
):
    new = start_plan(shared_patient, coordinator, vadso_rus, what_matters="Ny start.")
    client = login(coordinator)
    assert client.get(earlier("plan_earlier", closed)).status_code == 200
    page = client.get(reverse("pathways:plan", args=[shared_patient.pk])).content.decode()
    assert "Ny start." in page and earlier("plan_earlier", closed) in page
    # The open plan is not an earlier plan, and there is still only one open plan.
    assert client.get(earlier("plan_earlier", new)).status_code == 404
    with pytest.raises(ValidationError):
        start_plan(shared_patient, coordinator, vadso_rus)


@pytest.mark.parametrize("name", ["plan_earlier", "plan_earlier_history", "plan_earlier_pdf"])
def test_access_to_earlier_plans_follows_the_patient(
    client, login, name, closed, tsb_clinician, other_kommune_user, other_hf_user
):
    target = earlier(name, closed)
    anonymous = client.get(target)
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]
    for outsider in (other_kommune_user, other_hf_user):
        assert login(outsider).get(target).status_code == 404
    assert login(tsb_clinician).get(target).status_code == 200


def test_another_patients_plan_is_not_found_through_this_patient(
    login, coordinator, vadso_rus, closed
):
    from tests.factories import make_patient

    other = make_patient(vadso_rus, by=coordinator, first_name="Per")
    url = reverse("pathways:plan_earlier", args=[other.pk, closed.pk])
    assert login(coordinator).get(url).status_code == 404

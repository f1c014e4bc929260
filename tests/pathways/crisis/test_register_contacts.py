"""The crisis plan's contacts come from the people register: chosen there, or added to it in the
same step; their name, relation and phone are read from it on both pages and in both PDFs."""

import pytest
from django.urls import reverse

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.crisis import services as crisis_svc
from pathways.episodes import services as episode_svc
from pathways.models import CrisisContact, CrisisPlan, NextOfKin
from pathways.patients.services.patients import next_of_kin_save
from tests.factories import make_patient
from tests.pathways.crisis.test_crisis_plan import crisis_url, ettervern_url, pdf_text, plan_url
from tests.pathways.episodes.test_services import admit
from tests.pathways.plan.setup import start_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def ettervern(shared_patient, tsb_clinician, unn_tsb):
    episode = admit(shared_patient, tsb_clinician, unn_tsb, send=True)
    return episode_svc.plan_start(episode=episode, actor=Actor(tsb_clinician, unn_tsb))


@pytest.fixture
def berit(shared_patient, coordinator, vadso_rus):
    return next_of_kin_save(
        patient=shared_patient,
        actor=Actor(coordinator, vadso_rus),
        instance=NextOfKin(name="Berit Nordmann", relation="Søster", phone="91234567"),
    )


def test_the_form_offers_the_patients_people_and_a_new_person(
    login, shared_patient, coordinator, berit
):
    html = login(coordinator).get(crisis_url(shared_patient, "crisis_plan_contact_new"))
    html = html.content.decode()
    assert f'value="{berit.pk}"' in html and "Berit Nordmann (Søster)" in html
    assert "Legg til en ny person i registeret" in html


def test_a_person_chosen_from_the_register_is_read_from_there_everywhere(
    login, shared_patient, coordinator, vadso_rus, tsb_clinician, ettervern, berit
):
    start_plan(shared_patient, coordinator, vadso_rus)
    client = login(coordinator)
    response = client.post(
        crisis_url(shared_patient, "crisis_plan_contact_new"),
        {"person": berit.pk, "when": "Når som helst"},
    )
    assert response.status_code == 302
    contact = CrisisContact.objects.get(crisis__patient=shared_patient)
    assert (contact.next_of_kin_id, contact.name, contact.phone) == (berit.pk, "", "")

    # A new number in the register shows on both pages and in both PDFs, the old one nowhere.
    berit.phone = "48000111"
    berit.save()
    unn = login(tsb_clinician)
    pages = {
        "plan": client.get(plan_url(shared_patient)).content.decode(),
        "ettervern": unn.get(ettervern_url(ettervern)).content.decode(),
        "plan pdf": pdf_text(client.get(reverse("pathways:plan_pdf", args=[shared_patient.pk]))),
        "handout": pdf_text(
            unn.get(
                reverse("pathways:ettervern_pdf", args=[shared_patient.pk])
                + f"?behandling={ettervern.episode_id}"
            )
        ),
    }
    for where, text in pages.items():
        assert "Berit Nordmann" in text and "48000111" in text, where
        assert "91234567" not in text, where
    assert "Søster" in pages["ettervern"] and "Når som helst" in pages["handout"]


def test_a_new_person_is_added_to_the_register_with_the_contact(login, shared_patient, coordinator):
    response = login(coordinator).post(
        crisis_url(shared_patient, "crisis_plan_contact_new"),
        {
            "person": "new",
            "person_name": "Lise Hansen",
            "person_relation": "Nabo",
            "person_phone": "47000000",
            "when": "Kvelder",
        },
    )
    assert response.status_code == 302
    lise = NextOfKin.objects.get(patient=shared_patient)
    assert (lise.name, lise.relation, lise.phone) == ("Lise Hansen", "Nabo", "47000000")
    contact = CrisisContact.objects.get(next_of_kin=lise)
    assert (contact.crisis.patient_id, contact.when) == (shared_patient.pk, "Kvelder")
    assert AuditEvent.objects.filter(
        patient_id=shared_patient.pk, action=AuditEvent.Action.CREATE, object_id=str(lise.pk)
    ).exists()


def test_a_new_person_without_a_relation_is_explained_and_nothing_is_saved(
    login, shared_patient, coordinator
):
    response = login(coordinator).post(
        crisis_url(shared_patient, "crisis_plan_contact_new"),
        {"person": "new", "person_name": "Lise Hansen", "person_phone": "47000000"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Skriv inn relasjonen til pasienten." in html
    assert 'value="Lise Hansen"' in html
    assert not NextOfKin.objects.exists()
    assert not CrisisContact.objects.exists()


def test_neither_a_person_nor_a_name_is_explained_beside_the_fields(
    login, shared_patient, coordinator
):
    response = login(coordinator).post(
        crisis_url(shared_patient, "crisis_plan_contact_new"), {"when": "Alltid"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Velg en person fra registeret, eller skriv inn navnet." in html
    assert "Skriv inn telefonnummeret." in html
    assert not CrisisContact.objects.exists()


def test_a_person_of_another_patient_is_refused(shared_patient, coordinator, vadso_rus):
    from django.core.exceptions import ValidationError

    other = make_patient(vadso_rus, by=coordinator)
    stranger = NextOfKin.objects.create(patient=other, name="Per", relation="Bror")
    with pytest.raises(ValidationError):
        crisis_svc.crisis_contact_add(
            patient=shared_patient,
            actor=Actor(coordinator, vadso_rus),
            data={"next_of_kin": stranger, "when": "Alltid"},
        )
    assert not CrisisContact.objects.exists()


def test_removing_a_register_contact_names_the_person_in_the_history(
    shared_patient, coordinator, vadso_rus, berit
):
    actor = Actor(coordinator, vadso_rus)
    plan = start_plan(shared_patient, coordinator, vadso_rus)
    contact = crisis_svc.crisis_contact_add(
        patient=shared_patient, actor=actor, data={"next_of_kin": berit, "when": ""}
    )
    crisis_svc.crisis_contact_remove(patient=shared_patient, actor=actor, contact=contact)
    # The plan's history: added, then removed, each naming her (read from the register).
    added, removed = plan.revisions.order_by("-version").values_list("summary", flat=True)[:2][::-1]
    assert added.endswith(": Berit Nordmann") and removed.endswith(": Berit Nordmann")
    assert added != removed
    assert AuditEvent.objects.filter(
        patient_id=shared_patient.pk,
        action=AuditEvent.Action.DELETE,
        detail__contains="Berit Nordmann",
    ).exists()
    assert CrisisPlan.objects.get(patient=shared_patient).contacts.count() == 0

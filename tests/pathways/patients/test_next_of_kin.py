import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from pathways.models import NextOfKin

pytestmark = pytest.mark.django_db


def test_next_of_kin_are_added_changed_and_removed(login, coordinator, patient):
    client = login(coordinator)
    response = client.post(
        reverse("pathways:next_of_kin_new", args=[patient.pk]),
        {"name": "Kari Nordmann", "relation": "Mor", "phone": "41234567"},
    )
    assert response.status_code == 302
    nok = NextOfKin.objects.get(patient=patient)
    assert not nok.may_receive_information
    client.post(
        reverse("pathways:next_of_kin_edit", args=[patient.pk, nok.pk]),
        {"name": "Kari Nordmann", "relation": "Mor", "may_receive_information": "on"},
    )
    nok.refresh_from_db()
    assert nok.may_receive_information
    assert nok.phone == ""
    response = client.post(reverse("pathways:next_of_kin_delete", args=[patient.pk, nok.pk]))
    assert response.status_code == 302
    assert not NextOfKin.objects.filter(patient=patient).exists()
    actions = set(
        AuditEvent.objects.filter(
            patient_id=patient.pk, object_type="pathways.nextofkin"
        ).values_list("action", flat=True)
    )
    assert actions == {"create", "update", "delete"}


def test_bad_next_of_kin_input_gets_messages_and_keeps_values(login, coordinator, patient):
    response = login(coordinator).post(
        reverse("pathways:next_of_kin_new", args=[patient.pk]),
        {"name": "<script>alert(1)</script>", "relation": "x" * 61, "phone": "1" * 31},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"relation", "phone"}
    page = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert not NextOfKin.objects.exists()


def test_names_are_escaped_in_the_list(login, coordinator, patient):
    NextOfKin.objects.create(patient=patient, name="<i>Per</i>", relation="Bror")
    page = login(coordinator).get(reverse("pathways:next_of_kin_list", args=[patient.pk]))
    assert "&lt;i&gt;Per&lt;/i&gt;" in page.content.decode()

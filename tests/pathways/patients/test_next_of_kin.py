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
        {
            "name": "Kari Nordmann",
            "relation": "Mor",
            "may_receive_information": "on",
            "version": nok.version,
        },
    )
    nok.refresh_from_db()
    assert nok.may_receive_information
    assert nok.phone == ""
    response = client.post(
        reverse("pathways:next_of_kin_delete", args=[patient.pk, nok.pk]), {"version": nok.version}
    )
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


def _edit(client, patient, nok, version, **changes):
    data = {"name": nok.name, "relation": nok.relation, "phone": nok.phone, "version": version}
    data.update(changes)
    return client.post(reverse("pathways:next_of_kin_edit", args=[patient.pk, nok.pk]), data)


def test_two_saves_from_the_same_stale_form_never_overwrite(
    login, coordinator, colleague, patient, next_of_kin
):
    opened = next_of_kin.version
    # The colleague saves first, from a form opened at the same time.
    response = _edit(login(colleague), patient, next_of_kin, opened, phone="90000001")
    assert response.status_code == 302
    client = login(coordinator)
    stale = _edit(client, patient, next_of_kin, opened, relation="Stemor")
    assert stale.status_code == 200
    next_of_kin.refresh_from_db()
    assert (next_of_kin.phone, next_of_kin.relation) == ("90000001", "Mor")
    page = stale.content.decode()
    assert "notice--conflict" in page
    assert "90000001" in page  # what the colleague saved
    assert 'value="Stemor"' in page  # what was typed is kept
    # The same stale form sent again is refused again.
    again = _edit(client, patient, next_of_kin, opened, relation="Stemor")
    assert again.status_code == 200
    assert "notice--conflict" in again.content.decode()
    next_of_kin.refresh_from_db()
    assert next_of_kin.relation == "Mor"
    # A save after seeing the conflict (the form re-based on the stored version) applies.
    rebased = stale.context["form"]["version"].value()
    assert int(rebased) == next_of_kin.version
    response = _edit(client, patient, next_of_kin, rebased, phone="90000001", relation="Stemor")
    assert response.status_code == 302
    next_of_kin.refresh_from_db()
    assert (next_of_kin.phone, next_of_kin.relation) == ("90000001", "Stemor")


def test_removing_a_changed_next_of_kin_shows_the_change_first(
    login, coordinator, colleague, patient, next_of_kin
):
    url = reverse("pathways:next_of_kin_delete", args=[patient.pk, next_of_kin.pk])
    client = login(coordinator)
    page = client.get(url)
    seen = {k: v for k, v in page.context["form"].initial.items() if v not in (None, False)}
    assert _edit(login(colleague), patient, next_of_kin, seen["version"], phone="90000001")[
        "Location"
    ]
    client = login(coordinator)
    for _ in range(2):  # the same stale removal, twice
        stale = client.post(url, seen)
        assert stale.status_code == 200
        assert NextOfKin.objects.filter(pk=next_of_kin.pk).exists()
        html = stale.content.decode()
        assert "notice--conflict" in html
        assert "41234567" in html and "90000001" in html  # what the page showed, and now
    rebased = {**seen, "version": stale.context["form"]["version"].value()}
    assert client.post(url, rebased).status_code == 302
    assert not NextOfKin.objects.filter(pk=next_of_kin.pk).exists()

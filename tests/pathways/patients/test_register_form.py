"""Bad input on the registration page: a Norwegian message beside the field, no 500."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from pathways.models import Patient
from pathways.patients.demo_ids import synthetic_id

pytestmark = pytest.mark.django_db

VALID_FNR = "01010750160"


def register(client, **data):
    base = {"first_name": "Ola", "last_name": "Nordmann"}
    base.update(data)
    return client.post(reverse("pathways:patient_new"), base)


@pytest.mark.parametrize(
    ("national_id", "message"),
    [
        ("0101075016a", "Et fødselsnummer har bare sifre."),
        ("abcdefghijk", "Et fødselsnummer har bare sifre."),
        ("0101075016", "Et fødselsnummer har nøyaktig 11 sifre."),
        ("01010750161", "Kontrollsifrene stemmer ikke."),
        ("01-01-07 50160", "Et fødselsnummer har bare sifre."),
        ("0" * 30, "Sørg for at denne verdien har 20 eller færre tegn"),
    ],
)
def test_bad_national_ids_get_a_message_beside_the_field(login, coordinator, national_id, message):
    response = register(login(coordinator), national_id=national_id)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["national_id"])
    assert message in errors
    assert not Patient.objects.exists()
    # Typed values are kept.
    assert response.context["form"]["first_name"].value() == "Ola"


def test_spaces_in_a_national_id_are_accepted(login, coordinator, settings):
    settings.ALLOW_SYNTHETIC_IDS = False
    response = register(login(coordinator), national_id=" 010107 50160 ")
    assert response.status_code == 302
    patient = Patient.objects.get()
    assert patient.national_id == VALID_FNR
    assert patient.birth_date == datetime.date(2007, 1, 1)


def test_synthetic_numbers_are_refused_when_the_setting_is_off(login, coordinator, settings):
    settings.ALLOW_SYNTHETIC_IDS = False
    response = register(login(coordinator), national_id=synthetic_id(datetime.date(1990, 1, 2)))
    assert response.status_code == 200
    assert (
        "Syntetiske testnumre er ikke tillatt her."
        in response.context["form"].errors["national_id"]
    )


def test_a_birth_date_in_the_future_is_refused(login, coordinator):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = register(login(coordinator), no_national_id="on", birth_date=tomorrow.isoformat())
    assert response.status_code == 200
    assert "Datoen kan ikke være fram i tid." in response.context["form"].errors["birth_date"]


def test_an_impossible_date_gets_a_message(login, coordinator):
    response = register(login(coordinator), no_national_id="on", birth_date="1985-02-30")
    assert response.status_code == 200
    assert response.context["form"].errors["birth_date"]


def test_whitespace_only_names_are_refused(login, coordinator):
    response = register(login(coordinator), first_name="   ", last_name="\t", national_id=VALID_FNR)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "first_name" in errors and "last_name" in errors
    assert not Patient.objects.exists()


def test_oversized_text_gets_a_message_not_a_500(login, coordinator):
    response = register(
        login(coordinator),
        national_id=VALID_FNR,
        first_name="A" * 5000,
        address="B" * 100_000,
        phone="9" * 200,
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"first_name", "address", "phone"}


def test_html_in_names_is_escaped_on_display(login, coordinator, settings):
    settings.ALLOW_SYNTHETIC_IDS = False
    client = login(coordinator)
    response = register(
        client, national_id=VALID_FNR, first_name='<script>alert("x")</script>', last_name="<b>"
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert '<script>alert("x")' not in page
    listing = client.get(reverse("pathways:patient_list")).content.decode()
    assert "&lt;b&gt;" in listing

"""A resubmitted form creates nothing new: each rendered form is saved once, by its key."""

import datetime
import threading
import time

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.http import HttpResponseRedirect
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from pathways import formkeys
from pathways.models import (
    FormSubmission,
    NextOfKin,
    Patient,
    ResponsibilityGroup,
    TreatmentEpisode,
)
from pathways.notifications.reminders import run_jobs
from pathways.patients.demo_ids import synthetic_id
from referrals.models import Referral
from tests.security.conftest import page_form

pytestmark = pytest.mark.django_db

ALREADY = "Dette skjemaet var allerede sendt, så ingenting ble lagret på nytt."


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _form(client, url) -> dict:
    page = client.get(url)
    assert page.status_code == 200, url
    fields = page_form(page.content.decode())
    assert fields.get(formkeys.FIELD), f"{url}: the form carries no key"
    return fields


def _post_twice(client, url, data):
    first = client.post(url, data)
    assert first.status_code == 302, first.content.decode()[:2000]
    second = client.post(url, data)
    assert second.status_code == 302
    # The repeat leads to where the first save led, and says why nothing more happened.
    assert second["Location"] == first["Location"]
    assert ALREADY in _messages(second)
    return first


def test_registering_a_patient_twice_registers_one(login, coordinator):
    client = login(coordinator)
    url = reverse("pathways:patient_new")
    data = _form(client, url)
    data.update(
        national_id=synthetic_id(datetime.date(1971, 3, 4)),
        first_name="Kari",
        last_name="Dobbeltklikk",
    )
    first = _post_twice(client, url, data)
    patient = Patient.objects.get(last_name="Dobbeltklikk")
    assert first["Location"] == reverse("pathways:patient_overview", args=[patient.pk])


def test_no_duplicate_referral_on_resubmit(login, coordinator, patient, unn_intake):
    client = login(coordinator)
    url = reverse("referrals:new") + f"?pasient={patient.pk}"
    data = _form(client, url)
    data.update(
        receiving_unit=unn_intake.pk,
        reason="Økende alkoholbruk",
        question="Vurdering av rett til TSB",
        urgency="ordinary",
        consent_given_on=timezone.localdate().isoformat(),
        action="send",
    )
    first = _post_twice(client, url, data)
    referral = Referral.objects.get(patient=patient)
    assert referral.state == Referral.State.RECEIVED
    assert first["Location"] == reverse("referrals:detail", args=[referral.pk])


def test_next_of_kin_and_meeting_are_created_once(login, coordinator, patient):
    client = login(coordinator)
    url = reverse("pathways:next_of_kin_new", args=[patient.pk])
    data = _form(client, url)
    data.update(name="Lise Nordmann", relation="Søster", phone="900 00 000")
    _post_twice(client, url, data)
    assert NextOfKin.objects.filter(patient=patient).count() == 1

    url = reverse("pathways:group_create", args=[patient.pk])
    group_page = client.get(reverse("pathways:meetings", args=[patient.pk])).content.decode()
    data = page_form(group_page)
    assert data.get(formkeys.FIELD)
    data["patient_say"] = "Søsteren skal være med."
    _post_twice(client, url, data)
    group = ResponsibilityGroup.objects.get(patient=patient)

    url = reverse("pathways:meeting_new", args=[patient.pk])
    data = _form(client, url)
    data.update(
        date=(timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
        time="10:00",
        duration_minutes="60",
        place="Vadsø rådhus",
    )
    _post_twice(client, url, data)
    assert group.meetings.count() == 1


def test_a_stay_is_started_once(login, tsb_clinician, shared_patient):
    client = login(tsb_clinician)
    url = reverse("pathways:episode_new", args=[shared_patient.pk])
    data = _form(client, url)
    data.update(
        kind=TreatmentEpisode.Kind.DOGN,
        started_at=timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    )
    _post_twice(client, url, data)
    assert TreatmentEpisode.objects.filter(patient=shared_patient).count() == 1


def test_a_form_shown_again_with_errors_keeps_its_key_and_saves_once(login, coordinator, patient):
    client = login(coordinator)
    url = reverse("pathways:next_of_kin_new", args=[patient.pk])
    data = _form(client, url)
    data.update(name="", relation="Bror")
    again = client.post(url, data)
    assert again.status_code == 200
    # The form was not saved, so the same key comes back with it.
    assert page_form(again.content.decode())[formkeys.FIELD] == data[formkeys.FIELD]
    data["name"] = "Per Nordmann"
    _post_twice(client, url, data)
    assert NextOfKin.objects.filter(patient=patient).count() == 1


def test_each_rendering_is_a_new_form(login, coordinator, patient):
    """Two forms opened one after the other are two saves (two people, two next of kin)."""
    client = login(coordinator)
    url = reverse("pathways:next_of_kin_new", args=[patient.pk])
    for name in ("Lise", "Per"):
        data = _form(client, url)
        data.update(name=name, relation="Søsken")
        assert client.post(url, data).status_code == 302
    assert NextOfKin.objects.filter(patient=patient).count() == 2


def test_an_old_or_altered_key_is_refused_and_what_was_typed_kept(
    login, coordinator, patient, settings
):
    client = login(coordinator)
    url = reverse("pathways:next_of_kin_new", args=[patient.pk])
    data = _form(client, url)
    data.update(name="Lise Nordmann", relation="Søster")
    for bad in (data[formkeys.FIELD] + "x", "not-a-key"):
        answer = client.post(url, {**data, formkeys.FIELD: bad})
        assert answer.status_code == 200
        html = answer.content.decode()
        assert "Dette skjemaet ble åpnet for lenge siden" in html
        shown = page_form(html)
        assert shown["name"] == "Lise Nordmann"
        assert shown[formkeys.FIELD] not in (bad, data[formkeys.FIELD])
    settings.FORM_KEY_HOURS = 0
    time.sleep(1.1)
    assert client.post(url, data).status_code == 200
    assert not NextOfKin.objects.filter(patient=patient).exists()


def test_another_users_key_is_refused(login, coordinator, colleague, patient):
    url = reverse("pathways:next_of_kin_new", args=[patient.pk])
    data = _form(login(coordinator), url)
    data.update(name="Lise Nordmann", relation="Søster")
    assert Client().post(url, data).status_code == 302  # to the login page, nothing saved
    client = login(coordinator)
    assert client.post(url, data).status_code == 302
    other = Client()
    other.force_login(colleague)
    answer = other.post(url, data)
    assert answer.status_code == 200
    assert "Dette skjemaet ble åpnet for lenge siden" in answer.content.decode()
    assert NextOfKin.objects.filter(patient=patient).count() == 1


def test_a_refused_save_releases_the_key(login, coordinator, patient, unn_intake):
    """The service refused (a ValidationError after the form validated): the key is not
    kept, so the corrected form is saved with it."""
    client = login(coordinator)
    url = reverse("referrals:new") + f"?pasient={patient.pk}"
    data = _form(client, url)
    data.update(
        receiving_unit=unn_intake.pk,
        reason="Økende alkoholbruk",
        question="Vurdering",
        urgency="ordinary",
        consent_given_on="",
        action="send",
    )
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "Registrer når pasienten samtykket" in refused.content.decode()
    assert not FormSubmission.objects.exists()
    assert not Referral.objects.exists()
    data["consent_given_on"] = timezone.localdate().isoformat()
    _post_twice(client, url, data)
    assert Referral.objects.filter(patient=patient).count() == 1


def test_old_keys_are_swept(coordinator, settings):
    FormSubmission.objects.create(
        key="00000000-0000-0000-0000-000000000001",
        user=coordinator,
        path="/x/",
        created_at=timezone.now() - datetime.timedelta(hours=settings.FORM_KEY_HOURS + 1),
    )
    fresh = FormSubmission.objects.create(
        key="00000000-0000-0000-0000-000000000002", user=coordinator, path="/x/"
    )
    run_jobs()
    assert list(FormSubmission.objects.all()) == [fresh]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submissions_save_once(coordinator):
    """Two connections submit the same form at once: the second waits on the key's unique
    index until the first commits, then leads to its result; the save runs once."""
    assert connection.vendor == "postgresql"
    raw = formkeys.new_key()
    key = formkeys.posted(RequestFactory().post("/", {formkeys.FIELD: raw}))[1]
    saves, answers, waiting = [], {}, []
    first_inside = threading.Event()
    second_started = threading.Event()

    def submit(name):
        request = RequestFactory().post("/skjema/", {formkeys.FIELD: raw})
        request.user = coordinator
        request.session = {}
        request._messages = _Messages()

        def run():
            saves.append(name)
            first_inside.set()
            # Hold the transaction open until the other submission waits on the key's index.
            second_started.wait(5)
            waiting.append(_lock_wait_seen())
            return HttpResponseRedirect(f"/resultat/{name}/")

        try:
            answers[name] = formkeys.save_once(request, key, run)
        finally:
            connection.close()

    first = threading.Thread(target=submit, args=("a",), daemon=True)
    first.start()
    assert first_inside.wait(5)
    second = threading.Thread(target=submit, args=("b",), daemon=True)
    second.start()
    second_started.set()
    first.join(10)
    second.join(10)
    assert saves == ["a"]
    assert waiting == [True], "the second submission never waited for the first"
    assert answers["a"]["Location"] == "/resultat/a/"
    assert answers["b"]["Location"] == "/resultat/a/"
    row = FormSubmission.objects.get()
    assert (row.key, row.result_url) == (key, "/resultat/a/")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_of_a_page_save_once(coordinator, patient):
    """The same through a page: two connections post the same next-of-kin form at once."""
    url = reverse("pathways:next_of_kin_new", args=[patient.pk])
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(coordinator)
    data = _form(clients[0], url)
    data.update(name="Lise Nordmann", relation="Søster")
    barrier = threading.Barrier(2)
    statuses = []

    def post(client):
        try:
            barrier.wait(5)
            statuses.append(client.post(url, data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(c,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert statuses == [302, 302]
    assert NextOfKin.objects.filter(patient=patient).count() == 1


def _lock_wait_seen(seconds=5.0) -> bool:
    """Another backend of this database waits for a lock (within ``seconds``)."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Inside a transaction the activity view is a snapshot; take a fresh one each time.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


class _Messages(list):
    """The message store a request gets from the middleware (the unit test builds none)."""

    level = 0

    def add(self, level, message, extra_tags=""):
        self.append(message)

"""/varsler/: the user's own notifications, the header count, mark read, settings."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from pathways.models import Notification, NotificationPreference
from pathways.notifications import reminders

pytestmark = pytest.mark.django_db

LIST = "/varsler/"


def notify(user, patient=None, n=1, **kw):
    """n notifications for one user (the real service, as the rules use it)."""
    return [
        note
        for _ in range(n)
        for note in reminders.notify(
            users=[user],
            kind=kw.get("kind", "consent_expiring"),
            title=kw.get("title", "Samtykke utløper snart"),
            url=kw.get("url", f"/pasienter/{patient.pk}/" if patient else ""),
            patient=patient,
        )
    ]


@pytest.mark.parametrize(
    "url",
    [LIST, "/varsler/innstillinger/", "/varsler/1/"],
)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_list_shows_my_notifications_and_not_others(login, coordinator, colleague, patient):
    notify(coordinator, patient, title="Samtykke for TSB døgn utløper")
    notify(colleague, patient, title="Kollegaens eget varsel")
    response = login(coordinator).get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Varsler</h1>" in html
    assert "Samtykke for TSB døgn utløper" in html
    assert "Kollegaens eget varsel" not in html
    assert "Ola Nordmann" in html
    assert "Ulest" in html


def test_the_header_shows_the_unread_count_on_every_page(login, coordinator, patient):
    notify(coordinator, patient, n=3)
    client = login(coordinator)
    assert "Varsler (3)" in client.get(reverse("pathways:patient_list")).content.decode()
    Notification.objects.filter(pk=Notification.objects.first().pk).update(
        read_at="2026-01-01T00:00:00Z"
    )
    assert "Varsler (2)" in client.get(LIST).content.decode()


def test_the_unread_count_costs_one_query(coordinator, patient, rf, django_assert_num_queries):
    from pathways.context_processors import notifications

    notify(coordinator, patient, n=5)
    request = rf.get("/")
    request.user = coordinator
    context = notifications(request)
    with django_assert_num_queries(1):
        assert int(str(context["unread_notifications"])) == 5


def test_the_list_costs_the_same_queries_for_one_row_and_thirty(
    login, coordinator, colleague, patient, django_assert_num_queries
):
    # Session, user with memberships, and the user's version row (the list's version, its
    # count and the header's unread count): the rows are kept rendered while nothing changed.
    notify(coordinator, patient)
    client = login(coordinator)
    client.get(LIST)
    with django_assert_num_queries(3):  # no session write: renewed once a minute
        response = client.get(LIST)
    assert response.content.decode().count("Merk som lest<") == 1
    notify(coordinator, patient, n=29)
    # Changed: the rows (patient joined in) too, and the part looked up in and stored to the
    # shared kept parts; one query per row would be 30+ here.
    with django_assert_num_queries(6):
        response = client.get(LIST)
    assert response.content.decode().count("Merk som lest<") == 30


def test_the_kept_list_follows_reads_new_notifications_and_renames(login, coordinator, patient):
    [note] = notify(coordinator, patient)
    client = login(coordinator)
    assert client.get(LIST).content.decode().count("Merk som lest<") == 1
    client.post(f"/varsler/{note.pk}/lest/")
    assert "Merk som lest<" not in client.get(LIST).content.decode()
    notify(coordinator, patient, n=2)
    assert client.get(LIST).content.decode().count("Merk som lest<") == 2
    patient.first_name = "Omdøpt"
    patient.save()
    assert "Omdøpt" in client.get(LIST).content.decode()
    Notification.objects.filter(user=coordinator).delete()
    assert "Merk som lest<" not in client.get(LIST).content.decode()


def test_a_kept_list_carries_the_token_of_the_session_that_sees_it(client, coordinator, patient):
    notify(coordinator, patient)
    client.force_login(coordinator)
    client.get(LIST)  # kept
    checked = Client(enforce_csrf_checks=True)  # another session, another CSRF secret
    checked.force_login(coordinator)
    page = checked.get(LIST).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    note = Notification.objects.get(user=coordinator)
    response = checked.post(f"/varsler/{note.pk}/lest/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None


def test_opening_a_notification_marks_it_read_and_goes_to_the_object(login, coordinator, patient):
    [note] = notify(coordinator, patient)
    response = login(coordinator).get(f"/varsler/{note.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/pasienter/{patient.pk}/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_a_notification_without_a_link_opens_the_list(login, coordinator):
    [note] = notify(coordinator, url="")
    response = login(coordinator).get(f"/varsler/{note.pk}/")
    assert response["Location"] == reverse("notifications:list")


def test_someone_elses_notification_is_not_found(login, coordinator, colleague, patient):
    [note] = notify(colleague, patient)
    client = login(coordinator)
    assert client.get(f"/varsler/{note.pk}/").status_code == 404
    assert client.post(f"/varsler/{note.pk}/lest/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_one_read_is_a_post_and_returns_to_the_list(login, coordinator, patient):
    [note] = notify(coordinator, patient)
    client = login(coordinator)
    assert client.get(f"/varsler/{note.pk}/lest/").status_code == 405
    response = client.post(f"/varsler/{note.pk}/lest/", {"next": "/varsler/?vis=uleste"})
    assert response["Location"] == "/varsler/?vis=uleste"
    note.refresh_from_db()
    assert note.read_at is not None


def test_an_outside_next_address_is_ignored(login, coordinator, patient):
    [note] = notify(coordinator, patient)
    response = login(coordinator).post(
        f"/varsler/{note.pk}/lest/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("notifications:list")


def test_mark_all_read_touches_only_my_notifications(login, coordinator, colleague, patient):
    notify(coordinator, patient, n=3)
    [theirs] = notify(colleague, patient)
    client = login(coordinator)
    response = client.post("/varsler/alle-lest/", follow=True)
    assert "Alle varsler er merket som lest." in response.content.decode()
    assert not Notification.objects.filter(user=coordinator, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "Varsler (0)" in response.content.decode()


def test_the_unread_filter_hides_read_notifications(login, coordinator, patient):
    [old] = notify(coordinator, patient, title="Gammelt varsel")
    notify(coordinator, patient, title="Nytt varsel")
    Notification.objects.filter(pk=old.pk).update(read_at="2026-01-01T00:00:00Z")
    html = login(coordinator).get(LIST + "?vis=uleste").content.decode()
    assert "Nytt varsel" in html and "Gammelt varsel" not in html


def test_the_settings_page_saves_my_email_choices(login, coordinator):
    client = login(coordinator)
    page = client.get("/varsler/innstillinger/").content.decode()
    assert "Send meg varsler på e-post" in page
    assert "kl. 07.00" in page
    response = client.post("/varsler/innstillinger/", {"email_enabled": "on"}, follow=True)
    assert "Varslingsinnstillingene dine er lagret." in response.content.decode()
    pref = NotificationPreference.objects.get(user=coordinator)
    assert pref.email_enabled is True and pref.digest_enabled is False
    client.post("/varsler/innstillinger/", {})
    pref.refresh_from_db()
    assert pref.email_enabled is False


def test_the_settings_page_says_when_there_is_no_address(login, coordinator):
    coordinator.email = ""
    coordinator.save()
    html = login(coordinator).get("/varsler/innstillinger/").content.decode()
    assert "ingen e-postadresse" in html

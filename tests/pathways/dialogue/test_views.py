"""The dialogue pages from every role: the unit that asked, the unit asked, a third unit on
the care team, units outside it (404), emergency access (reads only) and anonymous visitors;
each read audited; bad input answered beside the field; lists at a constant query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.dialogue import services as dialogue
from pathways.models import DialoguePost, DialogueThread
from tests.kept import forget_kept
from tests.pathways.dialogue.conftest import PDF, ask, in_days, pdf

pytestmark = pytest.mark.django_db


def urls(thread) -> dict[str, str]:
    p, t = thread.patient_id, thread.pk
    post = thread.posts.first().pk
    return {
        "list": reverse("pathways:dialogue", args=[p]),
        "new": reverse("pathways:dialogue_new", args=[p]),
        "thread": reverse("pathways:dialogue_thread", args=[p, t]),
        "reply": reverse("pathways:dialogue_reply", args=[p, t]),
        "attachment": reverse("pathways:dialogue_attachment", args=[p, t, post]),
    }


@pytest.fixture
def with_file(team_patient, coordinator, vadso_rus, unn_tsb, tsb_clinician, nav_user):
    return ask(team_patient, coordinator, vadso_rus, unn_tsb, upload=pdf())


def statuses(client, thread) -> dict[str, int]:
    return {name: client.get(url).status_code for name, url in urls(thread).items()}


def test_anonymous_visitors_are_sent_to_the_login(client, with_file):
    for url in urls(with_file).values():
        response = client.get(url)
        assert (
            response.status_code == 302
            and "/login" in response["Location"]
            or ("logg-inn" in response["Location"])
        ), url


def test_the_unit_that_asked_reads_everything_and_may_ask_more(login, coordinator, with_file):
    client = login(coordinator)
    assert statuses(client, with_file) == {
        "list": 200,
        "new": 200,
        "thread": 200,
        "reply": 200,
        "attachment": 200,
    }
    html = client.get(urls(with_file)["thread"]).content.decode()
    assert "Spør mer" in html and "Ikke lest av TSB døgn ennå" in html


def test_the_unit_asked_reads_it_and_answers(login, tsb_clinician, coordinator, with_file):
    client = login(tsb_clinician)
    assert statuses(client, with_file) == {
        "list": 200,
        "new": 200,
        "thread": 200,
        "reply": 200,
        "attachment": 200,
    }
    assert with_file.posts.get().read_by == tsb_clinician
    response = client.post(
        urls(with_file)["reply"],
        {"text": "Metadon 60 mg.", "in_response_to": with_file.posts.get().pk},
    )
    assert response.status_code == 302
    with_file.refresh_from_db()
    assert not with_file.is_awaiting_answer
    html = login(coordinator).get(urls(with_file)["thread"]).content.decode()
    assert "Metadon 60 mg." in html and "Besvart" in html


def test_a_third_unit_on_the_team_reads_but_does_not_write(login, nav_user, with_file):
    client = login(nav_user)
    assert statuses(client, with_file) == {
        "list": 200,
        "new": 200,
        "thread": 200,
        "reply": 403,
        "attachment": 200,
    }
    assert client.post(urls(with_file)["reply"], {"text": "Hei"}).status_code == 403
    assert with_file.posts.get().read_at is None  # not sent to NAV: not marked read by it
    assert "Spør mer" not in client.get(urls(with_file)["thread"]).content.decode()


@pytest.mark.parametrize("who", ["other_kommune_user", "other_hf_user"])
def test_units_outside_the_care_team_get_404_everywhere(request, login, who, with_file):
    client = login(request.getfixturevalue(who))
    assert set(statuses(client, with_file).values()) == {404}
    assert client.post(urls(with_file)["reply"], {"text": "Hei"}).status_code == 404
    assert client.post(urls(with_file)["new"], {"text": "Hei"}).status_code == 404
    assert DialoguePost.objects.count() == 1


def test_a_thread_of_another_patient_is_not_found_through_this_one(
    login, coordinator, vadso_rus, with_file
):
    from tests.factories import make_patient

    other = make_patient(vadso_rus, by=coordinator)
    url = reverse("pathways:dialogue_thread", args=[other.pk, with_file.pk])
    assert login(coordinator).get(url).status_code == 404


def test_emergency_access_reads_the_dialogue_but_writes_nothing(login, break_glass_user, with_file):
    client = login(break_glass_user)
    assert statuses(client, with_file) == {
        "list": 200,
        "new": 403,
        "thread": 200,
        "reply": 403,
        "attachment": 200,
    }
    reads = AuditEvent.objects.filter(user=break_glass_user, action=AuditEvent.Action.VIEW)
    assert reads.count() == 3
    assert set(reads.values_list("basis", flat=True)) == {AuditEvent.Basis.BREAK_GLASS}
    assert with_file.posts.get().read_at is None


def test_every_read_is_audited_and_named_in_the_access_log(login, coordinator, with_file):
    client = login(coordinator)
    before = AuditEvent.objects.count()
    for name in ("list", "thread", "attachment"):
        client.get(urls(with_file)[name])
    reads = AuditEvent.objects.order_by("pk")[before:]
    assert [e.action for e in reads] == ["view"] * 3
    log = client.get(reverse("pathways:access_log", args=[with_file.patient_id]))
    assert "Helsefaglig dialog" in log.content.decode()


def test_the_attachment_is_the_file_that_was_sent(login, tsb_clinician, with_file):
    response = login(tsb_clinician).get(urls(with_file)["attachment"])
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "epikrise.pdf" in response["Content-Disposition"]


def test_a_new_question_with_a_file_through_the_form(
    login, coordinator, team_patient, unn_tsb, tsb_clinician
):
    client = login(coordinator)
    url = reverse("pathways:dialogue_new", args=[team_patient.pk])
    html = client.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in html and "TSB døgn" in html
    assert "NAV Vadsø" in html and "Rus- og psykisk helseenheten (" not in html
    response = client.post(
        url,
        {
            "to_unit": unn_tsb.pk,
            "subject": "Oppfølging etter utskriving",
            "text": "Kan dere ringe oss før utskriving?",
            "answer_by": in_days(2).isoformat(),
            "file": pdf("plan.pdf"),
        },
    )
    thread = DialogueThread.objects.get()
    assert response.status_code == 302 and response["Location"] == urls(thread)["thread"]
    assert thread.posts.get().filename == "plan.pdf"


def test_bad_input_is_answered_beside_the_field_and_kept(
    login, coordinator, team_patient, unn_tsb, other_hf_unit
):
    client = login(coordinator)
    url = reverse("pathways:dialogue_new", args=[team_patient.pk])
    response = client.post(
        url,
        {
            "to_unit": unn_tsb.pk,
            "subject": "Spørsmål om dose",
            "text": "Hvilken dose?",
            "answer_by": in_days(-2).isoformat(),
            "file": pdf("dose.png"),
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Svarfristen er passert. Velg i dag eller senere." in html
    assert "Spørsmål om dose" in html  # what was typed is kept
    response = client.post(
        url, {"to_unit": other_hf_unit.pk, "subject": "x", "text": "y", "file": pdf("a.png")}
    )
    assert "Velg en enhet i pasientens behandlingsteam." in response.content.decode()
    response = client.post(
        url, {"to_unit": unn_tsb.pk, "subject": "x", "text": "y", "file": pdf("dose.png")}
    )
    assert "Filens innhold stemmer ikke med navnet" in response.content.decode() or (
        "dose.png" in response.content.decode()
    )
    assert not DialogueThread.objects.exists()


def test_an_empty_answer_is_refused_beside_the_field(login, tsb_clinician, with_file):
    response = login(tsb_clinician).post(urls(with_file)["reply"], {"text": "  "})
    assert response.status_code == 200
    assert "Skriv teksten i meldingen din." in response.content.decode()
    assert with_file.posts.count() == 1


def _count(client, url) -> int:
    client.get(url)
    forget_kept()  # the render's queries, not a kept page's
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_lists_cost_the_same_for_one_thread_and_many(
    login,
    coordinator,
    vadso_rus,
    unn_tsb,
    nav_user,
    vadso_nav,
    team_patient,
    thread,
    django_assert_num_queries,
):
    client = login(coordinator)
    pages = {
        "list": reverse("pathways:dialogue", args=[team_patient.pk]),
        "overview": reverse("pathways:patient_overview", args=[team_patient.pk]),
        "thread": urls(thread)["thread"],
    }
    counts = {name: _count(client, url) for name, url in pages.items()}
    for n in range(8):
        ask(team_patient, coordinator, vadso_rus, unn_tsb, subject=f"Spørsmål {n}", upload=pdf())
        ask(team_patient, nav_user, vadso_nav, unn_tsb, subject=f"NAV {n}")
        dialogue.thread_reply(thread=thread, actor=Actor(coordinator, vadso_rus), text=f"Mer {n}")
    for name, url in pages.items():
        # One query per thread or post would be 8-16 more here.
        forget_kept()
        with django_assert_num_queries(counts[name]):
            assert client.get(url).status_code == 200
        print(f"{name}: {counts[name]} queries")
    html = client.get(pages["list"]).content.decode()
    assert html.count('<tr id="thread-') == 17


def test_two_clinicians_answering_from_the_same_page_both_keep_their_answer(
    client, login, tsb_clinician, unn_tsb, with_file
):
    """Both open the thread on the same question and send: two answers, neither overwritten,
    both answering that question; the thread reads as answered."""
    from django.test import Client

    from tests.factories import make_user

    other = Client()
    other.force_login(make_user(unn_tsb, username="unnkollega2"))
    first = login(tsb_clinician)
    url = urls(with_file)["reply"]
    question = with_file.posts.get()
    for c in (first, other):
        assert f'value="{question.pk}"' in c.get(urls(with_file)["thread"]).content.decode()
    for c, text in ((first, "Metadon 60 mg."), (other, "Truxal ved behov.")):
        response = c.post(url, {"text": text, "in_response_to": question.pk})
        assert response.status_code == 302
    answers = list(with_file.posts.filter(kind="answer").order_by("pk"))
    assert [a.text for a in answers] == ["Metadon 60 mg.", "Truxal ved behov."]
    assert {a.in_response_to_id for a in answers} == {question.pk}
    html = first.get(urls(with_file)["thread"]).content.decode()
    assert "Metadon 60 mg." in html and "Truxal ved behov." in html and "Besvart" in html


def test_the_overview_shows_the_threads_and_offers_a_question_to_writers_only(
    login, coordinator, break_glass_user, with_file
):
    url = reverse("pathways:patient_overview", args=[with_file.patient_id])
    html = login(coordinator).get(url).content.decode()
    assert "Helsefaglig dialog" in html and "Legemidler ved utskriving" in html
    assert "Venter på svar" in html and "Spør en annen tjeneste" in html
    html = login(break_glass_user).get(url).content.decode()
    assert "Legemidler ved utskriving" in html and "Spør en annen tjeneste" not in html

"""Starting a thread, answering, asking more, reading: the rules, the waiting state, the audit
trail and the notices (which carry no health information by email)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.access import sync_unit_access
from pathways.dialogue import services as dialogue
from pathways.models import CareTeamMember, DialoguePost, DialogueThread, Notification
from pathways.notifications import services as mail
from tests.pathways.dialogue.conftest import ask, in_days, pdf

pytestmark = pytest.mark.django_db


def test_a_question_waits_for_the_asked_unit_and_notifies_it(thread, tsb_clinician, unn_tsb):
    assert thread.is_awaiting_answer and not thread.is_overdue
    (post,) = thread.posts.all()
    assert (post.kind, post.from_unit_id, post.to_unit_id) == (
        "question",
        thread.from_unit_id,
        unn_tsb.pk,
    )
    assert post.read_at is None
    note = Notification.objects.get(user=tsb_clinician)
    assert note.kind == "dialogue_question"
    assert note.url == f"/pasienter/{thread.patient_id}/dialog/{thread.pk}/"
    event = AuditEvent.objects.get(object_type="pathways.dialoguethread", object_id=str(thread.pk))
    assert (event.action, event.patient_id) == (AuditEvent.Action.CREATE, thread.patient_id)


def test_the_email_says_only_that_a_question_came(thread, tsb_clinician, mailoutbox):
    assert mail.digest_send_for(tsb_clinician.pk, now=timezone.now()) == 1
    (message,) = mailoutbox
    text = message.subject + message.body
    assert "Spørsmål fra andre tjenester" in text
    for secret in ("Legemidler", "legemidler", "Ola", "Nordmann", thread.patient.national_id):
        assert secret not in text
    assert "/varsler/" in text


def test_the_answer_by_date_may_not_have_passed(team_patient, coordinator, vadso_rus, unn_tsb):
    with pytest.raises(ValidationError) as error:
        ask(team_patient, coordinator, vadso_rus, unn_tsb, answer_by=in_days(-1))
    assert "answer_by" in error.value.error_dict
    assert not DialogueThread.objects.exists()
    assert ask(team_patient, coordinator, vadso_rus, unn_tsb, answer_by=None).answer_by is None


def test_only_a_writing_unit_on_the_care_team_may_be_asked(
    team_patient, coordinator, vadso_rus, unn_tsb, other_hf_unit
):
    for unit in (other_hf_unit, vadso_rus, None):
        with pytest.raises(ValidationError) as error:
            ask(team_patient, coordinator, vadso_rus, unit)
        assert "to_unit" in error.value.error_dict
    CareTeamMember.objects.filter(patient=team_patient, unit=unn_tsb).update(
        role=CareTeamMember.Role.INFORMED
    )
    with pytest.raises(ValidationError):
        ask(team_patient, coordinator, vadso_rus, unn_tsb)


def test_empty_subject_and_text_are_refused_beside_their_fields(
    team_patient, coordinator, vadso_rus, unn_tsb
):
    with pytest.raises(ValidationError) as error:
        ask(team_patient, coordinator, vadso_rus, unn_tsb, subject=" ", text="")
    assert set(error.value.error_dict) == {"subject", "text"}


def test_units_outside_the_team_or_read_only_may_not_start(
    team_patient, other_kommune_user, sarpsborg_rus, unn_tsb, tsb_clinician
):
    with pytest.raises(PermissionDenied):
        ask(team_patient, other_kommune_user, sarpsborg_rus, unn_tsb)
    CareTeamMember.objects.filter(patient=team_patient, unit=unn_tsb).update(
        role=CareTeamMember.Role.INFORMED
    )
    sync_unit_access(team_patient, unn_tsb)
    with pytest.raises(PermissionDenied):
        ask(team_patient, tsb_clinician, unn_tsb, team_patient.care_team.first().unit)


def test_an_answer_ends_the_wait_and_reads_what_it_answers(
    thread, tsb_clinician, unn_tsb, coordinator
):
    answer = dialogue.thread_reply(
        thread=thread, actor=Actor(tsb_clinician, unn_tsb), text="Metadon 60 mg og Truxal."
    )
    thread.refresh_from_db()
    assert not thread.is_awaiting_answer
    assert answer.kind == "answer" and answer.to_unit_id == thread.from_unit_id
    assert answer.in_response_to == thread.posts.first()
    assert thread.posts.first().read_at is not None  # seen above the reply
    assert Notification.objects.get(user=coordinator, kind="dialogue_answer")
    assert AuditEvent.objects.filter(
        object_type="pathways.dialoguepost", object_id=str(answer.pk), action="create"
    ).exists()


def test_asking_more_waits_again(thread, tsb_clinician, unn_tsb, coordinator, vadso_rus):
    dialogue.thread_reply(thread=thread, actor=Actor(tsb_clinician, unn_tsb), text="Metadon.")
    follow_up = dialogue.thread_reply(
        thread=thread, actor=Actor(coordinator, vadso_rus), text="Hvilken dose?"
    )
    thread.refresh_from_db()
    assert follow_up.kind == "question" and follow_up.to_unit_id == unn_tsb.pk
    assert thread.awaiting_since == follow_up.sent_at


def test_two_answers_at_once_are_both_kept(thread, tsb_clinician, unn_tsb):
    """Two clinicians open the thread on the same question and both answer: neither answer
    replaces the other, and both say which question they answer."""
    colleague = tsb_clinician.__class__.objects.create_user("unnkollega", "k@example.no", "x")
    from accounts.services import membership_add

    membership_add(user=colleague, unit=unn_tsb, role="clinician")
    question = thread.posts.get()
    for user, text in ((tsb_clinician, "Metadon 60 mg."), (colleague, "Og Truxal ved behov.")):
        dialogue.thread_reply(
            thread=thread, actor=Actor(user, unn_tsb), text=text, in_response_to=question
        )
    answers = list(thread.posts.filter(kind="answer").order_by("id"))
    assert [a.text for a in answers] == ["Metadon 60 mg.", "Og Truxal ved behov."]
    assert {a.in_response_to_id for a in answers} == {question.pk}


def test_a_third_unit_on_the_team_may_not_write_in_the_thread(thread, nav_user, vadso_nav):
    with pytest.raises(PermissionDenied):
        dialogue.thread_reply(thread=thread, actor=Actor(nav_user, vadso_nav), text="Hei")
    assert thread.posts.count() == 1


def test_opening_marks_only_what_was_sent_to_the_unit_read(
    thread, tsb_clinician, unn_tsb, coordinator, vadso_rus, nav_user, vadso_nav
):
    assert dialogue.thread_mark_read(thread=thread, actor=Actor(coordinator, vadso_rus)) == 0
    assert dialogue.thread_mark_read(thread=thread, actor=Actor(nav_user, vadso_nav)) == 0
    assert dialogue.thread_mark_read(thread=thread, actor=Actor(tsb_clinician, unn_tsb)) == 1
    post = thread.posts.get()
    assert post.read_by == tsb_clinician
    assert AuditEvent.objects.filter(
        object_type="pathways.dialoguethread", action="update", unit=unn_tsb
    ).exists()
    assert dialogue.thread_mark_read(thread=thread, actor=Actor(tsb_clinician, unn_tsb)) == 0


def test_an_attachment_is_checked_as_a_referral_attachment_is(
    team_patient, coordinator, vadso_rus, unn_tsb
):
    thread = ask(team_patient, coordinator, vadso_rus, unn_tsb, upload=pdf())
    post = thread.posts.get()
    assert (post.filename, post.content_type, post.size) == ("epikrise.pdf", "application/pdf", 45)
    assert post.file.name.startswith("dialogue/") and "epikrise" not in post.file.name
    fake = SimpleUploadedFile("notat.pdf", b"MZ\x90\x00 not a pdf")
    with pytest.raises(ValidationError) as error:
        ask(team_patient, coordinator, vadso_rus, unn_tsb, upload=fake)
    assert "file" in error.value.error_dict
    renamed = SimpleUploadedFile("bilde.png", pdf().read())
    with pytest.raises(ValidationError):
        ask(team_patient, coordinator, vadso_rus, unn_tsb, upload=renamed)
    assert DialoguePost.objects.count() == 1

"""Dialogue between services: start a thread, ask more, answer, mark as read.

Posts are only added, never changed (apart from their read mark), so two people answering
at once are both kept; the thread's waiting state moves with a conditional update. Each write
is audited; the unit written to gets an in-app notification whose email says only that
something came, with a link (no health information leaves the app).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from pathways import uploads
from pathways.dates import DateRules
from pathways.dialogue import permissions as perms
from pathways.models import DialoguePost, DialogueThread
from pathways.notifications.reminders import notify, unit_users

Kind = DialoguePost.Kind


def thread_url(thread) -> str:
    return reverse("pathways:dialogue_thread", args=[thread.patient_id, thread.pk])


def _text(text: str, field: str = "text") -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: _("Write the text of your message.")})
    return text


def _attach(post, upload) -> None:
    """Check and store the upload on the post (before it is saved)."""
    filename, content_type = uploads.checked_upload(upload)
    post.filename, post.content_type, post.size = filename, content_type, upload.size
    post.file.save(filename, upload, save=False)


def _audit(actor, thread, obj, action, detail) -> None:
    audit.record(
        user=actor.user,
        unit=actor.unit,
        action=action,
        patient=thread.patient_id,
        obj=obj,
        detail=detail,
    )


def _notice(post, thread, title: str) -> dict:
    """What ``notify`` needs besides the kind (kept a literal at each call, so the mail's
    fixed label is known for every kind the code can produce)."""
    return {
        "users": unit_users([post.to_unit]),
        "title": title,
        "url": thread_url(thread),
        "patient": thread.patient,
    }


@transaction.atomic
def thread_start(
    *,
    patient,
    actor,
    to_unit,
    subject: str,
    text: str,
    answer_by: datetime.date | None = None,
    upload=None,
) -> DialogueThread:
    """Ask another unit on the care team a question about the patient."""
    if not perms.can_start(actor, patient):
        raise PermissionDenied(_("Only units on the care team can start a dialogue."))
    errors = {}
    subject = (subject or "").strip()
    if not subject:
        errors["subject"] = _("Write what the question is about.")
    if not perms.may_ask(actor, patient, to_unit):
        errors["to_unit"] = _("Choose a unit on the patient's care team.")
    if not (text or "").strip():
        errors["text"] = _("Write the text of your message.")
    if errors:
        raise ValidationError(errors)
    DateRules().not_past(
        "answer_by", answer_by, _("The answer-by date has passed. Choose today or later.")
    ).check()
    now = timezone.now()
    thread = DialogueThread.objects.create(
        patient=patient,
        subject=subject[:200],
        from_unit=actor.unit,
        to_unit=to_unit,
        answer_by=answer_by,
        started_at=now,
        started_by=actor.user,
        awaiting_since=now,
        last_post_at=now,
    )
    post = DialoguePost(
        thread=thread,
        patient=patient,
        kind=Kind.QUESTION,
        from_unit=actor.unit,
        to_unit=to_unit,
        text=_text(text),
        sent_at=now,
        sent_by=actor.user,
    )
    if upload is not None:
        _attach(post, upload)
    post.save()
    _audit(actor, thread, thread, audit.Action.CREATE, _("Dialogue started"))
    title = _("Question from %(unit)s: %(subject)s") % {
        "unit": actor.unit.name,
        "subject": thread.subject,
    }
    notify(kind="dialogue_question", **_notice(post, thread, title))
    return thread


@transaction.atomic
def thread_reply(*, thread, actor, text: str, in_response_to=None, upload=None) -> DialoguePost:
    """The asked unit answers, the asking unit asks more. Every reply is a new post: two
    people answering at once are both kept, and the later does not replace the earlier."""
    side = perms.side(actor, thread)
    if not perms.can_reply(actor, thread):
        raise PermissionDenied(_("Only the two units of the dialogue can write in it."))
    kind = Kind.ANSWER if side == "asked" else Kind.QUESTION
    # The form names the latest question it was opened on; a post from another thread
    # answers nothing here.
    if in_response_to is not None and in_response_to.thread_id != thread.pk:
        in_response_to = None
    if in_response_to is None:
        in_response_to = thread.posts.order_by("-sent_at", "-id").first()
    now = timezone.now()
    post = DialoguePost(
        thread=thread,
        patient_id=thread.patient_id,
        kind=kind,
        from_unit=actor.unit,
        to_unit_id=thread.from_unit_id if side == "asked" else thread.to_unit_id,
        text=_text(text),
        in_response_to=in_response_to,
        sent_at=now,
        sent_by=actor.user,
    )
    if upload is not None:
        _attach(post, upload)
    post.save()
    threads = DialogueThread.objects.filter(pk=thread.pk)
    if kind == Kind.ANSWER:
        # Answered: whichever of two simultaneous answers commits last, the thread is answered.
        threads.update(awaiting_since=None, last_post_at=now)
    else:
        # Waiting again, since the first unanswered question (kept if already waiting).
        threads.filter(awaiting_since__isnull=True).update(awaiting_since=now)
        threads.update(last_post_at=now)
    thread.refresh_from_db(fields=["awaiting_since", "last_post_at"])
    # What the replying unit had not read yet, it has now seen above its reply.
    DialoguePost.objects.filter(thread=thread, to_unit=actor.unit, read_at__isnull=True).update(
        read_at=now, read_by=actor.user
    )
    detail = _("Answered") if kind == Kind.ANSWER else _("Asked more")
    _audit(actor, thread, post, audit.Action.CREATE, detail)
    names = {"unit": actor.unit.name, "subject": thread.subject}
    if kind == Kind.ANSWER:
        title = _("Answer from %(unit)s: %(subject)s") % names
        notify(kind="dialogue_answer", **_notice(post, thread, title))
    else:
        title = _("Question from %(unit)s: %(subject)s") % names
        notify(kind="dialogue_question", **_notice(post, thread, title))
    return post


def thread_mark_read(*, thread, actor) -> int:
    """The acting unit has opened the thread: what was sent to it is read (audited)."""
    if actor.unit is None or perms.side(actor, thread) is None:
        return 0
    with transaction.atomic():
        unread = DialoguePost.objects.filter(
            thread=thread, to_unit=actor.unit, read_at__isnull=True
        )
        count = unread.update(read_at=timezone.now(), read_by=actor.user)
        if count:
            _audit(actor, thread, thread, audit.Action.UPDATE, _("Read"))
    return count

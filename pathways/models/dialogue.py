"""Dialogue between services (helsefaglig dialog): a thread on one patient from one unit on
the care team to another, its questions and answers, each post with at most one attachment."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.fields import unit_fk, user_fk
from pathways import uploads
from pathways.models.patient import Patient


def dialogue_attachment_path(instance, filename: str) -> str:
    return uploads.stored_name("dialogue")


class DialogueThread(models.Model):
    """One question from ``from_unit`` to ``to_unit`` and what follows it.

    The thread waits for the asked unit while ``awaiting_since`` is set: a question (the
    first or a follow-up) sets it, an answer clears it. Posts are only ever added, so two
    people answering at once are both kept.
    """

    patient = models.ForeignKey(
        Patient,
        on_delete=models.CASCADE,
        related_name="dialogue_threads",
        verbose_name=_("patient"),
    )
    subject = models.CharField(_("subject"), max_length=200)
    from_unit = unit_fk(_("asked by"))
    to_unit = unit_fk(_("asked unit"), related_name="dialogue_threads")
    answer_by = models.DateField(_("answer by"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    started_by = user_fk(_("started by"))
    awaiting_since = models.DateTimeField(_("waiting for an answer since"), null=True, blank=True)
    last_post_at = models.DateTimeField(_("latest post"), default=timezone.now)

    class Meta:
        ordering = ["-last_post_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "last_post_at"], name="dialogue_patient_latest"),
            models.Index(
                fields=["to_unit", "answer_by", "awaiting_since"],
                condition=Q(awaiting_since__isnull=False),
                name="dialogue_waiting_for_unit",
            ),
            models.Index(
                fields=["from_unit", "answer_by"],
                condition=Q(awaiting_since__isnull=False, answer_by__isnull=False),
                name="dialogue_waiting_asked_by",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_unit=models.F("to_unit")), name="dialogue_two_units"
            ),
        ]
        verbose_name = _("dialogue between services")
        verbose_name_plural = _("dialogues between services")

    def __str__(self):
        return self.subject

    @property
    def is_awaiting_answer(self) -> bool:
        return self.awaiting_since is not None

    @property
    def is_overdue(self) -> bool:
        return (
            self.awaiting_since is not None
            and self.answer_by is not None
            and self.answer_by < timezone.localdate()
        )


class DialoguePost(models.Model):
    """A question or an answer in a thread, read (or not yet) by the unit it went to."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("Question")
        ANSWER = "answer", _("Answer")

    thread = models.ForeignKey(DialogueThread, on_delete=models.CASCADE, related_name="posts")
    # The thread's patient, kept on the post too: the FHIR search and the audit read it here.
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    from_unit = unit_fk(_("from"))
    to_unit = unit_fk(_("to"))
    text = models.TextField(_("text"))
    # The question an answer answers (or the post a follow-up question follows): the
    # latest question when the form was opened, so a late answer still says what it answers.
    in_response_to = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    sent_by = user_fk(_("sent by"))
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    read_by = user_fk(_("read by"), optional=True)
    file = models.FileField(upload_to=dialogue_attachment_path, max_length=200, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=40, choices=uploads.CONTENT_TYPES, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["sent_at", "id"]
        indexes = [
            models.Index(
                fields=["to_unit", "thread"],
                condition=Q(read_at__isnull=True),
                name="dialogue_post_unread",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(file="", filename="") | (~Q(file="") & ~Q(filename="")),
                name="dialogue_post_file_named",
            ),
        ]
        verbose_name = _("post in a dialogue")
        verbose_name_plural = _("posts in dialogues")

    def __str__(self):
        return f"{self.get_kind_display()} {self.sent_at:%Y-%m-%d %H:%M}"

    @property
    def has_attachment(self) -> bool:
        return bool(self.filename)

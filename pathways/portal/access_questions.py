"""Who has read my record (/min/innsyn/): the staff access log's summary, and "Spør hvorfor".

The summary is the one the printed access log opens with (``pathways.patients.auditlog``): per
month, person, unit and basis. A question about one line is a notice to the leader of that
unit (no leader: the patient's koordinator), with the question in the app only: email says
no more than that there is a notice. The question is kept (``AccessQuestion``); the leader or
koordinator answers it on the record's page, the patient reads the answer in /min/innsyn/
where they asked, and hears of it by the neutral notice (``portal.notices``).
"""

import calendar
import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import AuditEvent, Membership, ServiceUnit
from pathways.models import AccessQuestion, CoordinatorAssignment, PortalAccess
from pathways.notifications.reminders import notify, unit_users
from pathways.patients import auditlog, selectors
from pathways.portal.notices import notify_portal


def summary_for(patient) -> dict:
    """The patient's access log summary, without the patient's own reads at /min/ (the
    question is who else read it). One query."""
    events = selectors.access_log_events(patient).exclude(basis=AuditEvent.Basis.PATIENT)
    return auditlog.summary(selectors.access_log_summary(events))


@dataclass(frozen=True)
class Line:
    """One line of the summary, as the question form names it in its query string."""

    month: datetime.date
    user_id: int
    unit_id: int
    basis: str

    @property
    def period(self) -> tuple[datetime.date, datetime.date]:
        last = calendar.monthrange(self.month.year, self.month.month)[1]
        return self.month, self.month.replace(day=last)

    def query(self) -> str:
        return (
            f"maned={self.month:%Y-%m}&person={self.user_id}&enhet={self.unit_id}"
            f"&grunnlag={self.basis}"
        )


def line_from(params) -> Line | None:
    """The line named by a query string, or None when it names none."""
    try:
        month = datetime.date.fromisoformat(params.get("maned", "") + "-01")
        user_id, unit_id = int(params.get("person", "")), int(params.get("enhet", ""))
    except ValueError:
        return None
    basis = params.get("grunnlag", "")
    if basis not in AuditEvent.Basis.values:
        return None
    return Line(month, user_id, unit_id, basis)


def line_events(patient, line: Line):
    start, end = line.period
    return selectors.access_log_events(patient, fra=start, til=end).filter(
        user_id=line.user_id, unit_id=line.unit_id, basis=line.basis
    )


def line_row(patient, line: Line) -> dict | None:
    """The summary row of ``line`` (who, which unit, how often), or None if the patient's log
    has no such line. One query."""
    found = auditlog.summary(selectors.access_log_summary(line_events(patient, line)))
    if not found["months"]:
        return None
    return found["months"][0].rows[0]


def _recipients(patient, unit_id: int) -> list:
    leaders = list(unit_users([unit_id], roles=[Membership.Role.LEADER]))
    if leaders:
        return leaders
    assignment = (
        CoordinatorAssignment.objects.active()
        .filter(patient=patient)
        .select_related("user")
        .first()
    )
    return [assignment.user] if assignment is not None else []


@transaction.atomic
def access_question_send(*, portal_access: PortalAccess, actor, line: Line, question: str) -> list:
    """The patient asks why someone read their record: a notice to the unit's leader."""
    if portal_access.role != PortalAccess.Role.PATIENT:
        raise PermissionDenied
    patient = portal_access.patient
    row = line_row(patient, line)
    if row is None:
        raise ValidationError(_("This line is not in your access log."))
    recipients = _recipients(patient, line.unit_id)
    if not recipients:
        raise ValidationError(
            _("We could not find anyone at this unit to answer. Ask your koordinator instead.")
        )
    start, end = line.period
    unit = ServiceUnit.objects.get(pk=line.unit_id)
    asked = AccessQuestion.objects.create(
        patient=patient,
        month=line.month,
        read_by_id=line.user_id,
        unit=unit,
        basis=line.basis,
        question=question,
        asked_by=actor.user,
    )
    # The notice opens the page where the question is answered (the access log's lines of
    # that month are linked from there).
    url = reverse("pathways:portal_question_answer", args=[patient.pk, asked.pk])
    notes = notify(
        users=recipients,
        kind="access_question",
        title=_("The patient asks why %(person)s (%(unit)s) read the record in %(month)s")
        % {"person": row["person"], "unit": unit.name, "month": f"{start:%m.%Y}"},
        body=question,
        url=url,
        patient=patient,
    )
    audit.record_by(
        actor,
        audit.Action.CREATE,
        patient=patient.pk,
        # The staff access log names it by the notice it made ("Opprettet: Varsel").
        obj=notes[0],
        basis=audit.Basis.PATIENT,
        detail=f"Spør hvorfor: {row['person']}, {unit.name}, {start:%m.%Y}, "
        f"{len(notes)} varsel sendt {timezone.localdate():%d.%m.%Y}",
    )
    return notes


def access_log_link(question: AccessQuestion) -> str:
    """The staff access log filtered to the line asked about."""
    start = question.month
    end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    url = reverse("pathways:access_log", args=[question.patient_id])
    return f"{url}?fra={start:%Y-%m-%d}&til={end:%Y-%m-%d}&enhet={question.unit_id}"


def may_answer(user, question: AccessQuestion) -> bool:
    """The leader of the unit asked about answers, or the koordinator where it has none."""
    return any(u.pk == user.pk for u in _recipients(question.patient, question.unit_id))


@transaction.atomic
def access_question_answer(*, question: AccessQuestion, actor, answer: str) -> AccessQuestion:
    """The leader (or koordinator) answers the patient; the patient reads it in /min/innsyn/
    and gets the neutral notice."""
    if not may_answer(actor.user, question):
        raise PermissionDenied
    current = AccessQuestion.objects.select_for_update().get(pk=question.pk)
    if current.answered_at is not None:
        raise ValidationError(_("This question has already been answered."))
    answer = answer.strip()
    if not answer:
        raise ValidationError({"answer": _("Write an answer to the patient.")})
    current.answer = answer
    current.answered_by = actor.user
    current.answered_at = timezone.now()
    current.save(update_fields=["answer", "answered_by", "answered_at"])
    audit.record_by(
        actor,
        audit.Action.UPDATE,
        patient=current.patient_id,
        obj=current,
        detail=f"Svar på Spør hvorfor ({current.month:%m.%Y})",
    )
    notify_portal(patient=current.patient_id, actor=actor)
    question.__dict__.update(current.__dict__)
    return current


def questions_for(patient, line: Line | None = None) -> list[AccessQuestion]:
    """The patient's questions with their answers (about ``line`` only, if given), newest
    first. One query."""
    questions = AccessQuestion.objects.filter(patient=patient).select_related("read_by", "unit")
    if line is not None:
        questions = questions.filter(
            month=line.month, read_by_id=line.user_id, unit_id=line.unit_id, basis=line.basis
        )
    return list(questions)

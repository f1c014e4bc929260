"""Referral pages: thin views that fetch through the access gate and call services."""

import csv
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import audit
from pathways.access import get_patient_for_user
from pathways.pagination import KnownCountPaginator
from pathways.pdf import pdf_response
from pathways.web import form_action
from pathways.workdays import add_working_days
from referrals import forms, selectors, services, statistics
from referrals import permissions as perms
from referrals.models import Attachment, InformationRequest, Referral

State = Referral.State


def _actor(request):
    """Who acts; every referral page but the detail page needs a unit to act for."""
    actor = request.actor
    if actor.unit is None:
        raise PermissionDenied(_("You are not a member of any unit."))
    return actor


def _detail_url(referral) -> str:
    return reverse("referrals:detail", args=[referral.pk])


# --- lists ---


@login_required
def referral_list(request):
    unit = _actor(request).unit
    default = selectors.SENT if unit.is_kommune else selectors.INCOMING
    filters = forms.ListFilterForm(request.GET or None)
    tab = filters.tab(default)
    cleaned = filters.values()
    referrals = selectors.unit_referrals(
        unit,
        tab,
        state=cleaned.get("status") or "",
        due_within=cleaned.get("innen"),
        under_23=bool(cleaned.get("under23")),
    )
    counts = selectors.tab_counts(unit)
    # Unfiltered, the tab's count is the list's count: no second COUNT over the rows.
    filtered = bool(cleaned.get("status") or cleaned.get("innen") is not None)
    filtered = filtered or bool(cleaned.get("under23"))
    page = KnownCountPaginator(
        referrals, settings.PAGE_SIZE, count=None if filtered else counts[tab]
    ).get_page(request.GET.get("side"))
    tabs = [
        (selectors.INCOMING, _("Incoming"), counts[selectors.INCOMING]),
        (selectors.WAITING, _("Waiting list"), counts[selectors.WAITING]),
        (selectors.SENT, _("Sent"), counts[selectors.SENT]),
    ]
    query = request.GET.copy()
    query.pop("side", None)
    return render(
        request,
        "referrals/list.html",
        {
            "tab": tab,
            "tabs": tabs,
            "page": page,
            "filters": filters,
            "query_string": query.urlencode(),
            "today": timezone.localdate(),
            "can_see_statistics": perms.can_see_statistics(request.actor),
        },
    )


# --- creating and editing ---


def _sent_or_saved(referral) -> str:
    return _("The draft is saved.") if referral.is_draft else _("The referral is sent.")


def _referral_form(request, form, *, patient, referral, save):
    return form_action(
        request,
        form,
        save=save,
        success=_sent_or_saved,
        redirect_to=_detail_url,
        template="referrals/form.html",
        context={
            "patient": patient,
            "referral": referral,
            "heading": _("Edit referral") if referral else _("New referral"),
            "cancel_url": _detail_url(referral)
            if referral
            else reverse("pathways:patient_overview", args=[patient.pk]),
        },
    )


def _sending(request) -> bool:
    return request.POST.get("action") == "send"


@login_required
def referral_new(request):
    actor = _actor(request)
    patient = get_patient_for_user(
        request.user, request.GET.get("pasient"), unit=actor.unit, for_edit=True
    )
    if not perms.can_refer(actor):
        raise PermissionDenied
    if request.method == "GET":
        audit.record(
            user=request.user,
            unit=actor.unit,
            action=audit.Action.VIEW,
            patient=patient,
            basis=patient.access_basis,
            detail=request.path,
        )
    form = forms.ReferralForm(request.POST or None, unit=actor.unit)
    return _referral_form(
        request,
        form,
        patient=patient,
        referral=None,
        save=lambda data: services.referral_create(
            patient=patient,
            actor=actor,
            receiving_unit=data["receiving_unit"],
            data=form.referral_data(),
            send=_sending(request),
        ),
    )


@login_required
def referral_edit(request, pk):
    actor = _actor(request)
    referral = selectors.get_referral_for_user(
        request.user, actor.unit, pk, for_edit=True, record_read=request.method == "GET"
    )
    if not perms.can_edit_draft(actor, referral):
        if perms.on_side(actor, referral, perms.REFERRER):
            messages.warning(request, _("Only drafts can be changed."))
            return redirect(_detail_url(referral))
        raise PermissionDenied
    form = forms.ReferralForm(
        request.POST or None,
        instance=referral,
        unit=actor.unit,
        initial={"version": referral.version},
    )
    return _referral_form(
        request,
        form,
        patient=referral.patient,
        referral=referral,
        save=lambda data: services.referral_update_draft(
            referral=referral,
            actor=actor,
            receiving_unit=data["receiving_unit"],
            data=form.referral_data(),
            version=data.get("version"),
            send=_sending(request),
        ),
    )


@require_POST
@login_required
def referral_send(request, pk):
    actor = _actor(request)
    referral = selectors.get_referral_for_user(
        request.user, actor.unit, pk, for_edit=True, record_read=False
    )
    try:
        services.referral_send(referral=referral, actor=actor)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("referrals:edit", pk=referral.pk)
    except services.ReferralConflict as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The referral is sent."))
    return redirect(_detail_url(referral))


# --- the detail page ---


@login_required
def referral_detail(request, pk):
    actor = request.actor
    referral = selectors.get_referral_for_user(request.user, actor.unit, pk)
    info_requests = list(
        InformationRequest.objects.filter(referral=referral).select_related(
            "asked_by", "answered_by"
        )
    )
    return render(
        request,
        "referrals/detail.html",
        {
            "patient": referral.patient,
            "referral": referral,
            "events": list(selectors.timeline(referral)),
            "info_requests": info_requests,
            "attachments": list(referral.attachments.select_related("uploaded_by_unit")),
            "follow_ups": list(referral.follow_ups.select_related("recorded_by", "unit")),
            "can": perms.rights(actor, referral),
            "fristbrudd": referral.frist_breach and referral.state == State.GRANTED,
            "attachment_form": forms.AttachmentForm(),
            "has_answer_letter": referral.assessed_at is not None,
        },
    )


# --- actions: each is a form, a service, a message and the way back to the referral ---


@dataclass(frozen=True)
class Action:
    """One action on a referral.

    ``side`` and ``roles``: who may ever take it (anyone else gets 403); ``allowed``: the
    ``can_*`` answer for now (otherwise a message and back to the referral). Without a side,
    ``allowed`` alone decides and refuses with 403.
    """

    title: str
    submit: str
    form: type
    save: Callable  # (referral, actor, cleaned data) -> the result
    success: str | Callable
    allowed: Callable
    side: str | None = None
    roles: frozenset | None = None
    intro: str = ""
    form_kwargs: Callable = lambda referral: {}  # noqa: E731


NOT_NOW = gettext_lazy("This cannot be done with the referral as it stands now.")


def _referral_for(request, pk, action: Action):
    """The referral through the access gate, for someone who may take ``action`` on it."""
    actor = _actor(request)
    referral = selectors.get_referral_for_user(
        request.user, actor.unit, pk, for_edit=True, record_read=request.method == "GET"
    )
    if action.side is None:
        if not action.allowed(actor, referral):
            raise PermissionDenied
    elif not perms.on_side(actor, referral, action.side, action.roles):
        raise PermissionDenied
    return referral


def _not_now(request, referral, message=NOT_NOW):
    messages.warning(request, message)
    return redirect(_detail_url(referral))


def _moved_on_as_error(save):
    """A referral that moved on meanwhile (withdrawn, already answered, ...) no longer takes
    the action: the reason is shown above the form and what was typed is kept."""

    def run(data):
        try:
            return save(data)
        except services.ReferralConflict as refused:
            raise ValidationError(refused.message) from refused

    return run


def _action_form(request, referral, action: Action, form, save, *, template, extra=None):
    return form_action(
        request,
        form,
        save=save,
        success=action.success,
        # Forwarding leads on to the new referral; the rest back to this one.
        redirect_to=lambda result: _detail_url(
            result if isinstance(result, Referral) else referral
        ),
        template=template,
        context={
            "patient": referral.patient,
            "referral": referral,
            "heading": action.title,
            "submit": action.submit,
            "intro": action.intro,
            "cancel_url": _detail_url(referral),
            "multipart": form.is_multipart(),
            **(extra or {}),
        },
    )


def _action_view(action: Action):
    """The view of an action that is only a form and a service call."""

    @login_required
    def view(request, pk):
        referral = _referral_for(request, pk, action)
        if not action.allowed(request.actor, referral):
            return _not_now(request, referral)
        form = action.form(
            request.POST or None, request.FILES or None, **action.form_kwargs(referral)
        )
        save = _moved_on_as_error(lambda data: action.save(referral, request.actor, data))
        return _action_form(request, referral, action, form, save, template="referrals/action.html")

    return view


def _today(label):
    return lambda referral: {"label": label, "initial": {"on": timezone.localdate()}}


forward = _action_view(
    Action(
        gettext_lazy("Forward the referral"),
        gettext_lazy("Forward"),
        forms.ForwardForm,
        lambda r, actor, d: services.referral_forward(
            referral=r, actor=actor, to_unit=d["forward_to"]
        ),
        gettext_lazy("The referral is forwarded."),
        perms.can_forward,
        perms.RECEIVER,
        perms.ASSESS_ROLES,
        gettext_lazy(
            "The new unit receives the referral with the same seniority date and history."
        ),
        form_kwargs=lambda referral: {"referral": referral},
    )
)
ask = _action_view(
    Action(
        gettext_lazy("Ask for more information"),
        gettext_lazy("Send question"),
        forms.QuestionForm,
        lambda r, actor, d: services.referral_request_information(
            referral=r, actor=actor, question=d["question"]
        ),
        gettext_lazy("The question is sent to the referrer."),
        perms.can_assess,
        perms.RECEIVER,
        perms.ASSESS_ROLES,
    )
)
withdraw = _action_view(
    Action(
        gettext_lazy("Withdraw the referral"),
        gettext_lazy("Withdraw referral"),
        forms.ReasonForm,
        lambda r, actor, d: services.referral_withdraw(referral=r, actor=actor, reason=d["reason"]),
        gettext_lazy("The referral is withdrawn."),
        perms.can_withdraw,
        perms.REFERRER,
        perms.REFERRER_ROLES,
        gettext_lazy("The receiving unit is told at once."),
    )
)
start_treatment = _action_view(
    Action(
        gettext_lazy("Record that treatment has started"),
        gettext_lazy("Save"),
        forms.DateForm,
        lambda r, actor, d: services.referral_start_treatment(referral=r, actor=actor, on=d["on"]),
        gettext_lazy("Treatment start is recorded."),
        perms.can_start_treatment,
        perms.RECEIVER,
        perms.RECEIVING_ROLES,
        form_kwargs=_today(gettext_lazy("Treatment started on")),
    )
)
close = _action_view(
    Action(
        gettext_lazy("Close the referral"),
        gettext_lazy("Close referral"),
        forms.ReasonForm,
        lambda r, actor, d: services.referral_close(referral=r, actor=actor, reason=d["reason"]),
        gettext_lazy("The referral is closed."),
        perms.can_close,
        perms.RECEIVER,
        perms.RECEIVING_ROLES,
    )
)
frist_risk = _action_view(
    Action(
        gettext_lazy("Frist likely to be missed"),
        gettext_lazy("Mark as fristbrudd"),
        forms.NoteForm,
        lambda r, actor, d: services.referral_mark_frist_at_risk(
            referral=r, actor=actor, note=d.get("note") or ""
        ),
        gettext_lazy("The referral is marked with fristbrudd. Remember to notify Helfo."),
        perms.can_mark_frist_at_risk,
        perms.RECEIVER,
        perms.RECEIVING_ROLES,
        gettext_lazy(
            "When the frist is likely to be missed, Helfo must be notified so the patient can "
            "be offered treatment elsewhere."
        ),
    )
)
helfo = _action_view(
    Action(
        gettext_lazy("Helfo notified"),
        gettext_lazy("Save"),
        forms.DateForm,
        lambda r, actor, d: services.referral_record_helfo_notified(
            referral=r, actor=actor, on=d["on"]
        ),
        gettext_lazy("The Helfo notification is recorded."),
        perms.can_record_helfo,
        perms.RECEIVER,
        perms.RECEIVING_ROLES,
        form_kwargs=_today(gettext_lazy("Helfo was notified on")),
    )
)
follow_up = _action_view(
    Action(
        gettext_lazy("Follow-up while waiting"),
        gettext_lazy("Save follow-up"),
        forms.FollowUpForm,
        lambda r, actor, d: services.referral_record_follow_up(referral=r, actor=actor, data=d),
        gettext_lazy("The follow-up is saved."),
        perms.can_follow_up,
        perms.REFERRER,
        perms.REFERRER_ROLES,
        gettext_lazy("What the kommune does while the patient waits for treatment to start."),
    )
)
attachment_new = _action_view(
    Action(
        gettext_lazy("Add attachment"),
        gettext_lazy("Upload"),
        forms.AttachmentForm,
        lambda r, actor, d: services.attachment_add(
            referral=r, actor=actor, upload=d["file"], description=d.get("description") or ""
        ),
        gettext_lazy("The attachment is added."),
        perms.can_attach,
    )
)


# --- actions with more to them: starting, assessing, answering ---

ASSESS = Action(
    gettext_lazy("Assess the referral"),
    gettext_lazy("Save decision"),
    forms.AssessForm,
    None,  # grant or reject: see ``_decide``
    None,
    perms.can_assess,
    perms.RECEIVER,
    perms.ASSESS_ROLES,
)


@require_POST
@login_required
def start_assessment(request, pk):
    referral = _referral_for(request, pk, ASSESS)
    try:
        services.referral_start_assessment(referral=referral, actor=request.actor)
    except services.ReferralConflict as error:
        messages.warning(request, error.message)
    else:
        messages.success(request, _("You have started the assessment."))
    return redirect(_detail_url(referral))


def _decide(referral, actor, data):
    """Grant or reject; a decision made on a referral that changed since the form was opened
    is refused (``ReferralConflict``) and the conflict screen shows what changed."""
    if data["decision"] == forms.AssessForm.GRANT:
        return services.referral_grant(
            referral=referral,
            actor=actor,
            start_deadline=data["start_deadline"],
            help_kind=data["help_kind"],
            planned_appointment=data.get("planned_appointment"),
            note=data.get("note") or "",
            version=data["version"],
        )
    return services.referral_reject(
        referral=referral,
        actor=actor,
        reason=data["rejection_reason"],
        forward_to=data.get("forward_to"),
        version=data["version"],
    )


def _decided(referral):
    def message(result):
        if result.state == State.GRANTED:
            return _("Right to necessary care is granted. The referrer has been told.")
        if result.pk != referral.pk:
            return _("The referral is rejected and forwarded to %(unit)s.") % {
                "unit": result.receiving_unit.name
            }
        return _("The referral is rejected. The referrer has been told.")

    return message


@login_required
def assess(request, pk):
    referral = _referral_for(request, pk, ASSESS)
    # A decision posted after someone else's gets the conflict screen, what was typed kept.
    if not request.POST and not ASSESS.allowed(request.actor, referral):
        return _not_now(
            request, referral, _("The referral has already been assessed or withdrawn.")
        )
    form = forms.AssessForm(
        request.POST or None, referral=referral, initial={"version": referral.version}
    )
    warn_under_23 = referral.under_23
    return form_action(
        request,
        form,
        save=lambda data: _decide(referral, request.actor, data),
        success=_decided(referral),
        # After forwarding, this unit stays on its own (rejected) referral.
        redirect_to=_detail_url(referral),
        template="referrals/assess.html",
        context={
            "patient": referral.patient,
            "referral": referral,
            "heading": ASSESS.title,
            "submit": ASSESS.submit,
            "cancel_url": _detail_url(referral),
            "warn_under_23": warn_under_23,
            "under_23_limit": add_working_days(
                referral.seniority_date, services.UNDER_23_WARNING_WORKING_DAYS
            )
            if warn_under_23 and referral.seniority_date
            else None,
        },
    )


ANSWER = Action(
    gettext_lazy("Answer the question"),
    gettext_lazy("Send answer"),
    forms.AnswerForm,
    None,  # the answer goes to the question: see ``answer``
    gettext_lazy("The answer is sent."),
    perms.can_answer,
    perms.REFERRER,
    perms.REFERRER_ROLES,
)


@login_required
def answer(request, pk, request_id):
    referral = _referral_for(request, pk, ANSWER)
    info_request = InformationRequest.objects.filter(pk=request_id, referral=referral).first()
    if info_request is None:
        raise Http404
    if not ANSWER.allowed(request.actor, referral) or not info_request.is_open:
        return _not_now(request, referral, _("This question can no longer be answered."))
    save = _moved_on_as_error(
        lambda data: services.referral_answer_information(
            info_request=info_request, actor=request.actor, answer=data["answer"]
        )
    )
    return _action_form(
        request,
        referral,
        ANSWER,
        forms.AnswerForm(request.POST or None),
        save,
        template="referrals/action.html",
        extra={"info_request": info_request},
    )


# --- attachments ---


@login_required
def attachment_download(request, pk, attachment_id):
    unit = request.actor.unit
    referral = selectors.get_referral_for_user(request.user, unit, pk, record_read=False)
    attachment = Attachment.objects.filter(pk=attachment_id, referral=referral).first()
    if attachment is None:
        raise Http404
    audit.record(
        user=request.user,
        unit=unit,
        action=audit.Action.VIEW,
        patient=referral.patient,
        obj=attachment,
        basis=referral.patient.access_basis,
    )
    return FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=True,
        filename=attachment.filename,
    )


# --- PDFs ---


def _print(request, pk, *, template, filename, letter=False):
    unit = request.actor.unit
    referral = selectors.get_referral_for_user(request.user, unit, pk, record_read=False)
    if letter and referral.assessed_at is None:
        raise Http404
    audit.record(
        user=request.user,
        unit=unit,
        action=audit.Action.PRINT,
        patient=referral.patient,
        obj=referral,
        basis=referral.patient.access_basis,
        detail=filename,
    )
    return pdf_response(
        template,
        {
            "referral": referral,
            "patient": referral.patient,
            "events": list(selectors.timeline(referral)),
            "follow_ups": list(referral.follow_ups.select_related("unit")),
            "rights_days": settings.REFERRAL_REJECTED_ACCESS_DAYS,
        },
        request=request,
        filename=filename,
    )


@login_required
def referral_pdf(request, pk):
    return _print(
        request, pk, template="referrals/pdf/referral.html", filename=f"henvisning-{pk}.pdf"
    )


@login_required
def answer_pdf(request, pk):
    return _print(
        request, pk, template="referrals/pdf/answer.html", filename=f"svar-{pk}.pdf", letter=True
    )


# --- statistics ---


def _statistics_input(request):
    actor = _actor(request)
    unit = actor.unit
    if not perms.can_see_statistics(actor):
        raise PermissionDenied
    form = forms.StatisticsForm(request.GET or None)
    start, end = form.period(*statistics.default_period(timezone.localdate()))
    return unit, form, start, end


@login_required
def statistics_page(request):
    unit, form, start, end = _statistics_input(request)
    total, months = statistics.figures_for(unit, start, end)
    return render(
        request,
        "referrals/statistics.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "total": total,
            "months": months,
            "query_string": request.GET.urlencode(),
        },
    )


@login_required
def statistics_csv(request):
    unit, form, start, end = _statistics_input(request)
    total, months = statistics.figures_for(unit, start, end)
    audit.record(
        user=request.user,
        unit=unit,
        action=audit.Action.EXPORT,
        basis=audit.Basis.ADMIN,
        detail=f"henvisningsstatistikk {start:%Y-%m-%d}–{end:%Y-%m-%d}",
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="henvisninger-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
    )
    response.write("\ufeff")  # so spreadsheet programs read the file as UTF-8
    writer = csv.writer(response, delimiter=";")
    writer.writerow(statistics.CSV_HEADER)
    writer.writerows(statistics.csv_rows(total, months))
    return response

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
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import audit
from accounts.replica import reads_replica
from config.fragments import fragment
from pathways.access import get_patient_for_user, patient_view
from pathways.models import TreatmentEpisode
from pathways.pagination import KnownCountPaginator
from pathways.pdf import pdf_response
from pathways.web import form_action
from pathways.workdays import add_working_days
from referrals import forms, selectors, services, statistics
from referrals import permissions as perms
from referrals.models import Attachment, InformationRequest, Referral
from referrals.placement import figures as placement_figures
from referrals.placement import selectors as placement
from referrals.placement.forms import PlaceForm, PlannedStartForm

State = Referral.State


# A form page shows its form (GET, HEAD) and takes it (POST); nothing else may fetch it.
FORM_METHODS = ["GET", "HEAD", "POST"]


def _actor(request):
    """Who acts; every referral page but the detail page needs a unit to act for."""
    actor = request.actor
    if actor.unit is None:
        raise PermissionDenied(_("You are not a member of any unit."))
    return actor


def _detail_url(referral) -> str:
    return reverse("referrals:detail", args=[referral.pk])


def _not_now(request, referral, message):
    messages.warning(request, message)
    return redirect(_detail_url(referral))


# --- lists ---


@login_required
def referral_list(request):
    unit = _actor(request).unit
    default = selectors.SENT if unit.is_kommune else selectors.INCOMING
    filters = forms.ListFilterForm(request.GET or None)
    tab = filters.tab(default)
    counts, rows_version = selectors.tab_state(unit)
    tabs = [
        (selectors.INCOMING, _("Incoming"), counts[selectors.INCOMING]),
        (selectors.WAITING, _("Waiting list"), counts[selectors.WAITING]),
        (selectors.SENT, _("Sent"), counts[selectors.SENT]),
    ]
    query = request.GET.copy()
    query.pop("side", None)
    context = {
        "tab": tab,
        "tabs": tabs,
        "filters": filters,
        "query_string": query.urlencode(),
        "today": timezone.localdate(),
        "can_see_statistics": perms.can_see_statistics(request.actor),
    }

    def table():
        cleaned = filters.values()
        referrals = selectors.unit_referral_pages(
            unit,
            tab,
            state=cleaned.get("status") or "",
            due_within=cleaned.get("innen"),
            under_23=bool(cleaned.get("under23")),
        )
        # Unfiltered, the tab's count is the list's count: no second COUNT over the rows.
        filtered = bool(cleaned.get("status") or cleaned.get("innen") is not None)
        filtered = filtered or bool(cleaned.get("under23"))
        page = KnownCountPaginator(
            referrals, settings.PAGE_SIZE, count=None if filtered else counts[tab]
        ).get_page(request.GET.get("side"))
        return render_to_string(
            "referrals/_list_table.html", {**context, "page": page}, request=request
        )

    # The tabs, filters and rows are the unit's, the same for each of its members: kept
    # rendered until a referral, grant or name they show changes (the version), or the day
    # turns. The key holds the query string, so the filters as typed (and their errors).
    parts = (unit.pk, tab, sorted(request.GET.lists()))
    context["table"] = fragment("referral-list", rows_version, parts, table)
    return render(request, "referrals/list.html", context)


# --- creating and editing ---


def _sent_or_saved(referral) -> str:
    return _("The draft is saved.") if referral.is_draft else _("The referral is sent.")


def _read(request, patient, referral=None):
    """The form page shows the patient's data: a read, whether first shown or shown again
    with errors after a POST (a saved POST redirects; its service audits the change)."""

    def record():
        audit.record(
            user=request.user,
            unit=request.active_unit or None,
            action=audit.Action.VIEW,
            patient=patient,
            obj=referral,
            basis=patient.access_basis,
            detail=request.path,
        )

    return record


def _referral_form(request, form, *, patient, referral, save):
    context = {
        "patient": patient,
        "referral": referral,
        "heading": _("Edit referral") if referral else _("New referral"),
        "cancel_url": _detail_url(referral)
        if referral
        else reverse("pathways:patient_overview", args=[patient.pk]),
        "duplicates": [],
    }

    def offer(duplicates):
        form.offer_send_anyway()
        context["duplicates"] = duplicates

    def guarded(data):
        try:
            return save(data)
        except services.DuplicateReferral as duplicate:
            # Shown again with the open referral and the "send anyway" box.
            offer(duplicate.existing)
            raise

    if referral is not None and referral.is_draft and not request.POST:
        # A draft sent back here (the detail page's send button) shows what it duplicates.
        duplicates = list(services.open_duplicates(referral))
        if duplicates:
            offer(duplicates)
    return form_action(
        request,
        form,
        save=guarded,
        success=_sent_or_saved,
        redirect_to=_detail_url,
        template="referrals/form.html",
        on_show=_read(request, patient, referral),
        context=context,
    )


def _sending(request) -> bool:
    return request.POST.get("action") == "send"


@require_http_methods(FORM_METHODS)
@login_required
def referral_new(request):
    actor = _actor(request)
    patient = get_patient_for_user(
        request.user, request.GET.get("pasient"), unit=actor.unit, for_edit=True
    )
    if not perms.can_refer(actor):
        raise PermissionDenied
    form = forms.ReferralForm(request.POST or None, unit=actor.unit, patient=patient)
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
            send_anyway=data["send_anyway"],
        ),
    )


@require_http_methods(FORM_METHODS)
@login_required
def referral_edit(request, pk):
    actor = _actor(request)
    referral = selectors.get_referral_for_user(
        request.user, actor.unit, pk, for_edit=True, record_read=False
    )
    if not perms.can_edit_draft(actor, referral):
        if not perms.on_side(actor, referral, perms.REFERRER):
            raise PermissionDenied
        # A draft sent by a colleague meanwhile: a posted form gets the conflict screen.
        if not request.POST:
            return _not_now(request, referral, _("Only drafts can be changed."))
    form = forms.ReferralForm(
        request.POST or None,
        instance=referral,
        unit=actor.unit,
        patient=referral.patient,
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
            send_anyway=data["send_anyway"],
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


@require_safe  # a read: GET and HEAD only (no other method may fetch it)
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

NOT_NOW = gettext_lazy("This cannot be done with the referral as it stands now.")


def _no_kwargs(referral) -> dict:
    return {}


@dataclass(frozen=True, kw_only=True)
class Action:
    """One action on a referral: who may take it, its page, its form and its service.

    ``side`` and ``roles``: who may ever take it (anyone else gets 403); ``allowed``: the
    ``can_*`` answer for now (otherwise ``not_now`` and back to the referral). Without a side,
    ``allowed`` alone decides, with 403. A ``versioned`` form carries the version it was
    opened at: a save after someone else's change gets the conflict screen. Other actions
    are state changes the service refuses once the referral has moved on; the reason is
    shown above the form.
    """

    title: str
    submit: str
    form: type
    save: Callable  # (referral, actor, cleaned data) -> the result
    success: str | Callable  # the message, or f(result)
    allowed: Callable  # perms.can_*(actor, referral)
    side: str | None = None
    roles: frozenset | None = None
    intro: str = ""
    not_now: str = NOT_NOW
    form_kwargs: Callable = _no_kwargs  # f(referral)
    context: Callable = _no_kwargs  # f(referral): more for the template
    template: str = "referrals/action.html"
    versioned: bool = False
    leads_to_result: bool = False  # after saving, open the referral the service returned


def _referral_for(request, pk, action: Action):
    """The referral through the access gate, for someone who may take ``action`` on it."""
    actor = _actor(request)
    referral = selectors.get_referral_for_user(
        request.user, actor.unit, pk, for_edit=True, record_read=False
    )
    if action.side is None:
        if not action.allowed(actor, referral):
            raise PermissionDenied
    elif not perms.on_side(actor, referral, action.side, action.roles):
        raise PermissionDenied
    return referral


def _moved_on_as_error(save):
    """A referral that moved on meanwhile (withdrawn, already answered, ...) no longer takes
    the action: the reason is shown above the form and what was typed is kept."""

    def run(data):
        try:
            return save(data)
        except services.ReferralConflict as refused:
            raise ValidationError(refused.message) from refused

    return run


def _action_form(request, referral, action: Action, form, save, *, extra=None):
    def back(result):
        if action.leads_to_result and isinstance(result, Referral):
            return _detail_url(result)
        return _detail_url(referral)

    return form_action(
        request,
        form,
        save=save if action.versioned else _moved_on_as_error(save),
        success=action.success,
        redirect_to=back,
        template=action.template,
        on_show=_read(request, referral.patient, referral),
        context={
            "patient": referral.patient,
            "referral": referral,
            "heading": action.title,
            "submit": action.submit,
            "intro": action.intro,
            "cancel_url": _detail_url(referral),
            "multipart": form.is_multipart(),
            **action.context(referral),
            **(extra or {}),
        },
    )


def _action_view(action: Action):
    """The page of an action: the gate, the form, the service."""

    @require_http_methods(FORM_METHODS)
    @login_required
    def view(request, pk):
        referral = _referral_for(request, pk, action)
        # A versioned form posted after someone else's change gets the conflict screen.
        if not (action.versioned and request.POST) and not action.allowed(request.actor, referral):
            return _not_now(request, referral, action.not_now)
        form = action.form(
            request.POST or None, request.FILES or None, **action.form_kwargs(referral)
        )
        return _action_form(
            request,
            referral,
            action,
            form,
            lambda data: action.save(referral, request.actor, data),
        )

    return view


def _dated(label):
    return lambda referral: {"label": label, "initial": {"on": timezone.localdate()}}


def _decide(referral, actor, data):
    """Grant or reject, against the version the form was opened at."""
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


def _decided(result) -> str:
    if result.state == State.GRANTED:
        return _("Right to necessary care is granted. The referrer has been told.")
    if result.state == State.REJECTED:
        return _("The referral is rejected. The referrer has been told.")
    # Rejected and forwarded: the result is the new referral at the other unit.
    return _("The referral is rejected and forwarded to %(unit)s.") % {
        "unit": result.receiving_unit.name
    }


def _under_23(referral) -> dict:
    warn = referral.under_23
    limit = None
    if warn and referral.seniority_date:
        limit = add_working_days(referral.seniority_date, services.UNDER_23_WARNING_WORKING_DAYS)
    return {"warn_under_23": warn, "under_23_limit": limit}


ASSESS = Action(
    title=gettext_lazy("Assess the referral"),
    submit=gettext_lazy("Save decision"),
    form=forms.AssessForm,
    form_kwargs=lambda r: {"referral": r, "initial": {"version": r.version}},
    save=_decide,
    success=_decided,
    allowed=perms.can_assess,
    side=perms.RECEIVER,
    roles=perms.ASSESS_ROLES,
    not_now=gettext_lazy("The referral has already been assessed or withdrawn."),
    context=_under_23,
    template="referrals/assess.html",
    versioned=True,
)
ACTIONS = {
    "assess": ASSESS,
    "forward": Action(
        title=gettext_lazy("Forward the referral"),
        submit=gettext_lazy("Forward"),
        intro=gettext_lazy(
            "The new unit receives the referral with the same seniority date and history."
        ),
        form=forms.ForwardForm,
        form_kwargs=lambda r: {"referral": r},
        save=lambda r, actor, d: services.referral_forward(
            referral=r, actor=actor, to_unit=d["forward_to"]
        ),
        success=gettext_lazy("The referral is forwarded."),
        allowed=perms.can_forward,
        side=perms.RECEIVER,
        roles=perms.ASSESS_ROLES,
        leads_to_result=True,
    ),
    "ask": Action(
        title=gettext_lazy("Ask for more information"),
        submit=gettext_lazy("Send question"),
        form=forms.QuestionForm,
        save=lambda r, actor, d: services.referral_request_information(
            referral=r, actor=actor, question=d["question"]
        ),
        success=gettext_lazy("The question is sent to the referrer."),
        allowed=perms.can_assess,
        side=perms.RECEIVER,
        roles=perms.ASSESS_ROLES,
    ),
    "withdraw": Action(
        title=gettext_lazy("Withdraw the referral"),
        submit=gettext_lazy("Withdraw referral"),
        intro=gettext_lazy("The receiving unit is told at once."),
        form=forms.WithdrawForm,
        form_kwargs=lambda r: {"open_stay": services.open_stay_at_receiver(r)},
        save=lambda r, actor, d: services.referral_withdraw(
            referral=r,
            actor=actor,
            reason=d["reason"],
            episode_action=d.get("episode_action") or "",
        ),
        success=gettext_lazy("The referral is withdrawn."),
        allowed=perms.can_withdraw,
        side=perms.REFERRER,
        roles=perms.REFERRER_ROLES,
    ),
    "start_treatment": Action(
        title=gettext_lazy("Record that treatment has started"),
        submit=gettext_lazy("Save"),
        form=forms.StartTreatmentForm,
        form_kwargs=lambda r: {
            **_dated(gettext_lazy("Treatment started on"))(r),
            "referral": r,
        },
        save=lambda r, actor, d: services.referral_start_treatment(
            referral=r, actor=actor, on=d["on"], unit=d.get("unit")
        ),
        success=gettext_lazy("Treatment start is recorded."),
        allowed=perms.can_start_treatment,
        side=perms.RECEIVER,
        roles=perms.RECEIVING_ROLES,
    ),
    "close": Action(
        title=gettext_lazy("Close the referral"),
        submit=gettext_lazy("Close referral"),
        form=forms.CloseForm,
        form_kwargs=lambda r: {"referral": r},
        save=lambda r, actor, d: services.referral_close(
            referral=r,
            actor=actor,
            reason=d["reason"],
            episode_action=d.get("episode_action") or "",
        ),
        success=gettext_lazy("The referral is closed."),
        allowed=perms.can_close,
        side=perms.RECEIVER,
        roles=perms.RECEIVING_ROLES,
    ),
    "frist_risk": Action(
        title=gettext_lazy("Frist likely to be missed"),
        submit=gettext_lazy("Mark as fristbrudd"),
        intro=gettext_lazy(
            "When the frist is likely to be missed, Helfo must be notified so the patient can "
            "be offered treatment elsewhere."
        ),
        form=forms.NoteForm,
        save=lambda r, actor, d: services.referral_mark_frist_at_risk(
            referral=r, actor=actor, note=d.get("note") or ""
        ),
        success=gettext_lazy("The referral is marked with fristbrudd. Remember to notify Helfo."),
        allowed=perms.can_mark_frist_at_risk,
        side=perms.RECEIVER,
        roles=perms.RECEIVING_ROLES,
    ),
    "helfo": Action(
        title=gettext_lazy("Helfo notified"),
        submit=gettext_lazy("Save"),
        form=forms.DateForm,
        form_kwargs=_dated(gettext_lazy("Helfo was notified on")),
        save=lambda r, actor, d: services.referral_record_helfo_notified(
            referral=r, actor=actor, on=d["on"]
        ),
        success=gettext_lazy("The Helfo notification is recorded."),
        allowed=perms.can_record_helfo,
        side=perms.RECEIVER,
        roles=perms.RECEIVING_ROLES,
    ),
    "follow_up": Action(
        title=gettext_lazy("Follow-up while waiting"),
        submit=gettext_lazy("Save follow-up"),
        intro=gettext_lazy("What the kommune does while the patient waits for treatment to start."),
        form=forms.FollowUpForm,
        save=lambda r, actor, d: services.referral_record_follow_up(
            referral=r, actor=actor, data=d
        ),
        success=gettext_lazy("The follow-up is saved."),
        allowed=perms.can_follow_up,
        side=perms.REFERRER,
        roles=perms.REFERRER_ROLES,
    ),
    "place": Action(
        title=gettext_lazy("Choose the treatment place"),
        submit=gettext_lazy("Save the place"),
        intro=gettext_lazy(
            "Places with an agreement with the health trust, those that fit the granted help "
            "first, then by the earliest possible start. The patient may choose among public "
            "and contracted places (fritt behandlingsvalg)."
        ),
        form=PlaceForm,
        form_kwargs=lambda r: {
            "suggestions": placement.suggestions(r),
            "initial": {
                "version": r.version,
                "place": r.wished_place_id,
                "planned_start": r.planned_appointment
                and timezone.localdate(r.planned_appointment),
            },
        },
        save=lambda r, actor, d: services.referral_place(
            referral=r,
            actor=actor,
            place=d["place"],
            planned_start=d["planned_start"],
            reason=d.get("reason") or "",
            version=d["version"],
        ),
        success=gettext_lazy("The treatment place is chosen. The referrer has been told."),
        allowed=perms.can_place,
        side=perms.RECEIVER,
        roles=perms.RECEIVING_ROLES,
        template="referrals/place.html",
        context=lambda r: {"suggestions": placement.suggestions(r)},
        versioned=True,
    ),
    "planned_start": Action(
        title=gettext_lazy("Change the planned start"),
        submit=gettext_lazy("Save"),
        intro=gettext_lazy("The referrer sees the change and the reason."),
        form=PlannedStartForm,
        form_kwargs=lambda r: {"initial": {"version": r.version}},
        save=lambda r, actor, d: services.referral_change_planned_start(
            referral=r,
            actor=actor,
            planned_start=d["planned_start"],
            reason=d["reason"],
            version=d["version"],
        ),
        success=gettext_lazy("The planned start is changed. The referrer has been told."),
        allowed=lambda actor, r: perms.can_place(actor, r) and r.place_id is not None,
        side=perms.RECEIVER,
        roles=perms.RECEIVING_ROLES,
        versioned=True,
    ),
    "attachment_new": Action(
        title=gettext_lazy("Add attachment"),
        submit=gettext_lazy("Upload"),
        form=forms.AttachmentForm,
        save=lambda r, actor, d: services.attachment_add(
            referral=r, actor=actor, upload=d["file"], description=d.get("description") or ""
        ),
        success=gettext_lazy("The attachment is added."),
        allowed=perms.can_attach,
    ),
}
assess = _action_view(ACTIONS["assess"])
forward = _action_view(ACTIONS["forward"])
ask = _action_view(ACTIONS["ask"])
withdraw = _action_view(ACTIONS["withdraw"])
start_treatment = _action_view(ACTIONS["start_treatment"])
close = _action_view(ACTIONS["close"])
frist_risk = _action_view(ACTIONS["frist_risk"])
helfo = _action_view(ACTIONS["helfo"])
follow_up = _action_view(ACTIONS["follow_up"])
attachment_new = _action_view(ACTIONS["attachment_new"])
place = _action_view(ACTIONS["place"])
planned_start = _action_view(ACTIONS["planned_start"])


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


ANSWER = Action(
    title=gettext_lazy("Answer the question"),
    submit=gettext_lazy("Send answer"),
    form=forms.AnswerForm,
    save=None,  # the answer belongs to one question: see ``answer``
    success=gettext_lazy("The answer is sent."),
    allowed=perms.can_answer,
    side=perms.REFERRER,
    roles=perms.REFERRER_ROLES,
    not_now=gettext_lazy("This question can no longer be answered."),
)


@require_http_methods(FORM_METHODS)
@login_required
def answer(request, pk, request_id):
    referral = _referral_for(request, pk, ANSWER)
    info_request = InformationRequest.objects.filter(pk=request_id, referral=referral).first()
    if info_request is None:
        raise Http404
    if not ANSWER.allowed(request.actor, referral) or not info_request.is_open:
        return _not_now(request, referral, ANSWER.not_now)
    return _action_form(
        request,
        referral,
        ANSWER,
        forms.AnswerForm(request.POST or None),
        lambda data: services.referral_answer_information(
            info_request=info_request, actor=request.actor, answer=data["answer"]
        ),
        extra={"info_request": info_request},
    )


# --- attachments ---


@require_safe  # a read: GET and HEAD only (no other method may fetch it)
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


@require_safe  # a read: GET and HEAD only (no other method may fetch it)
@login_required
def referral_pdf(request, pk):
    return _print(
        request, pk, template="referrals/pdf/referral.html", filename=f"henvisning-{pk}.pdf"
    )


@require_safe  # a read: GET and HEAD only (no other method may fetch it)
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
@reads_replica
def statistics_page(request):
    unit, form, start, end = _statistics_input(request)
    total, months = statistics.figures_for(unit, start, end)
    trusts, places = placement_figures.placement_figures(unit, start, end)
    return render(
        request,
        "referrals/statistics.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "total": total,
            "months": months,
            "placement_trusts": trusts,
            "placement_places": places,
            "query_string": request.GET.urlencode(),
        },
    )


@login_required
@reads_replica
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
    return _csv(
        f"henvisninger-{start:%Y%m%d}-{end:%Y%m%d}.csv",
        statistics.CSV_HEADER,
        statistics.csv_rows(total, months),
    )


@login_required
@reads_replica
def placement_csv(request):
    unit, form, start, end = _statistics_input(request)
    trusts, places = placement_figures.placement_figures(unit, start, end)
    audit.record(
        user=request.user,
        unit=unit,
        action=audit.Action.EXPORT,
        basis=audit.Basis.ADMIN,
        detail=f"plasseringsstatistikk {start:%Y-%m-%d}–{end:%Y-%m-%d}",
    )
    return _csv(
        f"plassering-{start:%Y%m%d}-{end:%Y%m%d}.csv",
        placement_figures.CSV_HEADER,
        placement_figures.csv_rows(trusts, places),
    )


def _csv(filename, header, rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # so spreadsheet programs read the file as UTF-8
    writer = csv.writer(response, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return response


@patient_view(for_edit=True)
def link_episode(request, patient, episode_id):
    """Link a treatment started without a referral (an emergency admission) to the patient's
    open referral to that unit's organisation."""
    episode = (
        TreatmentEpisode.objects.select_related("unit")
        .filter(pk=episode_id, patient=patient)
        .first()
    )
    if episode is None:
        raise Http404
    episode.patient = patient
    episode_url = reverse("pathways:episode_detail", args=[patient.pk, episode.pk])
    if Referral.objects.filter(treatment_episode=episode).exists():
        messages.info(request, _("The treatment is already linked to a referral."))
        return redirect(episode_url)
    candidates = services.linkable_referrals(episode)
    if not any(perms.can_link_episode(request.actor, r, episode) for r in candidates):
        raise PermissionDenied
    return form_action(
        request,
        forms.LinkEpisodeForm(request.POST or None, candidates=candidates),
        save=lambda d: services.referral_link_episode(
            referral=d["referral"], episode=episode, actor=request.actor
        ),
        success=_("The treatment is linked to the referral."),
        redirect_to=episode_url,
        template="pathways/episodes/form_page.html",
        context={
            "patient": patient,
            "episode": episode,
            "cancel_url": episode_url,
            "heading": _("Link the treatment to a referral"),
            "intro": _(
                "The referral leaves the waiting list: its treatment has started with this stay."
            ),
            "submit": _("Link"),
        },
    )

"""Referral pages: thin views that fetch through the access gate and call services."""

import csv
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import audit
from accounts.acting import Actor
from pathways.access import get_patient_for_user
from pathways.pagination import KnownCountPaginator
from pathways.pdf import pdf_response
from pathways.workdays import add_working_days
from referrals import forms, selectors, services, statistics
from referrals import permissions as perms
from referrals.models import Attachment, InformationRequest, Referral

State = Referral.State


def _unit(request):
    unit = request.active_unit or None
    if unit is None:
        raise PermissionDenied(_("You are not a member of any unit."))
    return unit


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for item in errors:
                form.add_error(target, item.messages[0] if hasattr(item, "messages") else item)
    else:
        for message in error.messages:
            form.add_error(None, message)


def _keep_version(form, current) -> None:
    """After a conflict, the next save goes against the version now stored."""
    if current is not None and "version" in form.fields:
        form.data = form.data.copy()
        form.data["version"] = current.version


# --- lists ---


@login_required
def referral_list(request):
    unit = _unit(request)
    default = selectors.SENT if unit.is_kommune else selectors.INCOMING
    filters = forms.ListFilterForm(request.GET or None)
    tab = filters.tab(default)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
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
            "can_see_statistics": perms.can_see_statistics(perms.Actor.of_request(request)),
        },
    )


# --- creating and editing ---


@login_required
def referral_new(request):
    unit = _unit(request)
    patient = get_patient_for_user(
        request.user, request.GET.get("pasient"), unit=unit, for_edit=True
    )
    actor = perms.Actor.of(request.user, unit)
    if not perms.can_refer(actor):
        raise PermissionDenied
    if request.method == "GET":
        audit.record(
            user=request.user,
            unit=unit,
            action=audit.Action.VIEW,
            patient=patient,
            basis=patient.access_basis,
            detail=request.path,
        )
    form = forms.ReferralForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        send = request.POST.get("action") == "send"
        try:
            referral = services.referral_create(
                patient=patient,
                actor=Actor(request.user, unit),
                receiving_unit=form.cleaned_data["receiving_unit"],
                data=form.referral_data(),
                send=send,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request, _("The referral is sent.") if send else _("The draft is saved.")
            )
            return redirect("referrals:detail", pk=referral.pk)
    return render(
        request, "referrals/form.html", {"patient": patient, "form": form, "referral": None}
    )


@login_required
def referral_edit(request, pk):
    unit = _unit(request)
    referral = selectors.get_referral_for_user(
        request.user, unit, pk, for_edit=True, record_read=request.method == "GET"
    )
    actor = perms.Actor.of(request.user, unit)
    if not perms.can_edit_draft(actor, referral):
        if actor.is_referrer(referral):
            messages.warning(request, _("Only drafts can be changed."))
            return redirect("referrals:detail", pk=referral.pk)
        raise PermissionDenied
    initial = {"version": referral.version}
    form = forms.ReferralForm(request.POST or None, instance=referral, unit=unit, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        send = request.POST.get("action") == "send"
        try:
            referral = services.referral_update_draft(
                referral=referral,
                actor=Actor(request.user, unit),
                receiving_unit=form.cleaned_data["receiving_unit"],
                data=form.referral_data(),
                version=form.cleaned_data.get("version") or referral.version,
            )
            if send:
                referral = services.referral_send(
                    referral=referral, actor=Actor(request.user, unit)
                )
        except ValidationError as error:
            _apply_errors(form, error)
        except services.ReferralConflict as error:
            conflict = error.current
            form.add_error(None, error.message)
            _keep_version(form, conflict)
        else:
            messages.success(
                request, _("The referral is sent.") if send else _("The draft is saved.")
            )
            return redirect("referrals:detail", pk=referral.pk)
    return render(
        request,
        "referrals/form.html",
        {"patient": referral.patient, "form": form, "referral": referral, "conflict": conflict},
    )


@require_POST
@login_required
def referral_send(request, pk):
    unit = _unit(request)
    referral = selectors.get_referral_for_user(
        request.user, unit, pk, for_edit=True, record_read=False
    )
    try:
        services.referral_send(referral=referral, actor=Actor(request.user, unit))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("referrals:edit", pk=referral.pk)
    except services.ReferralConflict as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The referral is sent."))
    return redirect("referrals:detail", pk=referral.pk)


# --- the detail page ---


@login_required
def referral_detail(request, pk):
    unit = request.active_unit or None
    referral = selectors.get_referral_for_user(request.user, unit, pk)
    actor = perms.Actor.of(request.user, unit)
    editable = referral.patient.can_edit
    info_requests = list(
        InformationRequest.objects.filter(referral=referral).select_related(
            "asked_by", "answered_by"
        )
    )
    can = {
        "edit": editable and perms.can_edit_draft(actor, referral),
        "withdraw": editable and perms.can_withdraw(actor, referral),
        "start_assessment": editable
        and referral.state == State.RECEIVED
        and perms.can_assess(actor, referral),
        "assess": editable and perms.can_assess(actor, referral),
        "forward": editable and perms.can_forward(actor, referral),
        "answer": editable and perms.can_answer(actor, referral),
        "start_treatment": editable and perms.can_start_treatment(actor, referral),
        "close": editable and perms.can_close(actor, referral),
        "frist_risk": editable and perms.can_mark_frist_at_risk(actor, referral),
        "helfo": editable and perms.can_record_helfo(actor, referral),
        "follow_up": editable and perms.can_follow_up(actor, referral),
        "attach": editable and perms.can_attach(actor, referral),
    }
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
            "can": can,
            "attachment_form": forms.AttachmentForm(),
            "has_answer_letter": referral.assessed_at is not None,
        },
    )


# --- actions ---


@dataclass(frozen=True)
class Spec:
    """Which side and roles may take an action, and when (state) it applies."""

    side: str  # "receiver" or "referrer"
    roles: frozenset
    allowed: object
    title: str
    submit: str
    intro: str = ""


def _authorize(request, pk, spec: Spec):
    """(referral, actor, state_ok) or PermissionDenied for the wrong side or role."""
    unit = _unit(request)
    referral = selectors.get_referral_for_user(
        request.user, unit, pk, for_edit=True, record_read=request.method == "GET"
    )
    actor = perms.Actor.of(request.user, unit)
    on_side = (
        actor.is_receiver(referral) if spec.side == "receiver" else actor.is_referrer(referral)
    )
    if not (on_side and actor.has(spec.roles)):
        raise PermissionDenied
    return referral, actor, spec.allowed(actor, referral)


def _action_page(request, referral, form, spec: Spec, conflict=None, extra=None):
    context = {
        "patient": referral.patient,
        "referral": referral,
        "form": form,
        "title": spec.title,
        "submit": spec.submit,
        "intro": spec.intro,
        "conflict": conflict,
    }
    context.update(extra or {})
    return render(request, "referrals/action.html", context)


def _simple_action(request, pk, spec: Spec, form_class, call, success: str, form_kwargs=None):
    referral, actor, state_ok = _authorize(request, pk, spec)
    if not state_ok:
        messages.warning(request, _("This cannot be done with the referral as it stands now."))
        return redirect("referrals:detail", pk=referral.pk)
    if callable(form_kwargs):
        form_kwargs = form_kwargs(referral)
    form = form_class(request.POST or None, **(form_kwargs or {}))
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            result = call(referral, actor, form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        except services.ReferralConflict as error:
            conflict = error.current
            form.add_error(None, error.message)
        else:
            messages.success(request, success)
            target = result if isinstance(result, Referral) else referral
            return redirect("referrals:detail", pk=target.pk)
    return _action_page(request, referral, form, spec, conflict)


ASSESS = Spec(
    "receiver",
    perms.ASSESS_ROLES,
    perms.can_assess,
    gettext_lazy("Assess the referral"),
    gettext_lazy("Save decision"),
)


@require_POST
@login_required
def start_assessment(request, pk):
    referral, actor, state_ok = _authorize(request, pk, ASSESS)
    try:
        services.referral_start_assessment(referral=referral, actor=Actor(request.user, actor.unit))
    except services.ReferralConflict as error:
        messages.warning(request, error.message)
    else:
        messages.success(request, _("You have started the assessment."))
    return redirect("referrals:detail", pk=referral.pk)


@login_required
def assess(request, pk):
    referral, actor, state_ok = _authorize(request, pk, ASSESS)
    if not state_ok:
        messages.warning(request, _("The referral has already been assessed or withdrawn."))
        return redirect("referrals:detail", pk=referral.pk)
    form = forms.AssessForm(
        request.POST or None, referral=referral, initial={"version": referral.version}
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == forms.AssessForm.GRANT:
                result = services.referral_grant(
                    referral=referral,
                    actor=Actor(request.user, actor.unit),
                    start_deadline=data["start_deadline"],
                    help_kind=data["help_kind"],
                    planned_appointment=data.get("planned_appointment"),
                    note=data.get("note") or "",
                    version=data["version"],
                )
                message = _("Right to necessary care is granted. The referrer has been told.")
            else:
                result = services.referral_reject(
                    referral=referral,
                    actor=Actor(request.user, actor.unit),
                    reason=data["rejection_reason"],
                    forward_to=data.get("forward_to"),
                    version=data["version"],
                )
                message = (
                    _("The referral is rejected and forwarded to %(unit)s.")
                    % {"unit": result.receiving_unit.name}
                    if result.pk != referral.pk
                    else _("The referral is rejected. The referrer has been told.")
                )
        except ValidationError as error:
            _apply_errors(form, error)
        except services.ReferralConflict as error:
            conflict = error.current
            form.add_error(None, error.message)
            _keep_version(form, conflict)
        else:
            messages.success(request, message)
            # After forwarding, this unit stays on its own (rejected) referral.
            return redirect("referrals:detail", pk=referral.pk)
    warn_under_23 = referral.under_23
    return _action_page(
        request,
        referral,
        form,
        ASSESS,
        conflict,
        {
            "assessing": True,
            "warn_under_23": warn_under_23,
            "under_23_limit": add_working_days(
                referral.seniority_date, services.UNDER_23_WARNING_WORKING_DAYS
            )
            if warn_under_23 and referral.seniority_date
            else None,
        },
    )


FORWARD = Spec(
    "receiver",
    perms.ASSESS_ROLES,
    perms.can_forward,
    gettext_lazy("Forward the referral"),
    gettext_lazy("Forward"),
    gettext_lazy("The new unit receives the referral with the same seniority date and history."),
)


@login_required
def forward(request, pk):
    return _simple_action(
        request,
        pk,
        FORWARD,
        forms.ForwardForm,
        lambda r, a, d: services.referral_forward(
            referral=r, actor=Actor(request.user, a.unit), to_unit=d["forward_to"]
        ),
        _("The referral is forwarded."),
        lambda referral: {"referral": referral},
    )


ASK = Spec(
    "receiver",
    perms.ASSESS_ROLES,
    perms.can_assess,
    gettext_lazy("Ask for more information"),
    gettext_lazy("Send question"),
)


@login_required
def ask(request, pk):
    return _simple_action(
        request,
        pk,
        ASK,
        forms.QuestionForm,
        lambda r, a, d: services.referral_request_information(
            referral=r, actor=Actor(request.user, a.unit), question=d["question"]
        ),
        _("The question is sent to the referrer."),
    )


ANSWER = Spec(
    "referrer",
    perms.REFERRER_ROLES,
    perms.can_answer,
    gettext_lazy("Answer the question"),
    gettext_lazy("Send answer"),
)


@login_required
def answer(request, pk, request_id):
    referral, actor, state_ok = _authorize(request, pk, ANSWER)
    info_request = InformationRequest.objects.filter(pk=request_id, referral=referral).first()
    if info_request is None:
        raise Http404
    if not state_ok or not info_request.is_open:
        messages.warning(request, _("This question can no longer be answered."))
        return redirect("referrals:detail", pk=referral.pk)
    form = forms.AnswerForm(request.POST or None)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_answer_information(
                info_request=info_request,
                actor=Actor(request.user, actor.unit),
                answer=form.cleaned_data["answer"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        except services.ReferralConflict as error:
            conflict = error.current
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The answer is sent."))
            return redirect("referrals:detail", pk=referral.pk)
    return _action_page(request, referral, form, ANSWER, conflict, {"info_request": info_request})


WITHDRAW = Spec(
    "referrer",
    perms.REFERRER_ROLES,
    perms.can_withdraw,
    gettext_lazy("Withdraw the referral"),
    gettext_lazy("Withdraw referral"),
    gettext_lazy("The receiving unit is told at once."),
)


@login_required
def withdraw(request, pk):
    return _simple_action(
        request,
        pk,
        WITHDRAW,
        forms.ReasonForm,
        lambda r, a, d: services.referral_withdraw(
            referral=r, actor=Actor(request.user, a.unit), reason=d["reason"]
        ),
        _("The referral is withdrawn."),
    )


START = Spec(
    "receiver",
    perms.RECEIVING_ROLES,
    perms.can_start_treatment,
    gettext_lazy("Record that treatment has started"),
    gettext_lazy("Save"),
)


@login_required
def start_treatment(request, pk):
    return _simple_action(
        request,
        pk,
        START,
        forms.DateForm,
        lambda r, a, d: services.referral_start_treatment(
            referral=r, actor=Actor(request.user, a.unit), on=d["on"]
        ),
        _("Treatment start is recorded."),
        {"label": _("Treatment started on"), "initial": {"on": timezone.localdate()}},
    )


CLOSE = Spec(
    "receiver",
    perms.RECEIVING_ROLES,
    perms.can_close,
    gettext_lazy("Close the referral"),
    gettext_lazy("Close referral"),
)


@login_required
def close(request, pk):
    return _simple_action(
        request,
        pk,
        CLOSE,
        forms.ReasonForm,
        lambda r, a, d: services.referral_close(
            referral=r, actor=Actor(request.user, a.unit), reason=d["reason"]
        ),
        _("The referral is closed."),
    )


FRIST_RISK = Spec(
    "receiver",
    perms.RECEIVING_ROLES,
    perms.can_mark_frist_at_risk,
    gettext_lazy("Frist likely to be missed"),
    gettext_lazy("Mark as fristbrudd"),
    gettext_lazy(
        "When the frist is likely to be missed, Helfo must be notified so the patient can be "
        "offered treatment elsewhere."
    ),
)


@login_required
def frist_risk(request, pk):
    return _simple_action(
        request,
        pk,
        FRIST_RISK,
        forms.NoteForm,
        lambda r, a, d: services.referral_mark_frist_at_risk(
            referral=r, actor=Actor(request.user, a.unit), note=d.get("note") or ""
        ),
        _("The referral is marked with fristbrudd. Remember to notify Helfo."),
    )


HELFO = Spec(
    "receiver",
    perms.RECEIVING_ROLES,
    perms.can_record_helfo,
    gettext_lazy("Helfo notified"),
    gettext_lazy("Save"),
)


@login_required
def helfo(request, pk):
    return _simple_action(
        request,
        pk,
        HELFO,
        forms.DateForm,
        lambda r, a, d: services.referral_record_helfo_notified(
            referral=r, actor=Actor(request.user, a.unit), on=d["on"]
        ),
        _("The Helfo notification is recorded."),
        {"label": _("Helfo was notified on"), "initial": {"on": timezone.localdate()}},
    )


FOLLOW_UP = Spec(
    "referrer",
    perms.REFERRER_ROLES,
    perms.can_follow_up,
    gettext_lazy("Follow-up while waiting"),
    gettext_lazy("Save follow-up"),
    gettext_lazy("What the kommune does while the patient waits for treatment to start."),
)


@login_required
def follow_up(request, pk):
    return _simple_action(
        request,
        pk,
        FOLLOW_UP,
        forms.FollowUpForm,
        lambda r, a, d: services.referral_record_follow_up(
            referral=r, actor=Actor(request.user, a.unit), data=d
        ),
        _("The follow-up is saved."),
    )


# --- attachments ---


@login_required
def attachment_new(request, pk):
    unit = _unit(request)
    referral = selectors.get_referral_for_user(
        request.user, unit, pk, for_edit=True, record_read=request.method == "GET"
    )
    actor = perms.Actor.of(request.user, unit)
    if not perms.can_attach(actor, referral):
        raise PermissionDenied
    form = forms.AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.attachment_add(
                referral=referral,
                actor=Actor(request.user, unit),
                upload=form.cleaned_data["file"],
                description=form.cleaned_data.get("description") or "",
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The attachment is added."))
            return redirect("referrals:detail", pk=referral.pk)
    spec = Spec("", frozenset(), None, _("Add attachment"), _("Upload"))
    return _action_page(request, referral, form, spec, extra={"multipart": True})


@login_required
def attachment_download(request, pk, attachment_id):
    unit = request.active_unit or None
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
    unit = request.active_unit or None
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
    unit = _unit(request)
    if not perms.can_see_statistics(perms.Actor.of(request.user, unit)):
        raise PermissionDenied
    form = forms.StatisticsForm(request.GET or None)
    today = timezone.localdate()
    start, end = statistics.default_period(today)
    if form.is_valid():
        start = form.cleaned_data.get("fra") or start
        end = form.cleaned_data.get("til") or end
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

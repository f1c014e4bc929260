"""Admission, discharge and ettervern pages under /pasienter/<id>/behandling/, the take-home
PDF and the discharge figures."""

import csv
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import audit
from accounts.acting import Actor
from pathways.access import patient_view
from pathways.dates import short_date
from pathways.episodes import forms, timers
from pathways.episodes import services as svc
from pathways.models import (
    EttervernPlan,
    FollowUpAppointment,
    KommuneMessage,
    KommuneMove,
    TreatmentEpisode,
)
from pathways.overview import episode_sections
from pathways.pdf import pdf_response
from pathways.wiring import stay_meetings

PARTS = {"spesialist": "specialist", "kommune": "kommune", "kriseplan": "crisis"}
PART_FORMS = {
    "specialist": forms.SpecialistPartForm,
    "kommune": forms.KommunePartForm,
    "crisis": forms.CrisisPartForm,
}


def _episode(patient, episode_id) -> TreatmentEpisode:
    return get_object_or_404(
        TreatmentEpisode.objects.select_related("unit__organisation", "patient"),
        pk=episode_id,
        patient=patient,
    )


def _plan(episode) -> EttervernPlan | None:
    return (
        EttervernPlan.objects.filter(episode=episode)
        .select_related(
            "episode__unit__organisation",
            "patient",
            "return_unit__organisation",
            "specialist_signed_by",
            "kommune_signed_by",
        )
        .first()
    )


def _to_form(form, exc: ValidationError) -> None:
    """Put a service's validation error beside the fields it names (else on top)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _flash(request, exc: ValidationError) -> None:
    for text in exc.messages:
        messages.error(request, text)


def _roles(request, patient, episode) -> dict:
    unit = request.active_unit or None
    treating = bool(unit and patient.can_edit and unit.pk == episode.unit_id)
    kommune = bool(unit and patient.can_edit and unit.is_kommune)
    return {"is_treating": treating, "is_kommune": kommune, "can_edit": patient.can_edit}


def _detail(episode):
    return redirect("pathways:episode_detail", patient_id=episode.patient_id, episode_id=episode.pk)


def _episode_form(request, patient, episode, form, *, save, success, heading, submit):
    """A valid form goes to ``save(**cleaned_data)``; errors stay beside the fields."""
    if request.method == "POST" and form.is_valid():
        try:
            save(episode=episode, actor=request.actor, **form.cleaned_data)
        except ValidationError as exc:
            _to_form(form, exc)
        else:
            messages.success(request, success)
            return _detail(episode)
    return render(
        request,
        "pathways/episodes/form_page.html",
        {
            "patient": patient,
            "episode": episode,
            "form": form,
            "heading": heading,
            "submit": submit,
        },
    )


# --- episodes -----------------------------------------------------------------------------


@patient_view()
def episode_list(request, patient):
    episodes = list(
        TreatmentEpisode.objects.filter(patient=patient).select_related(
            "unit__organisation", "ettervern_plan"
        )
    )
    unit = request.active_unit or None
    moves = list(
        KommuneMove.objects.filter(patient=patient).select_related(
            "from_unit__organisation", "to_unit__organisation"
        )
    )
    today = timezone.localdate()
    return render(
        request,
        "pathways/episodes/episode_list.html",
        {
            "patient": patient,
            "episodes": episodes,
            "moves": moves,
            "today": today,
            "can_start": bool(unit and patient.can_edit and unit.is_specialist),
            "can_move": bool(unit and patient.can_edit and unit.is_kommune),
        },
    )


@patient_view(for_edit=True)
def episode_new(request, patient):
    unit = request.active_unit or None
    if unit is None or not unit.is_specialist:
        raise PermissionDenied
    form = forms.EpisodeStartForm(
        request.POST or None,
        initial={"started_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            episode = svc.episode_start(
                patient=patient,
                actor=Actor(request.user, unit),
                kind=data["kind"],
                started_at=data["started_at"],
                planned_end=data["planned_end"],
                send_admission_message=data["send_admission_message"],
            )
        except ValidationError as exc:
            _to_form(form, exc)
        else:
            messages.success(request, _("The treatment is registered."))
            return _detail(episode)
    return render(request, "pathways/episodes/episode_new.html", {"patient": patient, "form": form})


@patient_view()
def episode_detail(request, patient, episode_id):
    episode = _episode(patient, episode_id)
    roles = _roles(request, patient, episode)
    unit = request.active_unit or None
    if unit is not None and unit.is_kommune and patient.can_edit:
        svc.messages_mark_read(episode=episode, actor=Actor(request.user, unit))
    notices = list(
        KommuneMessage.objects.filter(episode=episode).select_related(
            "to_unit", "sent_by", "read_by", "answered_by"
        )
    )
    plan = _plan(episode)
    progress = svc.plan_progress(plan) if plan else None
    follow_ups = list(
        FollowUpAppointment.objects.filter(episode=episode).select_related("unit", "recorded_by")
    )
    evaluations = list(episode.evaluations.select_related("by"))
    admission_sent = any(m.kind == KommuneMessage.Kind.ADMISSION for m in notices)
    admission_due = None
    if episode.kind == TreatmentEpisode.Kind.DOGN and not admission_sent:
        admission_due = episode.started_at + datetime.timedelta(hours=24)
    return render(
        request,
        "pathways/episodes/episode_detail.html",
        {
            "patient": patient,
            "episode": episode,
            "notices": notices,
            "meetings": list(episode.planning_meetings.select_related("called_by")),
            "group_meetings": list(stay_meetings(episode)),
            "plan": plan,
            "progress": progress,
            "follow_ups": follow_ups,
            "admission_sent": admission_sent,
            "admission_due": admission_due,
            "admission_overdue": admission_due is not None and admission_due < timezone.now(),
            "ready_reasons": svc.ready_refusal_reasons(episode) if episode.is_open else [],
            "needs_meeting": svc.needs_joint_meeting(episode),
            "planned_end_form": forms.PlannedEndForm(initial={"planned_end": episode.planned_end}),
            "follow_up_form": forms.FollowUpForm(),
            "now": timezone.now(),
            "transferred_from": TreatmentEpisode.objects.filter(transferred_to=episode).first(),
            "sections": episode_sections(request, episode),
            "evaluations": evaluations,
            "timers": timers.episode_timers(episode, evaluations),
            "milestones_form": forms.MilestonesForm(
                initial={
                    "first_attendance_on": episode.first_attendance_on,
                    "clinical_decision_on": episode.clinical_decision_on,
                }
            ),
            "evaluation_form": forms.EpisodeEvaluationForm(
                initial={"held_on": timezone.localdate()}
            ),
            **roles,
        },
    )


@require_POST
@patient_view(for_edit=True)
def episode_planned_end(request, patient, episode_id):
    episode = _episode(patient, episode_id)
    form = forms.PlannedEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid date."))
        return _detail(episode)
    try:
        svc.episode_set_planned_end(
            episode=episode,
            actor=request.actor,
            planned_end=form.cleaned_data["planned_end"],
        )
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("The planned discharge date is saved."))
    return _detail(episode)


@require_POST
@patient_view(for_edit=True)
def episode_admission_message(request, patient, episode_id):
    episode = _episode(patient, episode_id)
    try:
        sent = svc.admission_message_send(episode=episode, actor=request.actor)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(
            request,
            _("The notice of admission is sent to: %(units)s")
            % {"units": ", ".join(m.to_unit.name for m in sent)},
        )
    return _detail(episode)


@patient_view(for_edit=True)
def episode_assess(request, patient, episode_id):
    episode = _episode(patient, episode_id)
    form = forms.AssessmentForm(request.POST or None, initial={"assessment": episode.assessment})
    if request.method == "POST" and form.is_valid():
        try:
            svc.episode_assess(
                episode=episode,
                actor=request.actor,
                assessment=form.cleaned_data["assessment"],
            )
        except ValidationError as exc:
            _to_form(form, exc)
        else:
            messages.success(request, _("The assessment is recorded."))
            return _detail(episode)
    return render(
        request,
        "pathways/episodes/form_page.html",
        {
            "patient": patient,
            "episode": episode,
            "form": form,
            "heading": _("Clinician's assessment"),
            "submit": _("Record the assessment"),
        },
    )


@patient_view(for_edit=True)
def episode_milestones(request, patient, episode_id):
    """The pathway's first attendance and clinical decision (a form on the episode page)."""
    episode = _episode(patient, episode_id)
    if not _roles(request, patient, episode)["is_treating"]:
        raise PermissionDenied
    form = forms.MilestonesForm(
        request.POST or None,
        initial={
            "first_attendance_on": episode.first_attendance_on,
            "clinical_decision_on": episode.clinical_decision_on,
        },
    )
    return _episode_form(
        request,
        patient,
        episode,
        form,
        save=timers.milestones_save,
        success=_("The pathway dates are saved."),
        heading=_("Pathway dates"),
        submit=_("Save the dates"),
    )


@patient_view(for_edit=True)
def episode_evaluation(request, patient, episode_id):
    episode = _episode(patient, episode_id)
    if not _roles(request, patient, episode)["is_treating"]:
        raise PermissionDenied
    form = forms.EpisodeEvaluationForm(
        request.POST or None, initial={"held_on": timezone.localdate()}
    )
    return _episode_form(
        request,
        patient,
        episode,
        form,
        save=timers.evaluation_add,
        success=_("The evaluation is recorded."),
        heading=_("Evaluation of the treatment"),
        submit=_("Record the evaluation"),
    )


@patient_view(for_edit=True)
def planning_meeting_new(request, patient, episode_id):
    episode = _episode(patient, episode_id)
    form = forms.PlanningMeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.planning_meeting_call(
                episode=episode,
                actor=request.actor,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            _to_form(form, exc)
        else:
            messages.success(request, _("The planning meeting is called."))
            return _detail(episode)
    return render(
        request,
        "pathways/episodes/form_page.html",
        {
            "patient": patient,
            "episode": episode,
            "form": form,
            "heading": _("Call a joint planning meeting"),
            "intro": _(
                "Call the municipality and the other partners to plan the follow-up together "
                "before the patient is declared ready for discharge."
            ),
            "submit": _("Call the meeting"),
        },
    )


@patient_view(for_edit=True)
def episode_ready(request, patient, episode_id):
    episode = _episode(patient, episode_id)
    form = forms.ReadyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sent = svc.episode_declare_ready(
                episode=episode,
                actor=request.actor,
                text=form.cleaned_data["text"],
            )
        except ValidationError as exc:
            _to_form(form, exc)
        else:
            messages.success(
                request,
                _("Declared ready for discharge. The notice is sent to: %(units)s")
                % {"units": ", ".join(m.to_unit.name for m in sent)},
            )
            return _detail(episode)
    return render(
        request,
        "pathways/episodes/form_page.html",
        {
            "patient": patient,
            "episode": episode,
            "form": form,
            "heading": _("Declare ready for discharge"),
            "reasons": svc.ready_refusal_reasons(episode),
            "submit": _("Declare ready and tell the municipality"),
        },
    )


@patient_view(for_edit=True)
def episode_end(request, patient, episode_id):
    episode = _episode(patient, episode_id)
    form = forms.EpisodeEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            svc.episode_end(
                episode=episode,
                actor=request.actor,
                end_kind=data["end_kind"],
                ended_at=data["ended_at"],
                note=data["note"],
                without_plan_reason=data["without_plan_reason"],
            )
        except ValidationError as exc:
            _to_form(form, exc)
        else:
            messages.success(request, _("The discharge is registered."))
            return _detail(episode)
    plan = _plan(episode)
    return render(
        request,
        "pathways/episodes/form_page.html",
        {
            "patient": patient,
            "episode": episode,
            "form": form,
            "heading": _("Register discharge"),
            "intro": _(
                "An unplanned discharge is reported to the municipality at once, marked urgent."
            ),
            "plan_unsigned": not (plan and plan.is_signed),
            "submit": _("Register discharge"),
        },
    )


@patient_view(for_edit=True)
def episode_transfer(request, patient, episode_id):
    episode = _episode(patient, episode_id)
    form = forms.TransferForm(request.POST or None, exclude_unit=episode.unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new = svc.episode_transfer(
                episode=episode,
                actor=request.actor,
                to_unit=data["to_unit"],
                kind=data["kind"],
                consent_given_on=data["consent_given_on"],
            )
        except ValidationError as exc:
            _to_form(form, exc)
        else:
            messages.success(
                request, _("The patient is transferred to %(unit)s.") % {"unit": new.unit.name}
            )
            return _detail(episode)
    return render(
        request,
        "pathways/episodes/form_page.html",
        {
            "patient": patient,
            "episode": episode,
            "form": form,
            "heading": _("Transfer to another specialist unit"),
            "submit": _("Transfer"),
        },
    )


@patient_view(for_edit=True)
def message_answer(request, patient, episode_id, message_id):
    episode = _episode(patient, episode_id)
    message = get_object_or_404(
        KommuneMessage.objects.select_related("to_unit", "from_unit", "episode"),
        pk=message_id,
        episode=episode,
    )
    unit = request.active_unit or None
    if unit is None or unit.pk != message.to_unit_id:
        raise PermissionDenied
    form = forms.AnswerForm(
        request.POST or None,
        initial={
            "answer": message.answer,
            "can_receive_from": message.can_receive_from,
            "answer_reason": message.answer_reason,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            svc.message_answer(
                message=message,
                actor=Actor(request.user, unit),
                answer=data["answer"],
                can_receive_from=data["can_receive_from"],
                reason=data["answer_reason"],
            )
        except ValidationError as exc:
            _to_form(form, exc)
        else:
            messages.success(
                request, _("Your answer is sent to %(unit)s.") % {"unit": message.from_unit.name}
            )
            return _detail(episode)
    return render(
        request,
        "pathways/episodes/form_page.html",
        {
            "patient": patient,
            "episode": episode,
            "form": form,
            "heading": _("Answer: %(kind)s") % {"kind": message.get_kind_display()},
            "quoted": message,
            "submit": _("Send the answer"),
        },
    )


# --- the ettervern plan -------------------------------------------------------------------


@patient_view()
def ettervern_plan(request, patient, episode_id):
    episode = _episode(patient, episode_id)
    plan = _plan(episode)
    unit = request.active_unit or None
    context = {
        "patient": patient,
        "episode": episode,
        "plan": plan,
        "start_form": forms.PlanStartForm(),
        **_roles(request, patient, episode),
    }
    if plan is not None:
        side = svc.plan_side(plan, unit) if patient.can_edit else None
        crisis = svc.crisis_plan_for(plan)
        checklist = svc.plan_checklist(plan, crisis)
        context.update(
            side=side,
            crisis=crisis,
            checklist=checklist,
            done=sum(1 for i in checklist if i.done),
            total=len(checklist),
            appointment_warning=svc.first_appointment_warning(plan),
            sign_reasons=svc.sign_refusal_reasons(plan, request.user, unit) if side else [],
            can_edit_open=episode.is_open and patient.can_edit,
        )
    return render(request, "pathways/episodes/plan.html", context)


@require_POST
@patient_view(for_edit=True)
def ettervern_start(request, patient, episode_id):
    episode = _episode(patient, episode_id)
    form = forms.PlanStartForm(request.POST)
    variant = form.cleaned_data["variant"] if form.is_valid() else EttervernPlan.Variant.STANDARD
    try:
        svc.plan_start(episode=episode, actor=request.actor, variant=variant)
    except ValidationError as exc:
        _flash(request, exc)
    return redirect("pathways:ettervern_plan", patient_id=patient.pk, episode_id=episode.pk)


@patient_view(for_edit=True)
def ettervern_edit(request, patient, episode_id, part):
    if part not in PARTS:
        raise Http404
    part = PARTS[part]
    episode = _episode(patient, episode_id)
    plan = _plan(episode)
    if plan is None:
        raise Http404
    unit = request.active_unit or None
    if not svc.may_edit_part(plan, unit, part):
        raise PermissionDenied
    form_class = PART_FORMS[part]
    version_field = svc.PART_VERSION[part]
    form = form_class(
        request.POST or None, instance=plan, initial={"version": getattr(plan, version_field)}
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            svc.plan_save_part(
                plan=plan,
                part=part,
                actor=Actor(request.user, unit),
                data=form.part_data(),
                version=form.cleaned_data["version"],
            )
        except svc.StalePlan as stale:
            conflict = stale.current
            form.add_error(
                None,
                _(
                    "Someone else saved this part while you were editing. Their version is "
                    "shown beside yours; check your changes and save again."
                ),
            )
            form.data = form.data.copy()
            form.data["version"] = getattr(conflict, version_field)
        except ValidationError as exc:
            _to_form(form, exc)
        else:
            messages.success(request, _("The plan is saved."))
            return redirect("pathways:ettervern_plan", patient_id=patient.pk, episode_id=episode.pk)
    headings = {
        "specialist": _("Specialist part"),
        "kommune": _("Municipal part"),
        "crisis": _("Crisis plan"),
    }
    conflict_fields = []
    if conflict is not None:
        conflict_fields = [
            (form.fields[name].label, getattr(conflict, name))
            for name in svc.PART_FIELDS[part]
            if name in form.fields
        ]
    return render(
        request,
        "pathways/episodes/plan_edit.html",
        {
            "patient": patient,
            "episode": episode,
            "plan": plan,
            "form": form,
            "heading": headings[part],
            "conflict_fields": conflict_fields,
            "signed": plan.specialist_signed_at or plan.kommune_signed_at,
        },
    )


@require_POST
@patient_view(for_edit=True)
def ettervern_sign(request, patient, episode_id):
    episode = _episode(patient, episode_id)
    plan = _plan(episode)
    if plan is None:
        raise Http404
    try:
        svc.plan_sign(plan=plan, actor=request.actor)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("You have signed the ettervern plan."))
    return redirect("pathways:ettervern_plan", patient_id=patient.pk, episode_id=episode.pk)


# --- after discharge ----------------------------------------------------------------------


@patient_view(for_edit=True)
def follow_up_new(request, patient, episode_id):
    episode = _episode(patient, episode_id)
    form = forms.FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.follow_up_add(
                episode=episode,
                actor=request.actor,
                at=form.cleaned_data["at"],
                with_whom=form.cleaned_data["with_whom"],
            )
        except ValidationError as exc:
            _to_form(form, exc)
        else:
            messages.success(request, _("The appointment is added."))
            return _detail(episode)
    return render(
        request,
        "pathways/episodes/form_page.html",
        {
            "patient": patient,
            "episode": episode,
            "form": form,
            "heading": _("Add a follow-up appointment"),
            "submit": _("Add"),
        },
    )


@require_POST
@patient_view(for_edit=True)
def follow_up_record(request, patient, episode_id, appointment_id):
    episode = _episode(patient, episode_id)
    appointment = get_object_or_404(FollowUpAppointment, pk=appointment_id, episode=episode)
    attended = request.POST.get("attended")
    if attended not in ("ja", "nei"):
        messages.error(request, _("Choose attended or did not attend."))
        return _detail(episode)
    try:
        svc.follow_up_record(
            appointment=appointment,
            actor=request.actor,
            attended=attended == "ja",
        )
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("Attendance is recorded."))
    return _detail(episode)


@patient_view(for_edit=True)
def kommune_move(request, patient):
    unit = request.active_unit or None
    if unit is None or not unit.is_kommune:
        raise PermissionDenied
    form = forms.KommuneMoveForm(request.POST or None, current_unit=unit)
    if request.method == "POST" and form.is_valid():
        try:
            svc.kommune_move_start(
                patient=patient, actor=Actor(request.user, unit), **form.cleaned_data
            )
        except ValidationError as exc:
            _to_form(form, exc)
        else:
            messages.success(request, _("The new municipality has joined the care team."))
            return redirect("pathways:episode_list", patient_id=patient.pk)
    return render(
        request,
        "pathways/episodes/form_page.html",
        {
            "patient": patient,
            "form": form,
            "heading": _("Move to another municipality"),
            "intro": _(
                "The new municipality joins the care team with the patient's consent. Your "
                "unit leaves the care team after the handover date."
            ),
            "submit": _("Register the move"),
            "back_url": "episodes",
        },
    )


@require_POST
@patient_view(for_edit=True)
def kommune_move_complete(request, patient, move_id):
    move = get_object_or_404(
        KommuneMove.objects.select_related("from_unit", "to_unit"), pk=move_id, patient=patient
    )
    unit = request.active_unit or None
    if unit is None or not unit.is_kommune:
        raise PermissionDenied
    try:
        done = svc.kommune_move_complete(move=move, actor=Actor(request.user, unit))
    except ValidationError as exc:
        _flash(request, exc)
        return redirect("pathways:episode_list", patient_id=patient.pk)
    if done:
        messages.success(request, _("The handover is complete."))
    if move.from_unit.organisation_id == unit.organisation_id:
        return redirect("pathways:patient_list")
    return redirect("pathways:episode_list", patient_id=patient.pk)


# --- print and figures --------------------------------------------------------------------


@patient_view(action=audit.Action.PRINT)
def ettervern_pdf(request, patient):
    plans = EttervernPlan.objects.filter(patient=patient).select_related(
        "episode__unit__organisation", "return_unit__organisation", "patient__home_kommune"
    )
    wanted = request.GET.get("behandling", "")
    if wanted.isdigit():
        plans = plans.filter(episode_id=int(wanted))
    plan = plans.order_by("-episode__started_at").first()
    if plan is None:
        raise Http404
    kommune_units = svc.kommune_units_on_team(patient)
    return pdf_response(
        "pdf/ettervern.html",
        {
            "patient": patient,
            "plan": plan,
            "episode": plan.episode,
            "discharge_date": svc.discharge_date(plan.episode),
            "kommune_units": kommune_units,
            "crisis": svc.crisis_plan_for(plan),
        },
        request=request,
        filename=f"ettervern-{patient.pk}.pdf",
    )


@login_required
def discharge_statistics(request):
    unit = request.active_unit or None
    if unit is None:
        raise PermissionDenied(_("You are not a member of any unit."))
    today = timezone.localdate()
    form = forms.StatisticsForm(
        request.GET or None,
        initial={"start": today - datetime.timedelta(days=365), "end": today, "notice_days": 7},
    )
    figures = start = end = None
    if not request.GET:
        start, end, notice = today - datetime.timedelta(days=365), today, 7
        figures = svc.discharge_statistics(unit, start, end, notice_days=notice)
    elif form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        notice = form.cleaned_data["notice_days"]
        figures = svc.discharge_statistics(unit, start, end, notice_days=notice)
    if figures is not None and request.GET.get("format") == "csv":
        audit.record(
            user=request.user,
            unit=unit,
            action=audit.Action.EXPORT,
            detail=f"discharge statistics {start}–{end}",
        )
        return _statistics_csv(unit, start, end, figures)
    return render(
        request,
        "pathways/episodes/statistics.html",
        {
            "form": form,
            "figures": figures,
            "unit": unit,
            "query": request.GET.urlencode(),
            "start": start,
            "end": end,
        },
    )


def _statistics_csv(unit, start, end, f) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="utskrivning-{start}-{end}.csv"'
    response.write("\ufeff")  # Excel reads UTF-8 only with the byte order mark
    writer = csv.writer(response, delimiter=";")
    writer.writerow([_("Figure"), _("Count"), _("Of"), _("Share (%)")])
    writer.writerow([_("Unit"), str(unit), "", ""])
    writer.writerow([_("Period"), f"{short_date(start)}–{short_date(end)}", "", ""])
    writer.writerow([_("Inpatient discharges"), f.discharges, "", ""])
    writer.writerow(
        [_("Signed ettervern plan before discharge"), f.signed_before, f.discharges, f.signed_share]
    )
    writer.writerow(
        [
            _("Municipality told at least %(n)d days ahead") % {"n": f.notice_days},
            f.told_ahead,
            f.discharges,
            f.told_share,
        ]
    )
    writer.writerow(
        [
            _("First municipal appointment within 7 days"),
            f.first_within_7,
            f.discharges,
            f.first_share,
        ]
    )
    writer.writerow([_("Unplanned discharges"), f.unplanned, f.discharges, ""])
    writer.writerow([_("Unplanned: municipality told"), f.unplanned_told, f.unplanned, ""])
    writer.writerow(
        [_("Unplanned: minutes until told (median)"), f.unplanned_median_minutes or "", "", ""]
    )
    writer.writerow(
        [_("Unplanned: minutes until told (longest)"), f.unplanned_max_minutes or "", "", ""]
    )
    return response

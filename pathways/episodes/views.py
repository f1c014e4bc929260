"""Admission, discharge and ettervern pages under /pasienter/<id>/behandling/, the take-home
PDF and the discharge figures."""

import csv
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import audit
from accounts.replica import reads_replica
from pathways.access import patient_view, require_unit
from pathways.dates import short_date
from pathways.episodes import forms, timers
from pathways.episodes import permissions as perms
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
from pathways.web import form_action
from pathways.wiring import crisis_block, stay_meetings

PARTS = {"spesialist": "specialist", "kommune": "kommune"}
PART_FORMS = {
    "specialist": forms.SpecialistPartForm,
    "kommune": forms.KommunePartForm,
}


FORM_PAGE = "pathways/episodes/form_page.html"


def _episode(patient, episode_id) -> TreatmentEpisode:
    episode = get_object_or_404(
        TreatmentEpisode.objects.select_related("unit__organisation"),
        pk=episode_id,
        patient=patient,
    )
    # The gate's patient: it knows whether the acting unit writes in the record.
    episode.patient = patient
    return episode


def _plan(episode) -> EttervernPlan | None:
    plan = (
        EttervernPlan.objects.filter(episode=episode)
        .select_related("return_unit__organisation", "specialist_signed_by", "kommune_signed_by")
        .first()
    )
    if plan is not None:
        plan.episode, plan.patient = episode, episode.patient
    return plan


def _flash(request, exc: ValidationError) -> None:
    for text in exc.messages:
        messages.error(request, text)


def _detail_url(episode) -> str:
    return reverse("pathways:episode_detail", args=[episode.patient_id, episode.pk])


def _plan_url(episode) -> str:
    return reverse("pathways:ettervern_plan", args=[episode.patient_id, episode.pk])


def _detail(episode):
    return redirect(_detail_url(episode))


def _page(patient, episode=None, **context) -> dict:
    """The form page's context: the episode it is about, Cancel back to where it came from."""
    if episode is not None:
        cancel = _detail_url(episode)
    else:
        cancel = reverse("pathways:episode_list", args=[patient.pk])
    return {"patient": patient, "episode": episode, "cancel_url": cancel, **context}


# --- episodes -----------------------------------------------------------------------------


@patient_view()
def episode_list(request, patient):
    episodes = list(
        TreatmentEpisode.objects.filter(patient=patient).select_related(
            "unit__organisation", "ettervern_plan"
        )
    )
    moves = list(
        KommuneMove.objects.filter(patient=patient).select_related(
            "from_unit__organisation", "to_unit__organisation"
        )
    )
    return render(
        request,
        "pathways/episodes/episode_list.html",
        {
            "patient": patient,
            "episodes": episodes,
            "moves": moves,
            "today": timezone.localdate(),
            "can": {
                "start_treatment": perms.can_start_treatment(request.actor, patient),
                "move": perms.can_move(request.actor, patient),
            },
        },
    )


@patient_view(for_edit=True)
def episode_new(request, patient):
    if not perms.can_start_treatment(request.actor, patient):
        raise PermissionDenied
    form = forms.EpisodeStartForm(
        request.POST or None,
        initial={"started_at": timezone.localtime().replace(second=0, microsecond=0)},
        unit=request.actor.unit,
    )
    return form_action(
        request,
        form,
        save=lambda data: svc.episode_start(patient=patient, actor=request.actor, **data),
        success=_("The treatment is registered."),
        redirect_to=_detail_url,
        template=FORM_PAGE,
        context=_page(
            patient,
            heading=_("Register admission / start of treatment"),
            intro=_("The treatment is registered at %(unit)s.") % {"unit": request.actor.unit.name},
            submit=_("Register"),
        ),
    )


@patient_view()
def episode_detail(request, patient, episode_id):
    episode = _episode(patient, episode_id)
    actor = request.actor
    if perms.is_kommune_on_team(actor, patient):
        svc.messages_mark_read(episode=episode, actor=actor)
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
    now = timezone.now()
    return render(
        request,
        "pathways/episodes/episode_detail.html",
        {
            "patient": patient,
            "episode": episode,
            "can": perms.episode_rights(
                actor, episode, notices=notices, follow_ups=follow_ups, now=now
            ),
            "notices": notices,
            "meetings": list(episode.planning_meetings.select_related("called_by")),
            "group_meetings": list(stay_meetings(episode)),
            "plan": plan,
            "progress": progress,
            "follow_ups": follow_ups,
            "admission_sent": admission_sent,
            "admission_due": admission_due,
            "admission_overdue": admission_due is not None and admission_due < now,
            "ready_reasons": svc.ready_refusal_reasons(episode) if episode.is_open else [],
            "needs_meeting": svc.needs_joint_meeting(episode),
            "planned_end_form": forms.PlannedEndForm(initial={"planned_end": episode.planned_end}),
            "follow_up_form": forms.FollowUpForm(),
            "now": now,
            "transferred_from": TreatmentEpisode.objects.filter(transferred_to=episode).first(),
            "sections": episode_sections(request, episode),
            "evaluations": evaluations,
            "timers": timers.episode_timers(episode, evaluations),
            "milestones_form": forms.MilestonesForm(
                initial={
                    "first_attendance_on": episode.first_attendance_on,
                    "clinical_decision_on": episode.clinical_decision_on,
                    "version": episode.milestones_version,
                }
            ),
            "evaluation_form": forms.EpisodeEvaluationForm(
                initial={"held_on": timezone.localdate()}
            ),
        },
    )


@require_POST
@patient_view(for_edit=True)
def episode_planned_end(request, patient, episode_id):
    """The date form on the episode page; a wrong date is shown on its own form page."""
    episode = _episode(patient, episode_id)
    form = forms.PlannedEndForm(request.POST)
    return form_action(
        request,
        form,
        save=lambda data: svc.episode_set_planned_end(
            episode=episode, actor=request.actor, planned_end=data["planned_end"]
        ),
        success=_("The planned discharge date is saved."),
        redirect_to=_detail_url(episode),
        template=FORM_PAGE,
        context=_page(
            patient,
            episode,
            heading=_("Change the planned discharge date"),
            submit=_("Save date"),
        ),
    )


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
    form = forms.AssessmentForm(
        request.POST or None,
        initial={"assessment": episode.assessment, "version": episode.assessment_version},
    )
    return form_action(
        request,
        form,
        save=lambda data: svc.episode_assess(episode=episode, actor=request.actor, **data),
        success=_("The assessment is recorded."),
        redirect_to=_detail_url(episode),
        template=FORM_PAGE,
        context=_page(
            patient,
            episode,
            heading=_("Clinician's assessment"),
            submit=_("Record the assessment"),
        ),
    )


@patient_view(for_edit=True)
def episode_milestones(request, patient, episode_id):
    """The pathway's first attendance and clinical decision (a form on the episode page)."""
    episode = _episode(patient, episode_id)
    if not perms.can_record_pathway(request.actor, episode):
        raise PermissionDenied
    form = forms.MilestonesForm(
        request.POST or None,
        initial={
            "first_attendance_on": episode.first_attendance_on,
            "clinical_decision_on": episode.clinical_decision_on,
            "version": episode.milestones_version,
        },
    )
    return form_action(
        request,
        form,
        save=lambda data: timers.milestones_save(episode=episode, actor=request.actor, **data),
        success=_("The pathway dates are saved."),
        redirect_to=_detail_url(episode),
        template=FORM_PAGE,
        context=_page(patient, episode, heading=_("Pathway dates"), submit=_("Save the dates")),
    )


@patient_view(for_edit=True)
def episode_evaluation(request, patient, episode_id):
    episode = _episode(patient, episode_id)
    if not perms.can_record_pathway(request.actor, episode):
        raise PermissionDenied
    form = forms.EpisodeEvaluationForm(
        request.POST or None, initial={"held_on": timezone.localdate()}
    )
    return form_action(
        request,
        form,
        save=lambda data: timers.evaluation_add(episode=episode, actor=request.actor, **data),
        success=_("The evaluation is recorded."),
        redirect_to=_detail_url(episode),
        template=FORM_PAGE,
        context=_page(
            patient,
            episode,
            heading=_("Evaluation of the treatment"),
            submit=_("Record the evaluation"),
        ),
    )


@patient_view(for_edit=True)
def planning_meeting_new(request, patient, episode_id):
    episode = _episode(patient, episode_id)
    form = forms.PlanningMeetingForm(request.POST or None)
    return form_action(
        request,
        form,
        save=lambda data: svc.planning_meeting_call(episode=episode, actor=request.actor, **data),
        success=_("The planning meeting is called."),
        redirect_to=_detail_url(episode),
        template=FORM_PAGE,
        context=_page(
            patient,
            episode,
            heading=_("Call a joint planning meeting"),
            intro=_(
                "Call the municipality and the other partners to plan the follow-up together "
                "before the patient is declared ready for discharge."
            ),
            submit=_("Call the meeting"),
        ),
    )


def _sent_to(text: str):
    """A success message naming the units the messages went to."""
    return lambda sent: text % {"units": ", ".join(m.to_unit.name for m in sent)}


@patient_view(for_edit=True)
def episode_ready(request, patient, episode_id):
    episode = _episode(patient, episode_id)
    form = forms.ReadyForm(request.POST or None)
    return form_action(
        request,
        form,
        save=lambda data: svc.episode_declare_ready(
            episode=episode, actor=request.actor, text=data["text"]
        ),
        success=_sent_to(
            _("Declared ready for discharge. The notice is sent to: %(units)s"),
        ),
        redirect_to=_detail_url(episode),
        template=FORM_PAGE,
        context=_page(
            patient,
            episode,
            heading=_("Declare ready for discharge"),
            reasons=svc.ready_refusal_reasons(episode),
            submit=_("Declare ready and tell the municipality"),
        ),
    )


@patient_view(for_edit=True)
def episode_end(request, patient, episode_id):
    episode = _episode(patient, episode_id)
    form = forms.EpisodeEndForm(request.POST or None)
    plan = _plan(episode)
    return form_action(
        request,
        form,
        save=lambda data: svc.episode_end(episode=episode, actor=request.actor, **data),
        success=_("The discharge is registered."),
        redirect_to=_detail_url(episode),
        template=FORM_PAGE,
        context=_page(
            patient,
            episode,
            heading=_("Register discharge"),
            intro=_(
                "An unplanned discharge is reported to the municipality at once, marked urgent."
            ),
            plan_unsigned=not (plan and plan.is_signed),
            submit=_("Register discharge"),
        ),
    )


@patient_view(for_edit=True)
def episode_transfer(request, patient, episode_id):
    episode = _episode(patient, episode_id)
    form = forms.TransferForm(request.POST or None, exclude_unit=episode.unit)
    return form_action(
        request,
        form,
        save=lambda data: svc.episode_transfer(episode=episode, actor=request.actor, **data),
        success=lambda new: _("The patient is transferred to %(unit)s.") % {"unit": new.unit.name},
        redirect_to=_detail_url(episode),
        template=FORM_PAGE,
        context=_page(
            patient,
            episode,
            heading=_("Transfer to another specialist unit"),
            submit=_("Transfer"),
        ),
    )


@patient_view(for_edit=True)
def message_answer(request, patient, episode_id, message_id):
    episode = _episode(patient, episode_id)
    message = get_object_or_404(
        KommuneMessage.objects.select_related("to_unit", "from_unit", "episode"),
        pk=message_id,
        episode=episode,
    )
    if not perms.can_answer_message(request.actor, message, patient=patient):
        raise PermissionDenied
    form = forms.AnswerForm(
        request.POST or None,
        initial={
            "answer": message.answer,
            "can_receive_from": message.can_receive_from,
            "answer_reason": message.answer_reason,
        },
    )
    return form_action(
        request,
        form,
        save=lambda data: svc.message_answer(
            message=message,
            actor=request.actor,
            answer=data["answer"],
            can_receive_from=data["can_receive_from"],
            reason=data["answer_reason"],
        ),
        success=_("Your answer is sent to %(unit)s.") % {"unit": message.from_unit.name},
        redirect_to=_detail_url(episode),
        template=FORM_PAGE,
        context=_page(
            patient,
            episode,
            heading=_("Answer: %(kind)s") % {"kind": message.get_kind_display()},
            quoted=message,
            submit=_("Send the answer"),
        ),
    )


# --- the ettervern plan -------------------------------------------------------------------


@patient_view()
def ettervern_plan(request, patient, episode_id):
    episode = _episode(patient, episode_id)
    plan = _plan(episode)
    actor = request.actor
    can = perms.plan_rights(actor, episode, plan)
    context = {
        "patient": patient,
        "episode": episode,
        "plan": plan,
        "can": can,
        "start_form": forms.PlanStartForm(),
    }
    if plan is not None:
        block = crisis_block(actor, patient, _plan_url(episode) + "#crisis")
        checklist = svc.plan_checklist(plan, block["crisis"])
        context.update(
            block,
            side=perms.plan_side(plan, actor),
            checklist=checklist,
            done=sum(1 for i in checklist if i.done),
            total=len(checklist),
            appointment_warning=svc.first_appointment_warning(plan),
            sign_reasons=svc.sign_refusal_reasons(plan, actor) if can.sign else [],
        )
    return render(request, "pathways/episodes/plan.html", context)


@require_POST
@patient_view(for_edit=True)
def ettervern_start(request, patient, episode_id):
    episode = _episode(patient, episode_id)
    form = forms.PlanStartForm(request.POST)
    return form_action(
        request,
        form,
        save=lambda data: svc.plan_start(
            episode=episode, actor=request.actor, variant=data["variant"]
        ),
        redirect_to=_plan_url(episode),
        template=FORM_PAGE,
        context=_page(
            patient,
            episode,
            heading=_("Ettervern plan"),
            submit=_("Start the ettervern plan"),
            cancel_url=_plan_url(episode),
        ),
    )


@patient_view(for_edit=True)
def ettervern_edit(request, patient, episode_id, part):
    if part not in PARTS:
        raise Http404
    part = PARTS[part]
    episode = _episode(patient, episode_id)
    plan = _plan(episode)
    if plan is None:
        raise Http404
    if not perms.can_edit_part(request.actor, plan, part):
        raise PermissionDenied
    form = PART_FORMS[part](
        request.POST or None,
        instance=plan,
        initial={"version": getattr(plan, svc.PART_VERSION[part])},
    )
    headings = {
        "specialist": _("Specialist part"),
        "kommune": _("Municipal part"),
    }
    return form_action(
        request,
        form,
        save=lambda data: svc.plan_save_part(
            plan=plan,
            part=part,
            actor=request.actor,
            data=form.part_data(),
            version=data["version"],
        ),
        success=_("The plan is saved."),
        redirect_to=_plan_url(episode),
        template=FORM_PAGE,
        context=_page(
            patient,
            episode,
            heading=headings[part],
            plan_part=True,
            signed=bool(plan.specialist_signed_at or plan.kommune_signed_at),
            submit=_("Save"),
            cancel_url=_plan_url(episode),
        ),
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
    return redirect(_plan_url(episode))


# --- after discharge ----------------------------------------------------------------------


@patient_view(for_edit=True)
def follow_up_new(request, patient, episode_id):
    episode = _episode(patient, episode_id)
    form = forms.FollowUpForm(request.POST or None)
    return form_action(
        request,
        form,
        save=lambda data: svc.follow_up_add(episode=episode, actor=request.actor, **data),
        success=_("The appointment is added."),
        redirect_to=_detail_url(episode),
        template=FORM_PAGE,
        context=_page(patient, episode, heading=_("Add a follow-up appointment"), submit=_("Add")),
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
    if not perms.can_move(request.actor, patient):
        raise PermissionDenied
    form = forms.KommuneMoveForm(request.POST or None, current_unit=request.actor.unit)
    return form_action(
        request,
        form,
        save=lambda data: svc.kommune_move_start(patient=patient, actor=request.actor, **data),
        success=_("The new municipality has joined the care team."),
        redirect_to=reverse("pathways:episode_list", args=[patient.pk]),
        template=FORM_PAGE,
        context=_page(
            patient,
            heading=_("Move to another municipality"),
            intro=_(
                "The new municipality joins the care team with the patient's consent. Your "
                "unit leaves the care team after the handover date."
            ),
            submit=_("Register the move"),
        ),
    )


@require_POST
@patient_view(for_edit=True)
def kommune_move_complete(request, patient, move_id):
    move = get_object_or_404(
        KommuneMove.objects.select_related("from_unit", "to_unit"), pk=move_id, patient=patient
    )
    actor = request.actor
    if not perms.can_move(actor, patient):
        raise PermissionDenied
    try:
        done = svc.kommune_move_complete(move=move, actor=actor)
    except ValidationError as exc:
        _flash(request, exc)
        return redirect("pathways:episode_list", patient_id=patient.pk)
    if done:
        messages.success(request, _("The handover is complete."))
    if move.from_unit.organisation_id == actor.unit.organisation_id:
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
    return pdf_response(
        "pdf/ettervern.html",
        {**svc.ettervern_pdf_context(plan), "patient": patient},
        request=request,
        filename=f"ettervern-{patient.pk}.pdf",
    )


@login_required
@reads_replica
def discharge_statistics(request):
    unit = require_unit(request)
    today = timezone.localdate()
    form = forms.StatisticsForm(
        request.GET or None,
        initial={"start": today - datetime.timedelta(days=365), "end": today, "notice_days": 7},
    )
    figures = start = end = None
    period = form.period() if request.GET else (today - datetime.timedelta(days=365), today, 7)
    if period is not None:
        start, end, notice = period
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

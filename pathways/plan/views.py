"""Koordinator and individual plan pages. Inline add/edit of goals and measures with htmx;
every action also works as a plain form post with a full page and a redirect."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from accounts.models import AuditEvent, Membership
from accounts.redirects import safe_next
from config.prepared import prepared
from pathways.access import patient_view
from pathways.documents.responses import kept_pdf_response
from pathways.jsonrows import instance, rows
from pathways.models import (
    Consent,
    CoordinatorAssignment,
    Goal,
    GoalProgress,
    GoalProposal,
    IndividualPlan,
    LifeArea,
    Measure,
    Participant,
    PatientGroupObjectPermission,
    PlanRevision,
)
from pathways.patients.services.careteam import consent_record
from pathways.patients.views.pages import kept_patient_page
from pathways.plan import diff as plan_diff
from pathways.plan import forms as f
from pathways.plan import permissions as perms
from pathways.plan import selectors
from pathways.plan import services as svc
from pathways.plan.printing import plan_pdf_context
from pathways.portal import chart
from pathways.web import form_action
from pathways.wiring import crisis_block

PRINT = AuditEvent.Action.PRINT


# --- helpers ---


def _plan_url(patient, anchor: str = "") -> str:
    url = reverse("pathways:plan", args=[patient.pk])
    return f"{url}#{anchor}" if anchor else url


def _open_plan_or_404(patient) -> IndividualPlan:
    plan = svc.open_plan(patient)
    if plan is None:
        raise Http404
    return plan


def _rights(request, patient, coordinator=perms.LOOK_UP) -> perms.PlanRights:
    return perms.rights(request.actor, patient, coordinator)


def _plan_form(
    request,
    patient,
    form,
    *,
    title: str,
    target_id: str,
    cancel_url: str,
    save,
    success,
    redirect_to,
    respond=None,
    inline: bool = False,
    **extra,
):
    """A plan form through the one form path: inline (the fragment, for htmx) or on its own
    page. ``inline`` forms post with htmx and get ``respond(saved)`` back."""
    return form_action(
        request,
        form,
        save=save,
        template="pathways/plan/_form.html" if request.htmx else "pathways/plan/form_page.html",
        context={
            "patient": patient,
            "title": title,
            "action_url": request.path,
            "target_id": target_id,
            "htmx_target": target_id if inline else "",
            "cancel_url": cancel_url,
            **extra,
        },
        success=success,
        redirect_to=redirect_to,
        respond=respond if request.htmx else None,
    )


def _measure_people(patient):
    units = f.care_team_units(patient)
    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            pk__in=Membership.objects.active().filter(unit__in=units).values("user_id"),
        )
        .order_by("first_name", "last_name")
    )
    return units, users


def _measure_for_display(measure_pk, rights):
    measure = (
        Measure.objects.select_related("responsible_unit", "responsible_user")
        .prefetch_related("goals")
        .get(pk=measure_pk)
    )
    measure.can_edit = rights.can_edit_measure(measure)
    measure.can_complete = rights.can_complete_measure(measure)
    measure.linked_goals = list(measure.goals.all())
    return measure


def _goal_for_display(goal_pk):
    return Goal.objects.prefetch_related(
        Prefetch("progress", queryset=GoalProgress.objects.select_related("by"))
    ).get(pk=goal_pk)


# --- the plan page ---


def _closed_plan_or_404(patient, plan_id) -> IndividualPlan:
    """An earlier (closed) plan of the patient: read and printed, never changed."""
    return get_object_or_404(
        IndividualPlan.objects.select_related("owner_unit", "consent__recorded_by"),
        pk=plan_id,
        patient=patient,
        status=IndividualPlan.Status.CLOSED,
    )


# The plan page's queries, their SQL made once (config/prepared.py).
@prepared
def _plans(patient_id):
    return (
        IndividualPlan.objects.filter(patient_id=patient_id)
        .select_related("owner_unit", "consent__recorded_by")
        # Goals the patient proposed in /min/ are read only when some wait for an answer.
        .annotate(
            proposals_waiting=Exists(
                GoalProposal.objects.filter(plan=OuterRef("pk"), state=GoalProposal.State.WAITING)
            )
        )
    )


# What a progress note shows of its author.
NOTE_BY = {"by": ("username", "first_name", "last_name")}


@prepared
def _goals(plan_id):
    goals = Goal.objects.filter(plan_id=plan_id)
    if connection.vendor == "postgresql":
        # Each goal's progress notes as an array column (pathways.jsonrows): one query.
        notes = GoalProgress.objects.filter(goal=OuterRef("pk")).order_by("noted_on", "id")
        return goals.annotate(notes=rows(notes, NOTE_BY))
    return goals.prefetch_related(
        Prefetch("progress", queryset=GoalProgress.objects.select_related("by"))
    )


def _with_notes(goals: list) -> list:
    """Each goal's progress notes as ``progress_notes`` (goals.jinja reads them there)."""
    for goal in goals:
        if hasattr(goal, "notes"):
            goal.progress_notes = [instance(GoalProgress, d, NOTE_BY) for d in goal.notes]
    return goals


@prepared
def _measures_with_goal_refs(plan_id):
    return (
        Measure.objects.filter(plan_id=plan_id)
        .select_related("responsible_unit", "responsible_user")
        .annotate(goal_ref=F("goals__id"))
    )


def plan_page_context(request, patient, closed=None) -> dict:
    """Everything the plan page shows, in a fixed number of queries however big the plan.
    With ``closed`` (an earlier plan) the page is read-only."""
    coordinator = svc.active_coordinator(patient)
    # The patient's plans in one query: the open one and the closed ones listed at the foot
    # of the page.
    plans = _plans(patient_id=patient.pk)
    closed_plans = sorted(
        (p for p in plans if p.status == IndividualPlan.Status.CLOSED),
        key=lambda p: (p.closed_at is not None, p.closed_at, p.pk),
        reverse=True,
    )
    if closed is not None:
        plan = closed
    else:
        plan = next((p for p in plans if p.status != IndividualPlan.Status.CLOSED), None)
    rights = perms.NONE if closed else _rights(request, patient, coordinator)
    context = {
        "patient": patient,
        "plan": plan,
        "rights": rights,
        "plan_coordinator": coordinator,
        "consent": None,
        "closed_plans": closed_plans,
        "earlier": closed,
        "can_change_coordinator": closed is None
        and perms.can_appoint_coordinator(
            request.actor, patient, coordinator=coordinator, plan=plan
        ),
    }
    if plan is None:
        context["consent"] = svc.plan_consent(patient)
        return context
    if closed is not None:
        # Who was koordinator when the plan was last saved, not who is now; and the crisis
        # plan as the plan showed it then.
        latest = PlanRevision.objects.filter(plan=closed).order_by("-version").first()
        plan_snapshot = latest.snapshot.get("plan", {}) if latest else {}
        crisis = latest.snapshot.get("crisis") if latest else None
        # The snapshot keeps what the contact showed then (the register's details included),
        # under the names the crisis plan's template reads from a live contact.
        context.update(
            crisis=crisis,
            crisis_contacts=[
                {
                    "display_name": c.get("name", ""),
                    "role_display": c.get("role", ""),
                    "contact_phone": c.get("phone", ""),
                    "when": c.get("when", ""),
                }
                for c in (crisis or {}).get("contacts", [])
            ],
        )
        context["plan_coordinator"] = None
        context["earlier_coordinator"] = ", ".join(
            v
            for v in (plan_snapshot.get("coordinator"), plan_snapshot.get("coordinator_unit"))
            if v
        )
    goals = _with_notes(_goals(plan_id=plan.pk))
    # Assessments, ratings, evaluations, participants and comments: one query.
    listed = selectors.plan_rows(plan)
    participants, comments = listed.participants, listed.comments
    # Each measure with the ids of its goals (a row per measure and goal, through a left
    # join), the goals taken from those already read: one query for measures and links.
    goal_order = {g.pk: i for i, g in enumerate(goals)}
    measures: dict[int, Measure] = {}
    rows = _measures_with_goal_refs(plan_id=plan.pk)
    # Each row knows its plan without a query, as rows read through ``plan.goals`` do.
    for row in (*goals, *rows, *participants, *comments):
        row.plan = plan
    for row in rows:
        measure = measures.setdefault(row.pk, row)
        if not hasattr(measure, "linked_goals"):
            measure.linked_goals = []
        if row.goal_ref in goal_order:
            measure.linked_goals.append(goals[goal_order[row.goal_ref]])
    measures = list(measures.values())
    by_area: dict[str, list] = {}
    for measure in measures:
        measure.linked_goals.sort(key=lambda g: goal_order[g.pk])
        measure.can_edit = rights.can_edit_measure(measure)
        measure.can_complete = rights.can_complete_measure(measure)
        by_area.setdefault(measure.life_area, []).append(measure)
    evaluations = listed.evaluations
    assessments = {a.life_area: a for a in listed.areas}
    ratings: dict[str, list] = {}
    for rating in listed.ratings:
        ratings.setdefault(rating.life_area, []).append(rating)
    if closed is None:
        context.update(crisis_block(request.actor, patient, _plan_url(patient, "crisis")))
    context.update(
        {
            "main_goal": next((g for g in goals if g.is_main), None),
            "sub_goals": [g for g in goals if not g.is_main],
            "measure_groups": [
                (LifeArea(code).label, by_area[code]) for code in LifeArea.values if code in by_area
            ],
            "measure_count": len(measures),
            "areas": [
                {
                    "code": code,
                    "label": label,
                    "assessment": assessments.get(code),
                    "ratings": ratings.get(code, []),
                }
                for code, label in LifeArea.choices
            ],
            # The patient's self-ratings as the same chart and table they see in /min/,
            # from the rows already read (no query of its own).
            "rating_charts": chart.context(listed.ratings),
            "participants": participants,
            "evaluations": evaluations,
            "comments": comments,
            "goal_proposals": list(
                plan.goal_proposals.filter(state=GoalProposal.State.WAITING).order_by(
                    "proposed_at", "id"
                )
            )
            if closed is None and getattr(plan, "proposals_waiting", False)
            else [],
            "comment_form": f.CommentForm(),
            "revision_state": plan.revision_state() if plan.is_open else "",
        }
    )
    return context


@patient_view()
def plan_page(request, patient):
    return kept_patient_page(
        request, patient, "pathways/plan/plan.html", lambda: plan_page_context(request, patient)
    )


@patient_view()
def plan_earlier(request, patient, plan_id):
    closed = _closed_plan_or_404(patient, plan_id)
    return render(
        request, "pathways/plan/plan.html", plan_page_context(request, patient, closed=closed)
    )


# --- koordinator and starting the plan ---


@patient_view(for_edit=True)
def coordinator_edit(request, patient):
    if not perms.can_appoint_coordinator(
        request.actor,
        patient,
        coordinator=svc.active_coordinator(patient),
        plan=svc.open_plan(patient),
    ):
        raise PermissionDenied
    form = f.CoordinatorForm(request.POST or None, candidates=svc.coordinator_candidates(patient))
    history = CoordinatorAssignment.objects.filter(patient=patient).select_related(
        "user", "unit", "appointed_by"
    )
    return form_action(
        request,
        form,
        save=lambda data: svc.coordinator_appoint(
            patient=patient, membership=data["membership"], actor=request.actor, note=data["note"]
        ),
        success=_("The koordinator is appointed."),
        redirect_to=_plan_url(patient),
        template="pathways/plan/coordinator.html",
        context={
            "patient": patient,
            "plan_coordinator": svc.active_coordinator(patient),
            "history": history,
            "heading": _("Koordinator"),
            "back_url": _plan_url(patient),
            "back_label": _("Back to the plan"),
            "cancel_url": _plan_url(patient),
            "submit": _("Appoint"),
        },
    )


def _start_plan(request, patient, consent, data) -> IndividualPlan:
    if consent is None:
        consent_record(
            patient=patient,
            actor=request.actor,
            scope=Consent.Scope.INDIVIDUAL_PLAN,
            given_on=data["consent_given_on"],
            note=_("Consent to an individual plan")
            + (
                _(", including sharing with the participants")
                if data["consent_covers_sharing"]
                else ""
            ),
        )
    return svc.plan_create(
        patient=patient,
        actor=request.actor,
        owner_unit=data["owner_unit"],
        period_start=data["period_start"],
        period_end=data["period_end"],
        next_revision_on=data["next_revision_on"],
        what_matters=data["what_matters"],
        consent_covers_sharing=data["consent_covers_sharing"],
    )


@patient_view(for_edit=True)
def plan_new(request, patient):
    if not _rights(request, patient).can_start:
        raise PermissionDenied
    if svc.open_plan(patient) is not None:
        messages.info(request, _("The patient already has an individual plan."))
        return redirect(_plan_url(patient))
    consent = svc.plan_consent(patient)
    coordinator = svc.active_coordinator(patient)
    form = f.PlanCreateForm(
        request.POST or None,
        patient=patient,
        consent=consent,
        initial={"owner_unit": coordinator.unit if coordinator else request.actor.unit},
    )
    return form_action(
        request,
        form,
        save=lambda data: _start_plan(request, patient, consent, data),
        success=_("The individual plan is started."),
        redirect_to=_plan_url(patient),
        template="pathways/plan/plan_new.html",
        context={
            "patient": patient,
            "consent": consent,
            "plan_coordinator": coordinator,
            "heading": _("Start individual plan"),
            "back_url": _plan_url(patient),
            "back_label": _("Back to the plan"),
            "cancel_url": _plan_url(patient),
            "submit": _("Start the plan"),
        },
    )


# --- sections of the plan itself ---

# Titles marked for the catalogue here and translated per request below.
SECTIONS = {
    "grunnlag": ("basics", f.PlanBasicsForm, gettext_noop("Plan period, status and revision")),
    "viktig": ("what_matters", f.WhatMattersForm, gettext_noop("What is important to you?")),
    "samarbeid": (
        "cooperation",
        f.CooperationForm,
        gettext_noop("Cooperation with other services"),
    ),
    "medvirkning": (
        "participation",
        f.ParticipationForm,
        gettext_noop("The patient's participation"),
    ),
}


@patient_view(for_edit=True)
def plan_section(request, patient, section):
    if section not in SECTIONS:
        raise Http404
    plan = _open_plan_or_404(patient)
    if not _rights(request, patient).can_edit_all:
        raise PermissionDenied
    key, form_class, title = SECTIONS[section]
    title, anchor = _(title), f"section-{key}"
    form = form_class(request.POST or None, instance=plan, initial={"version": plan.version})

    def save(data):
        fields = {name: data[name] for name in form._meta.fields}
        return svc.plan_update_section(
            plan=plan,
            actor=request.actor,
            section=SECTIONS[section][0],
            data=fields,
            base_version=data["version"],
        )

    return _plan_form(
        request,
        patient,
        form,
        title=title,
        target_id=f"edit-{section}",
        cancel_url=_plan_url(patient, anchor),
        save=save,
        success=_("Saved."),
        redirect_to=_plan_url(patient, anchor),
    )


# --- goals ---


@patient_view(for_edit=True)
def goal_edit(request, patient, goal_id=None):
    plan = _open_plan_or_404(patient)
    rights = _rights(request, patient)
    if not rights.can_edit_all:
        raise PermissionDenied
    goal = get_object_or_404(Goal, pk=goal_id, plan=plan) if goal_id else None
    target = f"goal-{goal.pk}" if goal else "goal-new"
    form = f.GoalForm(
        request.POST or None, instance=goal, initial={"version": plan.version}, prefix=target
    )

    def respond(saved):
        context = {
            "goal": _goal_for_display(saved.pk),
            "patient": patient,
            "rights": rights,
            "created": goal is None,
            "plan": svc.open_plan(patient),
        }
        return render(request, "pathways/plan/_saved.html#goal", context)

    return _plan_form(
        request,
        patient,
        form,
        title=_("Change goal") if goal else _("New goal"),
        target_id=target,
        cancel_url=_plan_url(patient, target if goal else "goals"),
        save=lambda data: svc.goal_save(
            plan=plan,
            actor=request.actor,
            data=form.data_for_service(),
            base_version=data["version"],
            goal=goal,
        ),
        success=_("The goal is saved."),
        redirect_to=lambda saved: _plan_url(patient, f"goal-{saved.pk}"),
        respond=respond,
        inline=True,
    )


@patient_view(for_edit=True)
def goal_progress(request, patient, goal_id):
    plan = _open_plan_or_404(patient)
    if not _rights(request, patient).can_edit_all:
        raise PermissionDenied
    goal = get_object_or_404(Goal, pk=goal_id, plan=plan)
    return _plan_form(
        request,
        patient,
        f.GoalProgressForm(request.POST or None),
        title=_("Progress note"),
        target_id=f"progress-{goal.pk}",
        cancel_url=_plan_url(patient, f"goal-{goal.pk}"),
        save=lambda data: svc.goal_progress_add(goal=goal, actor=request.actor, **data),
        success=_("The progress note is saved."),
        redirect_to=_plan_url(patient, f"goal-{goal.pk}"),
        lead=goal.text,
    )


# --- goals proposed by the patient (/min/) ---


def _waiting_proposal(request, patient, proposal_id) -> GoalProposal:
    plan = _open_plan_or_404(patient)
    if not _rights(request, patient).can_edit_all:
        raise PermissionDenied
    proposal = get_object_or_404(GoalProposal, pk=proposal_id, plan=plan)
    proposal.plan = plan
    return proposal


@patient_view(for_edit=True)
def goal_proposal_accept(request, patient, proposal_id):
    proposal = _waiting_proposal(request, patient, proposal_id)
    form = f.ProposalAcceptForm(request.POST or None, initial={"life_area": proposal.life_area})
    return _plan_form(
        request,
        patient,
        form,
        title=_("Take the goal into the plan"),
        target_id=f"proposal-{proposal.pk}",
        cancel_url=_plan_url(patient, "proposals"),
        save=lambda data: svc.goal_proposal_accept(proposal=proposal, actor=request.actor, **data),
        success=_("The goal is in the plan, in the patient's words."),
        redirect_to=lambda goal: _plan_url(patient, f"goal-{goal.pk}"),
        lead=proposal.text,
    )


@patient_view(for_edit=True)
def goal_proposal_decline(request, patient, proposal_id):
    proposal = _waiting_proposal(request, patient, proposal_id)
    return _plan_form(
        request,
        patient,
        f.ProposalDeclineForm(request.POST or None),
        title=_("Answer the patient"),
        target_id=f"proposal-{proposal.pk}",
        cancel_url=_plan_url(patient, "proposals"),
        save=lambda data: svc.goal_proposal_decline(
            proposal=proposal, actor=request.actor, answer=data["answer"]
        ),
        success=_("The answer is sent. The patient reads it in Min plan."),
        redirect_to=_plan_url(patient, "proposals"),
        lead=proposal.text,
    )


# --- resources and needs ---


@patient_view(for_edit=True)
def area_edit(request, patient, area):
    if area not in LifeArea.values:
        raise Http404
    plan = _open_plan_or_404(patient)
    if not _rights(request, patient).can_edit_all:
        raise PermissionDenied
    assessment = plan.areas.filter(life_area=area).first()
    form = f.AreaForm(
        request.POST or None,
        initial={
            "version": plan.version,
            "resources": assessment.resources if assessment else "",
            "needs": assessment.needs if assessment else "",
            "rated_on": timezone.localdate(),
        },
    )
    return _plan_form(
        request,
        patient,
        form,
        title=_("Resources and needs: %(area)s") % {"area": LifeArea(area).label},
        target_id=f"area-{area}",
        cancel_url=_plan_url(patient, f"area-{area}"),
        save=lambda data: svc.area_save(
            plan=plan,
            actor=request.actor,
            life_area=area,
            resources=data["resources"],
            needs=data["needs"],
            score=data["score"],
            rated_on=data["rated_on"],
            base_version=data["version"],
        ),
        success=_("Saved."),
        redirect_to=_plan_url(patient, f"area-{area}"),
        ratings=plan.ratings.filter(life_area=area),
    )


# --- participants ---


@patient_view(for_edit=True)
def participant_edit(request, patient, participant_id=None):
    plan = _open_plan_or_404(patient)
    if not _rights(request, patient).can_edit_all:
        raise PermissionDenied
    participant = (
        get_object_or_404(Participant, pk=participant_id, plan=plan) if participant_id else None
    )
    form = f.ParticipantForm(
        request.POST or None,
        instance=participant,
        patient=patient,
        initial={"version": plan.version},
    )
    return _plan_form(
        request,
        patient,
        form,
        title=_("Change participant") if participant else _("New participant"),
        target_id="participant",
        cancel_url=_plan_url(patient, "participants"),
        save=lambda data: svc.participant_save(
            plan=plan,
            actor=request.actor,
            data=form.data_for_service(),
            base_version=data["version"],
            participant=participant,
            new_person=form.new_person_data(),
        ),
        success=_("Saved."),
        redirect_to=lambda saved: _plan_url(patient, f"participant-{saved.pk}"),
    )


@require_POST
@patient_view(for_edit=True)
def participant_remove(request, patient, participant_id):
    plan = _open_plan_or_404(patient)
    participant = get_object_or_404(Participant, pk=participant_id, plan=plan)
    svc.participant_remove(participant=participant, actor=request.actor)
    messages.success(request, _("The participant is removed."))
    return redirect(_plan_url(patient, "participants"))


# --- measures ---


@patient_view(for_edit=True)
def measure_edit(request, patient, measure_id=None):
    plan = _open_plan_or_404(patient)
    rights = _rights(request, patient)
    measure = None
    if measure_id:
        measure = get_object_or_404(
            Measure.objects.select_related("responsible_unit"), pk=measure_id, plan=plan
        )
        if not rights.can_edit_measure(measure):
            raise PermissionDenied
    elif not rights.can_add_measure:
        raise PermissionDenied
    target = f"measure-{measure.pk}" if measure else "measure-new"
    units, users = _measure_people(patient)
    if measure is None and not rights.can_edit_all:
        # Others than the koordinator add measures for their own unit only.
        units = units.filter(pk=rights.unit_id)
        users = users.filter(memberships__unit_id=rights.unit_id).distinct()
    form = f.MeasureForm(
        request.POST or None,
        instance=measure,
        plan=plan,
        units=units,
        users=users,
        limited=measure is not None and not rights.can_edit_all,
        initial={"version": plan.version}
        | ({"responsible_unit": rights.unit_id} if not rights.can_edit_all else {}),
        prefix=target,
    )

    def respond(saved):
        context = {
            "measure": _measure_for_display(saved.pk, rights),
            "patient": patient,
            "rights": rights,
            "created": measure is None,
            "measure_count": plan.measures.count() if measure is None else None,
            "plan": svc.open_plan(patient),
        }
        return render(request, "pathways/plan/_saved.html#measure", context)

    return _plan_form(
        request,
        patient,
        form,
        title=_("Change measure") if measure else _("New measure"),
        target_id=target,
        cancel_url=_plan_url(patient, target if measure else "measures"),
        save=lambda data: svc.measure_save(
            plan=plan,
            actor=request.actor,
            data=form.data_for_service(),
            base_version=data["version"],
            measure=measure,
        ),
        success=_("The measure is saved."),
        redirect_to=lambda saved: _plan_url(patient, f"measure-{saved.pk}"),
        respond=respond,
        inline=True,
    )


@require_POST
@patient_view(for_edit=True)
def measure_done(request, patient, measure_id):
    plan = _open_plan_or_404(patient)
    measure = get_object_or_404(Measure, pk=measure_id, plan=plan)
    if svc.measure_complete(measure=measure, actor=request.actor):
        messages.success(request, _("The measure is marked as completed."))
    return redirect(safe_next(request, _plan_url(patient, f"measure-{measure.pk}")))


# --- evaluations, comments ---


@patient_view(for_edit=True)
def evaluation_new(request, patient):
    plan = _open_plan_or_404(patient)
    if not _rights(request, patient).can_edit_all:
        raise PermissionDenied
    form = f.EvaluationForm(
        request.POST or None,
        initial={"held_on": timezone.localdate(), "next_revision_on": f.default_revision_date()},
    )
    return _plan_form(
        request,
        patient,
        form,
        title=_("Evaluate the plan"),
        target_id="evaluation",
        cancel_url=_plan_url(patient, "evaluations"),
        save=lambda data: svc.evaluation_add(
            plan=plan,
            actor=request.actor,
            data={name: data[name] for name in form._meta.fields},
        ),
        success=_("The evaluation is saved and the next revision set."),
        redirect_to=_plan_url(patient, "evaluations"),
    )


@patient_view(for_edit=True)
def comment_new(request, patient):
    plan = _open_plan_or_404(patient)
    if not _rights(request, patient).can_comment:
        raise PermissionDenied
    return _plan_form(
        request,
        patient,
        f.CommentForm(request.POST or None),
        title=_("Comment on the plan"),
        target_id="comment",
        cancel_url=_plan_url(patient, "comments"),
        save=lambda data: svc.comment_add(
            plan=plan, actor=request.actor, section=data["section"], text=data["text"]
        ),
        success=_("The comment is saved."),
        redirect_to=_plan_url(patient, "comments"),
    )


# --- history and diff ---


@patient_view()
def plan_history(request, patient, plan_id=None):
    plan = _closed_plan_or_404(patient, plan_id) if plan_id else _open_plan_or_404(patient)
    revisions = list(
        PlanRevision.objects.filter(plan=plan).select_related("by", "by_unit").defer("snapshot")
    )
    latest = plan.version
    form = f.CompareForm(request.GET or None)
    a, b = form.versions(latest)
    snapshots = dict(
        PlanRevision.objects.filter(plan=plan, version__in=[a, b]).values_list(
            "version", "snapshot"
        )
    )
    changes = None
    if a in snapshots and b in snapshots and a != b:
        changes = plan_diff.diff(snapshots[a], snapshots[b])
    elif form.is_bound and not form.errors and (a not in snapshots or b not in snapshots):
        form.add_error(None, _("There is no such version."))
    return render(
        request,
        "pathways/plan/history.html",
        {
            "patient": patient,
            "plan": plan,
            "revisions": revisions,
            "form": form,
            "a": a,
            "b": b,
            "changes": changes,
            "plan_coordinator": svc.active_coordinator(patient),
            "earlier": plan if plan_id else None,
        },
    )


# --- PDF ---


@patient_view(action=PRINT)
def plan_pdf(request, patient, version=None, plan_id=None):
    plan = _closed_plan_or_404(patient, plan_id) if plan_id else _open_plan_or_404(patient)
    if version is None and not plan.is_open:
        # A closed plan prints as it was last saved (with the koordinator of that time).
        version = plan.version
    revision_no = plan.version if version is None else version

    def context():
        # Built only when the document's HTML is needed, not each time a client waiting for
        # the documents worker asks again (pathways.documents.responses).
        if version is None:
            return plan_pdf_context(patient, svc.build_snapshot(plan), revision_no)
        snapshot = svc.snapshot_at(plan, version)
        if snapshot is None:
            raise Http404
        return plan_pdf_context(patient, snapshot, revision_no)

    return kept_pdf_response(
        "pdf/plan.html",
        context,
        request=request,
        filename=f"individuell-plan-{patient.pk}-v{revision_no}.pdf",
    )


# --- my plans ---


@login_required
def my_plans(request):
    """Plans where the user is koordinator, revision dates first (overdue, due soon)."""
    has_access = Exists(
        PatientGroupObjectPermission.objects.filter(
            group_id=OuterRef("unit__group_id"),
            content_object_id=OuterRef("patient_id"),
            permission__codename="view_patient",
        )
    )
    assignments = list(
        CoordinatorAssignment.objects.active()
        .filter(user=request.user)
        .filter(has_access)
        .select_related("patient", "unit")
        .prefetch_related(
            Prefetch(
                "patient__plans",
                queryset=IndividualPlan.objects.exclude(status=IndividualPlan.Status.CLOSED),
                to_attr="open_plans",
            )
        )
    )
    today = timezone.localdate()
    order = {"overdue": 0, "soon": 1, "ok": 2, "none": 3}
    rows = []
    for assignment in assignments:
        plan = assignment.patient.open_plans[0] if assignment.patient.open_plans else None
        state = plan.revision_state(today) if plan else "none"
        rows.append(
            {"assignment": assignment, "patient": assignment.patient, "plan": plan, "state": state}
        )
    rows.sort(
        key=lambda r: (
            order[r["state"]],
            r["plan"].next_revision_on if r["plan"] else today,
            r["patient"].last_name,
        )
    )
    counts = {state: sum(1 for r in rows if r["state"] == state) for state in order}
    return render(request, "pathways/plan/my_plans.html", {"rows": rows, "counts": counts})

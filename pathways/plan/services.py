"""Koordinator and individuell plan: every change with a rule goes through here.

Each save of any part of a plan locks the plan row, checks the version the user's form was
opened at, writes the change, raises the version and stores a revision with a full snapshot.
A stale form is refused only when the same part changed meanwhile (``StaleWrite`` carries
what changed, in the plan's diff format); edits to other parts go through, so people working
on different measures do not block each other.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import audit
from accounts.models import Membership
from pathways.dates import DateRules
from pathways.meetings.services import group_leader_follow_coordinator
from pathways.models import (
    AreaAssessment,
    AreaRating,
    CareTeamMember,
    Consent,
    CoordinatorAssignment,
    CrisisPlan,
    Evaluation,
    Goal,
    GoalProgress,
    GoalProposal,
    IndividualPlan,
    LifeArea,
    Measure,
    Participant,
    PlanAgreement,
    PlanComment,
    PlanRevision,
    PortalAccess,
)
from pathways.notifications.reminders import notify, unit_users
from pathways.patients.services.patients import person_for_role, person_named
from pathways.plan import diff as plan_diff
from pathways.plan import permissions as perms
from pathways.plan.selectors import active_coordinator, open_plan
from pathways.portal.notices import notify_portal
from pathways.stale import StaleWrite

# --- reading helpers ---


def plan_consent(patient) -> Consent | None:
    """The patient's consent to an individual plan, if one is in force."""
    return (
        Consent.objects.in_force()
        .filter(patient=patient, scope=Consent.Scope.INDIVIDUAL_PLAN)
        .select_related("recorded_by")
        .first()
    )


# --- snapshots, versions and revisions ---


def _iso(value):
    return value.isoformat() if value else None


def _person(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def build_snapshot(plan) -> dict:
    """The whole plan as plain data: stored with each revision, rendered by the PDF."""
    coordinator = active_coordinator(plan.patient_id)
    goals = list(
        plan.goals.prefetch_related(
            Prefetch("progress", queryset=GoalProgress.objects.select_related("by"))
        )
    )
    measures = list(
        plan.measures.select_related("responsible_unit", "responsible_user").prefetch_related(
            Prefetch("goals", queryset=Goal.objects.only("id"))
        )
    )
    ratings: dict[str, list] = {}
    for rating in plan.ratings.all():
        ratings.setdefault(rating.life_area, []).append(
            {"on": _iso(rating.rated_on), "score": rating.score}
        )
    areas = {a.life_area: a for a in plan.areas.all()}
    crisis = CrisisPlan.objects.for_patient(plan.patient_id)
    consent = plan.consent
    return {
        "version": plan.version,
        "plan": {
            "status": plan.status,
            "owner_unit": plan.owner_unit.name,
            "period_start": _iso(plan.period_start),
            "period_end": _iso(plan.period_end),
            "next_revision_on": _iso(plan.next_revision_on),
            "what_matters": plan.what_matters,
            "cooperation": plan.cooperation,
            "patient_reviewed_on": _iso(plan.patient_reviewed_on),
            "patient_agreed": plan.patient_agreed,
            "participation_note": plan.participation_note,
            "consent_given_on": _iso(consent.given_on),
            "consent_valid_until": _iso(consent.valid_until),
            "consent_covers_sharing": plan.consent_covers_sharing,
            "coordinator": _person(coordinator.user) if coordinator else "",
            "coordinator_unit": coordinator.unit.name if coordinator else "",
            "coordinator_phone": coordinator.unit.phone if coordinator else "",
        },
        "goals": [
            {
                "id": g.pk,
                "is_main": g.is_main,
                "life_area": g.life_area,
                "text": g.text,
                "status": g.status,
                "target_date": _iso(g.target_date),
                "progress": [
                    {"on": _iso(p.noted_on), "text": p.text, "by": _person(p.by)}
                    for p in g.progress.all()
                ],
            }
            for g in goals
        ],
        "areas": [
            {
                "life_area": code,
                "resources": areas[code].resources if code in areas else "",
                "needs": areas[code].needs if code in areas else "",
                "ratings": ratings.get(code, []),
            }
            for code in LifeArea.values
            if code in areas or code in ratings
        ],
        "participants": [
            {
                "id": p.pk,
                "kind": p.kind,
                "name": p.display_name,
                "role": p.role_display,
                "phone": p.contact_phone,
                "contribution": p.contribution,
            }
            for p in plan.participants.select_related("unit", "next_of_kin")
        ],
        "measures": [
            {
                "id": m.pk,
                "title": m.title,
                "life_area": m.life_area,
                "goals": sorted(g.pk for g in m.goals.all()),
                "responsible": m.responsible_display,
                "scope": m.scope,
                "how": m.how,
                "start_on": _iso(m.start_on),
                "end_on": _iso(m.end_on),
                "status": m.status,
            }
            for m in measures
        ],
        "crisis": {
            "warning_signs": crisis.warning_signs if crisis else "",
            "triggers": crisis.triggers if crisis else "",
            "what_helps": crisis.what_helps if crisis else "",
            "wishes": crisis.wishes if crisis else "",
            "emergency": crisis.emergency if crisis else "",
            "contacts": [
                {
                    "id": c.pk,
                    "name": c.display_name,
                    "role": c.role_display,
                    "phone": c.contact_phone,
                    "when": c.when,
                }
                for c in (crisis.contacts.all() if crisis else [])
            ],
        },
        "evaluations": [
            {
                "held_on": _iso(e.held_on),
                "participants": e.participants,
                "what_worked": e.what_worked,
                "what_changes": e.what_changes,
                "next_revision_on": _iso(e.next_revision_on),
            }
            for e in plan.evaluations.all()
        ],
    }


def _lock(plan) -> IndividualPlan:
    return (
        IndividualPlan.objects.select_for_update()
        .select_related("patient", "owner_unit", "consent")
        .get(pk=plan.pk)
    )


def snapshot_at(plan, version: int) -> dict | None:
    revision = PlanRevision.objects.filter(plan=plan, version=version).only("snapshot").first()
    return revision.snapshot if revision else None


def _check(plan, base_version: int | None, keys: list[str]) -> None:
    """Refuse when any of ``keys`` was touched by a save after ``base_version``.

    A form that sent no version counts as opened before the plan began: stale whenever the
    part exists, and the conflict screen shows all of it.
    """
    base_version = int(base_version or 0)
    if base_version >= plan.version or not keys:
        return
    touched = set()
    for revision_keys in PlanRevision.objects.filter(
        plan=plan, version__gt=base_version
    ).values_list("keys", flat=True):
        touched.update(revision_keys)
    clashing = touched & set(keys)
    if clashing:
        old = snapshot_at(plan, base_version) or {}
        new = build_snapshot(plan)
        changes = [c for c in plan_diff.diff(old, new) if c.key in clashing]
        raise StaleWrite(plan, changes=changes)


def _record(
    plan,
    *,
    actor,
    keys: list[str],
    summary: str,
    action=audit.Action.UPDATE,
    obj=None,
    basis=audit.Basis.CARE_TEAM,
):
    """Raise the version, store the revision and audit the change (the plan row is locked)."""
    _revise(plan, actor=actor, keys=keys, summary=summary)
    audit.record_by(
        actor,
        action,
        patient=plan.patient_id,
        obj=obj if obj is not None else plan,
        detail=summary,
        basis=basis,
    )
    return plan


def _revise(plan, *, actor, keys: list[str], summary: str) -> None:
    """Raise the version and store the revision with a full snapshot (the row is locked)."""
    plan.version += 1
    IndividualPlan.objects.filter(pk=plan.pk).update(version=plan.version)
    PlanRevision.objects.create(
        plan=plan,
        version=plan.version,
        by=actor.user,
        by_unit=actor.unit,
        summary=summary[:300],
        keys=keys,
        snapshot=build_snapshot(plan),
    )
    # Something new in the plan (the patient is asked to agree again): the neutral notice to
    # the patient and the pårørende given the plan, not to the one who changed it.
    notify_portal(patient=plan.patient_id, next_of_kin_parts=[PortalAccess.Part.PLAN], actor=actor)


def _clean(instance, exclude=None):
    instance.full_clean(exclude=exclude)
    return instance


def _require(condition: bool):
    if not condition:
        raise PermissionDenied(_("You may not change this part of the plan."))


# --- koordinator ---


def coordinator_candidates(patient):
    """Active memberships in units on the patient's care team that may change the record."""
    units = (
        CareTeamMember.objects.active()
        .filter(patient=patient)
        .exclude(role=CareTeamMember.Role.INFORMED)
    )
    return (
        Membership.objects.active()
        .filter(unit_id__in=units.values("unit_id"), user__is_active=True)
        .select_related("user", "unit__organisation")
        .order_by("unit__name", "user__first_name", "user__last_name")
    )


@transaction.atomic
def coordinator_appoint(*, patient, membership, actor, note: str = "") -> CoordinatorAssignment:
    """Make ``membership.user`` the koordinator (for ``membership.unit``); ends the previous one.

    The first koordinator is appointed by anyone who may change the record; replacing one is
    for the unit that owns the plan or a leader of the koordinator's unit
    (``perms.can_appoint_coordinator``). The previous and the new koordinator are told."""
    _require(perms.can_start(actor, patient))
    # Lock the patient's row so two appointments at once cannot both end the same assignment.
    type(patient).objects.select_for_update().filter(pk=patient.pk).first()
    previous = (
        CoordinatorAssignment.objects.active()
        .filter(patient=patient)
        .select_related("user", "unit")
        .first()
    )
    if not perms.can_appoint_coordinator(
        actor, patient, coordinator=previous, plan=open_plan(patient)
    ):
        raise PermissionDenied(
            _(
                "Only the unit that owns the plan, or a leader of the koordinator's unit, may "
                "replace the koordinator."
            )
        )
    if not coordinator_candidates(patient).filter(pk=membership.pk).exists():
        raise ValidationError(
            {"membership": _("The koordinator must work in a unit on the patient's care team.")}
        )
    if (
        previous
        and previous.user_id == membership.user_id
        and previous.unit_id == membership.unit_id
    ):
        return previous
    now = timezone.now()
    if previous:
        previous.ended_at = now
        previous.end_reason = _("New koordinator appointed")
        previous.save(update_fields=["ended_at", "end_reason"])
    assignment = _clean(
        CoordinatorAssignment(
            patient=patient,
            user=membership.user,
            unit=membership.unit,
            started_at=now,
            note=note[:300],
            appointed_by=actor.user,
        )
    )
    assignment.save()
    name = _person(membership.user)
    audit.record_by(
        actor,
        audit.Action.CREATE,
        patient=patient,
        obj=assignment,
        detail=_("Koordinator: %(name)s") % {"name": name},
    )
    if membership.user_id != actor.user.pk:
        notify(
            users=[membership.user],
            kind="coordinator_appointed",
            title=_("You are koordinator for a patient"),
            url=reverse("pathways:plan", args=[patient.pk]),
            patient=patient,
        )
    if previous and previous.user_id not in (actor.user.pk, membership.user_id):
        notify(
            users=[previous.user],
            kind="coordinator_replaced",
            title=_("Another koordinator has taken over for a patient"),
            url=reverse("pathways:plan", args=[patient.pk]),
            patient=patient,
        )
    plan = open_plan(patient)
    if plan is not None:
        plan = _lock(plan)
        _record(
            plan,
            actor=actor,
            keys=["plan:coordinator"],
            summary=_("New koordinator: %(name)s") % {"name": name},
        )
    # The ansvarsgruppe is led by the koordinator.
    group_leader_follow_coordinator(patient=patient, actor=actor)
    return assignment


# --- the plan ---


@transaction.atomic
def plan_create(
    *,
    patient,
    actor,
    owner_unit,
    next_revision_on: datetime.date,
    period_start: datetime.date,
    period_end: datetime.date | None = None,
    what_matters: str = "",
    consent_covers_sharing: bool = True,
) -> IndividualPlan:
    """Start the plan. Needs the patient's consent to an IP; the creator becomes koordinator
    when nobody holds that role yet."""
    _require(perms.can_start(actor, patient))
    consent = plan_consent(patient)
    if consent is None:
        raise ValidationError(
            _("The patient's consent to an individual plan must be recorded before the plan.")
        )
    if open_plan(patient) is not None:
        raise ValidationError(_("The patient already has an individual plan."))
    _check_period(period_start, period_end, next_revision_on, revision_changed=True)
    plan = _clean(
        IndividualPlan(
            patient=patient,
            owner_unit=owner_unit,
            consent=consent,
            consent_covers_sharing=consent_covers_sharing,
            period_start=period_start,
            period_end=period_end,
            next_revision_on=next_revision_on,
            what_matters=what_matters,
            created_by=actor.user,
            version=0,
        ),
        exclude=["version"],
    )
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        raise ValidationError(_("The patient already has an individual plan.")) from None
    Participant.objects.create(plan=plan, kind=Participant.Kind.PATIENT, name=patient.full_name)
    if active_coordinator(patient) is None:
        membership = Membership.objects.active().filter(user=actor.user, unit=actor.unit).first()
        if membership is not None:
            CoordinatorAssignment.objects.create(
                patient=patient, user=actor.user, unit=actor.unit, appointed_by=actor.user
            )
            group_leader_follow_coordinator(patient=patient, actor=actor)
    _record(
        plan,
        actor=actor,
        keys=["plan:basics"],
        summary=_("Plan started"),
        action=audit.Action.CREATE,
    )
    # TSB may start a plan; the kommune that owns it is told.
    if actor.unit is not None and owner_unit.pk != actor.unit.pk:
        notify(
            users=unit_users([owner_unit]),
            kind="plan_started",
            title=_("An individual plan was started for a patient of your unit"),
            url=reverse("pathways:plan", args=[patient.pk]),
            patient=patient,
        )
    return plan


def _check_period(period_start, period_end, next_revision_on, *, revision_changed: bool) -> None:
    """The plan period runs forwards and its revision falls after its start; a revision date
    that is set now lies ahead (one already passed stays as it is: the plan is due)."""
    rules = DateRules()
    rules.not_before(
        "period_end", period_end, period_start, _("The end cannot be before the start (%(date)s).")
    )
    rules.after(
        "next_revision_on",
        next_revision_on,
        period_start,
        _("The revision comes after the plan period starts (%(date)s)."),
    )
    if revision_changed:
        rules.not_past(
            "next_revision_on", next_revision_on, _("The revision date cannot be in the past.")
        )
    rules.check()


SECTION_FIELDS = {
    "basics": ["status", "owner_unit", "period_start", "period_end", "next_revision_on"],
    "what_matters": ["what_matters"],
    "cooperation": ["cooperation"],
    "participation": ["patient_reviewed_on", "patient_agreed", "participation_note"],
}
# Marked for translation (gettext_lazy), so that the catalogue has them and the history
# stores them in Norwegian.
SECTION_SUMMARY = {
    "basics": gettext_lazy("Plan period, status and revision date changed"),
    "what_matters": gettext_lazy("'What is important to you?' changed"),
    "cooperation": gettext_lazy("Cooperation changed"),
    "participation": gettext_lazy("The patient's participation recorded"),
}


@transaction.atomic
def plan_update_section(*, plan, actor, section: str, data: dict, base_version) -> IndividualPlan:
    plan = _lock(plan)
    _require(perms.can_edit_all(actor, plan.patient))
    _require(plan.is_open)
    fields = SECTION_FIELDS[section]
    _check(plan, base_version, [f"plan:{section}"])
    if section == "basics":
        _check_period(
            data["period_start"],
            data["period_end"],
            data["next_revision_on"],
            revision_changed=data["next_revision_on"] != plan.next_revision_on,
        )
    elif section == "participation":
        DateRules().not_future("patient_reviewed_on", data["patient_reviewed_on"]).check()
    for name in fields:
        setattr(plan, name, data[name])
    if section == "basics" and plan.status == IndividualPlan.Status.CLOSED:
        plan.closed_at = timezone.now()
        fields = [*fields, "closed_at"]
    _clean(plan)
    plan.save(update_fields=fields)
    return _record(
        plan, actor=actor, keys=[f"plan:{section}"], summary=str(SECTION_SUMMARY[section])
    )


@transaction.atomic
def plan_what_matters_by_patient(*, plan, actor, text: str, base_version) -> IndividualPlan:
    """The patient writes "Hva er viktig for deg?" themselves (from /min/).

    The caller (the portal) has established that ``actor`` is the patient of this plan; the
    change is a plan revision like any other, audited with the patient as the basis.
    """
    plan = _lock(plan)
    _require(plan.is_open)
    _check(plan, base_version, ["plan:what_matters"])
    plan.what_matters = text
    _clean(plan)
    plan.save(update_fields=["what_matters"])
    return _record(
        plan,
        actor=actor,
        keys=["plan:what_matters"],
        summary=_("'What is important to you?' changed by the patient"),
        basis=audit.Basis.PATIENT,
    )


@transaction.atomic
def plan_self_rating_by_patient(*, plan, actor, scores: dict[str, int]) -> list[AreaRating]:
    """The patient rates life areas themselves (from /min/): new ratings, none overwritten,
    so the change over time stays visible to them and to the team."""
    plan = _lock(plan)
    _require(plan.is_open)
    today = timezone.localdate()
    rows = [
        _clean(
            AreaRating(plan=plan, life_area=area, score=score, rated_on=today, by=actor.user),
            exclude=["plan", "by"],
        )
        for area, score in scores.items()
    ]
    AreaRating.objects.bulk_create(rows)
    _record(
        plan,
        actor=actor,
        keys=[f"rating:{area}" for area in scores],
        summary=_("Self-rating by the patient: %(areas)s")
        % {"areas": ", ".join(str(LifeArea(area).label) for area in scores)},
        action=audit.Action.CREATE,
        basis=audit.Basis.PATIENT,
    )
    return rows


@transaction.atomic
def plan_agreement_by_patient(
    *, plan, actor, answer: str, comment: str, level: str, base_version
) -> PlanAgreement:
    """The patient says they agree to the plan as they read it (or comments on it).

    Refused with the changes shown when anyone changed the plan after the patient opened it:
    one agrees to what one has read. The participation part of the plan is filled in too.
    """
    plan = _lock(plan)
    _require(plan.is_open)
    base_version = int(base_version or 0)
    if base_version < plan.version:
        old = snapshot_at(plan, base_version) or {}
        raise StaleWrite(plan, changes=plan_diff.diff(old, build_snapshot(plan)))
    agreement = _clean(
        PlanAgreement(
            plan=plan,
            plan_version=plan.version,
            answer=answer,
            comment=comment,
            level=level,
            by=actor.user,
        )
    )
    agreement.save()
    plan.patient_agreed = answer == PlanAgreement.Answer.AGREE
    plan.patient_reviewed_on = timezone.localdate()
    plan.participation_note = comment[:1000]
    plan.save(update_fields=["patient_agreed", "patient_reviewed_on", "participation_note"])
    _record(
        plan,
        actor=actor,
        keys=["plan:participation"],
        summary=_("The patient agreed to the plan")
        if plan.patient_agreed
        else _("The patient commented on the plan"),
        obj=agreement,
        action=audit.Action.CREATE,
        basis=audit.Basis.PATIENT,
    )
    return agreement


# --- goals ---


@transaction.atomic
def goal_save(*, plan, actor, data: dict, base_version, goal=None) -> Goal:
    plan = _lock(plan)
    _require(perms.can_edit_all(actor, plan.patient))
    if goal is not None:
        _check(plan, base_version, [f"goal:{goal.pk}"])
        goal = Goal.objects.get(pk=goal.pk, plan=plan)
    else:
        goal = Goal(plan=plan)
    for name, value in data.items():
        setattr(goal, name, value)
    if goal.is_main and plan.goals.filter(is_main=True).exclude(pk=goal.pk).exists():
        raise ValidationError({"is_main": _("The plan already has a main goal.")})
    DateRules().not_before(
        "target_date",
        goal.target_date,
        plan.period_start,
        _("The target date cannot be before the plan period starts (%(date)s)."),
    ).check()
    _clean(goal)
    creating = goal.pk is None
    goal.save()
    _record(
        plan,
        actor=actor,
        keys=[f"goal:{goal.pk}"],
        summary=(_("Goal added: %(text)s") if creating else _("Goal changed: %(text)s"))
        % {"text": goal.text[:80]},
        obj=goal,
    )
    return goal


@transaction.atomic
def goal_progress_add(*, goal, actor, noted_on, text: str) -> GoalProgress:
    plan = _lock(goal.plan)
    _require(perms.can_edit_all(actor, plan.patient))
    DateRules().not_future("noted_on", noted_on).check()
    note = _clean(GoalProgress(goal=goal, noted_on=noted_on, text=text, by=actor.user))
    note.save()
    _record(
        plan,
        actor=actor,
        keys=[f"goal:{goal.pk}"],
        summary=_("Progress noted: %(text)s") % {"text": goal.text[:80]},
        obj=goal,
    )
    return note


# --- goals from the patient (/min/) ---


@transaction.atomic
def goal_propose_by_patient(*, plan, actor, text: str, life_area: str = "") -> GoalProposal:
    """The patient proposes a goal in their own words; it waits outside the plan until the
    koordinator answers. The caller (the portal) has established that ``actor`` is the patient.
    """
    plan = _lock(plan)
    _require(plan.is_open)
    proposal = _clean(
        GoalProposal(plan=plan, text=text.strip(), life_area=life_area, proposed_by=actor.user),
        exclude=["plan", "proposed_by"],
    )
    proposal.save()
    audit.record(
        user=actor.user,
        unit=None,
        action=audit.Action.CREATE,
        patient=plan.patient_id,
        obj=proposal,
        basis=audit.Basis.PATIENT,
        detail=_("Goal proposed by the patient"),
    )
    coordinator = active_coordinator(plan.patient_id)
    if coordinator is not None:
        notify(
            users=[coordinator.user],
            kind="goal_proposed",
            title=_("The patient proposed a goal for the plan"),
            url=reverse("pathways:plan", args=[plan.patient_id]) + "#proposals",
            patient=plan.patient,
        )
    return proposal


def _waiting(proposal) -> GoalProposal:
    """The proposal, locked, still waiting (else the answer someone else gave is kept)."""
    current = GoalProposal.objects.select_for_update().get(pk=proposal.pk)
    if current.state != GoalProposal.State.WAITING:
        raise ValidationError(
            _("Someone has already answered this proposal: %(state)s.")
            % {"state": current.get_state_display()}
        )
    return current


@transaction.atomic
def goal_proposal_accept(
    *, proposal, actor, life_area: str, is_main: bool = False, target_date=None
) -> Goal:
    """The koordinator takes the patient's proposed goal into the plan, in their words."""
    plan = _lock(proposal.plan)
    _require(perms.can_edit_all(actor, plan.patient))
    _require(plan.is_open)
    current = _waiting(proposal)
    if is_main and plan.goals.filter(is_main=True).exists():
        raise ValidationError({"is_main": _("The plan already has a main goal.")})
    if not is_main and not life_area:
        raise ValidationError({"life_area": _("Choose the life area of the goal.")})
    DateRules().not_before(
        "target_date",
        target_date,
        plan.period_start,
        _("The target date cannot be before the plan period starts (%(date)s)."),
    ).check()
    goal = _clean(
        Goal(
            plan=plan,
            text=current.text,
            life_area=life_area,
            is_main=is_main,
            target_date=target_date,
            status=Goal.Status.ACTIVE,
        )
    )
    goal.save()
    current.state = GoalProposal.State.ACCEPTED
    current.goal = goal
    current.answered_by = actor.user
    current.answered_at = timezone.now()
    current.save(update_fields=["state", "goal", "answered_by", "answered_at"])
    _record(
        plan,
        actor=actor,
        keys=[f"goal:{goal.pk}"],
        summary=_("Goal proposed by the patient taken into the plan: %(text)s")
        % {"text": goal.text[:80]},
        obj=goal,
        action=audit.Action.CREATE,
    )
    return goal


@transaction.atomic
def goal_proposal_decline(*, proposal, actor, answer: str) -> GoalProposal:
    """The koordinator does not take the proposal into the plan, with a word back to the
    patient (they read it in /min/)."""
    _require(perms.can_edit_all(actor, proposal.plan.patient))
    current = _waiting(proposal)
    answer = answer.strip()
    if not answer:
        raise ValidationError({"answer": _("Write a word back to the patient.")})
    current.state = GoalProposal.State.DECLINED
    current.answer = answer
    current.answered_by = actor.user
    current.answered_at = timezone.now()
    current.save(update_fields=["state", "answer", "answered_by", "answered_at"])
    audit.record_by(
        actor,
        audit.Action.UPDATE,
        patient=proposal.plan.patient_id,
        obj=current,
        detail=_("Goal proposed by the patient not taken into the plan"),
    )
    notify_portal(patient=proposal.plan.patient_id, actor=actor)
    return current


@transaction.atomic
def goal_progress_by_patient(*, goal, actor, text: str) -> GoalProgress:
    """The patient writes how it goes with a goal of their open plan ("slik går det")."""
    plan = _lock(goal.plan)
    _require(plan.is_open)
    goal = Goal.objects.get(pk=goal.pk, plan=plan)
    if goal.status in (Goal.Status.CANCELLED, Goal.Status.PROPOSED):
        raise ValidationError(_("This goal is not in the plan now."))
    note = _clean(
        GoalProgress(goal=goal, text=text.strip(), by=actor.user, by_patient=True),
        exclude=["by"],
    )
    note.save()
    _record(
        plan,
        actor=actor,
        keys=[f"goal:{goal.pk}"],
        summary=_("The patient wrote how it goes: %(text)s") % {"text": goal.text[:80]},
        obj=goal,
        action=audit.Action.CREATE,
        basis=audit.Basis.PATIENT,
    )
    return note


# --- resources and needs, self-rating ---


@transaction.atomic
def area_save(
    *, plan, actor, life_area, resources, needs, score=None, rated_on=None, base_version
) -> AreaAssessment:
    plan = _lock(plan)
    _require(perms.can_edit_all(actor, plan.patient))
    _check(plan, base_version, [f"area:{life_area}"])
    DateRules().not_future("rated_on", rated_on).check()
    area, _created = AreaAssessment.objects.get_or_create(plan=plan, life_area=life_area)
    area.resources, area.needs = resources, needs
    _clean(area)
    area.save()
    if score:
        AreaRating.objects.create(
            plan=plan,
            life_area=life_area,
            score=score,
            rated_on=rated_on or timezone.localdate(),
            by=actor.user,
        )
    _record(
        plan,
        actor=actor,
        keys=[f"area:{life_area}"],
        summary=_("Resources and needs: %(area)s") % {"area": LifeArea(life_area).label},
        obj=area,
    )
    return area


# --- participants ---


@transaction.atomic
def participant_save(
    *, plan, actor, data: dict, base_version, participant=None, new_person: dict | None = None
) -> Participant:
    """Add or change a participant; ``new_person`` adds a pårørende to the patient's register
    in the same step and makes them the participant."""
    plan = _lock(plan)
    _require(perms.can_edit_all(actor, plan.patient))
    if new_person is not None:
        data = {
            **data,
            "next_of_kin": person_for_role(
                patient=plan.patient, actor=actor, person=None, new=new_person
            ),
        }
    elif data.get("next_of_kin") is not None:
        person_for_role(patient=plan.patient, actor=actor, person=data["next_of_kin"], new=None)
    elif data.get("kind") == Participant.Kind.NEXT_OF_KIN and data.get("name", "").strip():
        person = person_named(
            patient=plan.patient,
            actor=actor,
            name=data["name"],
            relation=data.get("role", ""),
            phone=data.get("phone", ""),
        )
        data = {**data, "next_of_kin": person, "name": "", "role": "", "phone": ""}
    if participant is not None:
        _check(plan, base_version, [f"participant:{participant.pk}"])
        participant = Participant.objects.get(pk=participant.pk, plan=plan)
    else:
        participant = Participant(plan=plan)
    for name, value in data.items():
        setattr(participant, name, value)
    _clean(participant)
    participant.save()
    _record(
        plan,
        actor=actor,
        keys=[f"participant:{participant.pk}"],
        summary=_("Participant: %(name)s") % {"name": participant.display_name},
        obj=participant,
    )
    return participant


@transaction.atomic
def participant_remove(*, participant, actor) -> None:
    plan = _lock(participant.plan)
    _require(perms.can_edit_all(actor, plan.patient))
    name = participant.display_name
    key = f"participant:{participant.pk}"
    participant.delete()
    _record(
        plan,
        actor=actor,
        keys=[key],
        summary=_("Participant removed: %(name)s") % {"name": name},
        action=audit.Action.DELETE,
    )


# --- measures ---

# What a member of the responsible unit (not the koordinator) may change in its measure.
MEASURE_UNIT_FIELDS = ["status", "scope", "how", "start_on", "end_on", "responsible_user"]


@transaction.atomic
def measure_save(*, plan, actor, data: dict, base_version, measure=None) -> Measure:
    plan = _lock(plan)
    rights = perms.rights(actor, plan.patient)
    goals = data.pop("goals", None)
    if measure is None:
        _require(rights.can_add_measure)
        if not rights.can_add_measure_for(getattr(data.get("responsible_unit"), "pk", None)):
            raise ValidationError(
                {"responsible_unit": _("You can add measures only for your own unit.")}
            )
        measure = Measure(plan=plan)
    else:
        measure = Measure.objects.select_related("responsible_unit").get(pk=measure.pk, plan=plan)
        _require(rights.can_edit_measure(measure))
        _check(plan, base_version, [f"measure:{measure.pk}"])
        if not rights.can_edit_all:
            data = {k: v for k, v in data.items() if k in MEASURE_UNIT_FIELDS}
            goals = None
    for name, value in data.items():
        setattr(measure, name, value)
    if (
        measure.responsible_unit_id
        and "responsible_unit" in data
        and not CareTeamMember.objects.active()
        .filter(patient_id=plan.patient_id, unit_id=measure.responsible_unit_id)
        .exists()
    ):
        raise ValidationError(
            {"responsible_unit": _("The responsible unit must be on the patient's care team.")}
        )
    DateRules().not_before(
        "end_on",
        measure.end_on,
        measure.start_on,
        _("The end cannot be before the start (%(date)s)."),
    ).not_before(
        "end_on",
        measure.end_on,
        plan.period_start,
        _("The end cannot be before the plan period starts (%(date)s)."),
    ).check()
    if measure.status == Measure.Status.COMPLETED and measure.completed_at is None:
        measure.completed_at, measure.completed_by = timezone.now(), actor.user
    elif measure.status != Measure.Status.COMPLETED:
        measure.completed_at = measure.completed_by = None
    _clean(measure)
    creating = measure.pk is None
    measure.save()
    if goals is not None:
        measure.goals.set([g for g in goals if g.plan_id == plan.pk])
    _record(
        plan,
        actor=actor,
        keys=[f"measure:{measure.pk}"],
        summary=(_("Measure added: %(title)s") if creating else _("Measure changed: %(title)s"))
        % {"title": measure.title},
        obj=measure,
    )
    if creating and measure.responsible_user_id and measure.responsible_user_id != actor.user.pk:
        notify(
            users=[measure.responsible_user],
            kind="measure_assigned",
            title=_("A measure in an individual plan is assigned to you"),
            url=reverse("pathways:plan", args=[plan.patient_id]) + f"#measure-{measure.pk}",
            patient=plan.patient,
        )
    return measure


@transaction.atomic
def measure_complete(*, measure, actor) -> bool:
    """Mark the measure completed; False when it already was."""
    plan = _lock(measure.plan)
    measure = Measure.objects.select_related("responsible_unit").get(pk=measure.pk)
    _require(perms.can_edit_measure(actor, measure, plan.patient))
    updated = (
        Measure.objects.filter(pk=measure.pk)
        .exclude(status=Measure.Status.COMPLETED)
        .update(
            status=Measure.Status.COMPLETED, completed_at=timezone.now(), completed_by=actor.user
        )
    )
    if updated:
        _record(
            plan,
            actor=actor,
            keys=[f"measure:{measure.pk}"],
            summary=_("Measure completed: %(title)s") % {"title": measure.title},
            obj=measure,
        )
    return bool(updated)


# --- crisis plan ---


def crisis_changed(*, patient, actor, keys: list[str], summary: str) -> None:
    """The patient's crisis plan changed (from this plan or an ettervern plan): the open plan
    shows it, so its history and printed versions record the change. The crisis plan's own
    service has audited it."""
    plan = open_plan(patient)
    if plan is not None:
        _revise(_lock(plan), actor=actor, keys=keys, summary=summary)


# --- evaluations and comments ---


@transaction.atomic
def evaluation_add(*, plan, actor, data: dict) -> Evaluation:
    """Record an evaluation; it sets the next revision date."""
    plan = _lock(plan)
    _require(perms.can_edit_all(actor, plan.patient))
    DateRules().not_future("held_on", data.get("held_on")).check()
    evaluation = _clean(Evaluation(plan=plan, by=actor.user, **data))
    if evaluation.next_revision_on <= evaluation.held_on:
        raise ValidationError(
            {"next_revision_on": _("The next revision must come after the evaluation.")}
        )
    evaluation.save()
    plan.next_revision_on = evaluation.next_revision_on
    plan.save(update_fields=["next_revision_on"])
    _record(
        plan,
        actor=actor,
        keys=["plan:basics", f"evaluation:{evaluation.pk}"],
        summary=_("Evaluation %(date)s; next revision %(next)s")
        % {
            "date": evaluation.held_on.strftime("%d.%m.%Y"),
            "next": evaluation.next_revision_on.strftime("%d.%m.%Y"),
        },
        obj=evaluation,
    )
    return evaluation


@transaction.atomic
def comment_add(*, plan, actor, section: str, text: str) -> PlanComment:
    """A remark on the plan. It changes no content, so the version stays."""
    coordinator = active_coordinator(plan.patient)
    _require(perms.can_comment(actor, plan.patient, coordinator))
    comment = _clean(
        PlanComment(plan=plan, section=section, text=text, by=actor.user, unit=actor.unit)
    )
    comment.save()
    audit.record_by(actor, audit.Action.CREATE, patient=plan.patient_id, obj=comment)
    if coordinator and coordinator.user_id != actor.user.pk:
        notify(
            users=[coordinator.user],
            kind="plan_comment",
            title=_("New comment on an individual plan"),
            url=reverse("pathways:plan", args=[plan.patient_id]) + "#comments",
            body=text[:500],
            patient=plan.patient,
        )
    return comment

"""Reminder rules for objects in the pathways app (see pathways/reminders.py)."""

import datetime
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Membership, Organisation

from .dates import short_date, short_datetime
from .models import (
    ActionItem,
    BreakGlassAccess,
    CareTeamMember,
    Consent,
    CoordinatorAssignment,
    EttervernPlan,
    FollowUpAppointment,
    IndividualPlan,
    KommuneMessage,
    Meeting,
    Reminder,
    TreatmentEpisode,
)
from .reminders import Due, object_key, periodic, rule, unit_users

# ---------------------------------------------------------------------------------------
# Consent and break-the-glass (notifications). Other features append their rules below.
# ---------------------------------------------------------------------------------------

# How long after expiry a consent is still reported as "expired" (bounds the date range).
CONSENT_EXPIRED_WINDOW_DAYS = 7


def _consent_renewed():
    """A later consent in force for the same patient, unit and scope."""
    return Exists(
        Consent.objects.annotate(unit_key=Coalesce("unit_id", 0))
        .filter(
            patient_id=OuterRef("patient_id"),
            scope=OuterRef("scope"),
            unit_key=Coalesce(OuterRef("unit_id"), 0),
            withdrawn_at__isnull=True,
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=OuterRef("valid_until")))
    )


def _consent_recipients(consent):
    # A generator: the query runs only when the reminder is new (not on every sweep).
    if consent.recorded_by.is_active:
        yield consent.recorded_by
    if consent.unit_id:
        yield from unit_users([consent.unit_id], roles=[Membership.Role.COORDINATOR])


def _consent_due(consents, stage, title):
    for consent in consents:
        unit = consent.unit.name if consent.unit_id else _("no particular unit")
        when = formats.date_format(consent.valid_until, "SHORT_DATE_FORMAT")
        yield Due(
            obj=consent,
            stage=stage,
            title=title
            % {"date": when, "scope": consent.get_scope_display().lower(), "unit": unit},
            recipients=_consent_recipients(consent),
            url=reverse("pathways:patient_overview", args=[consent.patient_id]),
            patient=consent.patient,
        )


@rule("consent_expiring", label=gettext_lazy("Consent about to expire or expired"))
def consent_expiring(now):
    """Consent in force running out within 30 days, and consent that ran out (access ended)."""
    today = timezone.localdate(now)
    base = (
        Consent.objects.filter(withdrawn_at__isnull=True)
        .exclude(_consent_renewed())
        .select_related("patient", "unit", "recorded_by")
    )
    horizon = today + timedelta(days=settings.REMINDER_CONSENT_EXPIRY_DAYS)
    yield from _consent_due(
        base.filter(valid_until__gte=today, valid_until__lte=horizon),
        "30d",
        _("Consent (%(scope)s, %(unit)s) expires %(date)s: renew it or agree on an end"),
    )
    yield from _consent_due(
        base.filter(
            valid_until__lt=today,
            valid_until__gte=today - timedelta(days=CONSENT_EXPIRED_WINDOW_DAYS),
        ),
        "expired",
        _("Consent (%(scope)s, %(unit)s) expired %(date)s: access based on it has ended"),
    )


@rule("break_glass_unreviewed", label=gettext_lazy("Emergency access waiting for review"))
def break_glass_unreviewed(now):
    """Emergency access not reviewed two days after it was opened: to the unit's leaders."""
    cutoff = now - timedelta(days=settings.REMINDER_BREAK_GLASS_REVIEW_DAYS)
    grants = BreakGlassAccess.objects.filter(
        reviewed_at__isnull=True, granted_at__lte=cutoff
    ).select_related("user", "unit")
    for grant in grants:
        opened = formats.date_format(timezone.localtime(grant.granted_at), "SHORT_DATETIME_FORMAT")
        yield Due(
            obj=grant,
            stage="review",
            title=_("Emergency access by %(user)s on %(when)s is not reviewed")
            % {"user": grant.user.get_full_name() or grant.user.username, "when": opened},
            body=_("Unit: %(unit)s. Reason: %(reason)s. Explanation: %(explanation)s")
            % {
                "unit": grant.unit.name,
                "reason": grant.get_reason_display(),
                "explanation": grant.explanation,
            },
            recipients=unit_users([grant.unit_id], roles=[Membership.Role.LEADER]),
            url=reverse("breakglass_review"),
        )


# --- admission, discharge and ettervern --------------------------------------------------


def _kommune_units_of(patient_id):
    return (
        CareTeamMember.objects.active()
        .filter(patient_id=patient_id, unit__organisation__level=Organisation.Level.KOMMUNE)
        .values_list("unit_id", flat=True)
    )


def _kommune_side(patient_id):
    """The koordinator, else the kommune units' users: a generator, so the queries run only
    when the reminder is new."""
    from .services.discharge import kommune_recipients

    yield from kommune_recipients(patient_id, _kommune_units_of(patient_id))


def _both_sides(episode):
    yield from unit_users([episode.unit_id])
    yield from _kommune_side(episode.patient_id)


def _episode_url(episode) -> str:
    from django.urls import reverse

    return reverse("pathways:episode_detail", args=[episode.patient_id, episode.pk])


@periodic("kommune_moves_complete")
def kommune_moves_complete(now):
    """After the handover date the old kommune leaves the care team."""
    from .services.discharge import kommune_moves_complete_due

    return kommune_moves_complete_due(now)


@rule(
    "discharge_admission_notice",
    label=gettext_lazy("Notice of admission not sent within 24 hours"),
)
def admission_notice_overdue(now):
    """A døgn admission whose notice to the kommune is not sent 24 hours after admission."""
    episodes = (
        TreatmentEpisode.objects.filter(
            kind=TreatmentEpisode.Kind.DOGN,
            ended_at__isnull=True,
            started_at__lte=now - datetime.timedelta(hours=24),
            started_at__gte=now - datetime.timedelta(days=60),
        )
        .filter(
            ~Exists(
                KommuneMessage.objects.filter(
                    episode=OuterRef("pk"), kind=KommuneMessage.Kind.ADMISSION
                )
            )
        )
        .select_related("patient", "unit")
    )
    for episode in episodes:
        yield Due(
            obj=episode,
            stage="24h",
            title=_("Notice of admission not sent: %(name)s") % {"name": episode.patient},
            recipients=unit_users([episode.unit]),
            url=_episode_url(episode),
            patient=episode.patient,
            urgent=True,
        )


@rule(
    "discharge_unprepared",
    label=gettext_lazy("Discharge soon without a signed plan or the municipality told"),
)
def discharge_near_unprepared(now):
    """Planned discharge within 7 days without a signed ettervern plan or the kommune told."""
    today = timezone.localdate(now)
    episodes = (
        TreatmentEpisode.objects.filter(
            ended_at__isnull=True,
            planned_end__gte=today,
            planned_end__lte=today + datetime.timedelta(days=7),
        )
        .annotate(
            signed=Exists(
                EttervernPlan.objects.filter(
                    episode=OuterRef("pk"),
                    specialist_signed_at__isnull=False,
                    kommune_signed_at__isnull=False,
                )
            ),
            told=Exists(
                KommuneMessage.objects.filter(
                    episode=OuterRef("pk"), kind=KommuneMessage.Kind.READY
                )
            ),
        )
        .filter(Q(signed=False) | Q(told=False, kind=TreatmentEpisode.Kind.DOGN))
        .select_related("patient", "unit")
    )
    for episode in episodes:
        date = short_date(episode.planned_end)
        if not episode.signed:
            yield Due(
                obj=episode,
                stage="unsigned",
                title=_("Discharge %(date)s without a signed ettervern plan: %(name)s")
                % {"date": date, "name": episode.patient},
                recipients=_both_sides(episode),
                url=_episode_url(episode),
                patient=episode.patient,
            )
        if not episode.told and episode.kind == TreatmentEpisode.Kind.DOGN:
            yield Due(
                obj=episode,
                stage="kommune_not_told",
                title=_("Discharge %(date)s and the municipality is not told: %(name)s")
                % {"date": date, "name": episode.patient},
                recipients=unit_users([episode.unit]),
                url=_episode_url(episode),
                patient=episode.patient,
            )


@rule(
    "discharge_no_first_appointment",
    label=gettext_lazy("No first municipal appointment after discharge"),
)
def no_first_appointment(now):
    """Discharged from døgn or avrusning in the last 14 days, and no kommune appointment."""
    episodes = (
        TreatmentEpisode.objects.filter(
            ended_at__gte=now - datetime.timedelta(days=14),
            ended_at__lte=now,
            kind__in=[TreatmentEpisode.Kind.DOGN, TreatmentEpisode.Kind.AVRUSNING],
            end_kind__in=[
                TreatmentEpisode.EndKind.PLANNED,
                TreatmentEpisode.EndKind.UNPLANNED,
            ],
        )
        .filter(~Exists(FollowUpAppointment.objects.filter(episode=OuterRef("pk"))))
        .select_related("patient")
    )
    for episode in episodes:
        yield Due(
            obj=episode,
            stage="missing",
            title=_("No first municipal appointment after discharge: %(name)s")
            % {"name": episode.patient},
            recipients=_kommune_side(episode.patient_id),
            url=_episode_url(episode),
            patient=episode.patient,
        )


# --- Ansvarsgruppe: meetings and action items ---------------------------------------------


@rule("meeting_soon", label=gettext_lazy("Responsibility group meetings in two days"))
def meeting_soon(now):
    """Two days before a planned meeting: internal invitees are notified, externals emailed."""
    start = now + datetime.timedelta(days=2)
    meetings = (
        Meeting.objects.filter(state=Meeting.State.PLANNED, starts_at__gt=now, starts_at__lte=start)
        .select_related("patient")
        .prefetch_related("invitations__member__user")
    )
    for meeting in meetings:
        local = timezone.localtime(meeting.starts_at)
        with translation.override(settings.LANGUAGE_CODE):
            title = _("Responsibility group meeting %(when)s") % {"when": short_datetime(local)}
        invitations = list(meeting.invitations.all())
        _email_externals(meeting, invitations, title)
        yield Due(
            obj=meeting,
            stage=f"2d-{meeting.sequence}",
            title=title,
            recipients=[i.member.user for i in invitations if i.member.is_internal],
            url=reverse("pathways:meeting_detail", args=[meeting.patient_id, meeting.pk]),
            patient=meeting.patient,
        )


def _email_externals(meeting, invitations, title):
    """Once per invitation and meeting version: the reminder row is the claim."""
    for invitation in invitations:
        member = invitation.member
        if member.is_internal or not member.email:
            continue
        try:
            with transaction.atomic():
                Reminder.objects.create(
                    rule="meeting_soon_email",
                    object_key=object_key(invitation),
                    stage=f"2d-{meeting.sequence}",
                )
                with translation.override(settings.LANGUAGE_CODE):
                    lines = [title]
                    if meeting.place:
                        lines.append(_("Place: %(place)s") % {"place": meeting.place})
                    if meeting.digital_link:
                        lines.append(_("Digital link: %(link)s") % {"link": meeting.digital_link})
                message = EmailMessage(subject=title, body="\n".join(lines), to=[member.email])
                transaction.on_commit(message.send, robust=True)
        except IntegrityError:
            continue


def _responsible(item):
    if item.responsible_user_id is not None:
        return [item.responsible_user]
    # An external participant has no login: the group's leader follows it up.
    return [item.meeting.group.leader]


def _open_items():
    return ActionItem.objects.open().select_related(
        "responsible_user", "meeting__group__leader", "patient"
    )


@rule("action_item_due", label=gettext_lazy("Action items due tomorrow"))
def action_item_due(now):
    """The day before an action item falls due."""
    tomorrow = timezone.localdate(now) + datetime.timedelta(days=1)
    for item in _open_items().filter(due_date=tomorrow):
        yield Due(
            obj=item,
            stage="due-tomorrow",
            title=_("Action item due tomorrow: %(what)s") % {"what": item.what},
            recipients=_responsible(item),
            url=reverse("tasks"),
            patient=item.patient,
        )


@rule("action_item_overdue", label=gettext_lazy("Overdue action items"))
def action_item_overdue(now):
    """Overdue action items: once a week until done, to the responsible and the leader."""
    today = timezone.localdate(now)
    for item in _open_items().filter(due_date__lt=today):
        weeks = (today - item.due_date).days // 7
        recipients = {u.pk: u for u in _responsible(item) + [item.meeting.group.leader]}
        yield Due(
            obj=item,
            stage=f"overdue-w{weeks}",
            title=_("Overdue action item: %(what)s") % {"what": item.what},
            recipients=list(recipients.values()),
            url=reverse("pathways:meeting_detail", args=[item.patient_id, item.meeting_id]),
            patient=item.patient,
            urgent=weeks >= 2,
        )


# --- individual plan: revision due soon and overdue ---------------------------------------

PLAN_REVISION_WARNING_DAYS = 14
# An overdue plan is reminded once when it becomes overdue; plans long past their date were
# reminded then, so the sweep does not re-read an ever-growing tail.
PLAN_OVERDUE_LOOKBACK_DAYS = 60


def _plan_reminders(plans, *, stage: str, title: str, urgent: bool):
    plans = list(plans.select_related("patient", "owner_unit"))
    coordinators = {
        a.patient_id: a.user
        for a in CoordinatorAssignment.objects.active()
        .filter(patient_id__in=[p.patient_id for p in plans])
        .select_related("user")
    }
    roles = [Membership.Role.COORDINATOR, Membership.Role.LEADER]
    for plan in plans:
        coordinator = coordinators.get(plan.patient_id)
        recipients = (
            [coordinator] if coordinator is not None else unit_users([plan.owner_unit], roles=roles)
        )
        yield Due(
            obj=plan,
            stage=f"{stage}:{plan.next_revision_on.isoformat()}",
            title=title % {"date": formats.date_format(plan.next_revision_on, "j.n.Y")},
            recipients=recipients,
            url=reverse("pathways:plan", args=[plan.patient_id]),
            patient=plan.patient,
            urgent=urgent,
        )


@rule("plan_revision_soon", label=gettext_lazy("Individual plans due for revision"))
def plan_revision_soon(now):
    """Open plans whose revision date falls within the next 14 days."""
    today = timezone.localdate(now)
    plans = IndividualPlan.objects.exclude(status=IndividualPlan.Status.CLOSED).filter(
        next_revision_on__gte=today,
        next_revision_on__lte=today + datetime.timedelta(days=PLAN_REVISION_WARNING_DAYS),
    )
    return _plan_reminders(
        plans, stage="soon", title=_("Individual plan due for revision on %(date)s"), urgent=False
    )


@rule("plan_revision_overdue", label=gettext_lazy("Individual plans overdue for revision"))
def plan_revision_overdue(now):
    """Open plans whose revision date has passed."""
    today = timezone.localdate(now)
    plans = IndividualPlan.objects.exclude(status=IndividualPlan.Status.CLOSED).filter(
        next_revision_on__lt=today,
        next_revision_on__gte=today - datetime.timedelta(days=PLAN_OVERDUE_LOOKBACK_DAYS),
    )
    return _plan_reminders(
        plans,
        stage="overdue",
        title=_("Individual plan revision overdue since %(date)s"),
        urgent=True,
    )


# --- national patient pathway timers (TSB) ------------------------------------------------

# Timers older than this were reminded when they ran out; the rules do not re-read the tail.
PATHWAY_LOOKBACK_DAYS = 180
PATHWAY_TITLES = {
    "soon": {
        "decision": gettext_lazy("Clinical decision due within %(days)d days (day %(day)d)"),
        "first_evaluation": gettext_lazy("First evaluation due within %(days)d days (day %(day)d)"),
        "evaluation": gettext_lazy("Evaluation due within %(days)d days (day %(day)d)"),
        "after_detox": gettext_lazy(
            "Next treatment after detoxification due within %(days)d days (day %(day)d)"
        ),
    },
    "overdue": {
        "decision": gettext_lazy("Clinical decision past the pathway limit (day %(day)d)"),
        "first_evaluation": gettext_lazy("First evaluation past the pathway limit (day %(day)d)"),
        "evaluation": gettext_lazy("Evaluation past the pathway limit (day %(day)d)"),
        "after_detox": gettext_lazy(
            "No next treatment after detoxification within the limit (day %(day)d)"
        ),
    },
}


def _by_kind_limit(key, field, today):
    """Episodes whose ``field`` is old enough that the timer is within the warning days."""
    from .services.episode_timers import INPATIENT_KINDS, limit

    warn = settings.PATHWAY_WARNING_DAYS
    inpatient = limit(key, TreatmentEpisode.Kind.DOGN)
    outpatient = limit(key, TreatmentEpisode.Kind.POLIKLINIKK)
    return Q(
        kind__in=INPATIENT_KINDS, **{f"{field}__lte": today - timedelta(days=inpatient - warn)}
    ) | Q(
        ~Q(kind__in=INPATIENT_KINDS),
        **{f"{field}__lte": today - timedelta(days=outpatient - warn)},
    )


def _pathway_due(episodes, key, today):
    """The filters leave no evaluation (first evaluation) and no next treatment (after
    detoxification), so the timer is computed from the row alone."""
    from .services.episode_timers import timer_for

    for episode in episodes.select_related("patient", "unit"):
        timer = timer_for(episode, key, today=today)
        if timer.state not in ("soon", "overdue"):
            continue
        stage = "overdue" if timer.state == "overdue" else "soon"
        yield Due(
            obj=episode,
            stage=f"{key}:{stage}:{timer.start.isoformat()}",
            title=PATHWAY_TITLES[stage][key]
            % {"days": max(timer.limit - timer.day, 0), "day": timer.day},
            recipients=unit_users([episode.unit_id]),
            url=_episode_url(episode),
            patient=episode.patient,
        )


@rule("pathway_decision", label=gettext_lazy("Pathway: clinical decision due"))
def pathway_decision(now):
    today = timezone.localdate(now)
    episodes = TreatmentEpisode.objects.filter(
        _by_kind_limit("decision", "first_attendance_on", today),
        ended_at__isnull=True,
        clinical_decision_on__isnull=True,
        first_attendance_on__gte=today - timedelta(days=PATHWAY_LOOKBACK_DAYS),
    )
    return _pathway_due(episodes, "decision", today)


@rule("pathway_first_evaluation", label=gettext_lazy("Pathway: first evaluation due"))
def pathway_first_evaluation(now):
    from .services.episode_timers import limit

    today = timezone.localdate(now)
    days = limit("first_evaluation", TreatmentEpisode.Kind.DOGN) - settings.PATHWAY_WARNING_DAYS
    episodes = TreatmentEpisode.objects.filter(
        ended_at__isnull=True,
        last_evaluation_on__isnull=True,
        clinical_decision_on__lte=today - timedelta(days=days),
        clinical_decision_on__gte=today - timedelta(days=PATHWAY_LOOKBACK_DAYS),
    )
    return _pathway_due(episodes, "first_evaluation", today)


@rule("pathway_evaluation", label=gettext_lazy("Pathway: evaluation due"))
def pathway_evaluation(now):
    today = timezone.localdate(now)
    episodes = TreatmentEpisode.objects.filter(
        _by_kind_limit("evaluation", "last_evaluation_on", today),
        ended_at__isnull=True,
        last_evaluation_on__gte=today - timedelta(days=PATHWAY_LOOKBACK_DAYS),
    )
    return _pathway_due(episodes, "evaluation", today)


@rule("pathway_after_detox", label=gettext_lazy("Pathway: next treatment after detoxification"))
def pathway_after_detox(now):
    from .services.episode_timers import limit

    days = limit("after_detox", TreatmentEpisode.Kind.AVRUSNING) - settings.PATHWAY_WARNING_DAYS
    today = timezone.localdate(now)
    episodes = (
        TreatmentEpisode.objects.filter(
            kind=TreatmentEpisode.Kind.AVRUSNING,
            ended_at__gte=now - timedelta(days=PATHWAY_LOOKBACK_DAYS),
            ended_at__lt=now - timedelta(days=days - 1),
        )
        .exclude(end_kind=TreatmentEpisode.EndKind.TRANSFERRED)
        .filter(
            ~Exists(
                TreatmentEpisode.objects.filter(
                    patient_id=OuterRef("patient_id"), started_at__gte=OuterRef("ended_at")
                ).exclude(pk=OuterRef("pk"))
            )
        )
    )
    return _pathway_due(episodes, "after_detox", today)

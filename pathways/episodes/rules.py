"""Reminder rules of admission, discharge, ettervern and the pathway timers."""

import datetime
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organisation
from pathways.dates import short_date
from pathways.episodes.services import kommune_moves_complete_due, kommune_recipients
from pathways.episodes.timers import INPATIENT_KINDS, limit, timer_for
from pathways.models import (
    CareTeamMember,
    EttervernPlan,
    FollowUpAppointment,
    KommuneMessage,
    TreatmentEpisode,
)
from pathways.notifications.reminders import Due, periodic, rule, unit_users

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
    yield from kommune_recipients(patient_id, _kommune_units_of(patient_id))


def _both_sides(episode):
    yield from unit_users([episode.unit_id])
    yield from _kommune_side(episode.patient_id)


def _episode_url(episode) -> str:
    return reverse("pathways:episode_detail", args=[episode.patient_id, episode.pk])


def _episode_due(episode, stage: str, title, recipients, **kwargs) -> Due:
    """What is due on an episode, linked to the episode page."""
    return Due(
        obj=episode,
        stage=stage,
        title=title,
        recipients=recipients,
        url=_episode_url(episode),
        patient=episode.patient,
        **kwargs,
    )


@periodic("kommune_moves_complete")
def kommune_moves_complete(now):
    """After the handover date the old kommune leaves the care team."""
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
        yield _episode_due(
            episode,
            "24h",
            _("Notice of admission not sent: %(name)s") % {"name": episode.patient},
            unit_users([episode.unit]),
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
            yield _episode_due(
                episode,
                "unsigned",
                _("Discharge %(date)s without a signed ettervern plan: %(name)s")
                % {"date": date, "name": episode.patient},
                _both_sides(episode),
            )
        if not episode.told and episode.kind == TreatmentEpisode.Kind.DOGN:
            yield _episode_due(
                episode,
                "kommune_not_told",
                _("Discharge %(date)s and the municipality is not told: %(name)s")
                % {"date": date, "name": episode.patient},
                unit_users([episode.unit]),
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
        yield _episode_due(
            episode,
            "missing",
            _("No first municipal appointment after discharge: %(name)s")
            % {"name": episode.patient},
            _kommune_side(episode.patient_id),
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
    for episode in episodes.select_related("patient", "unit"):
        timer = timer_for(episode, key, today=today)
        if timer.state not in ("soon", "overdue"):
            continue
        stage = "overdue" if timer.state == "overdue" else "soon"
        yield _episode_due(
            episode,
            f"{key}:{stage}:{timer.start.isoformat()}",
            PATHWAY_TITLES[stage][key]
            % {"days": max(timer.limit - timer.day, 0), "day": timer.day},
            unit_users([episode.unit_id]),
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


@rule("pathway_after_detox", label=gettext_lazy("Pathway: next treatment due"))
def pathway_after_detox(now):
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

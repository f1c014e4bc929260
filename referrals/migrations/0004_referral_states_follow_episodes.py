"""Referrals left behind by the old flow take the state the new flow gives them.

Before admission and discharge moved the referral (``on_episode_started`` /
``on_episode_ended`` in referrals/services.py), a stay started on the episode page left the
granted referral on the waiting list, with its frist countdown and reminders, and a discharge
left "treatment started" open. This migration does once what those hooks now do:

1. a stay (not a transfer's continuation) that no referral carries takes the patient's granted
   referral to the same unit, else to the same organisation, received by the day of the start
   (the earliest frist first): treatment started on that day, linked;
2. a granted referral already linked to a stay: treatment started on the stay's first day;
3. a referral whose stay (followed through transfers) has ended: treatment completed, linked
   to the last stay.

Each change raises the version, adds a line to the referral's timeline and an audit event
(basis system). Going back leaves the states as they are: the old states were wrong.
"""

from django.db import migrations
from django.db.models import F
from django.utils import timezone

NOTE = "Data migration: the referral follows its treatment episode"


def _last_stay(TreatmentEpisode, episode):
    """The stay at the end of ``episode``'s transfers."""
    seen = {episode.pk}
    while episode.transferred_to_id and episode.transferred_to_id not in seen:
        episode = TreatmentEpisode.objects.select_related("unit").get(pk=episode.transferred_to_id)
        seen.add(episode.pk)
    return episode


def move_referrals(apps, schema_editor=None) -> dict:
    Referral = apps.get_model("referrals", "Referral")
    ReferralEvent = apps.get_model("referrals", "ReferralEvent")
    TreatmentEpisode = apps.get_model("pathways", "TreatmentEpisode")
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    counts = {"started": 0, "completed": 0}

    def record(referral, kind, text, fields):
        Referral.objects.filter(pk=referral.pk).update(
            version=F("version") + 1, **{f: getattr(referral, f) for f in fields}
        )
        ReferralEvent.objects.create(referral_id=referral.pk, kind=kind, text=text)
        AuditEvent.objects.create(
            action="update",
            basis="system",
            patient_id=referral.patient_id,
            object_type="referrals.referral",
            object_id=str(referral.pk),
            detail=f"{NOTE} ({kind})",
        )

    def start(referral, episode):
        on = timezone.localdate(episode.started_at)
        referral.state = "treatment_started"
        referral.treatment_started_on = referral.treatment_started_on or on
        referral.treatment_episode_id = episode.pk
        record(
            referral,
            "treatment_started",
            referral.treatment_started_on.strftime("%d.%m.%Y"),
            ["state", "treatment_started_on", "treatment_episode_id"],
        )
        counts["started"] += 1

    carried = set(
        Referral.objects.filter(treatment_episode__isnull=False).values_list(
            "treatment_episode_id", flat=True
        )
    )
    continuations = set(
        TreatmentEpisode.objects.filter(transferred_to__isnull=False).values_list(
            "transferred_to_id", flat=True
        )
    )
    stays = (
        TreatmentEpisode.objects.exclude(pk__in=carried | continuations)
        .select_related("unit")
        .order_by("started_at", "pk")
    )
    for episode in stays:
        candidates = Referral.objects.filter(
            patient_id=episode.patient_id,
            receiving_unit__organisation_id=episode.unit.organisation_id,
            state="granted",
            treatment_episode__isnull=True,
            received_on__lte=timezone.localdate(episode.started_at),
        ).order_by("start_deadline", "pk")
        referral = candidates.filter(receiving_unit_id=episode.unit_id).first()
        referral = referral or candidates.first()
        if referral is not None:
            start(referral, episode)

    for referral in Referral.objects.filter(state="granted", treatment_episode__isnull=False):
        start(referral, TreatmentEpisode.objects.get(pk=referral.treatment_episode_id))

    carried = set(
        Referral.objects.filter(treatment_episode__isnull=False).values_list(
            "treatment_episode_id", flat=True
        )
    )
    for referral in Referral.objects.filter(
        state="treatment_started", treatment_episode__isnull=False
    ):
        first = TreatmentEpisode.objects.select_related("unit").get(
            pk=referral.treatment_episode_id
        )
        last = _last_stay(TreatmentEpisode, first)
        fields = []
        if last.pk != first.pk and last.pk not in carried:
            referral.treatment_episode_id = last.pk
            carried.add(last.pk)
            fields.append("treatment_episode_id")
        if last.ended_at is None:
            if fields:
                record(referral, "episode_linked", last.unit.name, fields)
            continue
        referral.state = "completed"
        referral.ended_at = referral.ended_at or last.ended_at
        record(
            referral,
            "completed",
            str(last.get_end_kind_display()) if last.end_kind else "",
            [*fields, "state", "ended_at"],
        )
        counts["completed"] += 1
    return counts


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0003_referral_completed_and_episode_link_states"),
        ("pathways", "0012_kommune_message_moved_kind"),
        ("accounts", "0004_audit_lookup"),
    ]

    operations = [migrations.RunPython(move_referrals, migrations.RunPython.noop)]

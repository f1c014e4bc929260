"""Load data for benchmarks: referrals in every state, with a realistic waiting list.

Called by ``manage.py seed_load`` (pathways/patients/load.py LOAD_EXTENSIONS) with the ``Load``
object. About a third of the kommune patients are referred to a specialist unit; a sent
referral puts the receiving unit on the care team (as ``referral_receive`` does), so the
specialists' worklists and waiting lists fill as they would in service.
"""

import datetime
import uuid

from django.contrib.auth.models import Permission

from pathways.models import CareTeamMember, Patient, PatientGroupObjectPermission
from pathways.patients.load import Load, _bulk
from referrals.models import Referral, ReferralEvent

State = Referral.State
Kind = ReferralEvent.Kind

# Where each kommune unit refers to, with weights.
TARGETS = {
    "vadso_rus": [("unn_inntak", 6), ("unn_dogn", 2), ("unn_lar", 1), ("fk_dogn", 1)],
    "sarpsborg_rus": [("so_tsb", 4), ("vv_tsb", 4), ("vv_dps", 1)],
    "sarpsborg_fact": [("so_tsb", 3), ("vv_tsb", 3)],
}

# State mix of the referrals (weights).
STATES = [
    (State.DRAFT, 4),
    (State.RECEIVED, 10),
    (State.UNDER_ASSESSMENT, 8),
    (State.GRANTED, 30),
    (State.REJECTED, 8),
    (State.WITHDRAWN, 4),
    (State.TREATMENT_STARTED, 24),
    (State.CLOSED, 12),
]

REASONS = [
    (
        "Økende bruk av alkohol siste halvår, mistet jobben i vår. Ønsker hjelp til å slutte.",
        "Vurdering av behov for spesialisert rusbehandling (TSB), poliklinisk eller døgn.",
        "Alkohol daglig, 10–15 enheter. Benzodiazepiner av og til.",
    ),
    (
        "Langvarig opioidavhengighet, flere overdoser siste år. Motivert for LAR.",
        "Vurdering for legemiddelassistert rehabilitering.",
        "Heroin og illegale metadon; injiserer. Hepatitt C behandlet 2022.",
    ),
    (
        "Cannabis og amfetamin, angst og søvnvansker. Har droppet ut av skolen.",
        "Utredning av psykisk helse og rusbehandling for ung voksen.",
        "Cannabis daglig, amfetamin i helger.",
    ),
    (
        "Tilbakefall etter døgnbehandling, bor alene og har lite nettverk.",
        "Ny vurdering av døgnbehandling, eventuelt poliklinisk oppfølging.",
        "Alkohol periodevis, siste periode tre uker.",
    ),
]

REJECTION = (
    "Vilkårene for rett til nødvendig helsehjelp er ikke oppfylt; anbefaler oppfølging i kommunen."
)


def _weighted(rng, choices):
    total = sum(weight for _, weight in choices)
    pick = rng.uniform(0, total)
    for value, weight in choices:
        pick -= weight
        if pick <= 0:
            return value
    return choices[-1][0]


def seed(load: Load) -> None:
    demo, rng, today = load.demo, load.rng, load.today
    units = demo.units
    view = Permission.objects.get(codename="view_patient", content_type__app_label="pathways")
    change = Permission.objects.get(codename="change_patient", content_type__app_label="pathways")
    on_team = {(pid, key) for key, ids in load.by_unit.items() for pid in ids}
    births = dict(
        Patient.objects.filter(pk__range=load.bulk_patient_range()).values_list("pk", "birth_date")
    )
    first_unit = {}
    for key in TARGETS:
        for pid in load.by_unit.get(key, []):
            first_unit.setdefault(pid, key)
    referrals, members, grants = [], [], []
    now = datetime.datetime.combine(today, datetime.time(9), tzinfo=datetime.UTC)
    for pid, source in first_unit.items():
        if rng.random() > 0.35:
            continue
        target = _weighted(rng, TARGETS[source])
        state = _weighted(rng, STATES)
        sent_days_ago = rng.randrange(2, 400) if state not in (State.RECEIVED,) else 0
        if state in (State.RECEIVED, State.UNDER_ASSESSMENT):
            sent_days_ago = rng.randrange(0, 14)
        elif state == State.GRANTED:
            sent_days_ago = rng.randrange(14, 120)
        sent_on = today - datetime.timedelta(days=sent_days_ago)
        birth = births[pid]
        age = (today - birth).days // 365
        reason, question, substances = REASONS[rng.randrange(len(REASONS))]
        referrers = load.unit_users.get(source) or [demo.first_user(source).pk]
        receivers = load.unit_users.get(target) or [demo.first_user(target).pk]
        referral = Referral(
            patient_id=pid,
            referring_unit=units[source],
            referred_by_id=referrers[rng.randrange(len(referrers))],
            receiving_unit=units[target],
            state=state,
            reason=reason,
            question=question,
            substance_use=substances,
            urgency=Referral.Urgency.URGENT if rng.random() < 0.1 else Referral.Urgency.ORDINARY,
            consent_given_on=sent_on,
            under_23=age < 23,
            chain=uuid.UUID(int=rng.getrandbits(128)),
            created_at=now - datetime.timedelta(days=sent_days_ago + rng.randrange(0, 3)),
        )
        if state != State.DRAFT:
            referral.sent_at = now - datetime.timedelta(days=sent_days_ago)
            referral.seniority_date = sent_on
            referral.received_on = sent_on
            referral.assessment_due = sent_on + datetime.timedelta(days=14)
        if state not in (State.DRAFT, State.RECEIVED, State.UNDER_ASSESSMENT, State.WITHDRAWN):
            assessed = sent_on + datetime.timedelta(days=rng.randrange(3, 14))
            referral.assessed_at = now - datetime.timedelta(days=(today - assessed).days)
            referral.assessed_by_id = receivers[rng.randrange(len(receivers))]
        if state in (State.GRANTED, State.TREATMENT_STARTED, State.CLOSED):
            # Some frister have passed (fristbrudd), most lie ahead.
            referral.start_deadline = sent_on + datetime.timedelta(days=rng.randrange(30, 140))
            referral.help_kind = rng.choice(list(Referral.HelpKind.values))
        if state in (State.TREATMENT_STARTED, State.CLOSED):
            started = min(today, referral.start_deadline - datetime.timedelta(days=5))
            referral.treatment_started_on = max(started, sent_on)
        if state == State.CLOSED:
            referral.closed_reason = "Behandlingen er avsluttet."
            referral.ended_at = now - datetime.timedelta(days=rng.randrange(0, 30))
        if state == State.REJECTED:
            referral.rejection_reason = REJECTION
            referral.ended_at = referral.assessed_at
            referral.access_ends_on = sent_on + datetime.timedelta(days=30)
            if referral.access_ends_on < today:
                referral.access_ended_at = now
        if state == State.WITHDRAWN:
            referral.withdrawn_reason = "Pasienten ønsker ikke behandling nå."
            referral.ended_at = now
            referral.access_ends_on = today + datetime.timedelta(days=10)
        if state == State.UNDER_ASSESSMENT:
            referral.assessment_started_at = referral.sent_at + datetime.timedelta(hours=20)
        referrals.append(referral)
        keeps_access = state != State.DRAFT and referral.access_ended_at is None
        if keeps_access and (pid, target) not in on_team:
            on_team.add((pid, target))
            load.by_unit.setdefault(target, []).append(pid)
            members.append(
                CareTeamMember(
                    patient_id=pid,
                    unit=units[target],
                    role=CareTeamMember.Role.TREATING,
                    basis=CareTeamMember.Basis.REFERRAL,
                    started_at=referral.sent_at,
                    added_by_id=referral.referred_by_id,
                )
            )
            for permission in (view, change):
                grants.append(
                    PatientGroupObjectPermission(
                        group_id=units[target].group_id,
                        permission=permission,
                        content_object_id=pid,
                    )
                )
    _bulk(Referral, referrals)
    _bulk(CareTeamMember, members)
    _bulk(PatientGroupObjectPermission, grants)
    _bulk(ReferralEvent, _events(referrals))
    counts = {}
    for referral in referrals:
        counts[str(referral.state)] = counts.get(str(referral.state), 0) + 1
    load.log(f"  referrals: {len(referrals)} {counts}; care-team members added: {len(members)}")


def _events(referrals):
    for r in referrals:
        yield ReferralEvent(
            referral=r,
            at=r.created_at,
            user_id=r.referred_by_id,
            unit=r.referring_unit,
            kind=Kind.CREATED,
        )
        if r.sent_at is None:
            continue
        yield ReferralEvent(
            referral=r,
            at=r.sent_at,
            user_id=r.referred_by_id,
            unit=r.referring_unit,
            kind=Kind.SENT,
        )
        yield ReferralEvent(referral=r, at=r.sent_at, unit=r.receiving_unit, kind=Kind.RECEIVED)
        if r.assessment_started_at:
            yield ReferralEvent(
                referral=r,
                at=r.assessment_started_at,
                unit=r.receiving_unit,
                kind=Kind.ASSESSMENT_STARTED,
            )
        if r.assessed_at:
            kind = Kind.REJECTED if r.state == State.REJECTED else Kind.GRANTED
            yield ReferralEvent(
                referral=r,
                at=r.assessed_at,
                user_id=r.assessed_by_id,
                unit=r.receiving_unit,
                kind=kind,
            )
        if r.state == State.WITHDRAWN:
            yield ReferralEvent(
                referral=r,
                at=r.ended_at,
                unit=r.referring_unit,
                kind=Kind.WITHDRAWN,
                text=r.withdrawn_reason,
            )


def open_items() -> dict:
    """Referrals the sweep's rules look at (pathways/patients/load.py OPEN_ITEM_COUNTS)."""
    return {"referrals": Referral.objects.filter(state__in=Referral.ACTIVE).count()}

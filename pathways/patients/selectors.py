"""Read-side queries, scoped and prefetched for their pages."""

import datetime

from django.db import connection
from django.db.models import Count, Exists, Max, Min, OuterRef, Q
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from accounts.models import AuditEvent
from config.prepared import PreparedRows, prepared
from pathways import access
from pathways.access import patients_of_unit
from pathways.jsonrows import instance, rows
from pathways.models import (
    CareTeamMember,
    Consent,
    CrisisContact,
    GroupMember,
    IndividualPlan,
    NextOfKin,
    Participant,
    Patient,
)


def patient_list(unit, query: str = ""):
    patients = patients_of_unit(unit).select_related("home_kommune")
    query = query.strip()
    if query:
        digits = "".join(query.split())
        if digits.isdigit():
            patients = patients.filter(national_id__startswith=digits)
        else:
            for word in query.split():
                patients = patients.filter(
                    Q(first_name__icontains=word) | Q(last_name__icontains=word)
                )
    return patients


@prepared(shape=("offset", "limit"))
def _unit_patients_page(group_id, offset, limit):
    return access.patients_of_group(group_id).select_related("home_kommune")[
        offset : offset + limit
    ]


def patient_pages(unit, query: str = ""):
    """``patient_list`` for the paginator: without a search each page is one prepared query
    and the count is the unit's grants'."""
    if query.strip():
        return patient_list(unit, query)
    return PreparedRows(
        lambda offset, limit: _unit_patients_page(
            group_id=unit.group_id, offset=offset, limit=limit
        ),
        lambda: access.unit_patient_count(unit),
    )


def with_care_team_names(patients) -> list:
    """The page's patients, each with ``care_team_names``: the units on its active care team
    (one query for the page, read as values, not three model instances per member)."""
    patients = list(patients)
    names: dict[int, list[str]] = {patient.pk: [] for patient in patients}
    members = CareTeamMember.objects.active().filter(patient_id__in=names)
    for patient_id, unit_name in members.values_list("patient_id", "unit__name"):
        names[patient_id].append(unit_name)
    for patient in patients:
        patient.care_team_names = names[patient.pk]
    return patients


def care_team_for(patient):
    return (
        CareTeamMember.objects.filter(patient=patient)
        .select_related("unit__organisation", "consent", "added_by")
        .order_by("ended_at", "started_at")
    )


def consents_for(patient):
    return Consent.objects.filter(patient=patient).select_related(
        "unit__organisation", "recorded_by", "withdrawn_by"
    )


# What the overview shows of each row's unit (and its organisation).
OVERVIEW_TEAM = {"unit": ("name", "organisation_id", {"organisation": ("name",)})}
OVERVIEW_CONSENT = {"unit": ("name",)}


def overview_rows(patient_id) -> tuple[list, list, list]:
    """The patient's care team (members now), consents in force and next of kin, for the
    overview: on PostgreSQL in one query (``pathways.jsonrows``), elsewhere in three."""
    if connection.vendor != "postgresql":
        team = care_team_for(patient_id).filter(ended_at__isnull=True)
        consents = consents_for(patient_id)
        kin = NextOfKin.objects.filter(patient_id=patient_id)
    else:
        row = _overview_rows(patient_id=patient_id)[0]
        team = [instance(CareTeamMember, d, OVERVIEW_TEAM) for d in row["team"]]
        consents = [instance(Consent, d, OVERVIEW_CONSENT) for d in row["consents"]]
        kin = [instance(NextOfKin, d) for d in row["kin"]]
    return list(team), [c for c in consents if c.is_in_force], list(kin)


@prepared
def _overview_rows(patient_id):
    return (
        Patient.objects.filter(pk=patient_id)
        .values("pk")
        .annotate(
            team=rows(
                CareTeamMember.objects.filter(
                    patient_id=patient_id, ended_at__isnull=True
                ).order_by("started_at", "id"),
                OVERVIEW_TEAM,
            ),
            consents=rows(
                Consent.objects.filter(patient_id=patient_id).order_by(*Consent._meta.ordering),
                OVERVIEW_CONSENT,
            ),
            kin=rows(
                NextOfKin.objects.filter(patient_id=patient_id).order_by(*NextOfKin._meta.ordering)
            ),
        )
    )


def find_by_national_id(actor, number: str) -> tuple[Patient | None, bool]:
    """The patient with this national id (only its key) and whether the actor may open it."""
    patient = Patient.objects.filter(national_id=number).only("pk").first()
    if patient is None:
        return None, False
    return patient, access.access_basis(actor.user, actor.unit, patient.pk) is not None


def access_log_events(patient, *, fra=None, til=None, enhet=None):
    """The patient's access log, narrowed to a period (whole days) and a unit."""
    events = AuditEvent.objects.filter(patient_id=patient.pk).select_related(
        "user", "unit__organisation"
    )
    tz = timezone.get_current_timezone()
    if fra:
        events = events.filter(at__gte=datetime.datetime.combine(fra, datetime.time(), tz))
    if til:
        day_after = til + datetime.timedelta(days=1)
        events = events.filter(at__lt=datetime.datetime.combine(day_after, datetime.time(), tz))
    if enhet:
        events = events.filter(unit=enhet)
    return events


# What counts as reading and as changing in the access log's summary (the rest: refusals,
# look-ups, log-ins are counted as "other").
LOG_READS = (AuditEvent.Action.VIEW, AuditEvent.Action.PRINT, AuditEvent.Action.EXPORT)
LOG_CHANGES = (AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE, AuditEvent.Action.DELETE)
_WHO = ("user__first_name", "user__last_name", "user__username", "unit__name")
_WHO_ORG = "unit__organisation__name"


def access_log_summary(events):
    """Per month, person, unit and basis: how many times they read and changed. One query."""
    tz = timezone.get_current_timezone()
    return (
        events.order_by()
        .annotate(month=TruncMonth("at", tzinfo=tz))
        .values("month", "user_id", "unit_id", *_WHO, _WHO_ORG, "basis")
        .annotate(
            total=Count("id"),
            reads=Count("id", filter=Q(action__in=LOG_READS)),
            changes=Count("id", filter=Q(action__in=LOG_CHANGES)),
        )
        .order_by("-month", "-total", "user__last_name", "unit__name")
    )


def access_log_groups(events):
    """The events of a period in groups of the same day, person, unit, basis and thing done,
    with their count and first and last time: a busy year is thousands of events but a few
    hundred groups, and the PDF lays out groups, not events. One query."""
    tz = timezone.get_current_timezone()
    return (
        events.order_by()
        .annotate(day=TruncDate("at", tzinfo=tz))
        .values("day", "user_id", *_WHO, _WHO_ORG, "basis", "action", "object_type", "detail")
        .annotate(n=Count("id"), first=Min("at"), last=Max("at"))
        .order_by("-day", "-last")
    )


def people_of(patient):
    """The patient's register with where each person takes part now (one query)."""
    person = OuterRef("pk")
    return NextOfKin.objects.filter(patient=patient).annotate(
        in_plan=Exists(
            Participant.objects.filter(next_of_kin=person).exclude(
                plan__status=IndividualPlan.Status.CLOSED
            )
        ),
        in_group=Exists(GroupMember.objects.active().filter(next_of_kin=person)),
        in_crisis_plan=Exists(CrisisContact.objects.filter(next_of_kin=person)),
    )

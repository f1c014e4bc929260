"""Read side: the access gate for one referral and the unit's lists, scoped and prefetched."""

import datetime

from django.db import connection
from django.db.models import Count, Q, Value
from django.http import Http404
from django.utils import timezone

from accounts import audit
from config.prepared import PreparedRows, one, prepared
from pathways.access import get_patient_for_user, unit_patient_exists_by
from pathways.workdays import add_working_days
from referrals.models import Referral, ReferralEvent, TabCount

State = Referral.State

INCOMING = "innkommende"
WAITING = "venteliste"
SENT = "sendt"
TABS = (INCOMING, WAITING, SENT)


def get_referral_for_user(user, unit, pk, *, for_edit: bool = False, record_read: bool = True):
    """The one gate to a referral: 404 for outsiders (and for other units' drafts), 403 when
    the patient is only readable and a change is asked for. GETs write the read audit event."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    referral = (
        Referral.objects.select_related(
            "referring_unit__organisation",
            "receiving_unit__organisation",
            "referred_by",
            "assessed_by",
            "frist_at_risk_by",
            "helfo_notified_by",
            "forwarded_from__receiving_unit",
            "forwarded_to__receiving_unit",
            "place__unit__organisation",
            "wished_place__unit",
        )
        .filter(pk=pk)
        .first()
    )
    if referral is None or not user.is_authenticated:
        raise Http404
    if referral.is_draft and (unit is None or referral.referring_unit_id != unit.pk):
        raise Http404
    patient = get_patient_for_user(user, referral.patient_id, unit=unit, for_edit=for_edit)
    referral.patient = patient
    if record_read:
        audit.record(
            user=user,
            unit=unit,
            action=audit.Action.VIEW,
            patient=patient,
            obj=referral,
            basis=patient.access_basis,
        )
    return referral


def timeline(referral):
    """The referral's own events and those of the referrals it was forwarded from."""
    return (
        ReferralEvent.objects.filter(
            referral__chain=referral.chain, referral__depth__lte=referral.depth
        )
        .select_related("user", "unit", "referral__receiving_unit")
        .order_by("at", "id")
    )


# The referral's free texts: no list row shows them, and a page of fifty would fetch and
# decode every one. (A row that used one would cost a query per row: the tests that pin each
# tab's queries would fail.)
LIST_DEFERRED = (
    "reason",
    "question",
    "substance_use",
    "mental_health",
    "existing_services",
    "patient_wishes",
    "rejection_reason",
    "withdrawn_reason",
    "placement_reason",
)


def _base(group_id):
    # A page of the list probes the grants row by row; the tab counts hash them instead.
    return (
        Referral.objects.filter(unit_patient_exists_by(group_id))
        .select_related("patient", "referring_unit__organisation", "receiving_unit__organisation")
        .defer(*LIST_DEFERRED)
    )


@prepared
def _tab_counts(unit_id, group_id):
    # Only the rows some tab counts: the receiving unit's closed and rejected referrals,
    # most of them in a unit that has worked for years, are left out before the access check.
    receiving = Q(receiving_unit_id=unit_id)
    counted = receiving & Q(state__in=[*Referral.AWAITING_ASSESSMENT, State.GRANTED]) | Q(
        referring_unit_id=unit_id
    )
    # The access check as a probe per counted row (not a hash of every grant of the unit):
    # the rows counted are a few thousand at most, the unit's grants may be a hundred thousand.
    # Grouped by a constant (which PostgreSQL needs no GROUP BY for): one row of counts,
    # from a queryset, so that it can be prepared.
    return (
        Referral.objects.filter(counted, unit_patient_exists_by(group_id))
        .order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(
            **{
                INCOMING: Count("pk", filter=receiving & Q(state__in=Referral.AWAITING_ASSESSMENT)),
                WAITING: Count("pk", filter=receiving & Q(state=State.GRANTED)),
                SENT: Count("pk", filter=Q(referring_unit_id=unit_id)),
            }
        )
        .values(*TABS)
    )


def tab_counts(unit) -> dict:
    """The three tab counts. On PostgreSQL they are kept (``TabCount``): one read while
    nothing they depend on has changed, a count and a store after a change. Elsewhere (the
    embedded demo) they are counted each time."""
    return tab_state(unit)[0]


def tab_state(unit) -> tuple[dict, int | None]:
    """``tab_counts`` and the version of the unit's list rows (``TabCount.rows_generation``),
    from the same read; the version is None where none is kept (not PostgreSQL, no row)."""
    if unit is None:
        return dict.fromkeys(TABS, 0), None
    if connection.vendor != "postgresql":
        return _tab_counts(unit_id=unit.pk, group_id=unit.group_id)[0], None
    kept = one(_kept_tab_counts(unit_id=unit.pk))
    if kept is None:
        # No row: the unit is newer than the kept counts and no referral or grant of it has
        # changed since (each change makes the row), so there is nothing to count.
        return dict.fromkeys(TABS, 0), None
    generation, counted, rows_generation, *numbers = kept
    if counted == generation:
        return dict(zip(TABS, numbers, strict=True)), rows_generation
    counts = _tab_counts(unit_id=unit.pk, group_id=unit.group_id)[0]
    _store_tab_counts(unit.pk, generation, counts)
    return counts, rows_generation


@prepared
def _kept_tab_counts(unit_id):
    return TabCount.objects.filter(unit_id=unit_id).values_list(
        "generation", "counted_generation", "rows_generation", "incoming", "waiting", "sent"
    )


def _store_tab_counts(unit_id, generation, counts) -> None:
    # Counted after reading ``generation`` (a later snapshot), so the counts include at least
    # every change up to it. A writer still holding the row has raised the generation past
    # it; the store is skipped rather than waited for (SKIP LOCKED), and the next reader
    # counts again. An older count never replaces a newer one.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE referrals_tabcount SET counted_generation = %s,"
            " incoming = %s, waiting = %s, sent = %s"
            " WHERE unit_id = (SELECT unit_id FROM referrals_tabcount"
            " WHERE unit_id = %s FOR UPDATE SKIP LOCKED) AND counted_generation < %s",
            [generation, counts[INCOMING], counts[WAITING], counts[SENT], unit_id, generation],
        )


def _tab(unit_id, group_id, tab, state, start_by, assess_by, under_23):
    """The rows of one tab, sorted as the tab promises (keys and dates: a builder for
    ``config.prepared``)."""
    referrals = _base(group_id)
    if tab == INCOMING:
        referrals = referrals.filter(
            receiving_unit_id=unit_id, state__in=Referral.AWAITING_ASSESSMENT
        ).order_by("assessment_due", "received_on", "pk")
    elif tab == WAITING:
        referrals = referrals.filter(receiving_unit_id=unit_id, state=State.GRANTED).order_by(
            "-under_23", "start_deadline", "pk"
        )
    else:
        referrals = referrals.filter(referring_unit_id=unit_id).order_by("-created_at", "-pk")
    if state is not None:
        referrals = referrals.filter(state=state)
    if start_by is not None:
        referrals = referrals.filter(start_deadline__lte=start_by)
    if assess_by is not None:
        # Assessment deadlines count working days.
        referrals = referrals.filter(
            assessment_due__lte=assess_by, state__in=Referral.AWAITING_ASSESSMENT
        )
    if under_23:
        referrals = referrals.filter(under_23=True)
    return referrals


@prepared(shape=("tab", "offset", "limit"))
def _tab_page(offset, limit, **arguments):
    return _tab(**arguments)[offset : offset + limit]


def _tab_arguments(unit, tab, state, due_within, under_23) -> dict:
    today = timezone.localdate()
    start_by = assess_by = None
    if due_within is not None:
        if tab == WAITING:
            start_by = today + datetime.timedelta(days=due_within)
        else:
            assess_by = add_working_days(today, due_within)
    return {
        "unit_id": unit.pk,
        "group_id": unit.group_id,
        "tab": tab,
        "state": state or None,
        "start_by": start_by,
        "assess_by": assess_by,
        "under_23": under_23,
    }


def unit_referrals(
    unit, tab: str, *, state: str = "", due_within: int | None = None, under_23: bool = False
):
    """The rows of one tab, sorted as the tab promises."""
    if unit is None:
        return Referral.objects.none()
    return _tab(**_tab_arguments(unit, tab, state, due_within, under_23))


def unit_referral_pages(
    unit, tab: str, *, state: str = "", due_within: int | None = None, under_23: bool = False
) -> PreparedRows:
    """``unit_referrals`` for the paginator: each page one prepared query."""
    arguments = _tab_arguments(unit, tab, state, due_within, under_23)
    return PreparedRows(
        lambda offset, limit: _tab_page(offset=offset, limit=limit, **arguments),
        lambda: _tab(**arguments).count(),
    )


def referrals_for_patient(patient, unit):
    """The patient's referrals for the overview; drafts only for the unit writing them.
    (``patient`` and ``unit`` may be instances or keys.)"""
    drafts = Q(state=State.DRAFT) & ~Q(referring_unit=unit) if unit else Q(state=State.DRAFT)
    return (
        Referral.objects.filter(patient=patient)
        .exclude(drafts)
        .select_related("referring_unit", "receiving_unit", "forwarded_to__receiving_unit")
        .order_by("-created_at", "-pk")
    )

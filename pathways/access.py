"""The access policy: who may see and change a patient.

A unit sees a patient while it is on the patient's care team; the unit's guardian group
holds ``view_patient`` (and ``change_patient`` unless the unit is only kept informed).
A user acts for one unit at a time (the active unit). Break-the-glass adds time-limited
read access for one user. Everything else is a 404, so existence is never revealed.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseNotAllowed
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from accounts import audit
from accounts.models import AuditEvent, ServiceUnit
from config.prepared import prepared
from pathways import probing
from pathways.models import (
    BreakGlassAccess,
    CareTeamCount,
    CareTeamMember,
    Patient,
    PatientGroupObjectPermission,
    PatientVersion,
    ReferenceVersion,
)

VIEW = "view_patient"
CHANGE = "change_patient"


def _permission_id(codename: str) -> Subquery:
    """The permission's id as a scalar subquery: PostgreSQL runs it once (an InitPlan) and
    then reads the unit's grants from the (group, permission, patient) unique index."""
    return Subquery(
        Permission.objects.filter(codename=codename, content_type__app_label="pathways")
        .order_by()
        .values("pk")[:1]
    )


def _unit_grants(unit, codename: str):
    return _group_grants(unit.group_id, codename)


def _group_grants(group_id, codename: str):
    return PatientGroupObjectPermission.objects.filter(
        group_id=group_id, permission_id=_permission_id(codename)
    )


def unit_patient_count(unit) -> int:
    """How many patients are on the unit's care team: one per view grant (guardian's unique
    constraint). On PostgreSQL the grants' triggers keep the number (``CareTeamCount``), so
    reading it costs the same for a unit of fifty patients as for one of a hundred thousand;
    elsewhere the grants are counted."""
    if unit is None:
        return 0
    if connection.vendor == "postgresql":
        kept = _kept_patient_count(group_id=unit.group_id)
        return kept[0] if kept else 0
    return _grant_count(group_id=unit.group_id)[0]


@prepared
def _kept_patient_count(group_id):
    return CareTeamCount.objects.filter(group_id=group_id).values_list("patients", flat=True)


@prepared
def _grant_count(group_id):
    # Grouped by a constant (no GROUP BY in the SQL): one row, from a queryset (so prepared).
    return (
        _group_grants(group_id, VIEW)
        .annotate(one=Value(1))
        .values("one")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )


def patients_visible_to(user, unit=None):
    """Patients the user may see while acting for ``unit`` (care team or break-the-glass)."""
    if not user.is_authenticated:
        return Patient.objects.none()
    # IN over the unit's grants (a hashed subplan or semi-join), not a correlated EXISTS.
    by_glass = Q(
        pk__in=BreakGlassAccess.objects.filter(user=user, expires_at__gt=timezone.now()).values(
            "patient_id"
        )
    )
    if unit is None:
        return Patient.objects.filter(by_glass)
    by_team = Q(pk__in=_unit_grants(unit, VIEW).values("content_object_id"))
    return Patient.objects.filter(by_team | by_glass)


def visible_patient_q(user, unit=None, field: str = "patient_id") -> Q:
    """The condition of ``patients_visible_to`` on another table's patient column, e.g.
    ``ActionItem.objects.filter(visible_patient_q(user, unit))``: the same rule without a
    join to the patient table, so PostgreSQL can walk an index in the list's order and
    check each row against the hashed grant ids."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    return visible_patient_q_by(user.pk, _group_of(unit), timezone.now(), field)


def visible_patient_q_by(user_id, group_id, now, field: str = "patient_id") -> Q:
    """``visible_patient_q`` from keys and the time (for prepared queries, which take their
    values as arguments): the unit's guardian group, None when acting for no unit."""
    by_glass = Q(
        **{
            f"{field}__in": BreakGlassAccess.objects.filter(
                user_id=user_id, expires_at__gt=now
            ).values("patient_id")
        }
    )
    if group_id is None:
        return by_glass
    by_team = _group_grants(group_id, VIEW).values("content_object_id")
    return Q(**{f"{field}__in": by_team}) | by_glass


def _group_of(unit):
    return unit.group_id if unit is not None else None


def visibility_keys(user, unit) -> dict:
    """The arguments the ``*_by`` rules take, for a prepared query: the user, the unit they
    act for (its key and guardian group; None for none) and the moment (break-the-glass)."""
    return {
        "user_id": user.pk,
        "unit_id": unit.pk if unit is not None else None,
        "group_id": _group_of(unit),
        "now": timezone.now(),
    }


def _organisation_grants(organisation_id, codename: str):
    """The grants of every unit of one organisation (the units an API client acts through)."""
    return PatientGroupObjectPermission.objects.filter(
        group_id__in=ServiceUnit.objects.filter(organisation_id=organisation_id).values("group_id"),
        permission_id=_permission_id(codename),
    )


def client_patient_q(client, field: str = "pk") -> Q:
    """What an API client sees: the patients on the care team of any unit of its
    organisation, by the same grants the web pages read (no break-the-glass for systems)."""
    return Q(
        **{
            f"{field}__in": _organisation_grants(client.organisation_id, VIEW).values(
                "content_object_id"
            )
        }
    )


def organisations_seeing(patient_ids, organisation_ids) -> set[tuple[int, int]]:
    """(organisation id, patient id) for each given patient on the care team of a unit of
    each given organisation: the rule of ``client_patient_q`` for many clients at once
    (FHIR subscriptions), by the same grants, in two queries."""
    groups = dict(
        ServiceUnit.objects.filter(organisation_id__in=set(organisation_ids)).values_list(
            "group_id", "organisation_id"
        )
    )
    if not groups or not patient_ids:
        return set()
    grants = PatientGroupObjectPermission.objects.filter(
        group_id__in=list(groups),
        permission_id=_permission_id(VIEW),
        content_object_id__in=set(patient_ids),
    ).values_list("group_id", "content_object_id")
    return {(groups[group_id], int(patient_id)) for group_id, patient_id in grants}


def visible_patient_exists(user, unit=None, field: str = "patient_id") -> Q:
    """The rule of ``visible_patient_q`` as correlated EXISTS lookups, one index probe per row.

    For a short list read in index order (``… .order_by(due)[:100]``): PostgreSQL walks the
    index and checks each row until the page is full, rather than first collecting every
    grant of a unit that may hold tens of thousands of patients."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    return visible_patient_exists_by(user.pk, _group_of(unit), timezone.now(), field)


def visible_patient_exists_by(user_id, group_id, now, field: str = "patient_id") -> Q:
    """``visible_patient_exists`` from keys and the time (see ``visible_patient_q_by``)."""
    by_glass = BreakGlassAccess.objects.filter(
        user_id=user_id, expires_at__gt=now, patient_id=OuterRef(field)
    ).values("pk")
    if group_id is None:
        return Q(Exists(by_glass))
    by_team = _group_grants(group_id, VIEW).filter(content_object_id=OuterRef(field)).values("pk")
    # One EXISTS over both ways in (UNION ALL), not two EXISTS joined by OR: PostgreSQL
    # turns each of those into a hashed subplan of every grant of the unit (it estimates
    # the calls without the LIMIT), 25 ms for a unit of 75,000 patients; the union stays a
    # probe of the grants' unique index per row read.
    return Q(Exists(by_team.union(by_glass, all=True)))


def unit_patient_exists(unit, field: str = "patient_id") -> Q:
    """The rule of ``patients_of_unit`` as a correlated EXISTS, one probe of the grants'
    unique index per row: for a page of a unit's list read in index order."""
    if unit is None:
        return Q(pk__in=[])
    return unit_patient_exists_by(unit.group_id, field)


def unit_patient_exists_by(group_id, field: str = "patient_id") -> Q:
    """``unit_patient_exists`` from the unit's guardian group (for prepared queries)."""
    return Q(Exists(_group_grants(group_id, VIEW).filter(content_object_id=OuterRef(field))))


def patients_of_unit(unit):
    """Patients on the unit's care team (the unit's own list; break-the-glass not included)."""
    if unit is None:
        return Patient.objects.none()
    return patients_of_group(unit.group_id)


def patients_of_group(group_id):
    """``patients_of_unit`` from the unit's guardian group (for prepared queries)."""
    return Patient.objects.filter(pk__in=_group_grants(group_id, VIEW).values("content_object_id"))


def active_break_glass(user, patient_id) -> BreakGlassAccess | None:
    """The user's unexpired emergency access to this patient, if any."""
    return (
        BreakGlassAccess.objects.filter(
            patient_id=patient_id, user=user, expires_at__gt=timezone.now()
        )
        .order_by("-expires_at")
        .first()
    )


def access_basis(user, unit, patient_id) -> tuple[str, bool] | None:
    """(basis, can_edit) for this user and patient, or None when there is no access."""
    if unit is not None:
        codenames = set(
            PatientGroupObjectPermission.objects.filter(
                group_id=unit.group_id, content_object_id=patient_id
            ).values_list("permission__codename", flat=True)
        )
        if VIEW in codenames:
            return AuditEvent.Basis.CARE_TEAM, CHANGE in codenames
    if active_break_glass(user, patient_id) is not None:
        return AuditEvent.Basis.BREAK_GLASS, False
    return None


def require_unit(request):
    """The unit the user acts for; a user with no unit may not use the page."""
    if not request.active_unit:
        raise PermissionDenied(_("You are not a member of any unit."))
    return request.active_unit


@prepared
def _patient_and_grants(pk, group_id):
    """The patient and whether the unit (its guardian group) may see and change them: one
    query (the same rule as ``access_basis``), its SQL made once (every patient page)."""
    patients = (
        Patient.objects.select_related("home_kommune")
        .filter(pk=pk)
        # The versions the record's kept pages are keyed by (pathways.kept), read with the
        # patient: before anything the page shows, and without a query of their own.
        .annotate(
            kept_version=Coalesce(
                Subquery(
                    PatientVersion.objects.filter(patient_id=OuterRef("pk")).values("generation")
                ),
                0,
            ),
            kept_reference=Coalesce(
                Subquery(ReferenceVersion.objects.filter(pk=1).values("generation")), 0
            ),
        )
    )
    if group_id is not None:
        patients = patients.annotate(
            unit_may_view=Exists(
                _group_grants(group_id, VIEW).filter(content_object_id=OuterRef("pk"))
            ),
            unit_may_change=Exists(
                _group_grants(group_id, CHANGE).filter(content_object_id=OuterRef("pk"))
            ),
        )
    return patients.order_by()[:1]


def get_patient_for_user(user, pk, *, unit=None, for_edit: bool = False) -> Patient:
    """The one gate to a patient: 404 without access, 403 when seen but not editable.

    The returned patient carries ``access_basis`` and ``can_edit``.
    """
    if not user.is_authenticated:
        raise Http404
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    found = _patient_and_grants(pk=pk, group_id=unit.group_id if unit is not None else None)
    if not found:
        raise Http404
    patient = found[0]
    grant = None
    if getattr(patient, "unit_may_view", False):
        basis, can_edit = AuditEvent.Basis.CARE_TEAM, patient.unit_may_change
    else:
        grant = active_break_glass(user, pk)
        if grant is None:
            raise Http404
        basis, can_edit = AuditEvent.Basis.BREAK_GLASS, False
    if for_edit and not can_edit:
        raise PermissionDenied
    patient.access_basis = basis
    patient.can_edit = can_edit
    patient.break_glass_until = grant.expires_at if grant else None
    return patient


READ_METHODS = ("GET", "HEAD")
FORM_METHODS = ("GET", "HEAD", "POST")


def patient_view(
    *,
    for_edit: bool = False,
    action: str = AuditEvent.Action.VIEW,
    methods: tuple[str, ...] | None = None,
):
    """Decorate a view taking ``patient_id``: resolve access, audit reads, pass ``patient``.

    The one gate to patient pages, so every guarantee sits here rather than in each view:

    * Methods: a read-only view answers GET and HEAD, a view that edits also POST (its form);
      anything else is a 405 with an ``Allow`` header, before the patient is looked up.
      A view that needs other methods says so with ``methods=``.
    * Reads: every 2xx answer shows patient data, so it is audited once (``action``, with the
      access basis) after the view has returned: a page, a PDF, and a form shown again with
      its errors after a POST alike. A redirect after a successful POST is a change, audited
      by the service that made it; an error (a nested object that is not there) is no read.
      When the view's service already recorded a read (e.g. revealing the national id), the
      gate adds none; nor for an answer marked ``shows_record = False`` (the "document being
      prepared" page, ``pathways.documents``), whose PDF is audited when it is delivered.
    * Refusals: a patient outside the user's access (404) or an edit without the right to
      edit (403) is recorded as a denied attempt; many of them in a short time alert the
      leaders of the user's unit (see ``pathways.probing``).
    """
    allowed = tuple(methods) if methods else (FORM_METHODS if for_edit else READ_METHODS)

    def decorator(view):
        @login_required
        @wraps(view)
        def gated(request, patient_id, *args, **kwargs):
            unit = request.active_unit or None
            try:
                patient = get_patient_for_user(
                    request.user, patient_id, unit=unit, for_edit=for_edit
                )
            except (Http404, PermissionDenied):
                probing.record_denied(request, patient_id)
                raise
            reads = set()
            token = audit.reads_in_request.set(reads)
            try:
                response = view(request, patient, *args, **kwargs)
            finally:
                audit.reads_in_request.reset(token)
            shows_record = getattr(response, "shows_record", True)
            if 200 <= response.status_code < 300 and shows_record and patient.pk not in reads:
                audit.record(
                    user=request.user,
                    unit=unit,
                    action=action,
                    patient=patient,
                    basis=patient.access_basis,
                    detail=request.path,
                )
            return response

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in allowed:
                return HttpResponseNotAllowed(allowed)
            return gated(request, *args, **kwargs)

        wrapper.patient_scoped = True
        wrapper.patient_for_edit = for_edit
        wrapper.patient_methods = allowed
        wrapper.patient_action = action
        return wrapper

    return decorator


# --- keeping guardian in step with the care team (the only place permissions change) ---


def grant_unit_access(patient, unit, *, can_edit: bool) -> None:
    assign_perm(VIEW, unit.group, patient)
    if can_edit:
        assign_perm(CHANGE, unit.group, patient)
    else:
        remove_perm(CHANGE, unit.group, patient)


def revoke_unit_access(patient, unit) -> None:
    PatientGroupObjectPermission.objects.filter(
        group_id=unit.group_id, content_object=patient
    ).delete()


def sync_unit_access(patient, unit) -> None:
    """Make the unit's permissions match its active care-team membership."""
    member = CareTeamMember.objects.active().filter(patient=patient, unit=unit).first()
    if member is None:
        revoke_unit_access(patient, unit)
    else:
        grant_unit_access(patient, unit, can_edit=member.can_edit)

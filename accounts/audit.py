"""Writing the audit log. Every read and change of patient data goes through ``record``."""

from contextvars import ContextVar

from django.db import connection
from django.utils import timezone

from accounts import context
from accounts.models import AuditEvent

Action = AuditEvent.Action
Basis = AuditEvent.Basis

# Actions that record that someone saw patient data (the patient gate writes one of these
# for every page it lets through unless the view's service already did).
READ_ACTIONS = frozenset(
    {Action.VIEW, Action.PRINT, Action.EXPORT, Action.REVEAL_ID, Action.BREAK_GLASS}
)

# Patient ids read in the current request (set by the patient gate around its view).
reads_in_request: ContextVar[set | None] = ContextVar("samhandling_patient_reads", default=None)


def record(
    *,
    user,
    unit,
    action: str,
    patient=None,
    obj=None,
    basis: str = Basis.CARE_TEAM,
    detail: str = "",
) -> AuditEvent:
    ctx = context.current.get()
    patient_id = getattr(patient, "pk", patient)
    reads = reads_in_request.get()
    if reads is not None and action in READ_ACTIONS and patient_id is not None:
        reads.add(patient_id)
    return AuditEvent.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        unit=unit if unit else None,
        patient_id=patient_id,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        basis=basis,
        detail=detail[:500],
        ip_address=ctx.ip_address,
        request_id=ctx.request_id,
    )


def record_by(actor, action: str, **fields) -> AuditEvent:
    """``record`` for what an actor (a user acting for a unit) did; ``fields`` as for ``record``."""
    return record(user=actor.user, unit=actor.unit, action=action, **fields)


def record_reads(
    actor, reads, *, detail: str = "", basis: str = Basis.CARE_TEAM, action: str = Action.VIEW
) -> None:
    """One read event per ``(patient_id, object_type, object_id)`` in ``reads`` (``read_of``
    makes one for a row), written in one INSERT, so an API page of 50 resources costs the
    same queries as a page of one."""
    reads = list(reads)
    if not reads:
        return
    ctx = context.current.get()
    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    if connection.vendor != "postgresql":
        AuditEvent.objects.bulk_create(
            AuditEvent(
                user=user,
                unit=actor.unit,
                patient_id=patient_id,
                action=action,
                object_type=object_type,
                object_id=object_id,
                basis=basis,
                detail=detail[:500],
                ip_address=ctx.ip_address,
                request_id=ctx.request_id,
            )
            for patient_id, object_type, object_id in reads
        )
        return
    # The rows' own columns as three arrays (unnest), the shared ones once: eleven parameters
    # and one SQL text whatever the page's size (the ORM's bulk insert binds 11 per row and
    # builds a new statement for each size: a third of a FHIR search's time for 50 rows).
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_READS,
            [
                timezone.now(),
                user.pk if user is not None else None,
                actor.unit.pk if actor.unit else None,
                action,
                basis,
                detail[:500],
                ctx.ip_address,
                ctx.request_id,
                [patient_id for patient_id, _type, _id in reads],
                [object_type for _patient, object_type, _id in reads],
                [object_id for _patient, _type, object_id in reads],
            ],
        )


def read_of(patient_id, obj) -> tuple:
    """The ``record_reads`` line of a read of the row ``obj``."""
    return (patient_id, obj._meta.label_lower, str(obj.pk))


_INSERT_READS = (
    f"INSERT INTO {AuditEvent._meta.db_table}"  # noqa: S608 - the model's own table
    " (at, user_id, unit_id, action, basis, detail, ip_address, request_id,"
    " patient_id, object_type, object_id)"
    " SELECT %s, %s, %s, %s, %s, %s, %s::inet, %s, r.patient_id, r.object_type, r.object_id"
    " FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[])"
    " AS r (patient_id, object_type, object_id)"
)

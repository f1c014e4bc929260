"""Writing the audit log. Every read and change of patient data goes through ``record``."""

from contextvars import ContextVar

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
    """One read event per ``(patient_id, obj)`` in ``reads``, written in one INSERT, so an API
    page of 50 resources costs the same queries as a page of one."""
    ctx = context.current.get()
    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    AuditEvent.objects.bulk_create(
        AuditEvent(
            user=user,
            unit=actor.unit,
            patient_id=patient_id,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            basis=basis,
            detail=detail[:500],
            ip_address=ctx.ip_address,
            request_id=ctx.request_id,
        )
        for patient_id, obj in reads
    )

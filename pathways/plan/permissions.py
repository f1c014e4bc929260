"""Who may do what with a patient's koordinator and individuell plan.

The answers come from the access policy (may the acting unit change the patient's record?)
and the koordinator role:

- anyone who may change the record appoints a koordinator and starts a plan;
- the koordinator changes the whole plan;
- the unit responsible for a measure changes that measure;
- kommune units comment; specialist units read the plan (and change their own measures).

Services call the ``can_*`` functions (and raise ``PermissionDenied``); views compute the
answers once with ``rights()`` and pass that one object to the templates.
"""

from dataclasses import dataclass

from pathways import access
from pathways.plan.selectors import active_coordinator


@dataclass(frozen=True)
class PlanRights:
    """The answers for one acting person and one patient (the templates read its flags)."""

    unit_id: int | None = None
    may_write: bool = False  # the unit may change the patient's record
    is_coordinator: bool = False
    is_specialist: bool = False

    @property
    def can_start(self) -> bool:
        """Appoint a koordinator and start a plan: anyone who may change the record."""
        return self.may_write

    @property
    def can_edit_all(self) -> bool:
        return self.may_write and self.is_coordinator

    @property
    def can_comment(self) -> bool:
        """Add a comment: the koordinator and kommune units (specialist units read)."""
        return self.may_write and (self.is_coordinator or not self.is_specialist)

    def can_edit_measure(self, measure) -> bool:
        if self.can_edit_all:
            return True
        return (
            self.may_write
            and self.unit_id is not None
            and measure.responsible_unit_id == self.unit_id
        )

    @property
    def can_add_measure(self) -> bool:
        """Add a measure: the koordinator (for anyone), or a unit that may change the record
        (for itself: a TSB clinician on the care team adds what their unit will do)."""
        return self.can_edit_all or (self.may_write and self.unit_id is not None)

    def can_add_measure_for(self, unit_id) -> bool:
        """Add a measure with ``unit_id`` responsible: the koordinator for any unit, others for
        their own unit only."""
        if self.can_edit_all:
            return True
        return self.can_add_measure and unit_id is not None and unit_id == self.unit_id

    def can_complete_measure(self, measure) -> bool:
        """Mark ``measure`` as completed: who may change it, while it is open."""
        return measure.is_open and self.can_edit_measure(measure)


NONE = PlanRights()  # an earlier (closed) plan: read only


def _coordinator(patient):
    return active_coordinator(patient)


LOOK_UP = object()  # "not given": None is an answer (no koordinator)


def rights(actor, patient, coordinator=LOOK_UP) -> PlanRights:
    """All the answers at once: the access policy plus the koordinator role.

    ``patient.can_edit`` is used when set (the view's gate already computed it); pass the
    ``coordinator`` when it is at hand, to save the query.
    """
    may_write = getattr(patient, "can_edit", None)
    if may_write is None:
        found = access.access_basis(actor.user, actor.unit, patient.pk)
        may_write = bool(found and found[1])
    if coordinator is LOOK_UP:
        coordinator = _coordinator(patient)
    return PlanRights(
        unit_id=actor.unit_id,
        may_write=bool(may_write),
        is_coordinator=coordinator is not None and coordinator.user_id == actor.user_id,
        is_specialist=actor.is_specialist,
    )


def can_start(actor, patient) -> bool:
    """Appoint a koordinator, start a plan."""
    return rights(actor, patient).can_start


def can_edit_all(actor, patient, coordinator=LOOK_UP) -> bool:
    """Change any part of the plan (the koordinator)."""
    return rights(actor, patient, coordinator).can_edit_all


def can_comment(actor, patient, coordinator=LOOK_UP) -> bool:
    return rights(actor, patient, coordinator).can_comment


def coordinator_owner_unit_id(plan, coordinator) -> int | None:
    """The unit that holds the koordinator role: the unit owning the open plan, else (no
    plan yet) the unit of the koordinator in office."""
    if plan is not None:
        return plan.owner_unit_id
    return coordinator.unit_id if coordinator is not None else None


def can_appoint_coordinator(actor, patient, *, coordinator, plan) -> bool:
    """Appoint the first koordinator: anyone who may change the record. Replace the one in
    office: the unit that owns the plan (any of its staff), or a leader of the unit the
    koordinator works in (who hands the work over within that unit)."""
    if not rights(actor, patient, coordinator).may_write:
        return False
    if coordinator is None:
        return True
    if actor.unit_id is not None and actor.unit_id == coordinator_owner_unit_id(plan, coordinator):
        return True
    return actor.unit_id == coordinator.unit_id and actor.is_leader


def can_edit_measure(actor, measure, patient=None, coordinator=LOOK_UP) -> bool:
    """Change ``measure``: the koordinator, or a member of the unit responsible for it."""
    return rights(actor, patient or measure.plan.patient, coordinator).can_edit_measure(measure)

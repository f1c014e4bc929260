"""The dialogue's section of the patient overview: the latest threads (one query)."""

from config.prepared import prepared
from pathways.dialogue import permissions as perms
from pathways.dialogue import selectors

SHOWN = 5


@prepared
def _latest_threads(patient_id, unit_id):
    return selectors.threads_for_patient(patient_id, unit_id)[: SHOWN + 1]


def section(request, patient) -> dict:
    actor = request.actor
    threads = _latest_threads(patient_id=patient.pk, unit_id=actor.unit.pk if actor.unit else None)
    return {
        "dialogue_threads": threads[:SHOWN],
        "dialogue_more": len(threads) > SHOWN,
        # The gate's answer (no query): the acting unit writes in the record.
        "dialogue_can_start": perms.can_start(actor, patient),
    }

"""The dialogue's section of the patient overview: the latest threads (one query)."""

from pathways.dialogue import permissions as perms
from pathways.dialogue import selectors

SHOWN = 5


def section(request, patient) -> dict:
    actor = request.actor
    threads = list(selectors.threads_for_patient(patient, actor.unit)[: SHOWN + 1])
    return {
        "dialogue_threads": threads[:SHOWN],
        "dialogue_more": len(threads) > SHOWN,
        # The gate's answer (no query): the acting unit writes in the record.
        "dialogue_can_start": perms.can_start(actor, patient),
    }

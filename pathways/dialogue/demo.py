"""Demo: during the stay at UNN TSB døgn, Vadsø's ruskonsulent asks the treating unit about
the medication at discharge; the question waits on the clinician's home page."""

import datetime

from accounts.acting import Actor
from pathways.dialogue import services as svc
from pathways.models import DialogueThread


def seed(demo) -> None:
    patient = demo.patients[8]
    if DialogueThread.objects.filter(patient=patient).exists():
        return
    svc.thread_start(
        patient=patient,
        actor=Actor(demo.users["vadso.ruskonsulent"], demo.units["vadso_rus"]),
        to_unit=demo.units["unn_dogn"],
        subject="Legemidler ved utskriving",
        text=(
            "Vi forbereder oppfølgingen etter utskriving. Hvilke legemidler skal han ha med seg, "
            "og hvem skriver ut resepten videre?"
        ),
        answer_by=demo.today + datetime.timedelta(days=3),
    )

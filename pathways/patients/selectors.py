"""Read-side queries, scoped and prefetched for their pages."""

from django.db.models import Prefetch, Q

from pathways.access import patients_of_unit
from pathways.models import CareTeamMember, Consent


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
    return patients.prefetch_related(
        Prefetch(
            "care_team",
            queryset=CareTeamMember.objects.active().select_related("unit__organisation"),
            to_attr="active_team",
        )
    )


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

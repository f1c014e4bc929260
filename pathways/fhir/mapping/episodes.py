"""Encounter: a treatment episode (a stay, outpatient treatment, LAR, detoxification)."""

from django.db.models import Q
from django.db.models.functions import Coalesce, Greatest

from pathways.fhir import codes
from pathways.fhir.mapping.patient import PATIENT_INCLUDE
from pathways.fhir.registry import Include, ResourceType, SearchParam
from pathways.fhir.search import date_filter
from pathways.models import TreatmentEpisode

Kind = TreatmentEpisode.Kind
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ENCOUNTER_CLASS = {
    Kind.DOGN: ("IMP", "inpatient encounter"),
    Kind.AVRUSNING: ("IMP", "inpatient encounter"),
    Kind.POLIKLINIKK: ("AMB", "ambulatory"),
    Kind.LAR: ("AMB", "ambulatory"),
}
DISCHARGE_SYSTEM = "http://terminology.hl7.org/CodeSystem/discharge-disposition"
END_KIND = {
    TreatmentEpisode.EndKind.PLANNED: ("home", "Home"),
    TreatmentEpisode.EndKind.UNPLANNED: ("aadvice", "Left against advice"),
    TreatmentEpisode.EndKind.TRANSFERRED: ("other-hcf", "Other healthcare facility"),
}


def encounter(e) -> dict:
    code, display = ENCOUNTER_CLASS[e.kind]
    hospitalization = {}
    if e.end_kind:
        hospitalization["dischargeDisposition"] = codes.concept(
            DISCHARGE_SYSTEM, END_KIND[e.end_kind][0], END_KIND[e.end_kind][1]
        )
    return codes.resource(
        "Encounter",
        e,
        status="finished" if e.ended_at else "in-progress",
        **{"class": codes.coding(ACT_CODE, code, display)},
        type=[codes.concept(codes.EPISODE_KIND, e.kind, e.get_kind_display())],
        subject=codes.ref("Patient", e.patient_id),
        episodeOfCare=[codes.ref("EpisodeOfCare", e.patient_id)],
        period=codes.period(e.started_at, e.ended_at),
        hospitalization=hospitalization,
        serviceProvider=codes.org_ref(e.unit),
        partOf=None,
    )


def _episodes():
    return TreatmentEpisode.objects.select_related("unit__organisation").annotate(
        fhir_updated=Greatest(
            "changed_at",
            Coalesce("ended_at", "changed_at"),
            Coalesce("ready_at", "changed_at"),
            Coalesce("assessed_at", "changed_at"),
        )
    )


def _status(queryset, value):
    wanted = set(value.split(","))
    unknown = wanted - {"in-progress", "finished"}
    if unknown:
        raise ValueError(", ".join(sorted(unknown)))
    condition = Q()
    if "in-progress" in wanted:
        condition |= Q(ended_at__isnull=True)
    if "finished" in wanted:
        condition |= Q(ended_at__isnull=False)
    return queryset.filter(condition)


RESOURCES = (
    ResourceType(
        name="Encounter",
        queryset=_episodes,
        to_fhir=encounter,
        patient_field="patient_id",
        params=(
            SearchParam("status", "token", _status, "in-progress, finished"),
            SearchParam("date", "date", date_filter("started_at"), "Start of the stay"),
        ),
        includes=(
            PATIENT_INCLUDE,
            Include("episode-of-care", "EpisodeOfCare", lambda e: [e.patient_id]),
        ),
    ),
)

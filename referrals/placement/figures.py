"""Placement figures: from "rett innvilget" to start, per place and per helseforetak.

Over a period (referrals granted in it): days from the grant to the start (median and 90th
percentile), the share started by the planned date, the share placed where wished, and the
places' reported free capacity (mean of their reports in the period) against actual starts.
A specialist unit sees its helseforetak's places; a kommune sees its own patients' placements.
"""

import datetime
import statistics
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Q
from django.utils import timezone

from referrals.models import CapacityReport, Referral


def p90(values: list[int]) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    return round(statistics.quantiles(values, n=10, method="inclusive")[-1], 1)


@dataclass
class PlaceFigures:
    label: str
    placed: int = 0
    started: int = 0
    started_by_planned: int = 0
    wished: int = 0
    placed_where_wished: int = 0
    reported_free: float | None = None
    _days: list = field(default_factory=list)

    @property
    def median_days(self):
        return statistics.median(self._days) if self._days else None

    @property
    def p90_days(self):
        return p90(self._days)

    @property
    def share_started_by_planned(self):
        return round(100 * self.started_by_planned / self.started) if self.started else None

    @property
    def share_where_wished(self):
        return round(100 * self.placed_where_wished / self.wished) if self.wished else None

    def add(self, row) -> None:
        self.placed += 1
        if row["wished_place_id"] is not None:
            self.wished += 1
            self.placed_where_wished += row["wished_place_id"] == row["place_id"]
        started = row["treatment_started_on"]
        if started is None:
            return
        self.started += 1
        self._days.append((started - timezone.localdate(row["assessed_at"])).days)
        if row["planned_start"] is not None and started <= row["planned_start"]:
            self.started_by_planned += 1


def _scope(unit):
    """The placements a unit may count: its helseforetak's places, or its kommune's patients."""
    if unit.is_kommune:
        return Q(referring_unit__organisation_id=unit.organisation_id)
    return Q(place__health_trust_id=unit.organisation_id)


def placement_figures(unit, start: datetime.date, end: datetime.date):
    """(per helseforetak, per place): referrals granted in the period and placed."""
    rows = (
        Referral.objects.filter(
            _scope(unit),
            place__isnull=False,
            assessed_at__date__gte=start,
            assessed_at__date__lte=end,
        )
        .values(
            "place_id",
            "place__unit__name",
            "place__health_trust__name",
            "wished_place_id",
            "assessed_at",
            "planned_start",
            "treatment_started_on",
        )
        .order_by("place__health_trust__name", "place__unit__name", "pk")
    )
    trusts: dict[str, PlaceFigures] = {}
    places: dict[int, PlaceFigures] = {}
    for row in rows:
        trust = row["place__health_trust__name"]
        trusts.setdefault(trust, PlaceFigures(label=trust)).add(row)
        places.setdefault(row["place_id"], PlaceFigures(label=row["place__unit__name"])).add(row)
    reported = (
        CapacityReport.objects.filter(
            place_id__in=places, reported_at__date__gte=start, reported_at__date__lte=end
        )
        .values("place_id")
        .annotate(mean=Avg("free_places"), n=Count("id"))
    )
    for report in reported:
        places[report["place_id"]].reported_free = round(report["mean"], 1)
    return list(trusts.values()), list(places.values())


CSV_HEADER = [
    "helseforetak_eller_sted",
    "plassert",
    "startet",
    "median_dager_fra_rett_til_start",
    "p90_dager_fra_rett_til_start",
    "andel_startet_innen_planlagt_dato",
    "andel_plassert_der_pasienten_onsket",
    "rapportert_ledig_kapasitet_snitt",
]


def csv_rows(trusts, places):
    def fmt(value):
        if value is None:
            return ""
        return str(value).replace(".", ",") if isinstance(value, float) else str(value)

    for figures in [*trusts, *places]:
        yield [
            figures.label,
            figures.placed,
            figures.started,
            fmt(figures.median_days),
            fmt(figures.p90_days),
            fmt(figures.share_started_by_planned),
            fmt(figures.share_where_wished),
            fmt(figures.reported_free),
        ]

"""Figures for leaders: how fast the unit assesses, grants and starts treatment."""

import datetime
from dataclasses import dataclass, field
from statistics import median

from django.utils import timezone

from pathways.figures import share_of
from pathways.workdays import working_days_between
from referrals.models import Referral


@dataclass
class Figures:
    label: str = ""
    received: int = 0
    assessed: int = 0
    within_deadline: int = 0
    granted: int = 0
    rejected: int = 0
    forwarded: int = 0
    breaches: int = 0
    _assessment_days: list = field(default_factory=list)
    _wait_days: list = field(default_factory=list)

    @property
    def median_assessment_days(self) -> float | None:
        return median(self._assessment_days) if self._assessment_days else None

    @property
    def median_wait_days(self) -> float | None:
        return median(self._wait_days) if self._wait_days else None

    share_within_deadline = share_of("within_deadline", "assessed")
    share_granted = share_of("granted", "assessed")
    share_forwarded = share_of("forwarded", "rejected")

    def add(self, row: dict, today: datetime.date) -> None:
        self.received += 1
        assessed_at = row["assessed_at"]
        if assessed_at is not None:
            assessed_on = timezone.localdate(assessed_at)
            self.assessed += 1
            self._assessment_days.append(working_days_between(row["seniority_date"], assessed_on))
            if row["assessment_due"] and assessed_on <= row["assessment_due"]:
                self.within_deadline += 1
            if row["start_deadline"] is not None:
                self.granted += 1
            elif row["rejection_reason"]:
                self.rejected += 1
                if row["forwarded_to__id"] is not None:
                    self.forwarded += 1
        started = row["treatment_started_on"]
        if started is not None and row["seniority_date"] is not None:
            self._wait_days.append((started - row["seniority_date"]).days)
        frist = row["start_deadline"]
        if frist is not None and (
            (started is not None and started > frist)
            or (started is None and row["state"] == Referral.State.GRANTED and frist < today)
        ):
            self.breaches += 1


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last twelve whole months and this one."""
    start = datetime.date(today.year - 1, today.month, 1)
    return start, today


def figures_for(unit, start: datetime.date, end: datetime.date, *, today=None):
    """(total, per-month list) for referrals the unit received in the period."""
    today = today or timezone.localdate()
    rows = (
        Referral.objects.filter(receiving_unit=unit, received_on__gte=start, received_on__lte=end)
        .values(
            "received_on",
            "seniority_date",
            "assessment_due",
            "assessed_at",
            "state",
            "start_deadline",
            "treatment_started_on",
            "rejection_reason",
            "forwarded_to__id",
        )
        .order_by("received_on")
        .iterator()
    )
    total = Figures(label="total")
    months: dict[str, Figures] = {}
    for row in rows:
        key = row["received_on"].strftime("%Y-%m")
        months.setdefault(key, Figures(label=key)).add(row, today)
        total.add(row, today)
    return total, list(months.values())


CSV_HEADER = [
    "periode",
    "mottatt",
    "vurdert",
    "median_virkedager_til_vurdering",
    "andel_vurdert_innen_10_virkedager",
    "andel_rett",
    "median_dager_til_start",
    "fristbrudd",
    "andel_videresendt_av_avslag",
]


def csv_rows(total: Figures, months: list[Figures]):
    def fmt(value):
        if value is None:
            return ""
        return str(value).replace(".", ",") if isinstance(value, float) else str(value)

    for figures in [*months, total]:
        yield [
            figures.label if figures is not total else "totalt",
            figures.received,
            figures.assessed,
            fmt(figures.median_assessment_days),
            fmt(figures.share_within_deadline),
            fmt(figures.share_granted),
            fmt(figures.median_wait_days),
            figures.breaches,
            fmt(figures.share_forwarded),
        ]

"""Self-ratings over time as small server-rendered SVG line charts (no JavaScript).

Each life area gets its own chart; the page also shows the same numbers as a table, which
is what a screen reader reads (the SVG carries a one-sentence summary as its label).
"""

from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pathways.models import LifeArea

WIDTH, HEIGHT, PAD = 300, 120, 14


@dataclass
class Series:
    area: str
    label: str
    ratings: list  # AreaRating rows, oldest first
    points: list[tuple[float, float]]
    summary: str

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)


def _y(score: int) -> float:
    # 5 at the top, 1 at the bottom.
    return PAD + (5 - score) * (HEIGHT - 2 * PAD) / 4


def series(ratings) -> list[Series]:
    """One series per rated life area, in the order of the life areas."""
    by_area: dict[str, list] = {}
    for rating in ratings:
        by_area.setdefault(rating.life_area, []).append(rating)
    result = []
    for area in LifeArea:
        rows = by_area.get(area.value)
        if not rows:
            continue
        step = (WIDTH - 2 * PAD) / max(len(rows) - 1, 1)
        points = [
            (PAD + i * step if len(rows) > 1 else WIDTH / 2, _y(r.score))
            for i, r in enumerate(rows)
        ]
        first, last = rows[0], rows[-1]
        if len(rows) == 1:
            summary = _("%(area)s: %(score)s of 5 on %(date)s.") % {
                "area": area.label,
                "score": last.score,
                "date": date_format(last.rated_on, "SHORT_DATE_FORMAT"),
            }
        else:
            summary = _("%(area)s: from %(first)s to %(last)s of 5 over %(count)s ratings.") % {
                "area": area.label,
                "first": first.score,
                "last": last.score,
                "count": len(rows),
            }
        result.append(Series(area.value, str(area.label), rows, points, summary))
    return result


def grid() -> list[dict]:
    """The horizontal lines for the scores 1–5 (the same in every chart)."""
    return [{"score": score, "y": _y(score)} for score in range(5, 0, -1)]


def context(ratings) -> dict:
    """What ``pathways/includes/rating_charts.html`` needs, from rows already read."""
    return {
        "series": series(ratings),
        "grid": grid(),
        "chart_width": WIDTH,
        "chart_height": HEIGHT,
    }

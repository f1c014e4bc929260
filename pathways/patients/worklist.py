"""Home-page source: emergency access by people in the unit, for its leaders to review."""

from django.urls import reverse
from django.utils.translation import gettext as _

from config.prepared import prepared
from pathways.dates import short_datetime
from pathways.models import BreakGlassAccess
from pathways.patients.permissions import can_review_break_glass
from pathways.worklist import HOME_LIMIT, Group, Line


@prepared(shape=("limit",))
def _to_review(unit_id, limit):
    return (
        BreakGlassAccess.objects.filter(unit_id=unit_id, reviewed_at__isnull=True)
        .select_related("user")
        .order_by("granted_at", "id")[:limit]
    )


def home(actor) -> list[Group]:
    if actor.unit is None or not can_review_break_glass(actor):
        return []
    grants = _to_review(unit_id=actor.unit.pk, limit=HOME_LIMIT + 1)
    url = reverse("breakglass_review")
    # The leader reviews the use, not the record: the patient is named on the review page only.
    lines = [
        Line(
            what=_("Review emergency access by %(user)s")
            % {"user": grant.user.get_full_name() or grant.user.username},
            url=url,
            key=f"breakglass-{grant.pk}",
            detail=_("Opened %(when)s. Reason: %(reason)s")
            % {"when": short_datetime(grant.granted_at), "reason": grant.get_reason_display()},
        )
        for grant in grants
    ]
    return [
        Group.of(
            lines,
            key="nodtilgang",
            heading=_("Emergency access to review"),
            order=60,
            empty=_("No emergency access waits for review."),
            more_url=url,
            more_label=_("Emergency access review"),
        )
    ]

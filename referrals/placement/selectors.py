"""Which treatment places fit a granted referral, and in which order to show them.

Order: places that fit the granted help first; among them the earliest possible start (free
places now, else the expected wait), then a youth profile for patients under 23, then distance
from the patient's kommune. A place without any capacity figure comes last among its kind.
"""

import datetime
import math
from dataclasses import dataclass

from django.utils import timezone

from referrals.models import Referral, TreatmentPlace

Form = TreatmentPlace.Form
Profile = TreatmentPlace.Profile
HelpKind = Referral.HelpKind

# The forms of treatment that can give each kind of granted help.
FORMS_FOR_HELP = {
    HelpKind.INPATIENT: {Form.DOGN},
    HelpKind.OUTPATIENT: {Form.POLIKLINIKK, Form.DAG, Form.AMBULANT},
    HelpKind.LAR: {Form.POLIKLINIKK, Form.AMBULANT},
    HelpKind.DETOX: {Form.DOGN},
}
# Help that only a place with this profile gives.
PROFILE_FOR_HELP = {HelpKind.LAR: Profile.LAR, HelpKind.DETOX: Profile.DETOX}

# "Among the earliest fitting places": the first few by start date need no reason.
EARLIEST_COUNT = 3


@dataclass
class Suggestion:
    place: TreatmentPlace
    fits: bool
    start: datetime.date | None
    distance_km: int | None
    stale: bool
    wished: bool
    youth: bool
    earliest: bool = False


def distance_km(kommune, place) -> int | None:
    """Great-circle distance, rounded; None when either end has no coordinates."""
    if kommune is None or kommune.latitude is None or place.latitude is None:
        return None
    lat1, lon1 = math.radians(kommune.latitude), math.radians(kommune.longitude)
    lat2, lon2 = math.radians(place.latitude), math.radians(place.longitude)
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return round(6371 * 2 * math.asin(math.sqrt(a)))


def fits(place, help_kind) -> bool:
    if place.form not in FORMS_FOR_HELP.get(help_kind, set(Form)):
        return False
    profile = PROFILE_FOR_HELP.get(help_kind)
    return profile is None or profile in place.profiles


def places_for(referral):
    """The active places with an agreement with the receiving unit's helseforetak."""
    return TreatmentPlace.objects.filter(
        active=True, health_trust_id=referral.receiving_unit.organisation_id
    ).select_related("unit__organisation")


def suggestions(referral, *, today=None, now=None) -> list[Suggestion]:
    today = today or timezone.localdate()
    kommune = referral.patient.home_kommune
    youth_wanted = referral.under_23
    result = []
    for place in places_for(referral):
        result.append(
            Suggestion(
                place=place,
                fits=fits(place, referral.help_kind),
                start=place.earliest_start(today),
                distance_km=distance_km(kommune, place),
                stale=place.capacity_is_stale(now),
                wished=place.pk == referral.wished_place_id,
                youth=youth_wanted and Profile.YOUTH in place.profiles,
            )
        )
    far = datetime.date.max
    result.sort(
        key=lambda s: (
            not s.fits,
            s.start or far,
            not s.youth,
            s.distance_km if s.distance_km is not None else math.inf,
            s.place.name,
        )
    )
    started = [s for s in result if s.fits and s.start is not None]
    for s in started[:EARLIEST_COUNT]:
        s.earliest = True
    return result


def needs_reason(place, referral, suggestion_list) -> bool:
    """A place that is neither the wished one nor among the earliest fitting ones needs a
    reason, recorded and shown to the referrer (fritt behandlingsvalg)."""
    if place.pk == referral.wished_place_id:
        return False
    return not any(s.place.pk == place.pk and s.earliest for s in suggestion_list)


def all_places():
    return TreatmentPlace.objects.select_related(
        "unit__organisation", "health_trust", "capacity_updated_by"
    )

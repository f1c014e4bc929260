"""Every URL of the project, found by walking the resolver, and how to fill in its kwargs.

New features need no change here unless their URLs take a new kind of id: then add a factory
to OBJECTS (and, when the view is not decorated with ``@patient_view``, classify it in
EDIT_VIEWS / KOMMUNE_ONLY / EXPECT below). A URL whose kwargs cannot be filled fails the
security tests with a message saying so, so nothing new goes untested by accident.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

# Namespaces and URL names that hold no patient data or are Django's own.
EXCLUDED_NAMESPACES = {"admin"}


@dataclass
class Cast:
    """The people and the patient every endpoint is tried with (see tests/conftest.py).

    ``patient`` is registered by Vadsø's rus/psykisk helse unit and shared by consent with
    UNN TSB døgn. ``glass_user`` works in another helseforetak and has opened the record
    with break-the-glass. ``extra`` is a scratch space for factories (objects they made).
    """

    patient: object
    coordinator: object
    colleague: object
    tsb_clinician: object
    other_kommune_user: object
    other_hf_user: object
    glass_user: object
    vadso_rus: object
    unn_tsb: object
    extra: dict = field(default_factory=dict)


def _patient_id(cast: Cast):
    return cast.patient.pk


# --- discharge ---------------------------------------------------------------------------


def _episode(cast: Cast):
    """A TSB døgn stay at UNN with an admission message to Vadsø and an ettervern plan."""
    if "episode" not in cast.extra:
        import datetime

        from django.utils import timezone

        from pathways.models import TreatmentEpisode
        from pathways.services import discharge

        episode = discharge.episode_start(
            patient=cast.patient,
            by=cast.tsb_clinician,
            unit=cast.unn_tsb,
            kind=TreatmentEpisode.Kind.DOGN,
            started_at=timezone.now() - datetime.timedelta(days=10),
            planned_end=timezone.localdate() + datetime.timedelta(days=5),
            send_admission_message=True,
        )
        discharge.plan_start(episode=episode, by=cast.tsb_clinician, unit=cast.unn_tsb)
        cast.extra["episode"] = episode
    return cast.extra["episode"]


def _kommune_message(cast: Cast):
    from pathways.models import KommuneMessage

    return KommuneMessage.objects.filter(episode=_episode(cast)).order_by("pk").first().pk


def _appointment(cast: Cast):
    import datetime

    from django.utils import timezone

    from pathways.services import discharge

    return discharge.follow_up_add(
        episode=_episode(cast),
        by=cast.coordinator,
        unit=cast.vadso_rus,
        at=timezone.now() - datetime.timedelta(days=1),
        with_whom="Kari, ruskonsulent",
        is_first_kommune=True,
    ).pk


def _kommune_move(cast: Cast):
    import datetime

    from django.utils import timezone

    from pathways.services import discharge

    from ..factories import make_org, make_unit

    nordkapp = make_unit(make_org("Nordkapp kommune"), name="Rus og psykisk helse Nordkapp")
    today = timezone.localdate()
    return discharge.kommune_move_start(
        patient=cast.patient,
        by=cast.coordinator,
        unit=cast.vadso_rus,
        to_unit=nordkapp,
        handover_date=today + datetime.timedelta(days=7),
        consent_given_on=today,
    ).pk


# --- notifications -------------------------------------------------------------------------


def _notification(cast: Cast):
    """A notification about the patient to the registering unit's coordinator."""
    from pathways.reminders import notify

    (note,) = notify(
        users=[cast.coordinator],
        kind="security_matrix",
        title="Ny melding om pasienten",
        url=f"/pasienter/{cast.patient.pk}/",
        patient=cast.patient,
    )
    return note.pk


# kwarg -> factory(cast) returning the value to put in the URL. The object must belong to
# cast.patient (made through the feature's services). A key "namespace:name:kwarg" applies to
# one URL only and wins over the plain kwarg (for generic names such as ``pk``).
OBJECTS: dict[str, Callable[[Cast], object]] = {
    "patient_id": _patient_id,
    "episode_id": lambda cast: _episode(cast).pk,
    "message_id": _kommune_message,
    "appointment_id": _appointment,
    "move_id": _kommune_move,
    "pathways:ettervern_edit:part": lambda cast: "kriseplan",
    "notification_id": _notification,
}

# URL name -> factory(cast) run before the URL is requested, for pages that show an object
# found from the patient alone (e.g. the patient's current ettervern plan as PDF).
PREPARE: dict[str, Callable[[Cast], object]] = {
    "pathways:ettervern_pdf": _episode,
}

# URL names ("namespace:name") that change data but are not ``@patient_view(for_edit=True)``:
# break-the-glass readers must get 403 or 404 there.
EDIT_VIEWS: set[str] = set()

# URL names only the kommune may use: a specialist unit on the care team gets 403.
KOMMUNE_ONLY: set[str] = {
    "pathways:kommune_move",
    "pathways:message_answer",  # only the receiving kommune unit answers
}

# URL names only the specialist unit may use: the registering kommune unit gets 403.
SPECIALIST_ONLY: set[str] = {
    "pathways:episode_new",
}

# Full overrides: URL name -> {role: allowed statuses}, for endpoints whose rule differs
# (e.g. a personal notification that only its recipient sees). Roles are the keys of
# tests/security/test_access_matrix.ROLES.
EXPECT: dict[str, dict[str, set[int]]] = {
    # A notification is its recipient's alone; opening it leads on to the page it is about.
    "notifications:open": {"same_unit": {302}, "specialist": {404}, "break_glass": {404}},
}


@dataclass(frozen=True)
class Endpoint:
    route: str  # the full route, e.g. "pasienter/<int:patient_id>/endre/"
    name: str  # "namespace:name" or "" when unnamed
    callback: Callable
    kwargs: tuple[str, ...]
    converters: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def patient_scoped(self) -> bool:
        return "patient_id" in self.kwargs or getattr(self.callback, "patient_scoped", False)

    @property
    def for_edit(self) -> bool:
        return getattr(self.callback, "patient_for_edit", False) or self.name in EDIT_VIEWS

    def __str__(self):
        return "/" + self.route


_PART = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def _walk(patterns, prefix="", namespace="", converters=None):
    converters = converters or {}
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in EXCLUDED_NAMESPACES:
                continue
            ns = ":".join(filter(None, [namespace, entry.namespace]))
            conv = {**converters, **getattr(entry.pattern, "converters", {})}
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns, conv)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            conv = {**converters, **getattr(entry.pattern, "converters", {})}
            if isinstance(entry.pattern, RoutePattern):
                names = tuple(m.group("name") for m in _PART.finditer(route))
            else:
                names = tuple(entry.pattern.regex.groupindex)
            name = ":".join(filter(None, [namespace, entry.name or ""])) if entry.name else ""
            yield Endpoint(route, name, entry.callback, names, conv)


def all_endpoints() -> list[Endpoint]:
    return list(_walk(get_resolver().url_patterns))


def patient_endpoints() -> list[Endpoint]:
    """URLs that show or change something about a patient: the subject of the access matrix."""
    return [e for e in all_endpoints() if e.patient_scoped or e.kwargs]


class Unfillable(Exception):
    pass


def build_url(endpoint: Endpoint, cast: Cast) -> str:
    def factory(key):
        return OBJECTS.get(f"{endpoint.name}:{key}") or OBJECTS.get(key)

    missing = [k for k in endpoint.kwargs if factory(k) is None]
    if missing:
        raise Unfillable(
            f"{endpoint} ({endpoint.name or 'unnamed'}) takes {', '.join(missing)}, which the "
            "security tests cannot fill in. Register a factory for it in "
            "tests/security/endpoints.py OBJECTS (it must make a real object for cast.patient)."
        )
    if endpoint.name in PREPARE:
        PREPARE[endpoint.name](cast)
    values = {}
    for key in endpoint.kwargs:
        slot = f"kwarg:{endpoint.name}:{key}" if f"{endpoint.name}:{key}" in OBJECTS else key
        if slot not in cast.extra:
            cast.extra[slot] = factory(key)(cast)
        values[key] = cast.extra[slot]
    if "<" not in endpoint.route and not endpoint.kwargs:
        return "/" + endpoint.route

    def fill(match):
        key = match.group("name")
        converter = endpoint.converters.get(key)
        value = values[key]
        return converter.to_url(value) if converter else str(value)

    if not _PART.search(endpoint.route):
        raise Unfillable(f"{endpoint} is a regular-expression route; give it a path() route.")
    return "/" + _PART.sub(fill, endpoint.route)

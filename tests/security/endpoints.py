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


# kwarg name -> factory(cast) returning the value to put in the URL. The object must belong
# to cast.patient (made through the feature's services, as the registering unit's coordinator).
OBJECTS: dict[str, Callable[[Cast], object]] = {
    "patient_id": _patient_id,
}

# URL names ("namespace:name") that change data but are not ``@patient_view(for_edit=True)``:
# break-the-glass readers must get 403 or 404 there.
EDIT_VIEWS: set[str] = set()

# URL names only the kommune may use: a specialist unit on the care team gets 403.
KOMMUNE_ONLY: set[str] = set()

# Full overrides: URL name -> {role: allowed statuses}, for endpoints whose rule differs
# (e.g. a personal notification that only its recipient sees). Roles are the keys of
# tests/security/test_access_matrix.ROLES.
EXPECT: dict[str, dict[str, set[int]]] = {}


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
    missing = [k for k in endpoint.kwargs if k not in OBJECTS]
    if missing:
        raise Unfillable(
            f"{endpoint} ({endpoint.name or 'unnamed'}) takes {', '.join(missing)}, which the "
            "security tests cannot fill in. Register a factory for it in "
            "tests/security/endpoints.py OBJECTS (it must make a real object for cast.patient)."
        )
    values = {}
    for key in endpoint.kwargs:
        if key not in cast.extra:
            cast.extra[key] = OBJECTS[key](cast)
        values[key] = cast.extra[key]
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

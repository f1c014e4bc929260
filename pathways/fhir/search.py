"""Search: the common parameters, the resource's own, ``_include`` and keyset paging.

A page is the rows after the cursor (the last id of the previous page) in id order, one
more than asked for to know whether there is a next page; no COUNT, so a page costs the
same however long the result. Each ``_include`` adds one query for the whole page.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import F
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from pathways.access import client_patient_q
from pathways.fhir import codes
from pathways.fhir.registry import REGISTRY, ResourceType

DEFAULT_COUNT = 50
MAX_COUNT = 200
COMMON = ("_id", "_lastUpdated")
RESULT_PARAMS = ("_count", "_include", "_cursor", "_format")
# Types whose R4 definition also names the patient ``subject`` (a patient-only reference here).
SUBJECT_TYPES = {
    "CarePlan",
    "CareTeam",
    "Communication",
    "DocumentReference",
    "Encounter",
    "Goal",
    "ServiceRequest",
    "Task",
}


class SearchError(ValueError):
    """A parameter the search cannot use; its message says which and why."""


@dataclass
class Page:
    matches: list
    included: list = field(default_factory=list)  # (ResourceType, obj)
    next_cursor: int | str | None = None
    # The part each match came from, for a type served from several models (else empty).
    kinds: list = field(default_factory=list)

    def typed_matches(self, resource) -> list:
        """(ResourceType, obj) for each match."""
        return list(zip(self.kinds or [resource] * len(self.matches), self.matches, strict=True))


def scoped(resource: ResourceType, client):
    """The resource's rows this client may read: the patient access of its organisation's
    units (``pathways.access``), plus the resource's own limits."""
    queryset = resource.queryset()
    if resource.patient_field is not None:
        queryset = queryset.filter(client_patient_q(client, resource.patient_field)).annotate(
            fhir_patient_id=F(resource.patient_field)
        )
    if resource.client_scope is not None:
        queryset = queryset.filter(resource.client_scope(client))
    return queryset


def supported_params(resource: ResourceType) -> list[tuple[str, str, str]]:
    """(name, type, documentation) for the CapabilityStatement and the parameter check."""
    out = [("_id", "token", "Logical id")]
    # Only where the rows keep a change time (building the queryset runs no query).
    if "fhir_updated" in resource.queryset().query.annotations:
        out.append(("_lastUpdated", "date", "meta.lastUpdated, with prefixes ge, gt, le, lt, eq"))
    if resource.patient_field is not None and resource.name != "Patient":
        out.append(("patient", "reference", "The patient (Patient/<id> or <id>)"))
        if resource.name in SUBJECT_TYPES:
            out.append(("subject", "reference", "The patient, as patient"))
    own = {p.name for p in resource.params}
    if resource.statuses and resource.status_param not in own:
        codes = ", ".join(sorted(resource.statuses))
        out.append((resource.status_param, "token", codes))
    out.extend((p.name, p.type, p.documentation) for p in resource.params)
    return out


def _id(value: str, name: str) -> int:
    try:
        return codes.parse_id(value)
    except ValueError:
        raise SearchError(
            _("%(name)s must be an id, not %(value)r.") % {"name": name, "value": value}
        ) from None


def _instant(value: str) -> tuple[str, datetime.datetime]:
    match = re.fullmatch(r"(eq|ne|gt|lt|ge|le|sa|eb|ap)?(.+)", value)
    if match is None:  # empty
        raise SearchError(
            _("_lastUpdated must be a date or a time, not %(value)r.") % {"value": value}
        )
    # A "+" of a time zone that was not percent-encoded arrives as a space.
    prefix, raw = (match.group(1) or "eq"), match.group(2).replace(" ", "+")
    if prefix not in ("eq", "gt", "lt", "ge", "le"):
        raise SearchError(
            _("_lastUpdated does not support the prefix %(prefix)s.") % {"prefix": prefix}
        )
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        try:
            day = parse_date(raw)
        except ValueError:  # well formed but no such day: 2026-13-45
            day = None
        if day is None:
            raise SearchError(
                _("_lastUpdated must be a date or a time, not %(value)r.") % {"value": raw}
            )
        when = datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)
        if prefix in ("gt", "le"):
            # A whole day: "after the day" and "up to the day" include its last moment.
            return {"gt": "ge", "le": "lt"}[prefix], when + datetime.timedelta(days=1)
        return ("day" if prefix == "eq" else prefix), when
    try:
        when = parse_datetime(raw)
    except ValueError:
        when = None
    if when is None:
        raise SearchError(
            _("_lastUpdated must be a date or a time, not %(value)r.") % {"value": raw}
        )
    if when.tzinfo is None:
        raise SearchError(_("A time in _lastUpdated must have a time zone."))
    return prefix, when


def date_filter(field: str):
    """A ``date`` search parameter on ``field`` (prefixes as for ``_lastUpdated``)."""

    def apply(queryset, value):
        prefix, when = _instant(value)
        if prefix == "day":
            return queryset.filter(
                **{f"{field}__gte": when, f"{field}__lt": when + datetime.timedelta(days=1)}
            )
        lookup = {"eq": "exact", "gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}[prefix]
        return queryset.filter(**{f"{field}__{lookup}": when})

    return apply


def _last_updated(queryset, values):
    if "fhir_updated" not in queryset.query.annotations:
        raise SearchError(_("_lastUpdated is not supported for this resource."))
    for value in values:
        prefix, when = _instant(value)
        if prefix == "day":
            queryset = queryset.filter(
                fhir_updated__gte=when, fhir_updated__lt=when + datetime.timedelta(days=1)
            )
        else:
            lookup = {"eq": "exact", "gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}[prefix]
            queryset = queryset.filter(**{f"fhir_updated__{lookup}": when})
    return queryset


def _status(resource, queryset, value):
    ours = []
    for code in value.split(","):
        if code not in resource.statuses:
            raise SearchError(
                _("Unknown status %(code)s; this resource knows %(codes)s.")
                % {"code": code, "codes": ", ".join(sorted(resource.statuses))}
            )
        ours.extend(resource.statuses[code])
    return queryset.filter(**{f"{resource.status_field}__in": ours})


def _checked(resource: ResourceType, params) -> None:
    known = {name for name, _t, _d in supported_params(resource)} | set(RESULT_PARAMS)
    unknown = sorted(set(params) - known)
    if unknown:
        raise SearchError(
            _("Unsupported search parameter: %(names)s.") % {"names": ", ".join(unknown)}
        )
    for name in params:
        if any("\x00" in value for value in params.getlist(name)):
            # PostgreSQL text cannot hold NUL; such a value can match nothing anyway.
            raise SearchError(_("%(name)s cannot be %(value)r.") % {"name": name, "value": "\x00"})


def _filtered(resource: ResourceType, client, params, ids=None):
    """The rows of ``resource`` for the client, filtered by ``params``; ``ids`` (the part's
    own pks) stands in for ``_id`` in a type served from several models."""
    queryset = scoped(resource, client)
    own = {p.name: p for p in resource.params}
    for name in params:
        values = params.getlist(name)
        if name in RESULT_PARAMS:
            continue
        if name == "_lastUpdated":
            queryset = _last_updated(queryset, values)
            continue
        for value in values:
            if name == "_id":
                if ids is None:
                    ids = [_id(v, name) for v in value.split(",")]
                queryset = queryset.filter(pk__in=ids)
            elif name in ("patient", "subject"):
                patients = [_id(v, name) for v in value.split(",")]
                queryset = queryset.filter(**{f"{resource.patient_field}__in": patients})
            elif name in own:
                try:
                    queryset = own[name].apply(queryset, value)
                except ValueError as exc:
                    raise SearchError(
                        _("%(name)s cannot be %(value)r.") % {"name": name, "value": value}
                    ) from exc
            elif name == resource.status_param:
                queryset = _status(resource, queryset, value)
            else:  # refused by _checked before: never reached
                raise SearchError(_("Unsupported search parameter: %(names)s.") % {"names": name})
    return queryset


def search(resource: ResourceType, client, params) -> Page:
    """One page of the search ``params`` (a QueryDict) for ``client``."""
    _checked(resource, params)
    count = _count(params.get("_count"))
    includes = _includes(resource, params.getlist("_include"))
    if resource.parts:
        page = _search_parts(resource, client, params, count)
    else:
        queryset = _filtered(resource, client, params)
        cursor = params.get("_cursor")
        if cursor is not None:
            queryset = queryset.filter(pk__gt=_id(cursor, "_cursor"))
        rows = list(queryset.order_by("pk")[: count + 1])
        page = Page(matches=rows[:count])
        if len(rows) > count:
            page.next_cursor = rows[count - 1].pk
    for include in includes:
        target = REGISTRY[include.target]
        # In a type served from several models each part answers with its own include of
        # that name (the ettervern plan has no goals): a part without one adds nothing.
        ids = set()
        for kind, obj in page.typed_matches(resource):
            own = include if kind is resource else _own_include(kind, include.name)
            if own is not None:
                ids.update(own.ids(obj))
        if ids:
            page.included.extend(
                (target, obj) for obj in scoped(target, client).filter(pk__in=ids).order_by("pk")
            )
    return page


def _own_include(part: ResourceType, name: str):
    return next((i for i in part.includes if i.name == name), None)


def fixed_token(system: str, code: str):
    """A ``token`` search parameter on a code every row of the type (or part) carries, such
    as the kind of plan: the rows all when ``code`` is asked for (``code`` or
    ``system|code``, comma-separated for OR), else none."""

    def apply(queryset, value):
        for wanted in value.split(","):
            asked_system, bar, asked_code = wanted.rpartition("|")
            if asked_code == code and (not bar or asked_system in ("", system)):
                return queryset
        return queryset.none()

    return apply


def _split(resource: ResourceType, value: str, name: str):
    try:
        return resource.split_id(value)
    except ValueError:
        raise SearchError(
            _("%(name)s must be an id, not %(value)r.") % {"name": name, "value": value}
        ) from None


def _search_parts(resource: ResourceType, client, params, count: int) -> Page:
    """A type served from several models: the parts in turn, each in id order, the cursor
    naming the part it stopped in (``dialog-12``). One query per part reached."""
    parts = [resource, *resource.parts]

    def index_of(part) -> int:
        return next(n for n, candidate in enumerate(parts) if candidate is part)

    wanted = None  # part index -> the pks asked for by ``_id``
    if "_id" in params:
        wanted = {n: [] for n in range(len(parts))}
        for value in params.getlist("_id"):
            for raw in value.split(","):
                part, pk = _split(resource, raw, "_id")
                wanted[index_of(part)].append(pk)
    first, after = 0, None
    cursor = params.get("_cursor")
    if cursor is not None:
        part, after = _split(resource, cursor, "_cursor")
        first = index_of(part)
    found = []
    for index in range(first, len(parts)):
        part = parts[index]
        if wanted is not None and not wanted[index]:
            continue
        queryset = _filtered(part, client, params, ids=wanted[index] if wanted else None)
        if index == first and after is not None:
            queryset = queryset.filter(pk__gt=after)
        found.extend((part, obj) for obj in queryset.order_by("pk")[: count + 1 - len(found)])
        if len(found) > count:
            break
    page = Page(matches=[obj for _p, obj in found[:count]], kinds=[p for p, _o in found[:count]])
    if len(found) > count:
        kind, obj = found[count - 1]
        page.next_cursor = kind.fhir_id(obj)
    return page


def _count(raw) -> int:
    if raw is None:
        return DEFAULT_COUNT
    try:
        count = int(raw)
    except ValueError:
        raise SearchError(_("_count must be a whole number.")) from None
    if not 1 <= count <= MAX_COUNT:
        raise SearchError(_("_count must be between 1 and %(max)d.") % {"max": MAX_COUNT})
    return count


def _includes(resource, values):
    found = []
    names = {i.name: i for i in resource.includes}
    for value in values:
        source, _sep, name = value.partition(":")
        name = name.partition(":")[0]
        if source != resource.name or name not in names:
            raise SearchError(_("Unsupported _include: %(value)s.") % {"value": value})
        if names[name] not in found:
            found.append(names[name])
    return found

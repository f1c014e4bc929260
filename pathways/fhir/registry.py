"""The resource types the API serves. The CapabilityStatement is built from this registry,
so it states exactly what the views do.

A feature registers a ``ResourceType`` with ``register``; pathways registers its own from
``PathwaysConfig.ready()`` and referrals its two from ``ReferralsConfig.ready()`` (pathways
never imports referrals).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from pathways.fhir.codes import parse_id


@dataclass(frozen=True)
class Include:
    """``_include=<Type>:<name>``: the resources of ``target`` whose ids ``ids(obj)`` gives."""

    name: str
    target: str
    ids: Callable[[object], list]


@dataclass(frozen=True)
class SearchParam:
    """A search parameter beyond the common ones: ``apply(queryset, value) -> queryset``
    (raise ``ValueError`` with a message for a value it cannot use)."""

    name: str
    type: str  # FHIR search parameter type: token, reference, date, string
    apply: Callable[[QuerySet, str], QuerySet]
    documentation: str = ""


@dataclass(frozen=True)
class ResourceType:
    name: str
    # The model's rows with what ``to_fhir`` reads already joined or prefetched, and the
    # annotation ``fhir_updated`` (meta.lastUpdated, the ``_lastUpdated`` filter).
    queryset: Callable[[], QuerySet]
    to_fhir: Callable[[object], dict]
    # The path from the row to its patient's id ("patient_id", "plan__patient_id", "pk" for
    # Patient); None for directory data (organisations, units), which is not patient data.
    patient_field: str | None
    # FHIR status code -> our values of ``status_field``.
    status_field: str = ""
    statuses: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The search parameter ``statuses`` answers to, as R4 names it for the type (Goal:
    # ``lifecycle-status``).
    status_param: str = "status"
    params: tuple[SearchParam, ...] = ()
    includes: tuple[Include, ...] = ()
    # Further limits for a client beyond the patient access (e.g. other units' drafts).
    client_scope: Callable[[object], Q] | None = None
    # One read event per returned resource; False: one per patient (the access log itself).
    audit_each: bool = True
    audit_action: str = "view"
    interactions: tuple[str, ...] = ("read", "search-type")
    # (obj) -> (bytes, content type): a read answered with the content itself (Binary).
    raw: Callable[[object], tuple[bytes, str]] | None = None
    # More models served as this type (the dialogue's posts beside the kommune messages as
    # Communication): each part is a ResourceType of the same name whose ids carry its own
    # ``id_prefix``; a search runs through the parts in turn, each in id order.
    parts: tuple["ResourceType", ...] = ()
    id_prefix: str = ""
    # Searches kept between identical searches (pathways.fhir.kept): every table the rows
    # are read from raises the page versions (a test checks it). False: read fresh.
    kept: bool = True

    def fhir_id(self, obj) -> str:
        return f"{self.id_prefix}{obj.pk}"

    def split_id(self, value) -> tuple["ResourceType", int]:
        """The part an id (``12``, ``dialog-12`` or ``Type/…``) names and the row's pk;
        ``ValueError`` when it names none."""
        raw = str(value).rpartition("/")[2]
        for part in sorted((self, *self.parts), key=lambda p: -len(p.id_prefix)):
            if raw.startswith(part.id_prefix):
                return part, parse_id(raw[len(part.id_prefix) :])
        raise ValueError(value)

    def model_rows(self) -> QuerySet:
        """The model's rows without the page's joins and annotations."""
        return self.queryset().model._default_manager.all()


REGISTRY: dict[str, ResourceType] = {}


def register(resource: ResourceType) -> None:
    REGISTRY[resource.name] = resource

"""The FHIR endpoints: capability statement, read by id, search.

Not session pages: the caller is a system with a bearer token (``auth``), so there is no
CSRF cookie to check and no ``@patient_view``; the same access rule applies through
``search.scoped`` (``pathways.access.client_patient_q``), an outsider gets the same 404
as a missing id, and every resource with patient data that is returned is audited with
the client's account as the actor.
"""

import json

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from accounts import audit
from accounts.replica import replica_reads
from pathways.fhir import auth, kept
from pathways.fhir.capability import capability_statement
from pathways.fhir.registry import REGISTRY
from pathways.fhir.search import SearchError, scoped, search

CONTENT_TYPE = "application/fhir+json; charset=utf-8"
READ_METHODS = ("GET", "HEAD")


def fhir_response(body: dict, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def outcome(status: int, code: str, message: str, headers: dict | None = None) -> HttpResponse:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": message}],
    }
    return fhir_response(body, status, headers)


def _not_found() -> HttpResponse:
    return outcome(404, "not-found", _("No such resource."))


def _refused(error: auth.AuthError) -> HttpResponse:
    code = "login" if error.status == 401 else "forbidden"
    challenge = f'Bearer error="{error.error}"'
    return outcome(error.status, code, error.message, {"WWW-Authenticate": challenge})


def _gate(request, resource_type):
    """(resource, caller) for a read, or the response that refuses it."""
    if request.method not in READ_METHODS:
        return None, outcome(
            405, "not-supported", _("Only reading is supported here."), {"Allow": "GET, HEAD"}
        )
    resource = REGISTRY.get(resource_type)
    if resource is None:
        return None, outcome(
            404,
            "not-supported",
            _("Unsupported resource type: %(type)s.") % {"type": resource_type},
        )
    try:
        caller = auth.authenticate(request)
    except auth.AuthError as error:
        return None, _refused(error)
    if not caller.may_read(resource.name):
        return None, _refused(
            auth.AuthError(403, _("The token lacks the scope to read this."), "insufficient_scope")
        )
    return (resource, caller), None


def _reads(found) -> dict[str, list[tuple]]:
    """The read events of the resources ``found`` ((ResourceType, obj) pairs), by action:
    one per resource with patient data (one per patient for the access log itself)."""
    reads, seen = {}, set()
    for resource, obj in found:
        if resource.patient_field is None:
            continue
        key = (obj.fhir_patient_id, None if resource.audit_each else resource.name)
        if resource.audit_each or key not in seen:
            seen.add(key)
            reads.setdefault(resource.audit_action, []).append(
                audit.read_of(obj.fhir_patient_id, obj)
            )
    return reads


def _audit(caller, request, reads: dict) -> None:
    """The reads (``_reads``) logged under the client's account, one query per action."""
    detail = f"FHIR {caller.client.client_id}: {request.get_full_path()}"
    for action, rows in reads.items():
        audit.record_reads(caller.actor, rows, detail=detail, action=action)


def _record_refusal(caller, request, resource, pk) -> None:
    """A read of patient data the client may not see is logged as refused, on the patient
    when the row exists, like a refused page; the answer stays the same 404."""
    if resource.patient_field is None:
        return
    patient_id = (
        resource.model_rows().filter(pk=pk).values_list(resource.patient_field, flat=True).first()
    )
    audit.record_by(
        caller.actor,
        audit.Action.DENIED,
        patient=patient_id,
        basis=audit.Basis.NONE,
        detail=f"FHIR {caller.client.client_id}: {request.method} {request.get_full_path()}",
    )


def _full_url(base: str, resource, obj) -> str:
    """The resource's read URL under ``base`` (the API's absolute base URL, made once per
    bundle: reversing the read pattern per entry was a fifth of a 50-entry search's time)."""
    return f"{base}{resource.name}/{resource.fhir_id(obj)}"


@csrf_exempt
def metadata(request):
    if request.method not in READ_METHODS:
        return outcome(405, "not-supported", _("Only reading is supported here."))
    return fhir_response(capability_statement(request.build_absolute_uri(reverse("fhir:base"))))


@csrf_exempt
def read(request, resource_type, pk):
    gate, refusal = _gate(request, resource_type)
    if refusal:
        return refusal
    resource, caller = gate
    try:
        resource, pk = resource.split_id(pk)
    except ValueError:
        return _not_found()
    obj = scoped(resource, caller.client).filter(pk=pk).first()
    if obj is None:
        _record_refusal(caller, request, resource, pk)
        return _not_found()
    _audit(caller, request, _reads([(resource, obj)]))
    if resource.raw is not None and not _wants_fhir(request):
        content, content_type = resource.raw(obj)
        return HttpResponse(content, content_type=content_type)
    return fhir_response(resource.to_fhir(obj))


def _wants_fhir(request) -> bool:
    """A Binary read returns the content itself unless the client asks for FHIR JSON."""
    accept = request.headers.get("Accept", "")
    return "json" in accept or request.GET.get("_format", "") in ("json", "application/fhir+json")


@csrf_exempt
def search_type(request, resource_type):
    gate, refusal = _gate(request, resource_type)
    if refusal:
        return refusal
    resource, caller = gate
    if "search-type" not in resource.interactions:
        return outcome(
            405,
            "not-supported",
            _("Searching is not supported for %(type)s.") % {"type": resource.name},
        )
    # An _include may not bring in a type the token may not read.
    targets = {i.name: i.target for i in resource.includes}
    for value in request.GET.getlist("_include"):
        target = targets.get(value.partition(":")[2].partition(":")[0])
        if target is not None and not caller.may_read(target):
            return _refused(
                auth.AuthError(
                    403, _("The token lacks the scope to read this."), "insufficient_scope"
                )
            )
    # The token and its client were checked on the primary; the search itself may read the
    # replica (accounts.replica), with the bundle built from the same rows.
    with replica_reads():
        return _searchset(request, resource, caller)


def _searchset(request, resource, caller):
    # A search of data the database keeps versions of is kept between identical searches
    # (pathways.fhir.kept); the access log is read fresh.
    keepable = resource.kept and all(REGISTRY[i.target].kept for i in resource.includes)
    version = kept.versions(caller.client) if keepable else None
    key = None if version is None else kept.key(version, caller.client, request)
    found = None if key is None else kept.get(key)
    if found is None:
        try:
            page = search(resource, caller.client, request.GET)
        except SearchError as error:
            return outcome(400, "invalid", str(error))
        matches = page.typed_matches(resource)
        base = request.build_absolute_uri(reverse("fhir:base"))
        entries = [
            {
                "fullUrl": _full_url(base, kind, obj),
                "resource": kind.to_fhir(obj),
                "search": {"mode": "match" if n < len(matches) else "include"},
            }
            for n, (kind, obj) in enumerate(matches + page.included)
        ]
        found = {
            "entries": json.dumps(entries, ensure_ascii=False),
            "next": page.next_cursor,
            "reads": _reads(matches + page.included),
        }
        if key is not None:
            kept.put(key, found)
    _audit(caller, request, found["reads"])
    links = [{"relation": "self", "url": request.build_absolute_uri()}]
    if found["next"] is not None:
        params = request.GET.copy()
        params["_cursor"] = str(found["next"])
        links.append(
            {
                "relation": "next",
                "url": request.build_absolute_uri(f"{request.path}?{params.urlencode()}"),
            }
        )
    head = {
        "resourceType": "Bundle",
        "type": "searchset",
        "meta": {"lastUpdated": timezone.now().isoformat(timespec="seconds")},
        "link": links,
    }
    # The entries are kept as JSON text, put into the bundle as they are.
    body = json.dumps(head, ensure_ascii=False)
    if found["entries"] != "[]":
        body = f'{body[:-1]}, "entry": {found["entries"]}}}'
    return HttpResponse(body, content_type=CONTENT_TYPE)


@csrf_exempt
def unknown(request):
    return outcome(404, "not-supported", _("This is not supported here."))

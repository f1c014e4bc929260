"""``/fhir/R4/Subscription``: a client creates, reads, lists and deletes its own subscriptions,
and sets one back to ``active`` after an ``error`` (PUT).

Same token checks as the rest of the API (``pathways.fhir.auth``). Creating, updating and
deleting need ``system/Subscription.write``; reading needs that or ``system/Subscription.read``
(``system/*.read`` is enough too). Another client's subscription is a 404, like a missing one.
"""

import json

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from pathways.fhir import auth, codes
from pathways.fhir.subscriptions import resource, services
from pathways.fhir.views import _refused, fhir_response, outcome

NAME = "Subscription"
MAX_BODY = 64 * 1024


def _caller(request, *, write: bool):
    try:
        caller = auth.authenticate(request)
    except auth.AuthError as error:
        return None, _refused(error)
    allowed = caller.may_write(NAME) or (not write and caller.may_read(NAME))
    if not allowed:
        return None, _refused(
            auth.AuthError(403, _("The token lacks the scope to do this."), "insufficient_scope")
        )
    return caller, None


def _not_allowed(allow: str):
    return outcome(405, "not-supported", _("This is not supported here."), {"Allow": allow})


@csrf_exempt
def collection(request):
    handler = {"GET": _search, "HEAD": _search, "POST": _create}.get(request.method)
    return handler(request) if handler else _not_allowed("GET, HEAD, POST")


@csrf_exempt
def instance(request, pk):
    handler = {"GET": _read, "HEAD": _read, "PUT": _update, "DELETE": _delete}.get(request.method)
    return handler(request, pk) if handler else _not_allowed("GET, HEAD, PUT, DELETE")


def _create(request):
    caller, refusal = _caller(request, write=True)
    if refusal:
        return refusal
    if len(request.body) > MAX_BODY:
        return outcome(413, "too-costly", _("The resource is too large."))
    try:
        data = json.loads(request.body or b"null")
        parsed = resource.parse(data)
        subscription = services.subscription_create(client=caller.client, request=parsed)
    except ValueError as error:  # JSON errors and resource.Invalid
        message = str(error) if isinstance(error, resource.Invalid) else _("The body is not JSON.")
        return outcome(400, "invalid", message)
    location = request.build_absolute_uri(
        reverse("fhir:subscription", kwargs={"pk": str(subscription.pk)})
    )
    return fhir_response(resource.to_fhir(subscription), 201, {"Location": location})


def _own(caller, pk):
    try:
        number = codes.parse_id(pk)
    except ValueError:
        return None
    return services.subscriptions_of(caller.client).filter(pk=number).first()


def _read(request, pk):
    caller, refusal = _caller(request, write=False)
    if refusal:
        return refusal
    subscription = _own(caller, pk)
    if subscription is None:
        return outcome(404, "not-found", _("No such resource."))
    return fhir_response(resource.to_fhir(subscription))


def _update(request, pk):
    """R4 update, for one change only: ``status`` back to active after ``error``."""
    caller, refusal = _caller(request, write=True)
    if refusal:
        return refusal
    subscription = _own(caller, pk)
    if subscription is None:
        return outcome(404, "not-found", _("No such resource."))
    if len(request.body) > MAX_BODY:
        return outcome(413, "too-costly", _("The resource is too large."))
    try:
        resource.reactivation(json.loads(request.body or b"null"), subscription)
    except ValueError as error:  # JSON errors and resource.Invalid
        message = str(error) if isinstance(error, resource.Invalid) else _("The body is not JSON.")
        return outcome(400, "invalid", message)
    subscription = services.subscription_reactivate(client=caller.client, subscription=subscription)
    return fhir_response(resource.to_fhir(subscription))


def _delete(request, pk):
    caller, refusal = _caller(request, write=True)
    if refusal:
        return refusal
    subscription = _own(caller, pk)
    if subscription is None:
        return outcome(404, "not-found", _("No such resource."))
    services.subscription_delete(client=caller.client, subscription=subscription)
    return HttpResponse(status=204)


def _search(request):
    caller, refusal = _caller(request, write=False)
    if refusal:
        return refusal
    unknown = set(request.GET) - {"_format"}
    if unknown:
        return outcome(
            400,
            "invalid",
            _("Unsupported search parameters: %(names)s.") % {"names": ", ".join(sorted(unknown))},
        )
    found = services.subscriptions_of(caller.client).order_by("pk")[:200]
    entries = [
        {
            "fullUrl": request.build_absolute_uri(
                reverse("fhir:subscription", kwargs={"pk": str(s.pk)})
            ),
            "resource": resource.to_fhir(s),
            "search": {"mode": "match"},
        }
        for s in found
    ]
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "meta": {"lastUpdated": timezone.now().isoformat(timespec="seconds")},
        "link": [{"relation": "self", "url": request.build_absolute_uri()}],
    }
    if entries:
        bundle["entry"] = entries
    return fhir_response(bundle)

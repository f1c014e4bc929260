"""The Subscription resource: reading what a client sends, and what it reads back.

R4 Subscription with ``channel.type`` rest-hook. The notifications follow the R4 shape of the
Subscriptions R5 Backport IG (a ``history`` Bundle opening with a SubscriptionStatus
``Parameters``), with id-only content: the receiver reads the resource through the API, with
its own token, which checks access and logs the read. The signing key is the extension
``SECRET`` on the Subscription; it is never returned.
"""

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from fhir.resources.R4B.subscription import Subscription as R4Subscription
from pydantic import ValidationError

from pathways.fhir import codes
from pathways.fhir.registry import REGISTRY
from pathways.fhir.subscriptions.changes import WATCHED

SECRET = f"{codes.CANONICAL}/StructureDefinition/subscription-secret"
BACKPORT = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition"
PAYLOAD_CONTENT = f"{BACKPORT}/backport-payload-content"
STATUS_PROFILE = f"{BACKPORT}/backport-subscription-status-r4"
TOPIC = f"{codes.CANONICAL}/SubscriptionTopic"
MIN_SECRET = 32
MAX_HEADERS = 5
# Headers a client may not set: they belong to the request or to our signature.
RESERVED_HEADERS = {"host", "content-type", "content-length", "transfer-encoding", "connection"}
SIGNATURE_HEADER = "X-Samhandling-Signature"
EVENT_HEADER = "X-Samhandling-Events"


class Invalid(ValueError):
    """The Subscription cannot be accepted; the message says why (an OperationOutcome)."""


@dataclass
class Request:
    resource_type: str
    criteria: str
    patient_id: int | None
    statuses: list[str]
    reason: str
    endpoint: str
    headers: list[str]
    secret: str
    end: object


def parse(data) -> Request:
    """A Subscription as posted, checked against the R4 definition and our limits."""
    if not isinstance(data, dict) or data.get("resourceType") != "Subscription":
        raise Invalid(_("The body must be a Subscription resource."))
    try:
        resource = R4Subscription.model_validate(data)
    except ValidationError as exc:
        where = "; ".join(
            ".".join(str(p) for p in error["loc"]) or "Subscription" for error in exc.errors()[:5]
        )
        raise Invalid(
            _("The Subscription is not valid FHIR R4: %(where)s.") % {"where": where}
        ) from None
    if resource.status not in ("requested", "active"):
        raise Invalid(_("A new subscription must have the status requested or active."))
    channel = resource.channel
    if channel.type != "rest-hook":
        raise Invalid(_("Only the channel type rest-hook is supported."))
    if channel.payload not in (None, "application/fhir+json", "application/json"):
        raise Invalid(_("Notifications are sent as application/fhir+json."))
    payload_ext = channel.payload__ext.extension if channel.payload__ext else None
    content = _extension(payload_ext, PAYLOAD_CONTENT, "valueCode")
    if content not in (None, "id-only"):
        raise Invalid(_("Only id-only notifications are sent: read the resource with your token."))
    resource_type, patient_id, statuses = _criteria(resource.criteria)
    secret = _extension(resource.extension, SECRET, "valueString") or ""
    if len(secret) < MIN_SECRET:
        raise Invalid(
            _("Give a signing secret of at least %(n)d characters in the extension %(url)s.")
            % {"n": MIN_SECRET, "url": SECRET}
        )
    end = resource.end
    if end is not None and (end.tzinfo is None or end <= timezone.now()):
        raise Invalid(_("The end must be a time with a time zone, in the future."))
    return Request(
        resource_type=resource_type,
        criteria=resource.criteria,
        patient_id=patient_id,
        statuses=statuses,
        reason=resource.reason[:500],
        endpoint=_endpoint(channel.endpoint),
        headers=_headers(channel.header or []),
        secret=secret[:200],
        end=end,
    )


def _extension(extensions, url: str, value: str):
    for extension in extensions or []:
        if extension.url == url:
            return getattr(extension, value, None)
    return None


def _criteria(criteria: str) -> tuple[str, int | None, list[str]]:
    """``Task?patient=Patient/1&status=accepted``: the type, the patient, the statuses."""
    resource_type, _sep, query = criteria.partition("?")
    if resource_type not in WATCHED or resource_type not in REGISTRY:
        raise Invalid(
            _("Subscriptions are offered for %(types)s.") % {"types": ", ".join(sorted(WATCHED))}
        )
    patient_id, statuses = None, []
    allowed = REGISTRY[resource_type].statuses
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name in ("patient", "subject") and patient_id is None:
            try:
                patient_id = codes.parse_id(value)
            except ValueError:
                raise Invalid(_("The criteria's patient must be an id.")) from None
        elif name == "status" and not statuses:
            statuses = [code for code in value.split(",") if code]
            if not statuses or set(statuses) - set(allowed):
                raise Invalid(
                    _("The criteria's status must be among %(codes)s.")
                    % {"codes": ", ".join(sorted(allowed))}
                )
        else:
            raise Invalid(
                _("The criteria may only filter on patient and status, once each: %(name)s.")
                % {"name": name}
            )
    return resource_type, patient_id, statuses


def _endpoint(url: str | None) -> str:
    parts = urlsplit(url or "")
    allowed = ("https", "http") if settings.FHIR_SUBSCRIPTION_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed or not parts.hostname or parts.username or parts.password:
        raise Invalid(_("The endpoint must be an https address without a user name."))
    if len(url) > 500:
        raise Invalid(_("The endpoint address is too long."))
    return url


def _headers(headers: list[str]) -> list[str]:
    if len(headers) > MAX_HEADERS:
        raise Invalid(_("At most %(n)d headers may be given.") % {"n": MAX_HEADERS})
    out = []
    for header in headers:
        name, sep, value = header.partition(":")
        name, value = name.strip(), value.strip()
        clean = sep and name and value and name.isascii() and "\n" not in header
        if not clean or "\r" in header or any(c in name for c in ' \t()<>@,;\\"/[]?={}'):
            raise Invalid(_("A header must be written as Name: value."))
        if name.lower() in RESERVED_HEADERS or name.lower().startswith("x-samhandling-"):
            raise Invalid(_("The header %(name)s cannot be set.") % {"name": name})
        out.append(f"{name}: {value}")
    return out


def to_fhir(subscription) -> dict:
    """The subscription as its client reads it back: no secret, headers only by name."""
    channel = {
        "type": "rest-hook",
        "endpoint": subscription.endpoint,
        "payload": "application/fhir+json",
        "_payload": {"extension": [{"url": PAYLOAD_CONTENT, "valueCode": "id-only"}]},
        # A header may carry the receiver's own credentials: say which, not their values.
        "header": [f"{h.partition(':')[0]}: ***" for h in subscription.headers],
    }
    return codes.resource(
        "Subscription",
        subscription,
        status=subscription.status,
        end=codes.instant(subscription.end),
        reason=subscription.reason,
        criteria=subscription.criteria,
        error=subscription.error,
        channel={k: v for k, v in channel.items() if v},
    )


def capability_entry() -> dict:
    """Subscription's line in the CapabilityStatement."""
    return {
        "type": "Subscription",
        "documentation": (
            "Rest-hook subscriptions to Task and CarePlan (criteria Task?… or CarePlan?… with "
            "patient and status); id-only notifications in the R4 shape of the Subscriptions "
            "R5 Backport IG, signed with HMAC-SHA256 in the X-Samhandling-Signature header. "
            f"Scope system/Subscription.write; the signing secret in the extension {SECRET}. "
            "Update (PUT) changes only the status, back to active after an error."
        ),
        "interaction": [
            {"code": "read"},
            {"code": "update"},
            {"code": "delete"},
            {"code": "create"},
            {"code": "search-type"},
        ],
        "versioning": "no-version",
        "readHistory": False,
        "updateCreate": False,
    }


def reactivation(data, subscription) -> None:
    """An update (PUT) of ``subscription`` as it may be made: the resource as read back with
    ``status`` active (or requested). Anything else changed is refused (``Invalid``): the
    endpoint, criteria and secret are changed by subscribing anew."""
    if not isinstance(data, dict) or data.get("resourceType") != "Subscription":
        raise Invalid(_("The body must be a Subscription resource."))
    if "id" in data and str(data["id"]) != str(subscription.pk):
        raise Invalid(_("The resource's id is not the id in the URL."))
    if data.get("status") not in ("active", "requested"):
        raise Invalid(_("A subscription can only be set back to the status active."))
    channel = data.get("channel") if isinstance(data.get("channel"), dict) else {}
    if data.get("criteria") != subscription.criteria or (
        channel.get("endpoint") != subscription.endpoint
    ):
        raise Invalid(_("Only the status can be changed; subscribe anew to change anything else."))

"""``POST /fhir/R4/``: a transaction Bundle, carried out once per ``Bundle.identifier``.

The API side only: reading and checking the Bundle, the token and its write scope, and the
idempotency key. What a Bundle means is the business of the feature that registered a
handler for it (``register_handler``; referrals registers the referral import from
``ReferralsConfig.ready()``, so pathways never imports referrals).

Sending the same Bundle twice (same client, same ``Bundle.identifier``) acts once and
answers both times with the same response: the key row is inserted first, in the same
database transaction as the work, so a concurrent duplicate waits on the unique index and
then reads the stored answer. A refused Bundle stores nothing and may be sent again.
"""

import datetime
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from pathways.fhir import auth
from pathways.fhir.views import READ_METHODS, fhir_response, outcome
from pathways.models import FhirTransaction

MAX_BUNDLE_BYTES = 20 * 1024 * 1024
# The write scope the referral import needs; named in the CapabilityStatement.
WRITE_SCOPE = "system/ServiceRequest.write"
# How long a sent Bundle's key and answer are kept. A record system retries within minutes or
# hours; a copy sent after this is still refused as a duplicate of the open referral.
KEEP_DAYS = 90


@dataclass(frozen=True)
class Issue:
    message: str
    expression: str = ""
    code: str = "invalid"


class Rejected(Exception):
    """A Bundle the server will not carry out: ``status`` (400 malformed, 403 not allowed,
    409 conflict, 422 a rule of the content) and the issues, each with the FHIRPath of the
    element it is about."""

    def __init__(self, status: int, issues: list[Issue], *, record: Callable | None = None):
        super().__init__(issues[0].message if issues else "")
        self.status = status
        self.issues = issues
        # What must be logged although the work is rolled back (a refused lookup).
        self.record = record


@dataclass(frozen=True)
class Handler:
    """``accepts(bundle)``: whether the Bundle is this handler's kind; ``handle(caller,
    bundle)``: carry it out inside the caller's database transaction and return the
    transaction-response Bundle, or raise ``Rejected``."""

    accepts: Callable[[dict], bool]
    handle: Callable[[auth.Caller, dict], dict]


HANDLERS: list[Handler] = []


def register_handler(handler: Handler) -> None:
    if handler not in HANDLERS:
        HANDLERS.append(handler)


def outcome_of(rejected: Rejected) -> dict:
    issues = []
    for issue in rejected.issues:
        entry = {"severity": "error", "code": issue.code, "diagnostics": issue.message}
        if issue.expression:
            entry["expression"] = [issue.expression]
        issues.append(entry)
    return {"resourceType": "OperationOutcome", "issue": issues}


def _parse(request) -> dict:
    # Read from the stream, not ``request.body``: that stops at the form upload limit
    # (DATA_UPLOAD_MAX_MEMORY_SIZE), below a Bundle with a few inline attachments.
    body = request.read(MAX_BUNDLE_BYTES + 1)
    if len(body) > MAX_BUNDLE_BYTES:
        raise Rejected(413, [Issue(_("The Bundle is too large."), "Bundle", "too-costly")])
    try:
        bundle = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Rejected(400, [Issue(_("The body is not JSON."), "", "structure")]) from None
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise Rejected(400, [Issue(_("Send a Bundle."), "Bundle", "structure")])
    if bundle.get("type") != "transaction":
        raise Rejected(
            400,
            [Issue(_("Only a Bundle of type transaction is accepted."), "Bundle.type", "value")],
        )
    entries = bundle.get("entry")
    if not isinstance(entries, list) or not entries:
        raise Rejected(400, [Issue(_("The Bundle has no entries."), "Bundle.entry", "required")])
    return bundle


def idempotency_key(bundle: dict) -> str:
    """``system|value`` of ``Bundle.identifier``: the sender's own id for this Bundle."""
    identifier = bundle.get("identifier")
    system = identifier.get("system") if isinstance(identifier, dict) else None
    value = identifier.get("value") if isinstance(identifier, dict) else None
    if not (isinstance(system, str) and isinstance(value, str) and system and value.strip()):
        raise Rejected(
            400,
            [
                Issue(
                    _(
                        "Bundle.identifier (system and value) is required: it makes sending "
                        "the same Bundle twice safe."
                    ),
                    "Bundle.identifier",
                    "required",
                )
            ],
        )
    key = f"{system}|{value.strip()}"
    if len(key) > 600 or "\x00" in key:
        message = _("Bundle.identifier is too long or holds a NUL character.")
        raise Rejected(400, [Issue(message, "Bundle.identifier", "value")])
    return key


def digest_of(bundle: dict) -> str:
    canonical = json.dumps(bundle, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored(client, key: str, digest: str) -> FhirTransaction | None:
    done = FhirTransaction.objects.filter(client=client, key=key).first()
    if done is not None and done.digest != digest:
        raise Rejected(
            409,
            [
                Issue(
                    _(
                        "This Bundle.identifier was used for another Bundle. Give a new "
                        "Bundle its own identifier."
                    ),
                    "Bundle.identifier",
                    "duplicate",
                )
            ],
        )
    return done


def _handler_for(bundle: dict) -> Handler:
    for handler in HANDLERS:
        if handler.accepts(bundle):
            return handler
    raise Rejected(
        422,
        [
            Issue(
                _("This server does not take Bundles of this content."),
                "Bundle.entry",
                "not-supported",
            )
        ],
    )


@transaction.atomic
def _carry_out(caller, handler: Handler, bundle: dict, key: str, digest: str) -> dict:
    # The key first: a concurrent request with the same key waits here until this commits.
    record = FhirTransaction.objects.create(client=caller.client, key=key, digest=digest)
    response = handler.handle(caller, bundle)
    response["meta"] = {"lastUpdated": timezone.now().isoformat(timespec="seconds")}
    record.response = json.dumps(response, ensure_ascii=False)
    record.save(update_fields=["response"])
    return response


def run(caller, bundle: dict) -> dict:
    """The response Bundle, carried out once per client and ``Bundle.identifier``."""
    key = idempotency_key(bundle)
    digest = digest_of(bundle)
    done = _stored(caller.client, key, digest)
    if done is not None:
        return json.loads(done.response)
    handler = _handler_for(bundle)
    try:
        return _carry_out(caller, handler, bundle, key, digest)
    except Rejected as rejected:
        if rejected.record is not None:
            rejected.record()
        raise
    except IntegrityError:
        # Another request with the same key committed while this one waited on the index.
        done = _stored(caller.client, key, digest)
        if done is None:
            raise
        return json.loads(done.response)


@csrf_exempt
def endpoint(request):
    """The service base: a POSTed transaction Bundle; nothing to read here."""
    if request.method in READ_METHODS:
        message = _("Only a transaction Bundle can be posted here.")
        return outcome(405, "not-supported", message, {"Allow": "POST"})
    if request.method != "POST":
        return outcome(405, "not-supported", _("Only POST is supported here."), {"Allow": "POST"})
    try:
        caller = auth.authenticate(request)
    except auth.AuthError as error:
        return _refused(error.status, error.message, error.error)
    if not caller.may_write("ServiceRequest"):
        message = _("The token lacks the scope %(scope)s.") % {"scope": WRITE_SCOPE}
        return _refused(403, message, "insufficient_scope")
    try:
        return fhir_response(run(caller, _parse(request)))
    except Rejected as rejected:
        return fhir_response(outcome_of(rejected), rejected.status)


def _refused(status: int, message: str, error: str):
    code = "login" if status == 401 else "forbidden"
    return outcome(status, code, message, {"WWW-Authenticate": f'Bearer error="{error}"'})


def expire_transactions(now=None) -> int:
    """Forget keys older than KEEP_DAYS (a periodic job of the sweep)."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=KEEP_DAYS)
    deleted, _rows = FhirTransaction.objects.filter(created_at__lt=cutoff).delete()
    return deleted

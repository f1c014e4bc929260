"""Referrals in from a record system: a transaction Bundle of Patient + ServiceRequest + Task
(and optionally the patient's Consent and DocumentReferences with the attachments inline)
becomes a referral exactly as the web form makes one.

The Bundle is read into the web forms' data (``PatientRegisterForm``, ``ReferralForm``) and
goes through the same services (``patient_register``, ``referral_create``,
``attachment_add``): the same validation and messages, the same deadline from the
ansiennitetsdato, the same care-team, audit and notification effects. Errors come back as
an OperationOutcome whose ``expression`` names the element in the Bundle.

Who sends: the client's organisation, as the unit that ``ServiceRequest.requester`` names
(a contained PractitionerRole with ``healthcareService``; or the organisation itself when
it has one unit). A client may send only as its own organisation's units.
"""

import base64
import binascii
import mimetypes
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from accounts.acting import Actor
from accounts.models import Membership, Organisation, ServiceUnit
from pathways import access
from pathways.fhir import codes
from pathways.fhir.transaction import Handler, Issue, Rejected, register_handler
from pathways.models import Consent, Patient
from pathways.patients.forms import PatientRegisterForm
from pathways.patients.services.lookup import (
    Purpose,
    TooManyLookups,
    check_lookup_allowed,
    record_lookup,
)
from pathways.patients.services.patients import DuplicatePatient, patient_register
from referrals import services
from referrals.fhir import NOTE_SECTION
from referrals.forms import ReferralForm
from referrals.models import Referral

NOTE_FIELDS = {
    "question": "question",
    "substance-use": "substance_use",
    "mental-health": "mental_health",
    "existing-services": "existing_services",
    "patient-wishes": "patient_wishes",
}
NATIONAL_ID_SYSTEMS = (codes.FNR, codes.DNR, codes.HNR, codes.SYNTHETIC_ID)
PRIORITY = {
    "routine": Referral.Urgency.ORDINARY,
    "urgent": Referral.Urgency.URGENT,
    "asap": Referral.Urgency.URGENT,
    "stat": Referral.Urgency.URGENT,
}
# Task.status of the request: "requested" sends the referral, "draft" keeps it as a draft.
TASK_SENDS = {"requested": True, "draft": False}
ONE = ("Patient", "ServiceRequest", "Task")
OPTIONAL = {"Consent": 1, "DocumentReference": 10}
# A record system sends for the unit's clinicians: the role the form asks of a referrer.
SENDER_ROLES = frozenset({Membership.Role.CLINICIAN})


@dataclass
class Entry:
    index: int
    resource: dict
    full_url: str

    @property
    def path(self) -> str:
        return f"Bundle.entry[{self.index}].resource"

    def at(self, element: str = "") -> str:
        return f"{self.path}.{element}" if element else self.path


@dataclass
class Parsed:
    entries: list[Entry]
    by_type: dict[str, list[Entry]] = field(default_factory=dict)

    def one(self, name: str) -> Entry | None:
        found = self.by_type.get(name, [])
        return found[0] if found else None


def _bad(message: str, expression: str = "", code: str = "invalid", status: int = 400):
    return Rejected(status, [Issue(message, expression, code)])


def accepts(bundle: dict) -> bool:
    return any(
        isinstance(e, dict)
        and isinstance(e.get("resource"), dict)
        and e["resource"].get("resourceType") == "ServiceRequest"
        for e in bundle.get("entry", [])
    )


def _parse(bundle: dict) -> Parsed:
    parsed = Parsed(entries=[])
    for index, raw in enumerate(bundle["entry"]):
        where = f"Bundle.entry[{index}]"
        resource = raw.get("resource") if isinstance(raw, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise _bad(_("Each entry must hold a resource."), where, "structure")
        request = raw.get("request")
        if not isinstance(request, dict) or request.get("method") not in ("POST", "PUT"):
            raise _bad(_("Each entry must be a create (request.method POST)."), f"{where}.request")
        name = resource["resourceType"]
        if name not in ONE and name not in OPTIONAL:
            raise _bad(
                _("A referral Bundle cannot hold a %(type)s.") % {"type": name},
                where,
                "not-supported",
            )
        entry = Entry(index, resource, str(raw.get("fullUrl") or ""))
        parsed.entries.append(entry)
        parsed.by_type.setdefault(name, []).append(entry)
    for name in ONE:
        count = len(parsed.by_type.get(name, []))
        if count != 1:
            raise _bad(
                _("A referral Bundle holds exactly one %(type)s.") % {"type": name},
                "Bundle.entry",
                "required" if count == 0 else "invalid",
            )
    for name, most in OPTIONAL.items():
        if len(parsed.by_type.get(name, [])) > most:
            raise _bad(
                _("A referral Bundle holds at most %(count)d %(type)s.")
                % {"count": most, "type": name},
                "Bundle.entry",
                "too-costly",
            )
    return parsed


def _list(value) -> list:
    """A repeating element as sent; anything else (a sender's mistake) counts as absent."""
    return value if isinstance(value, list) else []


def _text(value) -> str:
    """A string element without NUL characters (PostgreSQL text cannot hold them)."""
    return str(value).replace("\x00", "") if value is not None else ""


def _reference(value) -> str:
    reference = value.get("reference") if isinstance(value, dict) else None
    return reference if isinstance(reference, str) else ""


def _points_to(entry: Entry, element: str, value, target: Entry) -> None:
    """``value`` (a Reference) must name ``target`` by its fullUrl."""
    if not target.full_url or _reference(value) != target.full_url:
        raise _bad(
            _("%(element)s must refer to the %(type)s in the Bundle (its fullUrl).")
            % {"element": element, "type": target.resource["resourceType"]},
            entry.at(element),
        )


# --- who sends ---


def _unit_of(reference: dict) -> ServiceUnit | None:
    """A unit named as ``HealthcareService/<id>`` or by its identifier."""
    raw = _reference(reference)
    if raw.startswith("HealthcareService/"):
        try:
            pk = codes.parse_id(raw)
        except ValueError:
            return None
    else:
        identifier = reference.get("identifier") if isinstance(reference, dict) else None
        if not isinstance(identifier, dict) or identifier.get("system") != codes.UNIT_ID:
            return None
        value = _text(identifier.get("value"))
        if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= codes.MAX_ID:
            return None
        pk = int(value)
    return ServiceUnit.objects.select_related("organisation").filter(pk=pk).first()


def _organisation_of(reference: dict) -> Organisation | None:
    raw = _reference(reference)
    if raw.startswith("Organization/"):
        try:
            return Organisation.objects.filter(pk=codes.parse_id(raw)).first()
        except ValueError:
            return None
    identifier = reference.get("identifier") if isinstance(reference, dict) else None
    if isinstance(identifier, dict) and identifier.get("system") == codes.ORG_NUMBER:
        return Organisation.objects.filter(org_number=_text(identifier.get("value"))).first()
    return None


def _not_own(expression: str) -> Rejected:
    return _bad(
        _("A client may send referrals only as a unit of its own organisation."),
        expression,
        "forbidden",
        403,
    )


def _sender(client, request: Entry) -> ServiceUnit:
    """The referring unit named by ``ServiceRequest.requester``."""
    requester = request.resource.get("requester")
    where = request.at("requester")
    raw = _reference(requester)
    if raw.startswith("#"):
        contained = _list(request.resource.get("contained"))
        index, role = next(
            (
                (n, c)
                for n, c in enumerate(contained)
                if isinstance(c, dict)
                and c.get("resourceType") == "PractitionerRole"
                and c.get("id") == raw[1:]
            ),
            (None, None),
        )
        if role is None:
            raise _bad(_("The contained requester was not found."), where)
        unit = _unit_of((_list(role.get("healthcareService")) or [None])[0])
        if unit is None:
            raise _bad(
                _("Name the sending unit in the PractitionerRole's healthcareService."),
                request.at(f"contained[{index}].healthcareService"),
                "required",
            )
        if unit.organisation_id != client.organisation_id:
            raise _not_own(where)
        named = role.get("organization")
        if named and getattr(_organisation_of(named), "pk", None) != client.organisation_id:
            raise _not_own(request.at(f"contained[{index}].organization"))
        return unit
    if requester:
        organisation = _organisation_of(requester)
        if organisation is None:
            raise _bad(_("The requester is not an organisation known here."), where)
        if organisation.pk != client.organisation_id:
            raise _not_own(where)
    units = list(ServiceUnit.objects.filter(organisation_id=client.organisation_id)[:2])
    if len(units) != 1:
        raise _bad(
            _(
                "Your organisation has several units: name the sending unit as a contained "
                "PractitionerRole with healthcareService."
            ),
            where,
            "required",
            422,
        )
    return units[0]


def _acting(client, unit: ServiceUnit) -> Actor:
    actor = Actor(client.account, unit)
    actor.roles = SENDER_ROLES
    return actor


# --- the patient ---


def _national_id(patient: Entry) -> str:
    for identifier in _list(patient.resource.get("identifier")):
        if isinstance(identifier, dict) and identifier.get("system") in NATIONAL_ID_SYSTEMS:
            return _text(identifier.get("value")).strip()
    raise _bad(
        _("Identify the patient by fødselsnummer, D-nummer or H-nummer."),
        patient.at("identifier"),
        "required",
        422,
    )


PATIENT_PATHS = {
    "national_id": "identifier",
    "no_national_id": "identifier",
    "first_name": "name[0].given",
    "last_name": "name[0].family",
    "birth_date": "birthDate",
    "phone": "telecom",
    "address": "address[0]",
}


def _patient_data(patient: Entry, national_id: str) -> dict:
    resource = patient.resource
    names = [n for n in _list(resource.get("name")) if isinstance(n, dict)]
    name = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    phones = [
        _text(t.get("value"))
        for t in _list(resource.get("telecom"))
        if isinstance(t, dict) and t.get("system") == "phone"
    ]
    addresses = [a for a in _list(resource.get("address")) if isinstance(a, dict)]
    address = ""
    if addresses:
        first = addresses[0]
        place = [_text(first.get(k)) for k in ("postalCode", "city") if first.get(k)]
        lines = [*(_text(line) for line in _list(first.get("line"))), " ".join(place)]
        address = _text(first.get("text")) or ", ".join(line for line in lines if line)
    return {
        "national_id": national_id,
        "first_name": " ".join(_text(g) for g in _list(name.get("given"))),
        "last_name": _text(name.get("family")),
        "birth_date": _text(resource.get("birthDate")),
        "phone": phones[0] if phones else "",
        "address": address[:200],
    }


def _messages(error: ValidationError) -> dict:
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


def _form_issues(errors: dict, paths: dict, default: str) -> list[Issue]:
    issues = []
    for name, messages in errors.items():
        where = paths.get(name, default)
        code = "duplicate" if name == "send_anyway" else "invalid"
        issues.extend(Issue(str(message), where, code) for message in messages)
    return issues


def _patient(actor: Actor, entry: Entry) -> tuple[Patient, bool]:
    """The patient the Bundle names: one the sending unit has on its care team, or a new one
    registered as the web form registers (the unit joins the care team)."""
    number = _national_id(entry)
    paths = {k: entry.at(v) for k, v in PATIENT_PATHS.items()}
    form = PatientRegisterForm(data=_patient_data(entry, number))
    if not form.is_valid():
        raise Rejected(422, _form_issues(form.errors, paths, entry.path))
    try:
        return patient_register(actor=actor, data=form.patient_data()), True
    except DuplicatePatient as duplicate:
        existing = duplicate.existing
    if access.access_basis(actor.user, actor.unit, existing.pk) is not None:
        return existing, False
    # As on the web: a registered person outside the unit's care team is a lookup (limited
    # and logged), and the answer says no more than that.
    try:
        check_lookup_allowed(actor, Purpose.REGISTER)
    except TooManyLookups:
        raise _bad(
            _("Too many lookups of national ids. Try again later."), "", "throttled", 429
        ) from None
    raise Rejected(
        422,
        [
            Issue(
                _(
                    "This person is already registered, but not with your unit. A unit on "
                    "the care team can add yours with the patient's consent."
                ),
                paths["national_id"],
                "business-rule",
            )
        ],
        record=lambda: record_lookup(actor, existing, purpose=Purpose.REGISTER, opened=False),
    )


# --- the referral ---


def _notes(request: Entry) -> tuple[dict, dict]:
    """The referral's texts from ``ServiceRequest.note`` and where each came from: a note
    marked with its section, else part of the question."""
    texts, paths = {}, {}
    for index, note in enumerate(_list(request.resource.get("note"))):
        if not isinstance(note, dict):
            continue
        section = "question"
        for extension in _list(note.get("extension")):
            if isinstance(extension, dict) and extension.get("url") == NOTE_SECTION:
                section = _text(extension.get("valueCode"))
        name = NOTE_FIELDS.get(section)
        if name is None:
            raise _bad(
                _("Unknown note section %(code)s.") % {"code": section},
                request.at(f"note[{index}].extension"),
                "code-invalid",
            )
        text = _text(note.get("text")).strip()
        texts[name] = f"{texts[name]}\n\n{text}" if texts.get(name) else text
        paths.setdefault(name, request.at(f"note[{index}].text"))
    return texts, paths


def _reason(request: Entry) -> str:
    texts = []
    for concept in _list(request.resource.get("reasonCode")):
        if not isinstance(concept, dict):
            continue
        text = _text(concept.get("text")) or "; ".join(
            _text(c.get("display")) for c in _list(concept.get("coding")) if isinstance(c, dict)
        )
        if text.strip():
            texts.append(text.strip())
    return "\n".join(texts)


def _consent_date(consent: Entry | None) -> str:
    if consent is None:
        return ""
    if consent.resource.get("status") != "active":
        raise _bad(
            _("Only a consent in force (status active) can be sent."),
            consent.at("status"),
            "business-rule",
            422,
        )
    when = _text(consent.resource.get("dateTime"))
    if not when:
        raise _bad(_("Give the date of the consent."), consent.at("dateTime"), "required", 422)
    return when[:10]


def _referral_form(parsed: Parsed, unit, patient) -> tuple[ReferralForm, dict]:
    request = parsed.one("ServiceRequest")
    consent = parsed.one("Consent")
    texts, paths = _notes(request)
    receiving = _unit_of((_list(request.resource.get("performer")) or [None])[0])
    priority = request.resource.get("priority", "routine")
    if not isinstance(priority, str) or priority not in PRIORITY:
        raise _bad(
            _("Unknown priority %(code)s.") % {"code": _text(priority)},
            request.at("priority"),
            "code-invalid",
        )
    data = {
        "receiving_unit": receiving.pk if receiving else "",
        "urgency": PRIORITY[priority],
        "reason": _reason(request),
        "consent_given_on": _consent_date(consent),
        **texts,
    }
    paths = {
        "receiving_unit": request.at("performer[0]"),
        "urgency": request.at("priority"),
        "reason": request.at("reasonCode"),
        "question": request.at("note"),
        "consent_given_on": consent.at("dateTime") if consent else "Bundle.entry",
        "send_anyway": request.path,
        **paths,
    }
    return ReferralForm(data=data, unit=unit, patient=patient), paths


def _attachment(actor, referral, entry: Entry) -> None:
    content = (_list(entry.resource.get("content")) or [{}])[0]
    attachment = content.get("attachment") if isinstance(content, dict) else None
    where = entry.at("content[0].attachment")
    raw = attachment.get("data") if isinstance(attachment, dict) else None
    if not isinstance(raw, str) or not raw:
        raise _bad(
            _("Send the attachment inline (attachment.data); links are not fetched."),
            f"{where}.data",
            "required",
            422,
        )
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise _bad(_("attachment.data is not base64."), f"{where}.data") from None
    content_type = _text(attachment.get("contentType"))
    title = _text(attachment.get("title")) or "vedlegg"
    if "." not in title:
        title += mimetypes.guess_extension(content_type) or ""
    upload = SimpleUploadedFile(title, data, content_type)
    try:
        services.attachment_add(
            referral=referral,
            actor=actor,
            upload=upload,
            description=_text(entry.resource.get("description")),
        )
    except ValidationError as error:
        raise Rejected(422, _form_issues(_messages(error), {}, where)) from None


def _done(status: str, location: str = "") -> dict:
    response = {"status": status}
    if location:
        response["location"] = location
    return {"response": response}


def handle(caller, bundle: dict) -> dict:
    parsed = _parse(bundle)
    patient_entry = parsed.one("Patient")
    request = parsed.one("ServiceRequest")
    task = parsed.one("Task")
    _points_to(request, "subject", request.resource.get("subject"), patient_entry)
    _points_to(task, "focus", task.resource.get("focus"), request)
    _points_to(task, "for", task.resource.get("for"), patient_entry)
    for consent in parsed.by_type.get("Consent", []):
        _points_to(consent, "patient", consent.resource.get("patient"), patient_entry)
    status = task.resource.get("status")
    if not isinstance(status, str) or status not in TASK_SENDS:
        raise _bad(
            _("Task.status must be requested (send) or draft (keep as a draft)."),
            task.at("status"),
            "code-invalid",
        )
    unit = _sender(caller.client, request)
    actor = _acting(caller.client, unit)
    patient, created = _patient(actor, patient_entry)
    form, paths = _referral_form(parsed, unit, patient)
    if not form.is_valid():
        raise Rejected(422, _form_issues(form.errors, paths, request.path))
    try:
        referral = services.referral_create(
            patient=patient,
            actor=actor,
            receiving_unit=form.cleaned_data["receiving_unit"],
            data=form.referral_data(),
            send=TASK_SENDS[status],
        )
    except PermissionDenied:
        raise _not_own(request.at("requester")) from None
    except ValidationError as error:
        raise Rejected(422, _form_issues(_messages(error), paths, request.path)) from None
    for entry in parsed.by_type.get("DocumentReference", []):
        _attachment(actor, referral, entry)
    answers = {}
    answers[patient_entry.index] = _done(
        "201 Created" if created else "200 OK", f"Patient/{patient.pk}"
    )
    answers[request.index] = _done("201 Created", f"ServiceRequest/{referral.pk}")
    answers[task.index] = _done("201 Created", f"Task/{referral.pk}")
    for entry in parsed.by_type.get("Consent", []):
        # The consent the referral rests on (one already in force is reused, as on the web).
        recorded = Consent.objects.filter(
            pk=referral.consent_id, recorded_at__gte=referral.created_at
        ).exists()
        answers[entry.index] = (
            _done("201 Created" if recorded else "200 OK", f"Consent/{referral.consent_id}")
            if referral.consent_id
            else _done("200 OK")
        )
    for entry in parsed.by_type.get("DocumentReference", []):
        # Stored as the referral's attachments, which the API does not serve as resources.
        answers[entry.index] = _done("201 Created")
    return {
        "resourceType": "Bundle",
        "type": "transaction-response",
        "entry": [answers[entry.index] for entry in parsed.entries],
    }


HANDLER = Handler(accepts=accepts, handle=handle)


def register() -> None:
    register_handler(HANDLER)

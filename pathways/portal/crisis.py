"""/min/kriseplan/: the patient's one crisis plan on the phone, and as a wallet-size card.

Nothing is kept in the browser (no service worker, no local storage, ``no-store``): what to
carry offline is the patient's choice, the card saved as a PDF.
"""

from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _

from pathways.models import CrisisPlan, PortalAccess
from pathways.pdf import pdf_response
from pathways.portal.gate import portal_view

# Always on the page and the card, whatever the plan says: short numbers a phone can dial.
EMERGENCY_NUMBERS = [
    ("113", "113", _("Medical emergency (AMK)")),
    ("116117", "116 117", _("Out-of-hours doctor (legevakt)")),
]


def _no_store(response):
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, private"
    return response


def _context(request) -> dict:
    patient = request.portal.patient
    crisis = CrisisPlan.objects.for_patient(patient)
    return {
        "patient": patient,
        "crisis": crisis,
        "contacts": list(crisis.contacts.all()) if crisis else [],
        "emergency_numbers": EMERGENCY_NUMBERS,
    }


@portal_view("crisis plan", part=PortalAccess.Part.CRISIS_PLAN)
def crisis_plan(request):
    return _no_store(render(request, "pathways/portal/crisis.html", _context(request)))


@portal_view("crisis plan card (PDF)", part=PortalAccess.Part.CRISIS_PLAN)
def crisis_card(request):
    response = pdf_response(
        "pdf/crisis_card.html", _context(request), request=request, filename="kriseplan.pdf"
    )
    response["Content-Disposition"] = 'attachment; filename="kriseplan.pdf"'
    return _no_store(response)

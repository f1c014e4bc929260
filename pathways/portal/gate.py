"""The door of /min/: a patient or pårørende session reaches only its own /min/ pages.

``PortalGateMiddleware`` answers 404 to a portal session for every other URL (staff pages,
the admin, the API), whatever the view would have done; ``portal_view`` lets only a portal
session with open access into a /min/ page and audits each read with its own basis.

A pårørende reaches only the pages of the parts the patient gave them (``part``); every
other /min/ page answers 404, as if it did not exist.
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth import logout
from django.http import Http404, HttpResponseNotAllowed, HttpResponseNotFound
from django.shortcuts import redirect
from django.template.loader import render_to_string

from accounts import audit
from accounts.acting import Actor
from accounts.backends import is_portal_session
from pathways.models import PortalAccess

ACCESS_KEY = "portal_access"
ACR_KEY = "portal_acr"
PREFIX = "/min/"


def _static_prefix() -> str:
    url = settings.STATIC_URL
    return url if url.startswith("/") else "/" + url


class PortalGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_portal_session(request) and not (
            request.path.startswith(PREFIX) or request.path.startswith(_static_prefix())
        ):
            # The portal's own page, without the staff navigation of the site's 404 page.
            return HttpResponseNotFound(
                render_to_string("pathways/portal/not_found.html", request=request)
            )
        return self.get_response(request)


BASIS = {
    PortalAccess.Role.PATIENT: audit.Basis.PATIENT,
    PortalAccess.Role.NEXT_OF_KIN: audit.Basis.NEXT_OF_KIN,
}


def current_access(request) -> PortalAccess | None:
    if not (request.user.is_authenticated and is_portal_session(request)):
        return None
    access_id = request.session.get(ACCESS_KEY)
    if access_id is None:
        return None
    return (
        PortalAccess.objects.in_force()
        .select_related("patient")
        .filter(pk=access_id, user=request.user)
        .first()
    )


# ``part`` of a page every pårørende reaches (the start page, with the parts they were given).
ANY_PART = "any"


def may_open(access: PortalAccess, part: str | None) -> bool:
    """The patient opens every page; a pårørende those of a part they were given (``part``
    None: the patient's own pages, such as consents or what they write themselves)."""
    if access.is_patient:
        return True
    return part == ANY_PART or (part is not None and part in access.parts)


def portal_view(page: str, *, methods=("GET", "HEAD"), part: str | None = None):
    """A /min/ page: the portal session's own patient as ``request.portal.patient``.

    Anonymous visitors go to the login page; a staff session gets 404 (staff use the record);
    access ended by staff, withdrawn by the patient or past its end date ends the session at
    once. A pårørende without the page's ``part`` gets 404. Every 2xx answer is audited as a
    read, a pårørende's with the basis "pårørende by consent".
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect("portal:login")
            if not is_portal_session(request):
                raise Http404
            access = current_access(request)
            if access is None:
                logout(request)
                return redirect("portal:login")
            if not may_open(access, part):
                raise Http404
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            request.portal = access
            request.portal_actor = Actor(request.user)
            response = view(request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                audit.record(
                    user=request.user,
                    unit=None,
                    action=audit.Action.VIEW,
                    patient=access.patient_id,
                    basis=BASIS[access.role],
                    detail=f"/min/: {page}",
                )
            return response

        # What the security tests read to walk every /min/ page with the methods it answers.
        wrapper.portal_methods = methods
        return wrapper

    return decorate

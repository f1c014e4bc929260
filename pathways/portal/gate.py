"""The door of /min/: a patient or pårørende session reaches only its own /min/ pages.

``PortalGateMiddleware`` answers 404 to a portal session for every other URL (staff pages,
the admin, the API), whatever the view would have done; ``portal_view`` lets only a portal
session with open access into a /min/ page and audits each read with its own basis.
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
        PortalAccess.objects.open()
        .select_related("patient")
        .filter(pk=access_id, user=request.user)
        .first()
    )


def portal_view(page: str, *, methods=("GET", "HEAD")):
    """A /min/ page: the portal session's own patient as ``request.portal.patient``.

    Anonymous visitors go to the login page; a staff session gets 404 (staff use the record);
    access ended by staff ends the session at once. Every 2xx answer is audited as a read.
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

        return wrapper

    return decorate

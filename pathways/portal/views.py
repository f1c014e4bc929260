"""The /min/ pages: login with ID-porten (or the demo password), the plan, what matters."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model, logout
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST
from requests import RequestException

from accounts import oidc
from accounts.backends import PORTAL_KINDS, is_portal_session
from pathways.models import PortalAccess
from pathways.portal import chart, notices, selectors
from pathways.portal import services as svc
from pathways.portal.chooser import CHOICES_KEY, ID_TOKEN_KEY, start_session
from pathways.portal.forms import (
    AgreementForm,
    DemoLoginForm,
    NoticeSettingsForm,
    SelfRatingForm,
    WhatMattersForm,
)
from pathways.portal.gate import ACR_KEY, ANY_PART, portal_view
from pathways.web import form_action, posted

log = logging.getLogger(__name__)


def _failed(request, message: str, *, status: int):
    return render(
        request,
        "pathways/portal/login_failed.html",
        {"message": message},
        status=status,
    )


@never_cache
@require_GET
def login(request):
    if is_portal_session(request):
        return redirect("portal:start")
    return render(
        request,
        "pathways/portal/login.html",
        {"idporten": oidc.idporten_enabled(), "demo": settings.DEMO_PORTAL_LOGIN},
    )


@never_cache
@require_GET
def idporten_start(request):
    if not oidc.idporten_enabled():
        raise Http404
    try:
        return oidc.client(oidc.IDPORTEN).authorize_redirect(
            request,
            request.build_absolute_uri(reverse("portal:idporten_callback")),
            acr_values=settings.IDPORTEN_ACR,
            ui_locales="nb",
        )
    except RequestException:
        log.warning("ID-porten did not answer", exc_info=True)
        return _failed(
            request, _("ID-porten does not answer right now. Try again later."), status=503
        )


@never_cache
@require_GET
def idporten_callback(request):
    if not oidc.idporten_enabled():
        raise Http404
    try:
        result = oidc.finish_login(request, oidc.IDPORTEN)
    except oidc.LOGIN_ERRORS as exc:
        log.info("ID-porten login refused: %s", exc)
        return _failed(
            request,
            _("The login could not be completed. Please start again."),
            status=400,
        )
    claims = result["claims"]
    level = str(claims.get("acr") or "")
    if level != settings.IDPORTEN_ACR:
        return _failed(
            request,
            _(
                "You logged in with a lower security level than Min plan needs. "
                "Log in again with BankID or another high-level login."
            ),
            status=403,
        )
    found = svc.accesses_for_national_id(str(claims.get("pid") or ""))
    if not found:
        return _failed(
            request,
            _(
                "We could not find you in Samhandling, or you have not been given access to "
                "Min plan yet. Ask your koordinator or the service that helps you."
            ),
            status=403,
        )
    # The person's own door first, else the oldest; with more than one they choose next.
    start_session(request, found[0], level=level, method="ID-porten")
    request.session[ID_TOKEN_KEY] = result["id_token"]
    request.session[CHOICES_KEY] = [a.pk for a in found]
    return redirect("portal:choose" if len(found) > 1 else "portal:start")


@never_cache
@sensitive_post_parameters("password")
def demo_login(request):
    """The demo's patients and pårørende log in with the demo password (DEMO_PORTAL_LOGIN)."""
    if not settings.DEMO_PORTAL_LOGIN:
        raise Http404
    form = DemoLoginForm(request.POST or None)

    def log_in(data):
        user = (
            get_user_model()
            .objects.filter(
                username=data["username"], is_active=True, identity__kind__in=PORTAL_KINDS
            )
            .first()
        )
        found = (
            list(PortalAccess.objects.in_force().filter(user=user).order_by("opened_at", "id"))
            if user is not None and user.check_password(data["password"])
            else []
        )
        if not found:
            raise ValidationError({"password": _("Wrong demo user or password.")})
        start_session(request, found[0], level="demo", method="demo password")
        # A pårørende keeps one account for every grant: they choose among them too.
        request.session[CHOICES_KEY] = [a.pk for a in found]
        return reverse("portal:choose" if len(found) > 1 else "portal:start")

    return form_action(
        request,
        form,
        save=log_in,
        redirect_to=lambda target: target,
        template="pathways/portal/form_page.html",
        context={"heading": _("Log in to the demo"), "submit": _("Log in")},
    )


@require_POST
def logout_view(request):
    """Log out here, and at ID-porten when the login came from there."""
    id_token = request.session.get(ID_TOKEN_KEY)
    logout(request)
    done = request.build_absolute_uri(reverse("portal:logged_out"))
    if id_token and oidc.idporten_enabled():
        try:
            url = oidc.logout_url(oidc.IDPORTEN, id_token=id_token, post_logout_redirect_uri=done)
        except RequestException:
            url = None
        if url:
            return redirect(url)
    return redirect(done)


@never_cache
@require_GET
def logged_out(request):
    return render(request, "pathways/portal/logged_out.html")


@portal_view("start page", part=ANY_PART)
def start(request):
    patient = request.portal.patient
    # A pårørende sees only the parts the patient gave them.
    parts = request.portal.parts
    shows_plan = PortalAccess.Part.PLAN in parts
    plan = selectors.open_plan_for(patient) if shows_plan else None
    coordinator = selectors.coordinator_for(patient) if shows_plan else None
    agreement, ask_again = selectors.agreement_state(plan, request.user) if plan else (None, False)
    return render(
        request,
        "pathways/portal/start.html",
        {
            "patient": patient,
            "is_patient": request.portal.role == PortalAccess.Role.PATIENT,
            "parts": parts,
            "shows_plan": shows_plan,
            "plan": plan,
            "goals": list(plan.goals.all()) if plan else [],
            "measures": list(plan.measures.all()) if plan else [],
            "coordinator": coordinator,
            "next_meeting": selectors.next_meeting_for(patient)
            if PortalAccess.Part.MEETINGS in parts
            else None,
            "agreement": agreement,
            "ask_again": ask_again,
            # Ids kept from the login (no query): the chooser reads which are in force.
            "can_switch": len(request.session.get(CHOICES_KEY) or ()) > 1,
            "consents_soon": selectors.consents_running_out(patient)
            if request.portal.role == PortalAccess.Role.PATIENT
            else 0,
        },
    )


@portal_view("what is important to you", methods=("GET", "HEAD", "POST"))
def what_matters(request):
    if request.portal.role != PortalAccess.Role.PATIENT:
        raise Http404
    plan = selectors.open_plan_for(request.portal.patient)
    if plan is None:
        raise Http404
    form = WhatMattersForm(
        request.POST or None,
        initial={"what_matters": plan.what_matters, "version": plan.version},
    )
    return form_action(
        request,
        form,
        save=lambda data: svc.what_matters_save(
            portal_access=request.portal,
            actor=request.portal_actor,
            plan=plan,
            text=data["what_matters"],
            base_version=data["version"],
        ),
        success=_("Saved. The people who help you can now read it."),
        redirect_to=reverse("portal:start"),
        template="pathways/portal/form_page.html",
        context={
            "heading": _("What is important to you?"),
            "intro": _("This is the most important part of your plan. You can change it often."),
            "submit": _("Save"),
        },
    )


@portal_view("self-rating", methods=("GET", "HEAD", "POST"), part=PortalAccess.Part.PLAN)
def self_rating(request):
    plan = selectors.open_plan_for(request.portal.patient)
    if plan is None:
        raise Http404
    is_patient = request.portal.role == PortalAccess.Role.PATIENT
    # An empty answer posts nothing, and must still bind (and be refused).
    form = SelfRatingForm(posted(request))
    return form_action(
        request,
        form,
        save=lambda data: svc.self_rating_save(
            portal_access=request.portal,
            actor=request.portal_actor,
            plan=plan,
            scores=form.scores(),
        ),
        success=_("Thank you. Your answers are saved."),
        redirect_to=reverse("portal:self_rating"),
        template="pathways/portal/self_rating.html",
        context={
            "is_patient": is_patient,
            **chart.context(selectors.ratings_for(plan)),
        },
    )


@portal_view("agreement to the plan", methods=("GET", "HEAD", "POST"))
def agreement(request):
    if request.portal.role != PortalAccess.Role.PATIENT:
        raise Http404
    plan = selectors.open_plan_for(request.portal.patient)
    if plan is None:
        raise Http404
    form = AgreementForm(request.POST or None, initial={"version": plan.version})
    return form_action(
        request,
        form,
        save=lambda data: svc.agreement_save(
            portal_access=request.portal,
            actor=request.portal_actor,
            plan=plan,
            answer=data["answer"],
            comment=data["comment"],
            level=request.session.get(ACR_KEY, ""),
            base_version=data["version"],
        ),
        success=_("Thank you. Your answer is saved with the date."),
        redirect_to=reverse("portal:start"),
        template="pathways/portal/agreement.html",
        context={
            "plan": plan,
            "goals": list(plan.goals.all()),
            "measures": list(plan.measures.all()),
            "submit": _("Send my answer"),
        },
    )


@portal_view("notices", methods=("GET", "HEAD", "POST"), part=ANY_PART)
def notice_settings(request):
    """How the patient or pårørende hears of something new: email, SMS, both or none."""
    form = NoticeSettingsForm(
        request.POST or None, initial=notices.settings_initial(request.portal)
    )
    return form_action(
        request,
        form,
        save=lambda data: notices.notice_settings_save(
            portal_access=request.portal,
            actor=request.portal_actor,
            channel=data["channel"],
            email=data["email"],
            phone=data["phone"],
        ),
        success=_("Saved. This is how we will tell you about new messages."),
        redirect_to=reverse("portal:start"),
        template="pathways/portal/form_page.html",
        context={
            "heading": _("Messages from Samhandling"),
            "intro": _(
                "When there is something new for you in Min plan, we send you a short "
                "message. Choose how you want to get it."
            ),
            "submit": _("Save"),
        },
    )

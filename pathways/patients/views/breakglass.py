"""Finding a patient by national id, emergency access (break-the-glass) and its review."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import AuditEvent
from pathways.access import require_unit
from pathways.models import BreakGlassAccess
from pathways.patients.forms import BreakGlassForm, BreakGlassReviewForm, NationalIdLookupForm
from pathways.patients.permissions import can_review_break_glass
from pathways.patients.services.breakglass import break_glass_request, break_glass_review
from pathways.patients.services.lookup import (
    Purpose,
    TooManyLookups,
    national_id_lookup,
    too_many_message,
)
from pathways.web import form_action


@login_required
def lookup(request):
    """Find a patient by national id; without access, offer emergency access."""
    require_unit(request)
    form = NationalIdLookupForm(request.POST or None)
    template = "pathways/patients/lookup.html"
    context = {
        "heading": _("Find patient by national id"),
        "intro": _("Patients on your unit's care teams open directly. Others are not shown."),
        "submit": _("Find"),
    }

    def find(data):
        try:
            return national_id_lookup(
                actor=request.actor, national_id=data["national_id"], purpose=Purpose.FIND
            )
        except TooManyLookups:
            raise ValidationError(too_many_message()) from None

    def found(result):
        patient, has_access = result
        if has_access:
            return redirect("pathways:patient_overview", patient_id=patient.pk)
        # Unregistered and registered-elsewhere answer alike: no reason has been recorded.
        return render(request, template, {**context, "form": form, "result": "not_shown"})

    response = form_action(
        request,
        form,
        save=find,
        respond=found,
        template=template,
        context=context,
    )
    return _limited(form, response)


def _limited(form, response):
    """A refused lookup answers 429 Too Many Requests."""
    if too_many_message() in form.non_field_errors():
        response.status_code = 429
    return response


@login_required
def break_glass(request):
    """Ask for emergency access: reason and explanation, read-only for a few hours."""
    require_unit(request)
    if "start" in request.POST:
        # Posted from the lookup or registration page: only the national id, not yet a request.
        form = BreakGlassForm(initial={"national_id": request.POST.get("national_id", "")})
    else:
        form = BreakGlassForm(request.POST or None)

    def opened(result):
        patient, granted = result
        if granted:
            messages.warning(
                request,
                _("Emergency access is granted for %(hours)s hours. Your leader will review it.")
                % {"hours": settings.BREAK_GLASS_HOURS},
            )
        return redirect("pathways:patient_overview", patient_id=patient.pk)

    response = form_action(
        request,
        form,
        save=lambda data: break_glass_request(actor=request.actor, **data),
        respond=opened,
        template="includes/form_page.html",
        context={
            "heading": _("Emergency access"),
            "intro": _(
                "Use emergency access only when you need the record now and your unit is not on "
                "the care team. You get read access for %(hours)s hours. The access, your reason "
                "and everything you open are logged and reviewed by your leader."
            )
            % {"hours": settings.BREAK_GLASS_HOURS},
            "submit": _("Open the record"),
            "submit_class": "button--danger",
            "cancel_url": reverse("pathways:patient_list"),
        },
    )
    return _limited(form, response)


def _require_leader(request):
    if not can_review_break_glass(request.actor):
        raise PermissionDenied(_("Only the unit's leader reviews emergency access."))
    return request.actor.unit


def _review_context(request, unit) -> dict:
    grants = (
        BreakGlassAccess.objects.filter(unit=unit)
        .select_related("user", "patient", "reviewed_by")
        .order_by("reviewed_at", "-granted_at")
    )
    show = request.GET.get("vis", "")
    if show != "alle":
        grants = grants.filter(reviewed_at__isnull=True)
    page = Paginator(grants, settings.PAGE_SIZE).get_page(request.GET.get("side"))
    # Lookups by national id beside the emergency access: who asked, when and why. Never the
    # id or a name, and the same words whether the person was registered or not.
    lookups = (
        AuditEvent.objects.filter(unit=unit, action=AuditEvent.Action.LOOKUP)
        .select_related("user")
        .order_by("-at")[: settings.PAGE_SIZE]
    )
    return {"page": page, "show_all": show == "alle", "lookups": lookups}


@login_required
def review_list(request):
    unit = _require_leader(request)
    return render(
        request,
        "pathways/patients/break_glass_review.html",
        {**_review_context(request, unit), "form": BreakGlassReviewForm()},
    )


@require_POST
@login_required
def review_mark(request, grant_id):
    unit = _require_leader(request)
    try:
        grant = BreakGlassAccess.objects.get(pk=grant_id, unit=unit)
    except BreakGlassAccess.DoesNotExist:
        raise Http404 from None

    def reviewed(done):
        if done:
            messages.success(request, _("Marked as reviewed."))
        else:
            messages.info(request, _("This access was already reviewed."))
        return redirect("breakglass_review")

    return form_action(
        request,
        BreakGlassReviewForm(request.POST),
        save=lambda data: break_glass_review(grant=grant, actor=request.actor, note=data["note"]),
        respond=reviewed,
        template="pathways/patients/break_glass_review.html",
        context=_review_context(request, unit),
    )

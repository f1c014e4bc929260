"""Finding a patient by national id, emergency access (break-the-glass) and its review."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.acting import Actor
from accounts.models import Membership
from pathways import access
from pathways.models import BreakGlassAccess, Patient
from pathways.patients.forms import BreakGlassForm, BreakGlassReviewForm, NationalIdLookupForm
from pathways.patients.services.breakglass import break_glass_open, break_glass_review


def _require_unit(request):
    if not request.active_unit:
        raise PermissionDenied(_("You are not a member of any unit."))
    return request.active_unit


@login_required
def lookup(request):
    """Find a patient by national id; without access, offer emergency access."""
    unit = _require_unit(request)
    form = NationalIdLookupForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["national_id"]
        patient = Patient.objects.filter(national_id=number).only("pk").first()
        if patient is None:
            result = "missing"
        elif access.access_basis(request.user, unit, patient.pk) is not None:
            return redirect("pathways:patient_overview", patient_id=patient.pk)
        else:
            result = "no_access"
    return render(
        request,
        "pathways/patients/lookup.html",
        {
            "form": form,
            "result": result,
            "glass_form": BreakGlassForm(initial=form.cleaned_data if result else None),
        },
    )


@login_required
def break_glass(request):
    """Ask for emergency access: reason and explanation, read-only for a few hours."""
    unit = _require_unit(request)
    # A form posted from the lookup or registration page only carries the national id.
    starting = request.method == "POST" and "start" in request.POST
    if starting:
        form = BreakGlassForm(initial={"national_id": request.POST.get("national_id", "")})
    else:
        form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and not starting and form.is_valid():
        data = form.cleaned_data
        patient = Patient.objects.filter(national_id=data["national_id"]).first()
        if patient is None:
            form.add_error("national_id", _("No patient with this national id is registered."))
        elif access.access_basis(request.user, unit, patient.pk) is not None:
            return redirect("pathways:patient_overview", patient_id=patient.pk)
        else:
            break_glass_open(
                patient=patient,
                actor=Actor(request.user, unit),
                reason=data["reason"],
                explanation=data["explanation"],
            )
            messages.warning(
                request,
                _("Emergency access is granted for %(hours)s hours. Your leader will review it.")
                % {"hours": settings.BREAK_GLASS_HOURS},
            )
            return redirect("pathways:patient_overview", patient_id=patient.pk)
    return render(
        request,
        "pathways/patients/break_glass.html",
        {"form": form, "hours": settings.BREAK_GLASS_HOURS},
    )


def _require_leader(request):
    membership = request.active_membership
    if not membership or membership.role != Membership.Role.LEADER:
        raise PermissionDenied(_("Only the unit's leader reviews emergency access."))
    return membership.unit


@login_required
def review_list(request):
    unit = _require_leader(request)
    grants = (
        BreakGlassAccess.objects.filter(unit=unit)
        .select_related("user", "patient", "reviewed_by")
        .order_by("reviewed_at", "-granted_at")
    )
    show = request.GET.get("vis", "")
    if show != "alle":
        grants = grants.filter(reviewed_at__isnull=True)
    page = Paginator(grants, settings.PAGE_SIZE).get_page(request.GET.get("side"))
    return render(
        request,
        "pathways/patients/break_glass_review.html",
        {"page": page, "show_all": show == "alle", "form": BreakGlassReviewForm()},
    )


@require_POST
@login_required
def review_mark(request, grant_id):
    unit = _require_leader(request)
    try:
        grant = BreakGlassAccess.objects.get(pk=grant_id, unit=unit)
    except BreakGlassAccess.DoesNotExist:
        raise Http404 from None
    form = BreakGlassReviewForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    if break_glass_review(grant=grant, actor=request.actor, note=note):
        messages.success(request, _("Marked as reviewed."))
    else:
        messages.info(request, _("This access was already reviewed."))
    return redirect("breakglass_review")

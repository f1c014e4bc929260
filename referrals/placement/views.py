"""The treatment places: who has free capacity, and the place's own page to keep it fresh."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from pathways.access import patient_view, patients_visible_to, require_unit
from pathways.web import form_action
from referrals.models import JointIntakeCase, Referral, TreatmentPlace
from referrals.placement import joint_intake as joint
from referrals.placement import selectors, services
from referrals.placement.forms import CapacityForm, DecideForm, JointIntakeForm
from referrals.placement.permissions import can_update_capacity


@require_safe
@login_required
def place_list(request):
    actor = request.actor
    require_unit(request)
    places = list(selectors.all_places())
    for place in places:
        place.stale = place.capacity_is_stale()
        place.editable = can_update_capacity(actor, place)
    return render(
        request,
        "referrals/placement/list.html",
        {"places": places},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def capacity_edit(request, pk):
    actor = request.actor
    require_unit(request)
    place = get_object_or_404(selectors.all_places(), pk=pk)
    if not can_update_capacity(actor, place):
        raise PermissionDenied
    form = CapacityForm(
        request.POST or None,
        initial={
            "free_places": place.free_places,
            "free_from": place.free_from,
            "expected_wait_days": place.expected_wait_days,
            "capacity_note": place.capacity_note,
            "version": place.capacity_version,
        },
    )
    return form_action(
        request,
        form,
        save=lambda data: services.capacity_update(place=place, actor=actor, **data),
        success=_("The capacity is updated."),
        redirect_to=reverse("places"),
        template="includes/form_page.html",
        context={
            "heading": _("Capacity: %(place)s") % {"place": place.name},
            "intro": _(
                "Intake teams see these figures when they place patients. Confirm them at "
                "least once a week, also when nothing has changed."
            ),
            "submit": _("Save"),
            "back_url": reverse("places"),
            "back_label": _("All treatment places"),
            "cancel_url": reverse("places"),
        },
    )


# --- joint intake (én vei inn) ---


@require_safe
@login_required
def joint_intake(request):
    """The meetings the unit takes part in and the cases of its patients, by meeting date."""
    unit = require_unit(request)
    visible = patients_visible_to(request.user, unit)
    today = timezone.localdate()
    forums = []
    for forum in joint.forums_of(unit).select_related("specialist_unit"):
        cases = list(joint.cases_for(unit, forum, visible_patients=visible))
        forums.append(
            {
                "forum": forum,
                "next": forum.next_meeting(today),
                "open": [c for c in cases if not c.is_decided],
                "decided": [c for c in cases if c.is_decided][-20:],
            }
        )
    return render(request, "referrals/placement/joint_intake.html", {"forums": forums})


@patient_view(for_edit=True)
def joint_intake_add(request, patient):
    actor = request.actor
    forums = joint.forums_of(actor.unit)
    if not forums.exists():
        messages.info(request, _("Your unit takes part in no joint intake meeting."))
        return redirect("joint_intake")
    referrals = Referral.objects.filter(patient=patient, state__in=Referral.ACTIVE).select_related(
        "receiving_unit"
    )
    form = JointIntakeForm(
        request.POST or None,
        forums=forums,
        referrals=referrals,
        initial={"forum": forums.first(), "referral": referrals.first()},
    )
    overview = reverse("pathways:patient_overview", args=[patient.pk])
    return form_action(
        request,
        form,
        save=lambda data: joint.case_add(patient=patient, actor=actor, **data),
        success=lambda case: (
            _("%(name)s is put on the joint intake meeting %(date)s.")
            % {"name": patient.full_name, "date": date_format(case.meeting_on, "j.n.Y")}
        ),
        redirect_to=reverse("joint_intake"),
        template="includes/patient_form_page.html",
        context={
            "patient": patient,
            "heading": _("Put forward for joint intake"),
            "intro": _(
                "The specialist service and the municipality consider the patient together. "
                "A referral's assessment deadline keeps running meanwhile."
            ),
            "submit": _("Put forward"),
            "cancel_url": overview,
        },
    )


@patient_view(for_edit=True)
def joint_intake_decide(request, patient, case_id):
    actor = request.actor
    case = get_object_or_404(
        JointIntakeCase.objects.select_related("forum", "referral"), pk=case_id, patient=patient
    )
    if not joint.is_member(actor.unit, case.forum):
        raise PermissionDenied
    form = DecideForm(
        request.POST or None,
        places=TreatmentPlace.objects.filter(
            health_trust_id=case.forum.health_trust_id, active=True
        ).select_related("unit__organisation"),
        initial={"version": case.version, "place": case.place_id},
    )
    return form_action(
        request,
        form,
        save=lambda data: joint.case_decide(case=case, actor=actor, **data),
        success=_("The outcome is recorded. The unit that put the patient forward is told."),
        redirect_to=reverse("joint_intake"),
        template="referrals/placement/decide.html",
        context={
            "patient": patient,
            "case": case,
            "heading": _("Outcome of the joint intake meeting"),
            "submit": _("Save the outcome"),
            "cancel_url": reverse("joint_intake"),
        },
    )

"""The treatment places: who has free capacity, and the place's own page to keep it fresh."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from pathways.access import require_unit
from pathways.web import form_action
from referrals.placement import selectors, services
from referrals.placement.forms import CapacityForm
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

"""Consent and the care team: who shares the pathway, and on what basis."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import selectors
from ..access import patient_view
from ..forms import CareTeamAddForm, CareTeamEndForm, ConsentForm
from ..models import CareTeamMember, Consent
from ..services.careteam import care_team_end, consent_record, consent_withdraw


@patient_view()
def consent_list(request, patient):
    return render(
        request,
        "pathways/consent_list.html",
        {"patient": patient, "consents": list(selectors.consents_for(patient))},
    )


@patient_view(for_edit=True)
def consent_new(request, patient):
    form = ConsentForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        consent_record(
            patient=patient,
            by=request.user,
            acting_unit=request.active_unit,
            scope=data["scope"],
            given_on=data["given_on"],
            units=list(data["units"]),
            valid_until=data["valid_until"],
            note=data["note"],
            role=data["role"],
        )
        messages.success(request, _("The consent is recorded."))
        return redirect("pathways:patient_overview", patient_id=patient.pk)
    return render(request, "pathways/consent_form.html", {"patient": patient, "form": form})


@require_POST
@patient_view(for_edit=True)
def consent_withdraw_view(request, patient, consent_id):
    try:
        consent = Consent.objects.get(patient=patient, pk=consent_id)
    except Consent.DoesNotExist:
        raise Http404 from None
    consent_withdraw(consent=consent, by=request.user, acting_unit=request.active_unit)
    messages.success(
        request,
        _("The consent is withdrawn. Units that shared by it no longer have access."),
    )
    return redirect("pathways:consent_list", patient_id=patient.pk)


@patient_view()
def care_team(request, patient):
    members = list(selectors.care_team_for(patient))
    return render(
        request,
        "pathways/care_team.html",
        {
            "patient": patient,
            "active": [m for m in members if m.ended_at is None],
            "history": [m for m in members if m.ended_at is not None],
        },
    )


@patient_view(for_edit=True)
def care_team_add(request, patient):
    form = CareTeamAddForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        consent_record(
            patient=patient,
            by=request.user,
            acting_unit=request.active_unit,
            scope=Consent.Scope.SHARING,
            given_on=data["given_on"],
            units=[data["unit"]],
            valid_until=data["valid_until"],
            note=data["note"],
            role=data["role"],
        )
        messages.success(request, _("%(unit)s is on the care team.") % {"unit": data["unit"].name})
        return redirect("pathways:care_team", patient_id=patient.pk)
    return render(request, "pathways/care_team_add.html", {"patient": patient, "form": form})


@patient_view(for_edit=True)
def care_team_end_view(request, patient, member_id):
    try:
        member = (
            CareTeamMember.objects.active()
            .select_related("unit__organisation")
            .get(patient=patient, pk=member_id)
        )
    except CareTeamMember.DoesNotExist:
        raise Http404 from None
    form = CareTeamEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        others = CareTeamMember.objects.active().filter(patient=patient).exclude(pk=member.pk)
        if not others.exists():
            form.add_error(None, _("The last unit cannot leave the care team."))
        else:
            care_team_end(
                member=member,
                by=request.user,
                acting_unit=request.active_unit,
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request, _("%(unit)s has left the care team.") % {"unit": member.unit.name}
            )
            if member.unit == request.active_unit:
                # Our own unit just gave up its access.
                return redirect("pathways:patient_list")
            return redirect("pathways:care_team", patient_id=patient.pk)
    return render(
        request,
        "pathways/care_team_end.html",
        {"patient": patient, "member": member, "form": form},
    )

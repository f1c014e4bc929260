"""Consent and the care team: who shares the pathway, and on what basis."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pathways.access import patient_view
from pathways.models import CareTeamMember, Consent
from pathways.patients import selectors
from pathways.patients.forms import CareTeamAddForm, CareTeamEndForm, ConsentForm
from pathways.patients.services.careteam import care_team_leave, consent_record, consent_withdraw
from pathways.patients.views.pages import patient_form_page, patient_page
from pathways.web import form_action


@patient_view()
def consent_list(request, patient):
    return patient_page(
        request,
        patient,
        "pathways/patients/consent_list.html",
        consents=list(selectors.consents_for(patient)),
    )


def _record_consent(request, patient, data, *, scope, units):
    """Record the consent a form gave (its date, end, note and role) for ``units``."""
    return consent_record(
        patient=patient,
        actor=request.actor,
        scope=scope,
        given_on=data["given_on"],
        units=units,
        valid_until=data["valid_until"],
        note=data["note"],
        role=data["role"],
    )


def _consent_saved(consents) -> str:
    """Recorded, or (for a consent already in force for the purpose and unit) reused."""
    reused = [c for c in consents if c.reused]
    if not reused:
        return _("The consent is recorded.")
    units = ", ".join(c.unit.name if c.unit else str(_("no particular unit")) for c in reused)
    message = _("A consent in force already covers %(units)s; it is used, not recorded again.") % {
        "units": units
    }
    if len(reused) < len(consents):
        message = f"{_('The consent is recorded.')} {message}"
    return message


@patient_view(for_edit=True)
def consent_new(request, patient):
    form = ConsentForm(request.POST or None, patient=patient)
    return form_action(
        request,
        form,
        save=lambda data: _record_consent(
            request, patient, data, scope=data["scope"], units=list(data["units"])
        ),
        success=_consent_saved,
        redirect_to=reverse("pathways:patient_overview", args=[patient.pk]),
        template="pathways/patients/consent_new.html",
        context={
            "patient": patient,
            "heading": _("Record consent"),
            "intro": _(
                "Record what the patient has agreed to. Units the patient agrees to share with "
                "join the care team and see the pathway until the consent is withdrawn or runs "
                "out."
            ),
            "submit": _("Record consent"),
            "cancel_url": reverse("pathways:consent_list", args=[patient.pk]),
        },
    )


@require_POST
@patient_view(for_edit=True)
def consent_withdraw_view(request, patient, consent_id):
    try:
        consent = Consent.objects.get(patient=patient, pk=consent_id)
    except Consent.DoesNotExist:
        raise Http404 from None
    consent_withdraw(consent=consent, actor=request.actor)
    messages.success(
        request,
        _("The consent is withdrawn. Units that shared by it no longer have access."),
    )
    return redirect("pathways:consent_list", patient_id=patient.pk)


@patient_view()
def care_team(request, patient):
    members = list(selectors.care_team_for(patient))
    return patient_page(
        request,
        patient,
        "pathways/patients/care_team.html",
        active=[m for m in members if m.ended_at is None],
        history=[m for m in members if m.ended_at is not None],
    )


@patient_view(for_edit=True)
def care_team_add(request, patient):
    form = CareTeamAddForm(request.POST or None, patient=patient)
    return patient_form_page(
        request,
        patient,
        form,
        save=lambda data: _record_consent(
            request, patient, data, scope=Consent.Scope.SHARING, units=[data["unit"]]
        ),
        success=lambda consents: (
            _("%(unit)s is on the care team, on the consent in force since %(date)s.")
            % {
                "unit": form.cleaned_data["unit"].name,
                "date": formats.date_format(consents[0].given_on, "SHORT_DATE_FORMAT"),
            }
            if consents[0].reused
            else _("%(unit)s is on the care team.") % {"unit": form.cleaned_data["unit"].name}
        ),
        heading=_("Add unit to the care team"),
        back_url=reverse("pathways:care_team", args=[patient.pk]),
        intro=_(
            "A unit is added with the patient's consent to share the pathway with it. "
            "The consent is recorded with the date it was given."
        ),
        submit=_("Add unit"),
    )


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
    member.patient = patient  # the gate's patient: it knows what this unit may do
    form = CareTeamEndForm(request.POST or None)
    team_url = reverse("pathways:care_team", args=[patient.pk])
    # Our own unit leaving gives up its access: back to the patient list then.
    leaving = member.unit == request.active_unit
    return patient_form_page(
        request,
        patient,
        form,
        save=lambda data: care_team_leave(
            member=member, actor=request.actor, reason=data["reason"]
        ),
        success=_("%(unit)s has left the care team.") % {"unit": member.unit.name},
        heading=_("End care team membership"),
        back_url=team_url,
        redirect_to=reverse("pathways:patient_list") if leaving else None,
        intro=_("%(unit)s will lose access to the patient at once. The history is kept.")
        % {"unit": member.unit.name},
        submit=_("End membership"),
        submit_class="button--danger",
    )

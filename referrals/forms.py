from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ServiceUnit
from pathways.dates import short_date
from pathways.formfields import DateRangeMixin, date_field, text_area, text_areas
from pathways.models import Consent
from referrals.models import EDITABLE_FIELDS, Referral, TreatmentPlace, WaitingFollowUp
from referrals.selectors import INCOMING, SENT, TABS, WAITING


def specialist_units(exclude=()):
    return (
        ServiceUnit.objects.filter(kind__in=ServiceUnit.SPECIALIST_KINDS)
        .exclude(pk__in=[u.pk for u in exclude if u is not None])
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )


def forward_targets(referral=None):
    """Where a referral may be forwarded: neither back to the referrer nor to the unit assessing
    it (the services refuse both too)."""
    if referral is None:
        return specialist_units()
    return specialist_units(exclude=[referral.referring_unit, referral.receiving_unit])


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} – {obj.organisation.name}"


class ReferralForm(forms.ModelForm):
    receiving_unit = UnitChoiceField(
        label=_("Refer to"),
        queryset=ServiceUnit.objects.none(),
        error_messages={"required": _("Choose the unit to refer to.")},
    )
    consent_given_on = date_field(
        _("The patient consented to the referral on"),
        required=False,
        help_text=_("Needed before the referral is sent."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Hidden until the unit already has an open referral there (``offer_send_anyway``).
    send_anyway = forms.BooleanField(
        label=_("Send anyway: this is a new referral, not the same one again"),
        required=False,
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Referral
        fields = ["receiving_unit", *EDITABLE_FIELDS]
        widgets = {
            **text_areas(
                reason=4,
                question=3,
                substance_use=3,
                mental_health=3,
                existing_services=3,
                patient_wishes=3,
            ),
            "urgency": forms.RadioSelect,
        }
        error_messages = {
            "reason": {"required": _("Describe the reason for the referral.")},
            "question": {"required": _("Write the question to the specialist service.")},
        }
        help_texts = {
            "existing_services": _("For example home services, NAV, housing, GP, LAR."),
            "patient_wishes": _("In the patient's own words, including where they want treatment."),
            "wished_place": _(
                "A place from the list of treatment places, if the patient wishes one."
            ),
            "preferred_place": _("Or describe the wish in words."),
        }

    def __init__(self, *args, unit=None, patient=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receiving_unit"].queryset = specialist_units(exclude=[unit])
        self.fields["urgency"].choices = Referral.Urgency.choices
        self.fields["wished_place"].queryset = TreatmentPlace.objects.filter(
            active=True
        ).select_related("unit__organisation")
        if patient is not None:
            self._offer_consents(patient)

    def _offer_consents(self, patient) -> None:
        """Consents to referral in force are named beside the date. Sending reuses the one for
        the receiving unit, else one for referral anywhere; only the latter fills in the date,
        since a consent to be referred to one unit is no consent to be referred to another."""
        consents = list(
            Consent.objects.in_force()
            .filter(patient=patient, scope=Consent.Scope.REFERRAL)
            .select_related("unit")
            .order_by("-given_on", "-pk")
        )
        if not consents:
            return
        named = "; ".join(
            _("%(unit)s, given %(date)s")
            % {
                "unit": c.unit.name if c.unit else _("any unit"),
                "date": formats.date_format(c.given_on, "SHORT_DATE_FORMAT"),
            }
            for c in consents
        )
        field = self.fields["consent_given_on"]
        anywhere = [c for c in consents if c.unit_id is None]
        if anywhere:
            field.help_text = _(
                "Consent in force: %(consents)s. It is used; nothing needs recording again."
            ) % {"consents": named}
            if not self.initial.get("consent_given_on"):
                self.initial["consent_given_on"] = anywhere[0].given_on
        else:
            field.help_text = _(
                "Consent in force: %(consents)s. It is used when the referral goes to that "
                "unit; for another unit, enter when the patient consented to this referral."
            ) % {"consents": named}

    def clean_consent_given_on(self):
        value = self.cleaned_data.get("consent_given_on")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value

    def offer_send_anyway(self) -> None:
        """Show the "send anyway" box (unticked): an open referral to the unit exists."""
        self.fields["send_anyway"].widget = forms.CheckboxInput()

    def referral_data(self) -> dict:
        return {key: self.cleaned_data[key] for key in self.Meta.fields if key != "receiving_unit"}


class AssessForm(forms.Form):
    GRANT = "grant"
    REJECT = "reject"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (GRANT, _("Right to necessary care (rett til nødvendig helsehjelp)")),
            (REJECT, _("Rejection (avslag)")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a decision.")},
    )
    start_deadline = date_field(
        _("Start deadline (frist)"),
        required=False,
        help_text=_("The latest date treatment must start."),
    )
    help_kind = forms.ChoiceField(
        label=_("Kind of help"),
        required=False,
        choices=[("", "–")] + list(Referral.HelpKind.choices),
    )
    planned_appointment = forms.DateTimeField(
        label=_("Planned first appointment (if known)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = text_area(_("Note to the referrer"), required=False)
    rejection_reason = text_area(_("Reason for rejection"), rows=4, required=False)
    forward_to = UnitChoiceField(
        label=_("Forward to another specialist unit"),
        required=False,
        queryset=ServiceUnit.objects.none(),
        empty_label=_("Do not forward"),
        help_text=_("The new unit gets the referral with the same seniority date and history."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, referral=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["forward_to"].queryset = forward_targets(referral)

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if decision == self.GRANT:
            if not cleaned.get("start_deadline") and "start_deadline" not in self.errors:
                self.add_error("start_deadline", _("Set the start deadline (frist)."))
            if not cleaned.get("help_kind"):
                self.add_error("help_kind", _("Choose the kind of help."))
        elif decision == self.REJECT and not (cleaned.get("rejection_reason") or "").strip():
            self.add_error("rejection_reason", _("Give the reason for the rejection."))
        return cleaned


class ForwardForm(forms.Form):
    forward_to = UnitChoiceField(
        label=_("Forward to"),
        queryset=ServiceUnit.objects.none(),
        error_messages={"required": _("Choose the unit to forward to.")},
    )

    def __init__(self, *args, referral=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["forward_to"].queryset = forward_targets(referral)


class QuestionForm(forms.Form):
    question = text_area(
        _("What information is missing?"),
        rows=4,
        error_messages={"required": _("Say what information is missing.")},
        help_text=_("The assessment deadline keeps running while you wait for the answer."),
    )


class AnswerForm(forms.Form):
    answer = text_area(_("Answer"), rows=5, error_messages={"required": _("Write the answer.")})


class ReasonForm(forms.Form):
    reason = text_area(_("Reason"), error_messages={"required": _("Give the reason.")})


class DateForm(forms.Form):
    on = date_field(
        _("Date"),
        error_messages={"required": _("Enter the date."), "invalid": _("Enter a valid date.")},
    )

    def __init__(self, *args, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["on"].label = label


class StartTreatmentForm(DateForm):
    """The date, and where the treatment takes place: the receiving unit or another specialist
    unit of its organisation (the intake team admits to the døgn unit)."""

    unit = forms.ModelChoiceField(
        label=_("Treatment takes place at"),
        queryset=ServiceUnit.objects.none(),
        required=False,
        help_text=_("The unit joins the care team, unless the patient has withdrawn consent."),
    )

    def __init__(self, *args, referral=None, **kwargs):
        super().__init__(*args, **kwargs)
        units = ServiceUnit.objects.filter(
            organisation_id=referral.receiving_unit.organisation_id
        ).order_by("name")
        self.fields["unit"].queryset = units
        place = referral.place
        own = referral.receiving_unit.organisation_id
        in_house = place is not None and place.unit.organisation_id == own
        self.fields["unit"].initial = place.unit_id if in_house else referral.receiving_unit_id


class CloseForm(ReasonForm):
    """Closing a referral whose treatment is still open says what happens to the treatment."""

    END_PLANNED = "end_planned"
    END_UNPLANNED = "end_unplanned"
    KEEP = "keep"

    episode_action = forms.ChoiceField(
        label=_("The treatment is still open. What happens to it?"),
        choices=[
            (END_PLANNED, _("End it now as a planned discharge")),
            (END_UNPLANNED, _("End it now as an unplanned discharge")),
            (KEEP, _("Keep it open (say why in the reason)")),
        ],
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args, referral=None, **kwargs):
        super().__init__(*args, **kwargs)
        episode = getattr(referral, "treatment_episode", None)
        if episode is None or episode.ended_at is not None:
            del self.fields["episode_action"]
        else:
            self.fields["episode_action"].required = True
            self.fields["episode_action"].error_messages["required"] = _(
                "Say what happens to the open treatment."
            )


class WithdrawForm(ReasonForm):
    """Withdrawing while the patient is in treatment at the receiving unit asks the referrer
    to confirm that the treatment stays open (only the treating unit can end it)."""

    KEEP = "keep"

    episode_action = forms.ChoiceField(
        label=_("The patient is in treatment at the receiving unit. What happens to it?"),
        choices=[(KEEP, _("It stays open: the treating unit is told and decides"))],
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args, open_stay=None, **kwargs):
        super().__init__(*args, **kwargs)
        if open_stay is None:
            del self.fields["episode_action"]
        else:
            field = self.fields["episode_action"]
            field.required = True
            field.error_messages["required"] = _("Say what happens to the open treatment.")
            field.help_text = _("In treatment at %(unit)s since %(date)s.") % {
                "unit": open_stay.unit.name,
                "date": short_date(open_stay.started_at),
            }


class LinkEpisodeForm(forms.Form):
    """Which of the patient's open referrals an emergency admission belongs to."""

    referral = forms.ModelChoiceField(
        label=_("Referral"),
        queryset=Referral.objects.none(),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the referral.")},
    )

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referral"].queryset = candidates
        self.fields["referral"].label_from_instance = lambda r: (
            _("From %(unit)s to %(to)s, %(state)s (received %(date)s)")
            % {
                "unit": r.referring_unit.name,
                "to": r.receiving_unit.name,
                "state": r.get_state_display().lower(),
                "date": r.received_on.strftime("%d.%m.%Y") if r.received_on else "–",
            }
        )


class NoteForm(forms.Form):
    note = text_area(_("Why is the frist likely to be missed?"), required=False)


class FollowUpForm(forms.ModelForm):
    class Meta:
        model = WaitingFollowUp
        fields = [
            "contact_frequency",
            "stabilisation",
            "motivation",
            "practical_help",
            "responsible",
        ]
        widgets = text_areas(stabilisation=3, motivation=3, practical_help=3)
        help_texts = {
            "contact_frequency": _("For example: weekly home visit, phone every Monday."),
            "responsible": _("Who in the kommune follows the patient up while waiting."),
        }
        error_messages = {
            "contact_frequency": {"required": _("Say how often you will be in contact.")},
            "responsible": {"required": _("Name who is responsible.")},
        }


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File (PDF, PNG or JPEG, at most 10 MB)"),
        error_messages={"required": _("Choose a file."), "empty": _("The file is empty.")},
    )
    description = forms.CharField(label=_("Description"), required=False, max_length=200)


class ListFilterForm(forms.Form):
    fane = forms.ChoiceField(
        choices=[(INCOMING, INCOMING), (WAITING, WAITING), (SENT, SENT)], required=False
    )
    status = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All"))] + list(Referral.State.choices)
    )
    innen = forms.IntegerField(
        label=_("Due within (days)"), required=False, min_value=0, max_value=365
    )
    under23 = forms.BooleanField(label=_("Only under 23"), required=False)

    def tab(self, default):
        value = self.values().get("fane")
        return value if value in TABS else default

    def values(self) -> dict:
        """The valid filters; none when the query string is missing or wrong."""
        return self.cleaned_data if self.is_valid() else {}


class StatisticsForm(DateRangeMixin, forms.Form):
    date_range = ("fra", "til", _("The end date is before the start date."))

    fra = date_field(_("From"), required=False)
    til = date_field(_("To"), required=False)

    def period(self, start, end):
        """The chosen period, or ``start``-``end`` for what was left out or wrong."""
        if not self.is_valid():
            return start, end
        return self.cleaned_data.get("fra") or start, self.cleaned_data.get("til") or end

"""Reading the audit log back to the patient: what each event was about, in plain words.

An event names the object it changed (``object_type``), and a read stores the path of the page
that was read. Both are turned into a short Norwegian name here, without touching the database:
the access log must cost the same for one event as for thousands.
"""

from functools import lru_cache

from django.apps import apps
from django.urls import Resolver404, resolve
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEvent

PLAN = _("Individual plan")
REFERRAL = _("Referral")
MEETING = _("Meeting")
GROUP = _("Responsibility group")
ETTERVERN = _("Ettervern plan")
DISCHARGE = _("Admission and discharge")
RECORD = _("Personal details")

# What an object type is called, where the model's own name would not say enough.
OBJECT_LABELS = {
    "pathways.patient": RECORD,
    "pathways.nextofkin": _("Next of kin"),
    "pathways.consent": _("Consent"),
    "pathways.careteammember": _("Care team"),
    "pathways.breakglassaccess": _("Emergency access"),
    "pathways.treatmentepisode": DISCHARGE,
    "pathways.kommunemove": DISCHARGE,
    "pathways.ettervernplan": ETTERVERN,
    "pathways.responsibilitygroup": GROUP,
    "pathways.groupmember": GROUP,
    "pathways.meeting": MEETING,
    "pathways.individualplan": PLAN,
    "referrals.referral": REFERRAL,
    "referrals.informationrequest": REFERRAL,
    "referrals.waitingfollowup": REFERRAL,
    "referrals.attachment": _("Referral attachment"),
}

# Parts of a larger whole are named "whole – part", the part by the model's own name.
PARTS = {
    "pathways.planningmeeting": DISCHARGE,
    "pathways.kommunemessage": DISCHARGE,
    "pathways.followupappointment": ETTERVERN,
    "pathways.actionitem": MEETING,
    "pathways.agendaitem": MEETING,
    "pathways.addendum": MEETING,
    **{
        f"pathways.{name}": PLAN
        for name in (
            "coordinatorassignment",
            "goal",
            "goalprogress",
            "areaassessment",
            "arearating",
            "participant",
            "measure",
            "crisisplan",
            "crisiscontact",
            "planrevision",
            "evaluation",
            "plancomment",
        )
    },
}

# The page a read was of, by URL name. A key also covers the names that extend it with "_"
# ("pathways:plan" covers "pathways:plan_goal"); the longest key wins.
PAGE_LABELS = {
    "pathways:patient_overview": _("Overview"),
    "pathways:patient_edit": RECORD,
    "pathways:national_id_reveal": _("National id"),
    "pathways:next_of_kin": _("Next of kin"),
    "pathways:consent": _("Consent"),
    "pathways:care_team": _("Care team"),
    "pathways:access_log": _("Access log"),
    "pathways:episode": DISCHARGE,
    "pathways:kommune_move": DISCHARGE,
    "pathways:planning_meeting": DISCHARGE,
    "pathways:message_answer": DISCHARGE,
    "pathways:ettervern": ETTERVERN,
    "pathways:follow_up": ETTERVERN,
    "pathways:plan": PLAN,
    "pathways:crisis_plan": PLAN,
    "pathways:meetings": GROUP,
    "pathways:group": GROUP,
    "pathways:member": GROUP,
    "pathways:meeting": MEETING,
    "pathways:action_item": MEETING,
    "pathways:addendum": MEETING,
    "pathways:minutes": _("Minutes"),
    "pathways:invitation_pdf": _("Meeting invitation"),
    "referrals:new": _("New referral"),
    "referrals": REFERRAL,
}

# Actions that say everything themselves ("Emergency access", "Revealed national id").
SELF_DESCRIBING = {
    AuditEvent.Action.BREAK_GLASS,
    AuditEvent.Action.REVEAL_ID,
    AuditEvent.Action.LOGIN,
}


def object_label(object_type: str):
    """The readable name of an audited object type, or None if it names no known model."""
    if object_type in OBJECT_LABELS:
        return OBJECT_LABELS[object_type]
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return None
    part = model._meta.verbose_name
    if object_type in PARTS:
        return gettext("%(whole)s – %(part)s") % {"whole": PARTS[object_type], "part": part}
    return capfirst(part)


@lru_cache(maxsize=2048)
def _url_name(path: str) -> str:
    try:
        match = resolve(path)
    except Resolver404:
        return ""
    return match.view_name


def page_label(path: str):
    """The readable name of the page at ``path``, or None if it is not one we name."""
    if not path.startswith("/"):
        return None
    name = _url_name(path)
    if not name:
        return None
    best = ""
    for key in PAGE_LABELS:
        if (name == key or name.startswith(key + "_") or name.startswith(key + ":")) and len(
            key
        ) > len(best):
            best = key
    return PAGE_LABELS[best] if best else None


def subject(event) -> str:
    """What the event was about: the page read, else the object, else the record itself."""
    label = None
    if event.action in (AuditEvent.Action.VIEW, AuditEvent.Action.PRINT):
        label = page_label(event.detail)
    elif event.action == AuditEvent.Action.DENIED:
        # A refused attempt keeps "METHOD /path" of the page that was tried.
        label = page_label(event.detail.rpartition(" ")[2])
    if label is None and event.object_type:
        label = object_label(event.object_type)
    return str(label if label is not None else RECORD)


def describe(event) -> str:
    """One line for the "What" column: "Lest: Individuell plan", "Endret: Henvisning"."""
    action = event.get_action_display()
    if event.action in SELF_DESCRIBING:
        return str(action)
    return gettext("%(action)s: %(subject)s") % {"action": action, "subject": subject(event)}


def described(events):
    """Attach ``description`` to each event as it passes (works on a page or an iterator)."""
    for event in events:
        event.description = describe(event)
        yield event

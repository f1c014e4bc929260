"""Reading the audit log back to the patient: what each event was about, in plain words.

An event names the object it changed (``object_type``), and a read stores the path of the page
that was read. Both are turned into a short Norwegian name here, without touching the database:
the access log must cost the same for one event as for thousands.
"""

import datetime
from dataclasses import dataclass, field
from functools import lru_cache

from django.apps import apps
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEvent

PLAN = _("Individual plan")
REFERRAL = _("Referral")
MEETING = _("Meeting")
GROUP = _("Responsibility group")
ETTERVERN = _("Ettervern plan")
DISCHARGE = _("Admission and discharge")
RECORD = _("Personal details")
DIALOGUE = _("Dialogue between services")

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
    "pathways.dialoguethread": DIALOGUE,
    "pathways.dialoguepost": DIALOGUE,
    # The one notification audited: the patient's question about a line of this log.
    "pathways.notification": _("Question about the access log"),
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
    "pathways:dialogue": DIALOGUE,
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


# --- the printed log: a summary by month, then the period's events in groups -------------------


def _person(row) -> str:
    if not row["user_id"]:
        return gettext("System")
    name = f"{row['user__first_name']} {row['user__last_name']}".strip()
    return name or row["user__username"]


def _unit(row) -> str:
    if not row["unit__name"]:
        return "–"
    return f"{row['unit__name']} ({row[_ORG]})"


_ORG = "unit__organisation__name"
_BASIS = dict(AuditEvent.Basis.choices)


@dataclass
class Month:
    month: datetime.date
    rows: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return capfirst(date_format(self.month, "F Y"))

    @property
    def lines(self) -> str:
        """One line per person, unit and basis: "Kari Nilsen, TSB døgn (UNN HF), care team:
        read 12 times, changed 2 times", the basis in bold when it was emergency access."""
        out = []
        for row in self.rows:
            basis = escape(row["basis_label"])
            if row["basis"] == AuditEvent.Basis.BREAK_GLASS:
                basis = f"<strong>{basis}</strong>"
            counts = []
            if row["reads"]:
                counts.append(gettext("read %(times)s") % {"times": _times(row["reads"])})
            if row["changes"]:
                counts.append(gettext("changed %(times)s") % {"times": _times(row["changes"])})
            other = row["total"] - row["reads"] - row["changes"]
            if other:
                counts.append(gettext("other %(times)s") % {"times": _times(other)})
            out.append(
                f"{escape(row['person'])}, {escape(row['unit'])}, {basis}: "
                + escape(", ".join(counts))
            )
        return mark_safe("<br>".join(out))  # noqa: S308 (each part escaped above)


def summary(rows) -> dict:
    """The summary a patient reads first: who, from which unit, on what basis, per month."""
    months: list[Month] = []
    people, units, break_glass, total = set(), set(), 0, 0
    for row in rows:
        month = timezone.localtime(row["month"]).date()
        if not months or months[-1].month != month:
            months.append(Month(month))
        row["person"], row["unit"] = _person(row), _unit(row)
        row["basis_label"] = _BASIS.get(row["basis"], row["basis"])
        months[-1].rows.append(row)
        if row["user_id"]:
            people.add(row["user_id"])
        if row["unit__name"]:
            units.add((row["unit__name"], row[_ORG]))
        if row["basis"] == AuditEvent.Basis.BREAK_GLASS:
            break_glass += row["total"]
        total += row["total"]
    return {
        "months": months,
        "people": len(people),
        "units": len(units),
        "break_glass": break_glass,
        "total": total,
    }


def _times(n: int) -> str:
    return ngettext("%(n)s time", "%(n)s times", n) % {"n": n}


def _what(actions: dict) -> str:
    """ "Lest: Plan (4 ganger), Oversikt; Endret: Møte": one verb per kind of action, most often
    first. Saying the verb once keeps a busy day's line short, and every character is laid out."""
    parts = []
    for action, subjects in sorted(actions.items(), key=lambda item: -sum(item[1].values())):
        done = [
            f"{about or action} ({_times(n)})" if n > 1 else (about or action)
            for about, n in sorted(subjects.items(), key=lambda item: -item[1])
        ]
        if None in subjects:  # self-describing ("Nødtilgang"): no subject after the verb
            parts.append(", ".join(done))
        else:
            parts.append(
                gettext("%(action)s: %(subject)s") % {"action": action, "subject": ", ".join(done)}
            )
    return "; ".join(parts)


def days(groups) -> list[tuple[str, str]]:
    """The period's events as (day, lines) with the lines already HTML: one line per person,
    unit and basis a day, saying what they did and how often. Built here, not in the template,
    so that a busy year costs one string per line rather than a template pass per event."""
    out: list[tuple[str, list]] = []
    lines: dict = {}
    described_as: dict = {}
    for g in groups:
        day = g["day"]
        if not out or out[-1][0] != day:
            out.append((day, []))
            lines = {}
        key = (g["user_id"], g["unit__name"], g[_ORG], g["basis"])
        line = lines.get(key)
        if line is None:
            line = lines[key] = {"row": g, "first": g["first"], "last": g["last"], "what": {}}
            out[-1][1].append(line)
        line["first"], line["last"] = min(line["first"], g["first"]), max(line["last"], g["last"])
        what_key = (g["action"], g["object_type"], g["detail"])
        what = described_as.get(what_key)
        if what is None:
            event = AuditEvent(action=g["action"], object_type=g["object_type"], detail=g["detail"])
            about = None if event.action in SELF_DESCRIBING else subject(event)
            what = described_as[what_key] = (str(event.get_action_display()), about)
        action, about = what
        subjects = line["what"].setdefault(action, {})
        subjects[about] = subjects.get(about, 0) + g["n"]
    printed = []
    for day, day_lines in out:
        html = []
        for line in day_lines:
            row = line["row"]
            first, last = timezone.localtime(line["first"]), timezone.localtime(line["last"])
            when = f"{first:%H:%M}" if first == last else f"{first:%H:%M}–{last:%H:%M}"
            what = _what(line["what"])
            # The care team is the ordinary basis: only the others are named, emergency access
            # in bold. The unit's organisation is in the summary; here the line stays short,
            # as every character is laid out.
            basis = ""
            if row["basis"] != AuditEvent.Basis.CARE_TEAM:
                basis = " – " + escape(_BASIS.get(row["basis"], row["basis"]))
                if row["basis"] == AuditEvent.Basis.BREAK_GLASS:
                    basis = f" – <strong>{basis[3:]}</strong>"
            unit = escape(row["unit__name"] or "–")
            html.append(f"{when} {escape(_person(row))}, {unit}: {escape(what)}{basis}")
        printed.append((capfirst(date_format(day, "l j.n.Y")), mark_safe("\n".join(html))))  # noqa: S308 (each part escaped above)
    return printed

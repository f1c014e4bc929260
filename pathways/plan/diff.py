"""Differences between two plan snapshots: what was added, removed or changed, field by field."""

import datetime
from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pathways.models import Goal, IndividualPlan, LifeArea, Measure, Participant, SelfRating

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
DATE_FIELDS = {
    "period_start",
    "period_end",
    "next_revision_on",
    "target_date",
    "start_on",
    "end_on",
    "patient_reviewed_on",
}

PLAN_FIELDS = {
    # field: (label, conflict key)
    "status": (gettext_lazy("Status"), "plan:basics"),
    "owner_unit": (gettext_lazy("Owner unit"), "plan:basics"),
    "period_start": (gettext_lazy("Plan period from"), "plan:basics"),
    "period_end": (gettext_lazy("Plan period to"), "plan:basics"),
    "next_revision_on": (gettext_lazy("Next revision"), "plan:basics"),
    "what_matters": (gettext_lazy("What is important to you?"), "plan:what_matters"),
    "cooperation": (gettext_lazy("Cooperation needed with other services"), "plan:cooperation"),
    "patient_reviewed_on": (gettext_lazy("Gone through with the patient on"), "plan:participation"),
    "patient_agreed": (gettext_lazy("The patient agrees to the plan"), "plan:participation"),
    "participation_note": (gettext_lazy("The patient's comments"), "plan:participation"),
    "coordinator": (gettext_lazy("Koordinator"), "plan:coordinator"),
    "coordinator_unit": (gettext_lazy("Koordinator's unit"), "plan:coordinator"),
}
GOAL_FIELDS = {
    "is_main": gettext_lazy("Main goal"),
    "life_area": gettext_lazy("Life area"),
    "text": gettext_lazy("Goal"),
    "status": gettext_lazy("Status"),
    "target_date": gettext_lazy("Target date"),
    "progress": gettext_lazy("Progress notes"),
}
MEASURE_FIELDS = {
    "title": gettext_lazy("Measure"),
    "life_area": gettext_lazy("Life area"),
    "goals": gettext_lazy("Goals"),
    "responsible": gettext_lazy("Responsible"),
    "scope": gettext_lazy("Scope and frequency"),
    "how": gettext_lazy("How it is done"),
    "start_on": gettext_lazy("Start"),
    "end_on": gettext_lazy("End"),
    "status": gettext_lazy("Status"),
}
PARTICIPANT_FIELDS = {
    "kind": gettext_lazy("Kind"),
    "name": gettext_lazy("Name"),
    "role": gettext_lazy("Role or relation"),
    "phone": gettext_lazy("Phone"),
    "contribution": gettext_lazy("Contributes"),
}
AREA_FIELDS = {
    "resources": gettext_lazy("Resources"),
    "needs": gettext_lazy("Needs"),
    "ratings": gettext_lazy("Self-rating"),
}
CRISIS_FIELDS = {
    "warning_signs": gettext_lazy("Early warning signs"),
    "triggers": gettext_lazy("What can trigger a crisis"),
    "what_helps": gettext_lazy("What helps me"),
    "wishes": gettext_lazy("What I want others to do"),
    "emergency": gettext_lazy("Emergency contacts"),
}
CONTACT_FIELDS = {
    "name": gettext_lazy("Name"),
    "role": gettext_lazy("Role or relation"),
    "phone": gettext_lazy("Phone"),
    "when": gettext_lazy("When to call"),
}


@dataclass
class Change:
    key: str  # the part of the plan, as used by the conflict check ("measure:12")
    kind: str  # added, removed or changed
    section: str
    label: str
    fields: list = field(default_factory=list)  # [(label, old, new)]

    @property
    def kind_label(self) -> str:
        return {ADDED: _("Added"), REMOVED: _("Removed"), CHANGED: _("Changed")}[self.kind]


def format_date(value, empty: str = "–") -> str:
    if not value:
        return empty
    return date_format(datetime.date.fromisoformat(value), "j.n.Y")


_date = format_date


def show(name: str, value) -> str:
    """A snapshot value as a person reads it."""
    if value in (None, "", []):
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name == "life_area":
        return str(LifeArea(value).label) if value in LifeArea.values else value
    if name in DATE_FIELDS:
        return _date(value)
    if name == "progress":
        return "; ".join(f"{_date(p['on'])}: {p['text']}" for p in value)
    if name == "ratings":
        return ", ".join(f"{_date(r['on'])}: {r['score']}" for r in value)
    if name == "goals":
        return ", ".join(f"#{g}" for g in value)
    return str(value)


def show_status(kind: str, value) -> str:
    if not value:
        return "–"
    choices = {
        "plan": IndividualPlan.Status,
        "goal": Goal.Status,
        "measure": Measure.Status,
    }[kind]
    return str(choices(value).label) if value in choices.values else value


def _fields(old: dict, new: dict, labels: dict, kind: str = "") -> list:
    out = []
    for name, label in labels.items():
        a, b = old.get(name), new.get(name)
        if a != b:
            if name == "status" and kind:
                out.append((str(label), show_status(kind, a), show_status(kind, b)))
            elif name == "kind":
                out.append((str(label), kind_label(a), kind_label(b)))
            else:
                out.append((str(label), show(name, a), show(name, b)))
    return out


def kind_label(value) -> str:
    return str(Participant.Kind(value).label) if value in Participant.Kind.values else "–"


def _collection(old_items, new_items, *, prefix, section, labels, title, kind="", id_key="id"):
    before = {str(i[id_key]): i for i in old_items}
    after = {str(i[id_key]): i for i in new_items}
    changes = []
    for ident, item in after.items():
        if ident not in before:
            # A new item: list only what it says, not empty fields.
            fields = [f for f in _fields({}, item, labels, kind) if f[2] != "–"]
            changes.append(Change(f"{prefix}:{ident}", ADDED, section, title(item), fields))
        else:
            diffs = _fields(before[ident], item, labels, kind)
            if diffs:
                changes.append(Change(f"{prefix}:{ident}", CHANGED, section, title(item), diffs))
    for ident, item in before.items():
        if ident not in after:
            changes.append(Change(f"{prefix}:{ident}", REMOVED, section, title(item)))
    return changes


def diff(old: dict, new: dict) -> list[Change]:
    """Changes from snapshot ``old`` to snapshot ``new``, in the order of the plan."""
    changes = []
    old_plan, new_plan = old.get("plan", {}), new.get("plan", {})
    by_key: dict[str, list] = {}
    for name, (label, key) in PLAN_FIELDS.items():
        a, b = old_plan.get(name), new_plan.get(name)
        if a != b:
            if name == "status":
                by_key.setdefault(key, []).append(
                    (str(label), show_status("plan", a), show_status("plan", b))
                )
            else:
                by_key.setdefault(key, []).append((str(label), show(name, a), show(name, b)))
    for key, fields in by_key.items():
        changes.append(Change(key, CHANGED, _("The plan"), _("Plan details"), fields))
    changes += _collection(
        old.get("goals", []),
        new.get("goals", []),
        prefix="goal",
        section=_("Goals"),
        labels=GOAL_FIELDS,
        title=lambda g: g["text"][:80],
        kind="goal",
    )
    changes += _collection(
        old.get("areas", []),
        new.get("areas", []),
        prefix="area",
        section=_("Resources and needs"),
        labels=AREA_FIELDS,
        title=lambda a: str(LifeArea(a["life_area"]).label),
        id_key="life_area",
    )
    changes += _collection(
        old.get("participants", []),
        new.get("participants", []),
        prefix="participant",
        section=_("Participants"),
        labels=PARTICIPANT_FIELDS,
        title=lambda p: p["name"],
    )
    changes += _collection(
        old.get("measures", []),
        new.get("measures", []),
        prefix="measure",
        section=_("Measures"),
        labels=MEASURE_FIELDS,
        title=lambda m: m["title"],
        kind="measure",
    )
    old_crisis, new_crisis = old.get("crisis", {}), new.get("crisis", {})
    crisis_fields = _fields(old_crisis, new_crisis, CRISIS_FIELDS)
    if crisis_fields:
        changes.append(Change("crisis", CHANGED, _("Crisis plan"), _("Crisis plan"), crisis_fields))
    changes += _collection(
        old_crisis.get("contacts", []),
        new_crisis.get("contacts", []),
        prefix="contact",
        section=_("Crisis plan"),
        labels=CONTACT_FIELDS,
        title=lambda c: c["name"],
    )
    old_evals = {e["held_on"] + e["what_worked"][:20] for e in old.get("evaluations", [])}
    for evaluation in new.get("evaluations", []):
        if evaluation["held_on"] + evaluation["what_worked"][:20] not in old_evals:
            said = [(str(_("What has worked")), "–", evaluation["what_worked"])]
            if evaluation.get("what_changes"):
                said.append((str(_("What we change")), "–", evaluation["what_changes"]))
            changes.append(
                Change(
                    "evaluation",
                    ADDED,
                    _("Evaluations"),
                    _("Evaluation %(date)s") % {"date": _date(evaluation["held_on"])},
                    said,
                )
            )
    return changes


def rating_label(score) -> str:
    return str(SelfRating(score).label) if score in SelfRating.values else "–"

"""The individuell plan as printed: a snapshot turned into the context of pdf/plan.html
(used by the PDF view and by the load benchmark)."""

from pathways.models import LifeArea
from pathways.plan import diff as plan_diff


def plan_pdf_context(patient, snapshot: dict, revision_no: int) -> dict:
    """The snapshot made printable: labels for codes, dates as people write them."""
    d = plan_diff.format_date
    goals = snapshot.get("goals", [])
    goal_numbers = {g["id"]: i for i, g in enumerate(goals, start=1)}
    groups: dict[str, list] = {}
    for measure in snapshot.get("measures", []):
        groups.setdefault(measure["life_area"], []).append(
            {
                **measure,
                "goal_numbers": [goal_numbers[g] for g in measure["goals"] if g in goal_numbers],
                "status_label": plan_diff.show_status("measure", measure["status"]),
                "start_on": d(measure["start_on"], ""),
                "end_on": d(measure["end_on"], ""),
            }
        )
    plan = snapshot["plan"]
    dates = ["period_start", "period_end", "next_revision_on", "patient_reviewed_on"]
    return {
        "patient": patient,
        "s": snapshot,
        "p": {
            **plan,
            **{name: d(plan.get(name), "") for name in dates},
            "consent_given_on": d(plan.get("consent_given_on")),
            "status_label": plan_diff.show_status("plan", plan["status"]),
        },
        "revision_no": revision_no,
        "goals": [
            {
                **g,
                "number": goal_numbers[g["id"]],
                "area_label": plan_diff.show("life_area", g["life_area"]),
                "status_label": plan_diff.show_status("goal", g["status"]),
                "progress": [{**n, "on": d(n["on"])} for n in g["progress"]],
            }
            for g in goals
        ],
        "areas": [
            {
                **a,
                "label": plan_diff.show("life_area", a["life_area"]),
                "ratings": [{**r, "on": d(r["on"])} for r in a["ratings"]],
            }
            for a in snapshot.get("areas", [])
        ],
        "measure_groups": [
            (LifeArea(code).label, groups[code]) for code in LifeArea.values if code in groups
        ],
        "participants": [
            {**x, "kind_label": plan_diff.kind_label(x["kind"])}
            for x in snapshot.get("participants", [])
        ],
        "evaluations": [
            {**e, "held_on": d(e["held_on"]), "next_revision_on": d(e["next_revision_on"])}
            for e in snapshot.get("evaluations", [])
        ],
    }

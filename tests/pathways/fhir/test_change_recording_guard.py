"""A guard for the subscriptions' outbox: Task and CarePlan changes are recorded by
``post_save`` of Referral, IndividualPlan and PlanRevision
(``pathways.fhir.subscriptions.changes.watch``), and a queryset ``update()``,
``bulk_update()`` or ``bulk_create()`` sends no signal. So app code may write Referral or
IndividualPlan rows that way only where it is listed below with the reason no subscriber
misses a change. The scan reads the code's syntax: chains rooted in the model or a related
manager of it, and names assigned from one in the same function; raw SQL that updates the
tables is caught by its text. (Meta.lastUpdated does not depend on this: the rows'
``changed_at`` is moved by a database trigger, pathways 0031.)"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
APPS = ("accounts", "pathways", "referrals", "config")
MODELS = {"Referral", "IndividualPlan"}
# Related managers that hold these models' rows (Patient.referrals, Unit.referrals_sent,
# Referral.forwarded_to, Patient.plans, Consent.plans).
MANAGERS = {"referrals", "referrals_sent", "referrals_received", "forwarded_to", "plans"}
WRITES = {"update", "bulk_update", "bulk_create"}
TABLES = ("referrals_referral", "pathways_individualplan")

# (file, function) -> why it needs no change row.
ALLOWED = {
    ("referrals/services.py", "referral_end_access_due"): (
        "stamps access_ended_at, which no Task shows: the care-team access ending"
    ),
    ("pathways/plan/services.py", "_revise"): (
        "raises the plan's version; the PlanRevision it creates next, in the same transaction, "
        "records the CarePlan change"
    ),
}


def _rooted(node, tainted: set[str]) -> bool:
    """Whether the chain ``node`` starts at one of the models, a related manager of them or a
    name holding such a chain."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            if node.attr in MANAGERS:
                return True
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id in MODELS or node.id in tainted
        else:
            return False


def writes_in(source: str) -> list[tuple[str, int]]:
    """(function, line) of each unrecorded write of the models' rows in ``source``."""
    found = []
    tree = ast.parse(source)
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    inside = {id(n) for f in functions for n in ast.walk(f) if n is not f}
    for scope in [tree, *functions]:
        name = getattr(scope, "name", "<module>")
        body = list(ast.walk(scope))
        if scope is tree:  # module level: what no function holds
            body = [n for n in body if id(n) not in inside]
        tainted: set[str] = set()
        for node in body:
            if isinstance(node, ast.Assign) and _rooted(node.value, tainted):
                tainted |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        for node in body:
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in WRITES
                and _rooted(node.func.value, tainted)
            ) or (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and any(f"update {t}" in node.value.lower() for t in TABLES)
            ):
                found.append((name, node.lineno))
    return sorted(set(found))


def app_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            # Migrations run before any subscription; demo.py fills an empty demo database.
            if "/migrations/" in relative or path.name == "demo.py":
                continue
            yield relative, path.read_text(encoding="utf-8")


def test_no_app_code_writes_referrals_or_plans_past_the_change_record():
    seen = set()
    unlisted = []
    for relative, source in app_files():
        for function, line in writes_in(source):
            if (relative, function) in ALLOWED:
                seen.add((relative, function))
            else:
                unlisted.append(f"{relative}:{line} in {function}()")
    assert unlisted == [], (
        "Referral/IndividualPlan rows written without post_save, so Task/CarePlan "
        "subscribers would miss the change: save the instance, or call "
        "pathways.fhir.subscriptions.changes.record_change, or list it in ALLOWED with why."
    )
    # A listed place that no longer writes that way is taken off the list.
    assert seen == set(ALLOWED)


def test_the_scan_finds_the_shapes_it_is_meant_to():
    source = """
def direct(pk):
    Referral.objects.filter(pk=pk).update(urgency="urgent")

def through_a_name(pk):
    rows = Referral.objects.filter(pk=pk)
    open_rows = rows.exclude(state="closed")
    open_rows.update(urgency="urgent")

def related(patient):
    patient.plans.filter(status="active").update(status="closed")

def in_bulk(plans):
    IndividualPlan.objects.bulk_update(plans, ["status"])

def raw(cursor):
    cursor.execute("UPDATE referrals_referral SET urgency = 'urgent'")

QUEUED = Referral.objects.filter(state="received").update(urgency="urgent")

def fine(pk, referral):
    Measure.objects.filter(pk=pk).update(status="completed")
    referral.save()
    data = {}
    data.update(a=1)
"""
    assert [name for name, _line in writes_in(source)] == [
        "<module>",
        "direct",
        "in_bulk",
        "raw",
        "related",
        "through_a_name",
    ]

"""The shape of the code: no import circles, one form path, dependencies in one direction.

These read the source with ``ast``; nothing is imported. Imports inside functions count as
much as those at the top of a module.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("accounts", "config", "pathways", "referrals")


def own_modules() -> dict[str, Path]:
    """Module name -> file, for the project's own code (migrations left out)."""
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT)
            if "migrations" in rel.parts:
                continue
            name = ".".join(rel.with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


def imported_names(module: str, path: Path) -> list[tuple[str, int]]:
    """Every module name an import statement anywhere in the file names, with its line."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                if node.level > 1:
                    parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            found.append((base, node.lineno))
            # ``from package import module`` names a module too.
            found += [(f"{base}.{alias.name}", node.lineno) for alias in node.names]
    return found


def import_graph() -> dict[str, set[str]]:
    modules = own_modules()
    graph = {name: set() for name in modules}
    for name, path in modules.items():
        for target, _line in imported_names(name, path):
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                graph[name].add(target)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_the_circle_finder_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles_among_our_modules():
    found = circles(import_graph())
    assert not found, "import circles: " + "; ".join(" <-> ".join(group) for group in found)


def test_pathways_never_imports_referrals():
    modules = own_modules()
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for name, path in modules.items()
        if name.startswith("pathways")
        for target, line in imported_names(name, path)
        if target == "referrals" or target.startswith("referrals.")
    ]
    assert not wrong, "referrals -> pathways -> accounts, never back: " + "; ".join(wrong)


# One form path ---------------------------------------------------------------------------


def view_modules() -> list[Path]:
    found = []
    for package in ("accounts", "pathways", "referrals"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            if path.name == "views.py" or "views" in path.relative_to(ROOT).parts[:-1]:
                found.append(path)
    return found


def _is_request_method(node) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "method"


def _methods(node) -> set:
    values = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
    return {v.value for v in values if isinstance(v, ast.Constant)}


def _handles_a_post(compare: ast.Compare) -> bool:
    """``method == "POST"``, ``method in ("POST", ...)``, ``method != "GET"`` and
    ``method not in ("GET", ...)`` decide on a POST; ``method == "GET"`` (audit a read) does not."""
    sides = [compare.left, *compare.comparators]
    named = set().union(*(_methods(s) for s in sides))
    op = compare.ops[0]
    if isinstance(op, ast.Eq | ast.In):
        return "POST" in named
    if isinstance(op, ast.NotEq | ast.NotIn):
        return "GET" in named
    return False


def form_handling(path: Path, root: Path = ROOT) -> list[str]:
    """``request.method == "POST"``-style checks and ``.is_valid(`` calls in a file."""
    where = path.relative_to(root)
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_is_request_method(s) for s in sides) and _handles_a_post(node):
                found.append(f"{where}:{node.lineno} checks request.method")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "is_valid"
        ):
            found.append(f"{where}:{node.lineno} calls .is_valid()")
    return found


def test_the_form_check_sees_a_hand_made_form_view(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text(
        "def edit(request):\n"
        '    if request.method == "POST":\n'
        "        form = Form(request.POST)\n"
        "        if form.is_valid():\n"
        "            pass\n"
        '    if request.method not in ("GET", "HEAD"):\n'
        "        pass\n"
    )
    assert len(form_handling(sample, tmp_path)) == 3


def test_the_shared_form_helper_is_found_where_it_is():
    assert form_handling(ROOT / "pathways" / "web.py"), "pathways/web.py handles the forms"
    assert view_modules(), "no view modules found"


def test_no_view_handles_a_post_form_outside_the_shared_helper():
    found = [line for path in view_modules() for line in form_handling(path)]
    assert not found, "use pathways.web.form_action: " + "; ".join(found)

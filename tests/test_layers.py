"""The packages form layers (README, "How it is built"): each imports only from
its own layer or the ones below, with no cycle between modules or packages, and
no private name taken from another package. Read from the source with `ast`, so
an import inside a function counts as much as one at the top of a module."""
import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lowest first. A package may import from its own layer (without a cycle) and
# from any layer below it, never from one above.
LAYERS = [
    ("definitions", ["workflows"]),
    ("foundation", ["app.extensions", "app.database", "app.driver", "app.clock", "app.i18n", "app.dates", "app.workdays",
                    "app.fragments", "app.fetched_forms", "app.form_errors", "app.sealed", "app.confirm"]),
    ("audit core", ["app.audit"]),
    ("engine", ["app.engine"]),
    ("shared services", [
        "app.auth", "app.org", "app.notifications", "app.today", "app.paging", "app.uploads",
        "app.ratelimit", "app.labels", "app.privacy", "app.matching", "app.spreadsheets", "app.validators", "app.security",
        "app.housekeeping", "app.timeline", "app.diagrams", "app.main",
    ]),
    ("domains", ["app.disputes", "app.elders", "app.rota", "app.followups", "app.sweeps", "app.public",
                 "app.referrals", "app.opinions"]),
    ("supervision", ["app.supervision"]),
    ("integrations", ["app.api"]),
    ("shell", ["app", "app.demo"]),
]
DOMAINS = dict(LAYERS)["domains"] + dict(LAYERS)["supervision"] + dict(LAYERS)["integrations"]
LAYER_OF = {pkg: rank for rank, (_, pkgs) in enumerate(LAYERS) for pkg in pkgs}
LAYER_NAME = {rank: name for rank, (name, _) in enumerate(LAYERS)}


def modules() -> dict[str, Path]:
    found = {}
    for top in ("app", "workflows"):
        for path in sorted((ROOT / top).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def package_of(module: str) -> str:
    """app.disputes.views -> app.disputes; app.clock -> app.clock; app -> app;
    workflows.dispute -> workflows."""
    parts = module.split(".")
    return "workflows" if parts[0] == "workflows" else ".".join(parts[:2])


def _absolute(module: str, is_package: bool, level: int, name: str | None) -> str:
    if level == 0:
        return name or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def import_graph():
    """(edges: module -> modules it imports, private: (importer, name, source))."""
    mods = modules()
    edges, private = defaultdict(set), []
    for module, path in mods.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [(alias.name, None) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(module, is_package, node.level, node.module)
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    targets.append((full if full in mods else base, alias.name))
            for target, name in targets:
                while target and target not in mods:
                    target = target.rpartition(".")[0]
                if not target or target == module:
                    continue
                edges[module].add(target)
                if (name and name.startswith("_") and not name.startswith("__")
                        and package_of(target) != package_of(module)):
                    private.append((module, name, target))
    return mods, edges, private


def strongly_connected(nodes, edges) -> list[list[str]]:
    """Tarjan's algorithm, iterative; returns the components of more than one node."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def package_edges(edges) -> dict[str, set[str]]:
    packages = defaultdict(set)
    for module, targets in edges.items():
        for target in targets:
            if package_of(module) != package_of(target):
                packages[package_of(module)].add(package_of(target))
    return packages


def test_every_package_has_a_layer(graph):
    mods, _, _ = graph
    unplaced = sorted({package_of(m) for m in mods} - LAYER_OF.keys())
    assert not unplaced, f"give these packages a layer in tests/test_layers.py: {unplaced}"


def test_no_import_cycle_between_modules(graph):
    mods, edges, _ = graph
    assert strongly_connected(list(mods), edges) == []


def test_no_import_cycle_between_packages(graph):
    _, edges, _ = graph
    packages = package_edges(edges)
    assert strongly_connected(sorted(packages), packages) == []


def test_no_private_name_taken_from_another_package(graph):
    _, _, private = graph
    assert [f"{m} takes {name} from {source}" for m, name, source in private] == []


def test_each_package_imports_only_its_layer_or_below(graph):
    _, edges, _ = graph
    upward = sorted(
        f"{source} ({LAYER_NAME[LAYER_OF[source]]}) imports {target} ({LAYER_NAME[LAYER_OF[target]]})"
        for source, targets in package_edges(edges).items()
        for target in targets
        if source in LAYER_OF and target in LAYER_OF and LAYER_OF[target] > LAYER_OF[source]
    )
    assert upward == []


def test_audit_core_and_engine_know_no_domain_and_no_accounts(graph):
    _, edges, _ = graph
    forbidden = tuple(DOMAINS) + ("app.auth",)
    leaks = sorted(
        f"{module} -> {target}"
        for module, targets in edges.items()
        if package_of(module) in ("app.audit", "app.engine")
        for target in targets
        if package_of(target) in forbidden
    )
    assert leaks == []


def test_the_checker_sees_a_cycle_and_a_private_import():
    """The checks above would pass on a graph they cannot read; this one proves
    they read one: a planted cycle and private import are found."""
    edges = {"a.x": {"a.y"}, "a.y": {"a.z"}, "a.z": {"a.x"}, "b.q": {"a.x"}}
    assert strongly_connected(["a.x", "a.y", "a.z", "b.q"], edges) == [["a.x", "a.y", "a.z"]]
    assert package_of("app.disputes.views") == "app.disputes"
    assert package_of("workflows.dispute") == "workflows"
    assert _absolute("app.disputes.views", False, 2, "engine.core") == "app.engine.core"
    assert _absolute("app.disputes", True, 1, "models") == "app.disputes.models"

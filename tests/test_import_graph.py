"""The package's folders are its pipeline: no import cycle, and no stage imports a later one.

Read from the source with `ast` (nothing is imported), every import counts: module level,
inside functions, and under `TYPE_CHECKING`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "brochure"

#: Each module's stage, earliest first. A module may import its own stage and earlier ones.
STAGES: tuple[tuple[str, ...], ...] = (
    # the ground every stage stands on: errors, where built-in files live, what may be read
    (
        "brochure.errors",
        "brochure._version",
        "brochure.resources",
        "brochure.access",
        "brochure.wording",
        "brochure.recent",
    ),
    ("brochure.content",),
    ("brochure.look",),
    ("brochure.render",),  # the WeasyPrint adapter, preflight, booklet, output
    ("brochure.render.parts",),  # long packs depend on the adapter, never the reverse
    ("brochure.pack",),  # one pack through every stage
    ("brochure.many",),
    # the public API, the command line and the tables and summaries it prints
    ("brochure", "brochure.cli", "brochure.__main__", "brochure.watch", "brochure.listing"),
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def stage(module: str) -> int:
    """The index in STAGES of the longest prefix naming `module` (exact names for files)."""
    best, rank = -1, -1
    for index, names in enumerate(STAGES):
        for name in names:
            prefix = module == name or module.startswith(name + ".")
            exact_only = name == "brochure"  # the package itself, not everything in it
            if (module == name if exact_only else prefix) and len(name) > best:
                best, rank = len(name), index
    if rank < 0:
        raise AssertionError(f"{module} has no stage in test_import_graph.STAGES: add it")
    return rank


def imports(module: str) -> Iterator[tuple[str, int]]:
    """The brochure modules `module` imports, with the line of each import."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "brochure":
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target.split(".")[0] != "brochure":
                continue
            for alias in node.names:  # `from . import parts`: the module, if it is one
                sub = f"{target}.{alias.name}"
                yield (sub if sub in MODULES else target), node.lineno


GRAPH = {m: sorted({t for t, _ in imports(m) if t != m}) for m in MODULES}


def test_every_import_names_a_module_that_exists() -> None:
    missing = [(m, t) for m, targets in GRAPH.items() for t in targets if t not in MODULES]
    assert missing == []


def test_every_module_has_a_stage() -> None:
    for module in MODULES:
        stage(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_a_later_stage(module: str) -> None:
    later = [
        f"{module}:{line} imports {target} (stage {stage(target)} > {stage(module)})"
        for target, line in imports(module)
        if target in MODULES and stage(target) > stage(module)
    ]
    assert later == []


def test_no_import_cycle() -> None:
    done: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> None:
        if module in path:
            raise AssertionError(
                "import cycle: " + " -> ".join([*path[path.index(module) :], module])
            )
        if module in done:
            return
        path.append(module)
        for target in GRAPH[module]:
            visit(target)
        path.pop()
        done.add(module)

    for module in MODULES:
        visit(module)


def test_weasyprint_is_imported_by_the_adapter_only() -> None:
    importers = set()
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            if any(n.split(".")[0] == "weasyprint" for n in names):
                importers.add(module)
    assert importers == {"brochure.render.weasy"}


def test_the_adapter_imports_only_what_it_stands_on() -> None:
    """The adapter needs no other part of render/: the cache, layouters and parts use it."""
    assert set(GRAPH["brochure.render.weasy"]) <= {
        "brochure.access",
        "brochure.errors",
        "brochure.render.heap",
        "brochure.render.limits",
        "brochure.render.pages",
    }


def test_the_checker_sees_a_later_import() -> None:
    """The rule can fail: content importing render would be caught."""
    assert stage("brochure.render.weasy") > stage("brochure.content.models")
    assert stage("brochure.render.parts.plan") > stage("brochure.render.weasy")
    assert stage("brochure") > stage("brochure.many.batch") > stage("brochure.pack")

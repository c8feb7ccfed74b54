"""The shape of the package, read from its source: which lingong module imports which.

Every module under lingong/ is parsed with ``ast`` (nothing is imported), and each of its
imports of a lingong module is an edge: at module level, inside a function, or only for
type checkers (``if TYPE_CHECKING:``). Checked:

1. no cycle among the imports that run when a module is imported (module level), and no
   cycle closed by an import inside a function beyond the few known ones;
2. the layers: each module belongs to one of LAYERS, lowest first, and imports only from
   its own layer or below, wherever the import sits (a function's import is still a
   dependency, only a later one);
3. the command line does not load the web face: nothing ``lingong.cli`` imports at module
   level, directly or through others, imports starlette or uvicorn (or lingong.web).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.paths import ROOT

PACKAGE = ROOT / "lingong"

# Lowest first. A module may import from its own layer and from those below it.
LAYERS: list[tuple[str, ...]] = [
    ("lingong", "errors", "layout"),  # "lingong": the package's __init__ (its version)
    ("model",),  # plain values: records, periods, cells, file names as shown
    ("report_template", "words"),  # the monthly report LGYZ-M-1 as data, the words of our categories
    ("rules", "catalogue"),  # the rules file loaded and checked, the catalogue of problems
    ("ooxml",),  # the zip, the hardened XML parser and the parts of a package, for read/ and render/
    ("runtime",),  # clock, output files, masking, workers, progress, locks
    ("discover",),
    ("read",),
    ("choose",),
    ("grade",),
    ("render",),
    ("mail",),
    # the run and what it leaves: wiring, documents, records, analysis, the demo city
    (
        "pipeline",
        "reading",
        "run_checks",
        "run_notes",
        "documents",
        "record",
        "run_record",
        "versions",
        "digest",
        "frames",
        "reporting_status",
        "verdicts",
        "intake",  # reports that arrive by mail, and their receipts
        "install_check",
        "demo",
    ),
    ("api",),
    ("web",),  # the web page's face: above the library, beside no CLI
    ("commands", "cli"),
]
WEB_LIBRARIES = ("starlette", "uvicorn")


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    where: str  # "module", "function" or "typing"
    line: int


def module_names() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = module_names()


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def _targets(name: str, path: Path, node: ast.AST) -> list[str]:
    """The modules an import statement names (``from lingong.x import y``: lingong.x.y when
    that is a module, else lingong.x), third-party ones included."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    assert isinstance(node, ast.ImportFrom)
    if node.level:
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]


def imports_of(name: str, path: Path) -> list[tuple[str, str, int]]:
    """(target, where, line) of every import in the module, lingong's and others'."""
    out: list[tuple[str, str, int]] = []

    def visit(node: ast.AST, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = where
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                inner = "function"
            elif isinstance(child, ast.If) and _is_type_checking(child) and where == "module":
                for sub in child.body:
                    visit_stmt(sub, "typing")
                for sub in child.orelse:
                    visit_stmt(sub, where)
                continue
            visit_stmt(child, inner)

    def visit_stmt(node: ast.AST, where: str) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.extend((t, where, node.lineno) for t in _targets(name, path, node))
        else:
            visit(node, where)

    visit(ast.parse(path.read_text(encoding="utf-8")), "module")
    return out


def lingong_edges() -> list[Edge]:
    edges = []
    for name, path in MODULES.items():
        for target, where, line in imports_of(name, path):
            if (target == "lingong" or target.startswith("lingong.")) and target != name:
                edges.append(Edge(name, target, where, line))
    return edges


EDGES = lingong_edges()


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    key = parts[1] if len(parts) > 1 else "lingong"
    for i, layer in enumerate(LAYERS):
        if key in layer:
            return i
    return None


def test_every_module_has_a_layer():
    unplaced = sorted({m for m in MODULES if layer_of(m) is None})
    assert not unplaced, f"add these to LAYERS in {Path(__file__).name}: {unplaced}"


def cycles_of(kinds: tuple[str, ...]) -> list[frozenset[str]]:
    """The groups of modules that import one another (strongly connected, more than one)."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for e in EDGES:
        if e.where in kinds and e.target in graph:
            graph[e.source].add(e.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[frozenset[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(frozenset(group))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return groups


def test_no_cycle_among_module_level_imports():
    cycles = cycles_of(("module",))
    assert not cycles, "modules importing one another at module level: " + str([sorted(c) for c in cycles])


# Cycles closed only by an import inside a function, each a pair of modules of one package
# that call into each other; no new one (pipeline and documents were one).
KNOWN_FUNCTION_CYCLES: set[frozenset[str]] = set()  # none left: a new one is a failure


def test_no_new_cycle_through_imports_in_functions():
    new = [sorted(c) for c in cycles_of(("module", "function")) if c not in KNOWN_FUNCTION_CYCLES]
    assert not new, f"modules importing one another (counting imports inside functions): {new}"


def test_no_upward_import():
    upward = [
        f"{e.source} (line {e.line}, {e.where}) imports {e.target}"
        for e in EDGES
        if layer_of(e.source) is not None and layer_of(e.target) is not None and layer_of(e.target) > layer_of(e.source)
    ]
    assert not upward, "imports that point up the layers:\n" + "\n".join(upward)


def _module_level_closure(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        m = todo.pop()
        if m in seen or m not in MODULES:
            continue
        seen.add(m)
        # importing lingong.a.b runs lingong/__init__ and lingong/a/__init__ first
        parents = [".".join(m.split(".")[:i]) for i in range(1, len(m.split(".")))]
        todo.extend(p for p in parents if p in MODULES)
        todo.extend(t for t, where, _ in imports_of(m, MODULES[m]) if where == "module")
    return seen


def test_the_command_line_does_not_load_the_web_face():
    closure = _module_level_closure("lingong.cli")
    web = sorted(
        f"{m} imports {t}"
        for m in closure
        for t, where, _ in imports_of(m, MODULES[m])
        if where == "module"
        and (t.split(".")[0] in WEB_LIBRARIES or t == "lingong.web" or t.startswith("lingong.web."))
    )
    assert not web, web


@pytest.mark.parametrize("module", ["lingong.cli", "lingong.api"])
def test_importing_the_faces_loads_no_web_server(module):
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] in {WEB_LIBRARIES!r}))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_every_known_cycle_still_exists():
    """A cycle that was broken leaves the list, so that it cannot come back unseen."""
    found = set(cycles_of(("module", "function")))
    gone = [sorted(c) for c in KNOWN_FUNCTION_CYCLES if c not in found]
    assert not gone, f"no longer cycles, take them out of KNOWN_FUNCTION_CYCLES: {gone}"


def test_no_private_name_is_imported_from_another_module():
    """What a module shares it names publicly: a ``_name`` is that module's own business."""
    found = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lingong"):
                private = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
                if private:
                    found.append(f"{name} (line {node.lineno}) imports {private} from {node.module}")
    assert not found, "\n".join(found)


# A module that imports inside its functions as a rule says so in its docstring, with the reason.
LAZY_MODULES_SAY = "imported inside the functions"


def _reason_above(lines: list[str], lineno: int) -> bool:
    """A comment on the import's line, or above the block of imports it stands in."""
    i = lineno - 1
    if "#" in lines[i]:
        return True
    while i > 0 and lines[i - 1].strip().startswith(("from ", "import ")):
        i -= 1
    return i > 0 and lines[i - 1].strip().startswith("#")


def test_an_import_inside_a_function_says_why():
    unsaid = []
    for name, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        if LAZY_MODULES_SAY in (ast.get_docstring(tree) or ""):
            continue
        lines = text.splitlines()
        for target, where, line in imports_of(name, path):
            if where == "function" and target.startswith("lingong") and not _reason_above(lines, line):
                unsaid.append(f"{name} line {line}: {target}")
    assert not unsaid, "imports inside functions with no reason (move them to the top or say why):\n" + "\n".join(
        unsaid
    )

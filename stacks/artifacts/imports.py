"""What a handler imports: a static walk of its modules, down to third-party top-level names.

The layers a zip function gets (``stacks.bundles``) are checked against this walk, so a new
``import numpy`` in a light stage fails a test here instead of the first invocation in AWS.

The walk is conservative: every ``import`` in a project module counts, lazy ones inside
functions included, and so does a string literal that names a project module (the voice
registry loads providers by name). ``if TYPE_CHECKING:`` blocks are skipped. Two refinements
keep it useful:

* the stage dispatcher (``estudio.pipeline.stages``) is read per function: a stage handler
  reaches its own stage function and the helpers it calls, not every stage's imports;
* a bundle may *cut* a lazy import it never runs (``Cut``: the module and why). A cut can only
  stop a lazy edge: when the cut module is also imported eagerly (at module level) by a module
  the walk reaches, the walk reports it (``Walk.bad_cuts``) and a test fails.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_PACKAGE = "estudio"
DISPATCH_MODULE = "estudio.pipeline.stages"


@dataclass(frozen=True)
class Entry:
    """Where a walk starts: a file (a handler) or a project module, optionally one function."""

    module: str
    path: Path | None = None
    function: str | None = None


@dataclass(frozen=True)
class Cut:
    """A lazy import a function never runs: ``module`` (and, for a package, its submodules)
    is not entered through lazy edges."""

    module: str
    reason: str

    def covers(self, module: str) -> str | None:
        return (
            self.module if module == self.module or module.startswith(f"{self.module}.") else None
        )


@dataclass
class Walk:
    modules: set[str] = field(default_factory=set)  # project modules reached
    third_party: set[str] = field(default_factory=set)  # top-level import names
    via: dict[str, str] = field(default_factory=dict)  # a name → the module that imported it
    cuts_used: set[str] = field(default_factory=set)
    bad_cuts: dict[str, str] = field(default_factory=dict)  # cut module → eager importer

    def chain(self, name: str) -> list[str]:
        """How the walk reached ``name``: the modules from the entry down to it."""
        path = [name]
        while path[-1] in self.via and len(path) < 50:
            path.append(self.via[path[-1]])
        return path[::-1]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Collector(ast.NodeVisitor):
    """The import targets of one module (or function): ``(name, lazy)`` pairs."""

    def __init__(self, module: str, is_package: bool, skip_functions: bool, lazy: bool) -> None:
        self.package = module if is_package else module.rpartition(".")[0]
        self.skip_functions = skip_functions
        self.depth = 1 if lazy else 0
        self.found: list[tuple[str, bool]] = []

    def _add(self, name: str) -> None:
        self.found.append((name, self.depth > 0))

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        if self.skip_functions:
            return
        self.depth += 1
        for child in node.body:
            self.visit(child)
        self.depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_Lambda = ast.NodeVisitor.generic_visit

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            parts = self.package.split(".")
            parent = ".".join(parts[: len(parts) - node.level + 1])
            base = f"{parent}.{base}" if base else parent
        self._add(base)
        for alias in node.names:
            if alias.name != "*":
                self._add(f"{base}.{alias.name}")

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and re.fullmatch(
            rf"{PROJECT_PACKAGE}(\.[a-z_][a-z0-9_]*)+", node.value
        ):
            self.found.append((node.value, True))  # loaded by name: always lazy


def _function_nodes(tree: ast.Module, name: str) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """``name`` and the module-level functions it calls by name, transitively."""
    functions = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    seen: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    todo = [name]
    while todo:
        node = functions.get(todo.pop())
        if node is None or node in seen:
            continue
        seen.append(node)
        todo += [n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in functions]
    if not seen:
        raise KeyError(f"no function {name} in {DISPATCH_MODULE}")
    return seen


class ImportWalker:
    def __init__(self, source_root: Path) -> None:
        self.source_root = source_root  # the folder holding the project package
        self.stdlib = set(sys.stdlib_module_names) | {"__future__"}

    def module_path(self, module: str) -> Path | None:
        base = self.source_root.joinpath(*module.split("."))
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
        return None

    def _targets(self, entry: Entry, path: Path) -> list[tuple[str, bool]]:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        dispatch = entry.module == DISPATCH_MODULE
        collector = _Collector(entry.module, path.name == "__init__.py", dispatch, lazy=False)
        collector.visit(tree)
        found = collector.found
        if dispatch and entry.function:
            for node in _function_nodes(tree, entry.function):
                inner = _Collector(entry.module, False, False, lazy=True)
                for child in node.body:
                    inner.visit(child)
                found += inner.found
        return found

    def walk(self, entries: Iterable[Entry], cuts: Iterable[Cut] = ()) -> Walk:
        cuts = tuple(cuts)
        result = Walk()
        todo: list[tuple[Entry, str | None]] = [(e, None) for e in entries]
        done: set[tuple[str, str | None]] = set()
        while todo:
            entry, importer = todo.pop()
            if (entry.module, entry.function) in done:
                continue
            done.add((entry.module, entry.function))
            path = entry.path or self.module_path(entry.module)
            if path is None:
                continue
            if entry.path is None:
                result.modules.add(entry.module)
                if importer and entry.module != importer:
                    result.via.setdefault(entry.module, importer)
            for name, lazy in self._targets(entry, path):
                for module in self._project_modules(name, result, entry.module):
                    covering = next((c.module for c in cuts if c.covers(module)), None)
                    if covering and lazy:
                        result.cuts_used.add(covering)
                        continue
                    if covering and not any(c.covers(entry.module) for c in cuts):
                        result.bad_cuts.setdefault(covering, entry.module)
                    todo.append((Entry(module), entry.module))
        return result

    def _project_modules(self, name: str, result: Walk, importer: str) -> list[str]:
        top = name.split(".")[0]
        if not top:
            return []
        if top != PROJECT_PACKAGE:
            if top not in self.stdlib:
                result.third_party.add(top)
                result.via.setdefault(top, importer)
            return []
        parts = name.split(".")
        # importing a.b.c runs a and a.b first
        modules = [".".join(parts[:end]) for end in range(1, len(parts) + 1)]
        return [m for m in modules if m != importer and self.module_path(m) is not None]


def distributions_of(names: Iterable[str]) -> tuple[set[str], set[str]]:
    """Top-level import names → installed distribution names (normalised); and the unknown."""
    from importlib.metadata import packages_distributions

    index = packages_distributions()
    found: set[str] = set()
    unknown: set[str] = set()
    for name in names:
        dists = index.get(name)
        if dists:
            found |= {normalize(d) for d in dists}
        else:
            unknown.add(name)
    return found, unknown


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()

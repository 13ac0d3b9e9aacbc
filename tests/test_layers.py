"""The layers: ``bpr/`` computes (in subpackages: model, analysis, sim, planning, render,
interop), ``flows/`` orchestrates, ``models/`` holds the domain types and the store; the CLI
(``bpr/cli/``) is an edge that nothing else imports. No module takes part in an import cycle.

Checked on the source (the AST of every module), so that an import inside a function,
which only runs in some code path, is caught too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest

from tests.conftest import ROOT

CLI = ROOT / "bpr" / "cli"


def _modules(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (ROOT / package).rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in the module at ``path``; for
    ``from X import a, b`` both ``X`` and ``X.a``, ``X.b`` (``a`` may be a submodule)."""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def _is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def violations(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    """``path:line imports module`` for every import of a ``forbidden`` package (or of
    anything inside it) in ``paths``."""
    found: dict[tuple[str, int], str] = {}
    for path in paths:
        for line, module in imported(path):
            if any(_is_within(module, package) for package in forbidden):
                found.setdefault((path.relative_to(ROOT).as_posix(), line),
                                 f"{path.relative_to(ROOT).as_posix()}:{line} "
                                 f"({_module_name(path)}) imports {module}")
    return [found[k] for k in sorted(found)]


# What each part of the project may import of ours (beyond itself). A module belongs to the
# longest prefix listed here. ``bpr.render.publish`` is the one module of ``bpr`` outside the
# command line that opens the store (it reads the simulation run a report shows).
ALLOWED: dict[str, tuple[str, ...]] = {
    "bpr.errors": (),
    "bpr.i18n": (),  # message catalogs: usable by every part, imports nothing of ours
    "bpr": ("bpr.errors", "bpr.model"),  # the package's curated re-exports
    "bpr.model": ("bpr.errors", "models.procedure"),
    "bpr.analysis": ("bpr.errors", "bpr.i18n", "bpr.model", "models.procedure"),
    "bpr.sim": ("bpr.errors", "bpr.i18n", "bpr.model", "bpr.analysis", "models.procedure"),
    "bpr.planning": ("bpr.errors", "bpr.i18n", "bpr.model", "bpr.analysis", "bpr.sim",
                     "models.procedure"),
    "bpr.interop": ("bpr.errors", "bpr.i18n", "bpr.model", "bpr.sim", "models.procedure"),
    "bpr.render": ("bpr.errors", "bpr.i18n", "bpr.model", "bpr.analysis", "bpr.sim", "bpr.planning",
                   "models.procedure"),
    "bpr.render.publish": ("bpr.errors", "bpr.i18n", "bpr.model", "bpr.analysis", "bpr.sim",
                           "bpr.planning", "bpr.render", "models.procedure", "models.store"),
    "bpr.cli": ("bpr", "models", "flows"),
    "models": ("models.procedure",),
    "models.procedure": (),
    "models.store": ("bpr.errors", "models"),
    "flows": ("bpr", "models", "flows"),
}
FORBIDDEN_FOR_FLOWS = ("bpr.cli",)


def _ours(module: str) -> bool:
    return any(_is_within(module, top) for top in ("bpr", "models", "flows"))


def _part(module: str) -> str:
    """The entry of :data:`ALLOWED` that ``module`` belongs to (the longest prefix)."""
    return max((k for k in ALLOWED if _is_within(module, k)), key=len)


def _project_modules() -> dict[str, Path]:
    return {_module_name(p): p for p in _modules("bpr", "models", "flows")}


def _edges() -> list[tuple[str, str, str]]:
    """(importer, imported module, where) for every import of one of our modules; ``from X
    import a`` counts as an import of ``X.a`` when that is a module, else of ``X``."""
    modules = _project_modules()
    edges: list[tuple[str, str, str]] = []
    for name, path in modules.items():
        seen: set[str] = set()
        for line, target in imported(path):
            if not _ours(target):
                continue
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in modules and target != name and target not in seen:
                seen.add(target)
                edges.append((name, target, f"{path.relative_to(ROOT).as_posix()}:{line}"))
    return edges


def layer_violations(edges: list[tuple[str, str, str]]) -> list[str]:
    """``where (importer) imports target`` for every import the importer's part may not make."""
    found = []
    for importer, target, where in edges:
        part = _part(importer)
        if _is_within(target, part) and part not in ("bpr", "models"):
            continue  # inside its own part
        if part == "flows" and any(_is_within(target, f) for f in FORBIDDEN_FOR_FLOWS):
            found.append(f"{where} ({importer}) imports {target}")
            continue
        if not any(_is_within(target, allowed) for allowed in ALLOWED[part]):
            found.append(f"{where} ({importer}) imports {target}")
    return sorted(found)


def import_cycles(edges: list[tuple[str, str, str]]) -> list[list[str]]:
    """Every cycle of imports between our modules (package ``__init__`` re-exports included)."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_edges_from((a, b) for a, b, _ in edges)
    return sorted(sorted(c) for c in nx.simple_cycles(graph))


def _assert_none(found: list[str]) -> None:
    assert not found, "layering broken:\n" + "\n".join(found)


def test_every_module_imports_only_what_its_layer_may() -> None:
    _assert_none(layer_violations(_edges()))


def test_no_import_cycles_between_modules() -> None:
    cycles = import_cycles(_edges())
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_nothing_outside_the_cli_imports_the_cli() -> None:
    paths = [p for p in _modules("flows", "models", "bpr") if not p.is_relative_to(CLI)]
    _assert_none(violations(paths, ("bpr.cli",)))


def test_domain_types_never_import_storage() -> None:
    _assert_none(violations([ROOT / "models" / "procedure.py", ROOT / "models" / "__init__.py"],
                            ("models.store", "bpr", "flows")))


def test_every_module_belongs_to_a_stated_part() -> None:
    # A new top-level module of bpr/ must be placed in a subpackage (or the rules extended).
    loose = [name for name in _project_modules()
             if name.startswith("bpr.") and _part(name) == "bpr"]
    assert not loose, f"modules outside the subpackages of bpr/: {loose}"


def test_the_rules_catch_a_wrong_import() -> None:
    edges = [("bpr.model.load", "bpr.analysis.graph", "bpr/model/load.py:1"),
             ("bpr.analysis.diff", "bpr.render.report", "bpr/analysis/diff.py:2"),
             ("flows.common", "bpr.cli.output", "flows/common.py:3"),
             ("models.procedure", "models.store.database", "models/procedure.py:4"),
             ("bpr.analysis.diff", "bpr.model.load", "bpr/analysis/diff.py:5")]
    assert layer_violations(edges) == [
        "bpr/analysis/diff.py:2 (bpr.analysis.diff) imports bpr.render.report",
        "bpr/model/load.py:1 (bpr.model.load) imports bpr.analysis.graph",
        "flows/common.py:3 (flows.common) imports bpr.cli.output",
        "models/procedure.py:4 (models.procedure) imports models.store.database"]


def test_the_cycle_check_finds_a_cycle() -> None:
    edges = [("a.x", "a.y", ""), ("a.y", "a.z", ""), ("a.z", "a.x", ""), ("a.q", "a.x", "")]
    assert import_cycles(edges) == [["a.x", "a.y", "a.z"]]


@pytest.mark.parametrize("source", [
    "from bpr.cli.output import markdown_table\n",
    "def f():\n    from bpr.cli import rank_cmd\n",
    "import bpr.cli.report_cmd\n",
    "from bpr import cli\n",
    "from .. import cli\n",
    "from ..cli.output import emit\n",
])
def test_the_check_finds_an_import_of_the_cli(tmp_path: Path, source: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # A module at bpr/sim/probe.py: relative imports resolve against bpr.sim.
    module = tmp_path / "bpr" / "sim" / "probe.py"
    module.parent.mkdir(parents=True)
    module.write_text(source, encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    found = violations([module], ("bpr.cli",))
    assert found and found[0].startswith("bpr/sim/probe.py:"), found
    assert "(bpr.sim.probe) imports bpr.cli" in found[0]

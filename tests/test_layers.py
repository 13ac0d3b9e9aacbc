"""The layers: ``bpr/`` computes, ``flows/`` orchestrates, ``models/`` stores; the CLI
(``bpr/cli/``) is an edge that nothing else imports.

Checked on the source (the AST of every module), so that an import inside a function,
which only runs in some code path, is caught too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

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


def _outside_the_cli(*packages: str) -> list[Path]:
    paths = [p for p in _modules(*packages) if not p.is_relative_to(CLI)]
    assert paths
    return paths


def _assert_none(found: list[str]) -> None:
    assert not found, "layering broken:\n" + "\n".join(found)


def test_nothing_outside_the_cli_imports_the_cli() -> None:
    _assert_none(violations(_outside_the_cli("flows", "models", "bpr"), ("bpr.cli",)))


def test_models_import_neither_flows_nor_the_cli() -> None:
    _assert_none(violations(_modules("models"), ("flows", "bpr.cli")))


def test_bpr_outside_the_cli_does_not_import_flows() -> None:
    # The commands (an edge) start flows; the computing modules never do.
    _assert_none(violations(_outside_the_cli("bpr"), ("flows",)))


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

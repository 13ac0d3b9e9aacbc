"""The README is complete and its set-up commands are the ones CI and users run."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_sections_are_built_from_their_sources() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_readme.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_two_setup_commands_exist_and_ci_runs_the_test_command() -> None:
    block = README[README.index("## Set-up: two commands"):]
    commands = re.findall(r"^(bash scripts/\S+)", block.split("```bash", 1)[1].split("```", 1)[0], re.M)
    assert commands == ["bash scripts/main.sh", "bash scripts/test.sh"]
    for command in commands:
        assert (ROOT / command.split()[1]).is_file()
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_cli_command_in_the_overview_exists() -> None:
    from typer.main import get_command

    from bpr.cli import app

    cli = get_command(app)
    names = set(getattr(cli, "commands", {}))
    table = README[README.index("## Command line"):README.index("Most commands take")]
    for name in re.findall(r"`tetsuzuki (\w+)", table):
        assert name in names, name

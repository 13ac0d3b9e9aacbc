"""``--lang ja|en`` on the commands that print analysis texts (check, diff, metrics)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bpr.analysis.principles import check
from bpr.cli import app
from bpr.i18n import localize, translator
from bpr.model.load import load_procedure
from tests.conftest import EXAMPLE

runner = CliRunner()
JA = translator("ja")


def test_check_prints_the_findings_in_the_chosen_language() -> None:
    findings = check(load_procedure(EXAMPLE / "as-is.yaml"))
    english = runner.invoke(app, ["check", str(EXAMPLE / "as-is.yaml"), "--format", "json"])
    japanese = runner.invoke(app, ["check", str(EXAMPLE / "as-is.yaml"), "--format", "json",
                                   "--lang", "ja"])
    assert english.exit_code == 0 and japanese.exit_code == 0, japanese.output
    en_rows, ja_rows = json.loads(english.stdout)["findings"], json.loads(japanese.stdout)["findings"]
    assert [r["message"] for r in en_rows] == [str(f.message) for f in findings]
    assert [r["message"] for r in ja_rows] == [localize(f.message, JA) for f in findings]
    # machine values stay as they are; only the texts change
    assert [(r["rule"], r["severity"]) for r in ja_rows] == [(r["rule"], r["severity"]) for r in en_rows]
    assert any(not m.isascii() for m in (r["message"] for r in ja_rows))
    assert json.loads(japanese.stdout)["reasons"] != json.loads(english.stdout)["reasons"]


def test_diff_titles_and_texts_in_japanese_and_english_by_default() -> None:
    ja = runner.invoke(app, ["diff", str(EXAMPLE), "--format", "markdown", "--lang", "ja"])
    en = runner.invoke(app, ["diff", str(EXAMPLE), "--format", "markdown"])
    assert ja.exit_code == 0 and en.exit_code == 0, ja.output
    assert "## " + JA("per-year totals (difference = TOTAL of the changes)") in ja.stdout
    assert "## per-year totals (difference = TOTAL of the changes)" in en.stdout
    # the numbers are the same whatever the language
    def numbers(text: str) -> list[str]:
        return [c for line in text.splitlines() if line.startswith("|")
                for c in line.split("|") if c.strip().replace(",", "").replace(".", "").lstrip("-").isdigit()]
    assert numbers(ja.stdout) == numbers(en.stdout)


def test_metrics_title_in_japanese() -> None:
    result = runner.invoke(app, ["metrics", str(EXAMPLE / "as-is.yaml"), "--lang", "ja",
                                 "--format", "markdown"])
    assert result.exit_code == 0, result.output
    volume = load_procedure(EXAMPLE / "as-is.yaml").annual_volume
    assert f"年{volume:g}件" in result.stdout.splitlines()[0]


@pytest.mark.parametrize("command", ["check", "metrics"])
def test_an_unknown_language_is_refused(command: str) -> None:
    result = runner.invoke(app, [command, str(EXAMPLE / "as-is.yaml"), "--lang", "fr"])
    assert result.exit_code == 2
    assert "'fr'" in result.output and "ja" in result.output

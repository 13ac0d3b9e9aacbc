"""Property: any text as a name, brackets, control characters and formula starts included,
goes through the terminal output of ``show`` and ``metrics`` and the CSV and XLSX writers
without an error, shown escaped and never as a formula (bpr.render.text.visible,
bpr.cli.spreadsheet.neutralise)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpr.cli.output import Format, render
from bpr.cli.spreadsheet import FORMULA_STARTS, write_csv, write_xlsx
from bpr.render.text import visible
from tests.bpr.render.test_output_files import run
from tests.conftest import LONG_RUN, MINIMAL

SPECIAL = list("[]/=+-@ \t\r\n\x00\x07\x08\x1b\x7f\x9b\u202e\u2066\u2028申")
NAMES = st.text(alphabet=st.one_of(st.sampled_from(SPECIAL),
                                   st.characters(blacklist_categories=("Cs",))),
                min_size=1, max_size=12)
EXAMPLES = 1_000 if LONG_RUN else 40
RAW_CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _squeezed(text: str) -> str:
    return re.sub(r"\s", "", text)


@settings(max_examples=EXAMPLES, deadline=None)
@given(name=NAMES)
def test_any_name_renders_escaped(name: str) -> None:
    rows = [{"step": name, "hours": 1.5}]
    for fmt in (Format.TABLE, Format.MARKDOWN):
        text = render(rows, fmt, title=name)
        assert not RAW_CONTROLS.search(text), (fmt, text)
        assert _squeezed(visible(name)) in _squeezed(text)
    assert json.loads(render(rows, Format.JSON)) == rows
    read = list(csv.reader(io.StringIO(render(rows, Format.CSV), newline="")))
    shown = "'" + name if name.startswith(FORMULA_STARTS) else name
    assert read[1] == [shown.replace("\r\n", "\n").replace("\r", "\n"), "1.5"]


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=NAMES)
def test_any_name_is_a_text_cell_in_csv_and_xlsx(tmp_path: Path, name: str) -> None:
    rows = [{"name": name, "volume": -3, "score": 1.25}]
    expected = "'" + name if name.startswith(FORMULA_STARTS) else name
    write_csv(rows, ["name", "volume", "score"], tmp_path / "r.csv")
    with open(tmp_path / "r.csv", encoding="utf-8-sig", newline="") as handle:
        read = list(csv.reader(handle))
    assert read[1] == [expected, "-3", "1.25"]
    write_xlsx([("ranking", rows, ["name", "volume", "score"])], tmp_path / "r.xlsx")
    cells = next(openpyxl.load_workbook(tmp_path / "r.xlsx").active.iter_rows(min_row=2))
    assert [c.data_type for c in cells] == ["s", "n", "n"]
    assert cells[0].value == re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", lambda m: visible(m.group()),
                                    expected)
    assert [c.value for c in cells[1:]] == [-3, 1.25]


@settings(max_examples=EXAMPLES // 2, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=NAMES)
def test_any_step_name_goes_through_show_and_metrics(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        name: str) -> None:
    model = tmp_path / "m.yaml"
    quoted = json.dumps(name)  # a YAML double-quoted scalar
    model.write_text(MINIMAL.replace("name: 最小の手続", f"name: {quoted}")
                     .replace("name: 申請書を書く", f"name: {quoted}"), encoding="utf-8")
    for command in ("show", "metrics"):
        code, out, err = run([command, str(model)], capsys, monkeypatch)
        assert "Traceback" not in err
        assert not RAW_CONTROLS.search(out + err), (command, out, err)
        if code == 0:
            assert _squeezed(visible(name)) in _squeezed(out)
        else:
            assert code == 1 and err.count("\n") >= 1  # refused by the reader, located

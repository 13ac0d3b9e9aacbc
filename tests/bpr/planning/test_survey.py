"""National survey: reading CSV (UTF-8, CP932) and Parquet by column name, parsing coded
and multi-valued cells, unknown counts, filters and the friction score."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpr.planning.survey import (
    SurveyError,
    filter_survey,
    label,
    parse_count,
    parse_survey,
    rank_survey,
    read_survey,
    split_values,
)
from bpr.planning.weights import SurveyWeights

# Headers as in the survey; 処理期間（オンライン） is written with full-width parentheses
# and the columns are in a different order, to show they are found by name.
HEADER = ["手続名", "手続ID", "所管府省庁", "手続の受け手", "オンライン化の実施状況",
          "申請等における本人確認手法", "総手続件数", "オンライン手続件数", "非オンライン手続件数",
          "申請時に添付させる書類", "添付書類等提出の撤廃／省略状況", "手続が行われるイベント（個人）",
          "処理期間（オンライン）"]
ROWS = [
    # seal with certificate (3) + 2 attachments (2 × 0.5) + not droppable (1) = friction 5
    ["転入届", "1", "総務省", "3 地方等", "2 未実施", "1 押印＋印鑑証明", "1,000", "0", "1,000",
     "住民票; 戸籍", "3 撤廃・省略不可", "引越し; 結婚・離婚", "1月"],
    # no friction, more volume
    ["住民票の写しの交付請求", "2", "総務省", "3 地方等", "1 実施済", "6 本人確認不要", "5000",
     "1000", "4000", "添付書類なし", "", "その他イベント(個人)", ""],
    # unknown counts (empty and "-"): ranked after every known one
    ["介護保険の申請", "3", "厚生労働省", "3 地方等", "2 未実施", "2 押印; 3 署名", "", "", "-",
     "その他の添付書類", "", "介護", ""],
    # a national procedure and a mixed receiver: filtered out by 地方等
    ["旅券の申請", "4", "外務省", "1 国", "2 未実施", "3 署名", "100", "0", "100", "戸籍", "", "", ""],
    ["国又は地方の届出", "5", "総務省", "4-3 国又は地方等", "2 未実施", "", "10", "0", "10", "",
     "", "引越し", ""],
    # all three counts 0: unknown by default (the Parquet conversion's missing counts)
    ["めったにない届出", "6", "総務省", "3 地方等", "2 未実施", "2 押印", "0", "0", "0", "", "",
     "", ""],
]


def _csv(tmp_path: Path, encoding: str, rows: list[list[str]] = ROWS,
         header: list[str] = HEADER) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / f"survey-{encoding}.csv"
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


@pytest.fixture
def survey_csv(tmp_path: Path) -> Path:
    return _csv(tmp_path, "utf-8-sig")


def test_utf8_and_cp932_read_the_same(tmp_path: Path, survey_csv: Path) -> None:
    utf8 = parse_survey(read_survey(survey_csv))
    cp932 = parse_survey(read_survey(_csv(tmp_path, "cp932")))
    plain = parse_survey(read_survey(_csv(tmp_path, "utf-8")))
    assert utf8 == cp932 == plain
    assert [p.id for p in utf8] == ["1", "2", "3", "4", "5", "6"]


def test_published_csv_layout_with_a_row_of_column_numbers(tmp_path: Path,
                                                            survey_csv: Path) -> None:
    # The Digital Agency's CSV has two header rows: column numbers, then names.
    numbered = _csv(tmp_path, "utf-8-sig", rows=[HEADER, *ROWS],
                    header=[str(i) for i in range(1, len(HEADER) + 1)])
    assert parse_survey(read_survey(numbered)) == parse_survey(read_survey(survey_csv))


def test_small_parquet_by_column_name_with_null_counts(tmp_path: Path, survey_csv: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns: dict[str, list[Any]] = {name: [row[i] or None for row in ROWS]
                                     for i, name in enumerate(HEADER)}
    for count in ("総手続件数", "オンライン手続件数", "非オンライン手続件数"):
        columns[count] = [None if v in (None, "-") else int(v.replace(",", ""))
                          for v in columns[count]]
    table = pa.table({k: pa.array(v) for k, v in columns.items()})
    table = table.set_column(table.column_names.index("手続の受け手"), "手続の受け手",
                             table.column("手続の受け手").dictionary_encode())
    path = tmp_path / "survey.parquet"
    pq.write_table(table, path)
    from_parquet = parse_survey(read_survey(path))
    from_csv = parse_survey(read_survey(survey_csv))
    assert [(p.id, p.receiver, p.non_online, p.identity, p.events) for p in from_parquet] == \
        [(p.id, p.receiver, p.non_online, p.identity, p.events) for p in from_csv]
    assert from_parquet[2].non_online is None            # a null count is unknown


def test_cells_are_parsed(survey_csv: Path) -> None:
    first, second, third, *_, rare = parse_survey(read_survey(survey_csv))
    assert first.name == "転入届" and first.receiver == "3 地方等"
    assert (first.total, first.online, first.non_online) == (1000, 0, 1000)
    assert first.identity == ("1 押印＋印鑑証明",)
    assert first.attachments == ("住民票", "戸籍") and first.attachment_count == 2
    assert first.not_droppable
    assert first.events == ("引越し", "結婚・離婚")
    assert second.attachment_count == 0 and not second.not_droppable
    assert third.identity == ("2 押印", "3 署名")
    assert (third.total, third.online, third.non_online) == (None, None, None)
    assert (rare.total, rare.online, rare.non_online) == (None, None, None)


def test_all_zero_counts_can_be_read_as_zero(survey_csv: Path) -> None:
    rare = parse_survey(read_survey(survey_csv), zero_counts_unknown=False)[-1]
    assert (rare.total, rare.online, rare.non_online) == (0, 0, 0)


def test_filters_by_receiver_label_ministry_and_event(survey_csv: Path) -> None:
    procedures = parse_survey(read_survey(survey_csv))
    local = filter_survey(procedures, receiver="地方等")
    assert [p.id for p in local] == ["1", "2", "3", "6"]      # not "4-3 国又は地方等"
    assert [p.id for p in filter_survey(procedures, receiver="3 地方等")] == ["1", "2", "3", "6"]
    assert [p.id for p in filter_survey(procedures, ministry="厚生労働省")] == ["3"]
    assert [p.id for p in filter_survey(procedures, life_event="引越し")] == ["1", "5"]
    assert [p.id for p in filter_survey(procedures, receiver="地方等", life_event="引越し")] == ["1"]


def test_rank_by_non_online_volume_and_friction(survey_csv: Path) -> None:
    local = filter_survey(parse_survey(read_survey(survey_csv)), receiver="地方等")
    ranked = rank_survey(local, SurveyWeights())
    assert [r.procedure.id for r in ranked] == ["1", "2", "3", "6"]
    first = ranked[0]
    assert first.identity_friction == 3 and first.attachment_friction == 2
    assert first.score == 1000 * (1 + 5)          # beats 4000 × 1 of the next row
    assert ranked[1].score == 4000
    # unknown counts: no score, last, ordered by friction (押印+署名 3.5 before 押印 2)
    assert (ranked[2].score, ranked[3].score) == (None, None)
    assert ranked[2].friction == 2 + 1 + 0.5 and ranked[3].friction == 2
    assert [r.rank for r in ranked] == [1, 2, 3, 4]
    assert [r.procedure.id for r in rank_survey(local, SurveyWeights(), top=2)] == ["1", "2"]


def test_weights_change_the_order(survey_csv: Path) -> None:
    local = filter_survey(parse_survey(read_survey(survey_csv)), receiver="地方等")
    flat = SurveyWeights(seal_with_certificate=0, per_attachment=0, attachments_not_droppable=0)
    assert [r.procedure.id for r in rank_survey(local, flat)][:2] == ["2", "1"]


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    path = _csv(tmp_path, "utf-8", rows=[], header=["手続ID", "手続名", "手続の受け手"])
    with pytest.raises(SurveyError, match=r"missing column.*非オンライン手続件数"):
        read_survey(path)


def test_bad_count_names_the_procedure(tmp_path: Path) -> None:
    rows = [[*ROWS[0][:8], "たくさん", *ROWS[0][9:]]]
    path = _csv(tmp_path, "utf-8", rows=rows)
    with pytest.raises(SurveyError) as info:
        parse_survey(read_survey(path))
    assert str(info.value) == (f"{path}:2: procedure 1: column 非オンライン手続件数: not a count: "
                               "'たくさん' (not a number)")


def _with_count(row: list[str], column: int, value: str) -> list[str]:
    return [*row[:column], value, *row[column + 1:]]


def test_every_bad_count_is_reported_with_its_line_and_column(tmp_path: Path) -> None:
    # Line 1 is the header; the second row's name spans two lines, so the third row
    # starts on line 5.
    rows = [_with_count(ROWS[0], 8, "inf"),
            _with_count(["住民票の写しの\n交付請求", *ROWS[1][1:]], 6, "-5"),
            _with_count(_with_count(ROWS[3], 8, "3.7"), 7, "1e400")]
    path = _csv(tmp_path, "utf-8", rows=rows)
    with pytest.raises(SurveyError) as info:
        parse_survey(read_survey(path))
    assert str(info.value).splitlines() == [
        f"{path}:2: procedure 1: column 非オンライン手続件数: not a count: 'inf' (not a finite number)",
        f"{path}:3: procedure 2: column 総手続件数: not a count: '-5' (negative)",
        f"{path}:5: procedure 4: column オンライン手続件数: not a count: '1e400' "
        "(over 1,000,000,000,000, the largest count read)",
        f"{path}:5: procedure 4: column 非オンライン手続件数: not a count: '3.7' (not a whole number)",
    ]


def test_bad_counts_in_parquet_name_the_row(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {name: [row[i] for row in ROWS[:3]] for i, name in enumerate(HEADER)}
    columns["非オンライン手続件数"] = [1000.0, -1.0, float("nan")]  # nan: missing, unknown
    path = tmp_path / "survey.parquet"
    pq.write_table(pa.table(columns), path)
    with pytest.raises(SurveyError) as info:
        parse_survey(read_survey(path))
    assert str(info.value) == (f"{path}: row 1: procedure 2: column 非オンライン手続件数: not a "
                               "count: -1.0 (negative)")


def test_a_survey_without_rows_says_so(tmp_path: Path) -> None:
    path = _csv(tmp_path, "utf-8", rows=[])
    with pytest.raises(SurveyError) as info:
        read_survey(path)
    assert str(info.value) == f"{path}: the survey has no procedure rows (only the header)"


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(SurveyError, match="cannot read the survey"):
        read_survey(tmp_path / "none.csv")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x81\x00\xff\xfe" * 4)
    with pytest.raises(SurveyError, match="not UTF-8 or CP932"):
        read_survey(bad)


def test_cell_helpers() -> None:
    assert label("3 地方等") == "地方等" and label("4-3 国又は地方等") == "国又は地方等"
    assert label("添付書類なし") == "添付書類なし"
    assert split_values("住民票; 戸籍;") == ("住民票", "戸籍")
    assert split_values(None) == () and split_values("") == ()
    assert parse_count("1,234") == 1234 and parse_count(7) == 7 and parse_count(3.0) == 3
    assert parse_count("不明") is None and parse_count(float("nan")) is None
    with pytest.raises(ValueError, match="not a count"):
        parse_count("abc")


@pytest.mark.parametrize(("cell", "count"), [
    ("1,000", 1000), ("１０００", 1000), ("1e3", 1000), ("3.0", 3), (3.0, 3), (0, 0), ("0", 0),
    ("99999999999", 99_999_999_999), ("", None), ("-", None), (float("nan"), None),
])
def test_counts_are_whole_numbers(cell: object, count: int | None) -> None:
    assert parse_count(cell) == count


@pytest.mark.parametrize(("cell", "why"), [
    ("3.7", "not a whole number"), (3.7, "not a whole number"), ("-5", "negative"),
    (-5, "negative"), ("inf", "not a finite number"), (float("inf"), "not a finite number"),
    ("abc", "not a number"), (True, "a boolean"),
    ("99999999999999999999999", "over 1,000,000,000,000, the largest count read"),
])
def test_other_counts_are_refused_with_the_reason(cell: object, why: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_count(cell)
    assert str(info.value) == f"not a count: {cell!r} ({why})"


def test_real_survey_parquet(shared_dir: Path) -> None:
    path = shared_dir / "data" / "procedures-survey" / "procedures_data.parquet"
    procedures = parse_survey(read_survey(path))
    assert len(procedures) == 75_071                      # the data README's figure
    local = filter_survey(procedures, receiver="地方等")
    assert len(local) == 10_273                           # the data README's figure
    ranked = rank_survey(local, SurveyWeights(), top=20)
    assert len(ranked) == 20
    assert all(r.score is not None and r.procedure.non_online for r in ranked)
    scores = [r.score or 0.0 for r in ranked]
    assert scores == sorted(scores, reverse=True)
    assert any(len(p.identity) > 1 for p in procedures)   # multi-valued cells are split
    assert any(p.non_online is None for p in local)       # all-zero counts read as unknown


# --------------------------------------------------------------------------- refused, located

_HEAD = "手続名,手続ID,手続の受け手,非オンライン手続件数\n"


@pytest.mark.parametrize(("text", "message"), [
    (_HEAD + "転入届,1,3 地方等,1\n旅券,2,1 国,\x003\n",
     ":3:10: NUL byte: not a CSV text file"),
    (_HEAD + '転入届,1,3 地方等,1\n"旅券,2,1 国,3\n婚姻届,3,3 地方等,4\n',
     ":3: the record starting on this line is not valid CSV (unexpected end of data)"),
    (_HEAD.replace("\n", ",手続ID\n") + "転入届,1,3 地方等,1,9\n",
     ":1: column 手続ID appears twice (columns 2 and 5); a value would be lost"),
])
def test_a_csv_that_would_lose_values_is_refused_located(tmp_path: Path, text: str,
                                                          message: str) -> None:
    path = tmp_path / "survey.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SurveyError) as caught:
        read_survey(path)
    assert str(caught.value).startswith(f"{path}{message}")


def test_headers_alike_once_normalised_count_as_twice(tmp_path: Path) -> None:
    path = _csv(tmp_path, "utf-8", header=[*HEADER, "手続が行われるイベント(個人)"],
                rows=[[*r, ""] for r in ROWS])
    with pytest.raises(SurveyError, match=r"column 手続が行われるイベント\(個人\) appears twice"):
        read_survey(path)


# --------------------------------------------------------------------------- never a traceback

_CELLS = st.sampled_from(["", "1,000", "-", "不明", "３０", "1e3", "-5", "nan", '"', '""', "\n",
                          "3 地方等", "\x00", "手続ID"]) | st.text(max_size=6)


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_CELLS, max_size=6), max_size=6),
       header=st.lists(st.sampled_from([*HEADER, "手続ID", ""]), max_size=8),
       raw=st.binary(max_size=120), encoding=st.sampled_from(["utf-8", "cp932", "utf-16"]),
       quoted=st.booleans())
def test_any_csv_or_bytes_give_a_survey_error_or_rows(tmp_path: Path, rows: list[list[str]],
                                                      header: list[str], raw: bytes,
                                                      encoding: str, quoted: bool) -> None:
    buf = io.StringIO()
    if quoted:
        csv.writer(buf).writerows([header, *rows])
    else:  # cells as they are: stray quotes, line breaks and commas included
        buf.write("\n".join(",".join(row) for row in [header, *rows]))
    for name, content in (("s.csv", buf.getvalue().encode(encoding, errors="replace")),
                          ("r.csv", raw), ("r.parquet", raw)):
        path = tmp_path / name
        path.write_bytes(content)
        try:
            procedures = parse_survey(read_survey(path))
        except SurveyError as error:
            assert str(error).startswith(str(path))
        else:
            assert all(p.non_online is None or p.non_online >= 0 for p in procedures)

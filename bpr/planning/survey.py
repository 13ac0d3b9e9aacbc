"""The Digital Agency's national procedures survey (行政手続等の悉皆調査), ranked.

:func:`read_survey` reads the survey's CSV (UTF-8, with or without BOM, or CP932) or its
Parquet conversion, by column name (headers are NFKC-normalised, so full-width and ASCII
parentheses are alike; in a CSV, rows above the header, such as the published file's row
of column numbers, are skipped). :func:`parse_survey` turns rows into :class:`SurveyProcedure`
records; :func:`rank_survey` scores them, purely::

    friction = Σ identity-method weights + per_attachment × attachments
               + attachments_not_droppable × [3 撤廃・省略不可]
    score    = non-online count × (1 + friction)

Values are kept as written; coded values such as ``"3 地方等"`` match by their label
(``地方等``), NFKC-normalised; multi-valued cells are split on ``;``. A count cell that
is empty, ``-`` or ``不明`` is unknown (``None``), never zero; and since the Parquet
conversion stores missing counts as 0, a row whose three counts are all 0 is unknown too
unless ``zero_counts_unknown=False``. Rows with an unknown non-online count have no score
and rank after every scored row, by friction.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from bpr.errors import TetsuzukiError
from bpr.planning.weights import SurveyWeights

__all__ = [
    "COLUMNS",
    "MAX_COUNT",
    "REQUIRED_COLUMNS",
    "SurveyError",
    "SurveyProcedure",
    "SurveyRanked",
    "SurveyRow",
    "filter_survey",
    "label",
    "parse_count",
    "parse_survey",
    "rank_survey",
    "read_survey",
    "split_values",
]

COLUMNS: dict[str, str] = {
    "id": "手続ID",
    "ministry": "所管府省庁",
    "name": "手続名",
    "law": "法令名",
    "article": "根拠条項号",
    "receiver": "手続の受け手",
    "online_status": "オンライン化の実施状況",
    "identity": "申請等における本人確認手法",
    "total": "総手続件数",
    "online": "オンライン手続件数",
    "non_online": "非オンライン手続件数",
    "attachments": "申請時に添付させる書類",
    "attachment_status": "添付書類等提出の撤廃/省略状況",
    "events": "手続が行われるイベント(個人)",
}
"""Field of :class:`SurveyProcedure` → the survey's column header (NFKC form)."""

REQUIRED_COLUMNS = ("手続ID", "手続名", "手続の受け手", "非オンライン手続件数")
"""Columns without which the survey cannot be ranked."""

NO_ATTACHMENT = "添付書類なし"
NOT_DROPPABLE = "撤廃・省略不可"
_UNKNOWN = {"", "-", "－", "―", "ー", "不明", "nan", "None", "null", "NA", "N/A"}
_CODE = re.compile(r"^\s*[0-9０-９]+(?:-[0-9]+)?\s+")
_IDENTITY = {unicodedata.normalize("NFKC", k): v for k, v in {
    "押印＋印鑑証明": "seal_with_certificate", "押印": "seal", "署名": "signature",
    "本人確認書類の提示・提出": "identity_document", "その他": "other_identity"}.items()}


class SurveyError(TetsuzukiError):
    """The survey file cannot be read or lacks a required column."""


class SurveyRow(dict[str, Any]):
    """One row of the survey keyed by column header, with where it was read
    (``where``: ``survey.csv:12`` for a CSV line, ``survey.parquet: row 11`` for the
    0-based row of a Parquet table; empty for rows built in code)."""

    where: str = ""

    @classmethod
    def at(cls, where: str, cells: Iterable[tuple[str, Any]]) -> SurveyRow:
        row = cls(cells)
        row.where = where
        return row


@dataclasses.dataclass(frozen=True)
class SurveyProcedure:
    """One procedure of the survey, parsed.

    Counts are ``None`` when unknown. Coded values keep their full text (``"3 地方等"``);
    multi-valued cells are tuples.
    """

    id: str
    ministry: str
    name: str
    law: str
    article: str
    receiver: str
    online_status: str
    identity: tuple[str, ...]
    total: int | None
    online: int | None
    non_online: int | None
    attachments: tuple[str, ...]
    attachment_status: str
    events: tuple[str, ...]

    @property
    def attachment_count(self) -> int:
        """Kinds of attachment listed (``添付書類なし`` is none)."""
        return sum(1 for a in self.attachments if label(a) != NO_ATTACHMENT)

    @property
    def not_droppable(self) -> bool:
        """Attachments cannot be dropped (``3 撤廃・省略不可``)."""
        return label(self.attachment_status) == NOT_DROPPABLE


@dataclasses.dataclass(frozen=True)
class SurveyRanked:
    """A ranked survey procedure with the terms of its score.

    Attributes:
        rank: 1 for the best; unknown-volume rows come after all scored rows.
        procedure: the parsed record.
        identity_friction: Σ weights of its identity methods.
        attachment_friction: per-attachment and not-droppable terms.
        friction: the sum of both.
        score: non-online count × (1 + friction), ``None`` when the count is unknown.
    """

    rank: int
    procedure: SurveyProcedure
    identity_friction: float
    attachment_friction: float
    friction: float
    score: float | None


# --------------------------------------------------------------------------- cells


def label(value: str) -> str:
    """The label of a coded value, NFKC-normalised: ``"3 地方等"`` → ``"地方等"``."""
    return _CODE.sub("", unicodedata.normalize("NFKC", value)).strip()


def split_values(value: Any) -> tuple[str, ...]:
    """A multi-valued cell as a tuple (split on ``;``, also full-width; empty parts dropped)."""
    if value is None:
        return ()
    return _split(str(value))


@functools.lru_cache(maxsize=4096)
def _split(text: str) -> tuple[str, ...]:
    # survey cells repeat a few hundred distinct values over 75,000 rows
    parts = (p.strip() for p in re.split(r"[;；\n]", text))
    return tuple(p for p in parts if p and p not in _UNKNOWN)


MAX_COUNT = 10**12
"""Largest count read: a trillion a year is far above any procedure's national total (the
largest 総手続件数 of the survey is about 340 million)."""


def parse_count(value: Any) -> int | None:
    """A count cell as a non-negative whole number, ``None`` when unknown.

    Accepts ints, whole floats (``3.0``), and text with thousands separators (``"1,234"``),
    full-width digits or an exponent (``"1e3"``); empty, ``-``, ``不明`` and a float NaN
    (a missing Parquet value) are unknown.

    Raises:
        ValueError: ``not a count: <value> (<why>)``: not a number, negative, not a whole
            number, not finite, or over :data:`MAX_COUNT`.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a count: {value!r} (a boolean)")
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, int | float):
        number = Decimal(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
        if text in _UNKNOWN:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not a count: {value!r} (not a number)") from None
    if not number.is_finite():
        raise ValueError(f"not a count: {value!r} (not a finite number)")
    if number < 0:
        raise ValueError(f"not a count: {value!r} (negative)")
    if number != number.to_integral_value():
        raise ValueError(f"not a count: {value!r} (not a whole number)")
    if number > MAX_COUNT:
        raise ValueError(f"not a count: {value!r} (over {MAX_COUNT:,}, the largest count read)")
    return int(number)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


# --------------------------------------------------------------------------- reading


def _normalise_header(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(name)))


_HEADER_SCAN = 10


def _find_header(reader: Iterator[list[str]]) -> list[str]:
    """The normalised header: the first of the first rows naming the required columns.

    The Digital Agency's CSV has two header rows (column numbers, then names); rows before
    the names are skipped. The reader is left at the first data row. When no row names
    them all, the row naming most of them (the first row on a tie) is returned, for the
    error message.
    """
    best: list[str] = []
    best_count = -1
    for _, row in zip(range(_HEADER_SCAN), reader, strict=False):
        names = [_normalise_header(n) for n in row]
        count = sum(1 for c in REQUIRED_COLUMNS if c in names)
        if count == len(REQUIRED_COLUMNS):
            return names
        if count > best_count:
            best, best_count = names, count
    return best


def _decode(data: bytes, file: str) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SurveyError(f"{file}: not UTF-8 or CP932 text")


def _refuse_nul(text: str, file: Path) -> None:
    at = text.find("\x00")
    if at >= 0:
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        raise SurveyError(f"{file}:{line}:{column}: NUL byte: not a CSV text file (a binary "
                          "file, or UTF-16? save it as UTF-8 or CP932 CSV)")


def _refuse_duplicates(names: list[str], where: str) -> None:
    """Two columns of one name: a row would keep only the last one's value."""
    first: dict[str, int] = {}
    for number, name in enumerate(names, 1):
        if not name:
            continue
        if name in first:
            raise SurveyError(f"{where}: column {name} appears twice (columns {first[name]} and "
                              f"{number}); a value would be lost: rename or remove one")
        first[name] = number


def read_survey(path: str | Path) -> list[SurveyRow]:
    """Read the survey file into rows keyed by NFKC-normalised column header.

    Args:
        path: a ``.parquet`` file, or a CSV file in UTF-8 (BOM optional) or CP932.

    Returns:
        One :class:`SurveyRow` (a dict) per procedure row, with where it was read (for
        Parquet, only the columns of :data:`COLUMNS`).

    Raises:
        SurveyError: the file cannot be read, has no rows, or a column of
            :data:`REQUIRED_COLUMNS` is missing (the message lists the columns found; for a
            CSV, no row among the first 10 names them all); a column name appears twice;
            a CSV holds a NUL byte or a quote that is never closed (located by line, and
            column for the NUL).
    """
    file = Path(path)
    try:
        if file.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            wanted = set(COLUMNS.values())
            schema_names = pq.read_schema(file).names
            table = pq.read_table(file, columns=[n for n in schema_names
                                                 if _normalise_header(n) in wanted])
            names = [_normalise_header(n) for n in table.column_names]
            _refuse_duplicates(names, str(file))
            rows: list[SurveyRow] = [SurveyRow.at(f"{file}: row {i}", zip(names, values, strict=True))
                                                  for i, values in enumerate(zip(
                                                      *(table.column(i).to_pylist()
                                                        for i in range(table.num_columns)),
                                                      strict=True))]
        else:
            text = _decode(file.read_bytes(), str(file))
            _refuse_nul(text, file)
            # strict: a quote that is never closed is an error, not the rest of the file
            # read into one cell.
            reader = csv.reader(io.StringIO(text, newline=""), strict=True)
            line = 1  # the first line of the next record
            try:
                names = _find_header(reader)
                _refuse_duplicates(names, f"{file}:{reader.line_num}")
                rows = []
                line = reader.line_num + 1
                for r in reader:
                    if any(c.strip() for c in r):
                        rows.append(SurveyRow.at(f"{file}:{line}", zip(names, r, strict=False)))
                    line = reader.line_num + 1
            except csv.Error as exc:
                raise SurveyError(f"{file}:{line}: the record starting on this line is not "
                                  f"valid CSV ({exc}): is a quote (\") never closed?") from None
    except OSError as exc:
        raise SurveyError(f"{file}: cannot read the survey: {exc.strerror or exc}") from None
    except SurveyError:
        raise
    except Exception as exc:  # pyarrow and csv raise many kinds; say which file
        raise SurveyError(f"{file}: cannot read the survey: {exc}") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise SurveyError(f"{file}: missing column(s) {', '.join(missing)}; found: "
                          f"{', '.join(names[:40])}")
    if not rows:
        raise SurveyError(f"{file}: the survey has no procedure rows (only the header)")
    return rows


def parse_survey(rows: Iterable[Mapping[str, Any]], *,
                 zero_counts_unknown: bool = True) -> list[SurveyProcedure]:
    """Parse survey rows (keyed by column header) into records.

    Args:
        rows: e.g. from :func:`read_survey`; missing optional columns read as empty.
        zero_counts_unknown: read a row whose total, online and non-online counts are all
            0 as unknown (the Parquet conversion stores missing counts as 0).

    Returns:
        One record per row, in order.

    Raises:
        SurveyError: a count cell is not a count; every bad cell (up to 20) is listed with
            where the row was read (CSV line or Parquet row), the procedure id and column.
    """
    parsed: list[SurveyProcedure] = []
    errors: list[str] = []
    for row in rows:
        def cell(key: str, row: Mapping[str, Any] = row) -> Any:
            return row.get(COLUMNS[key])

        counts: dict[str, int | None] = {}
        for key in ("total", "online", "non_online"):
            try:
                counts[key] = parse_count(cell(key))
            except ValueError as exc:
                where = getattr(row, "where", "")
                errors.append(f"{where + ': ' if where else ''}procedure {_text(cell('id'))}: "
                              f"column {COLUMNS[key]}: {exc}")
                counts[key] = None
        if zero_counts_unknown and all(counts[k] == 0 for k in counts):
            counts = dict.fromkeys(counts)
        parsed.append(SurveyProcedure(
            id=_text(cell("id")), ministry=_text(cell("ministry")), name=_text(cell("name")),
            law=_text(cell("law")), article=_text(cell("article")),
            receiver=_text(cell("receiver")), online_status=_text(cell("online_status")),
            identity=split_values(cell("identity")), total=counts["total"],
            online=counts["online"], non_online=counts["non_online"],
            attachments=split_values(cell("attachments")),
            attachment_status=_text(cell("attachment_status")),
            events=split_values(cell("events"))))
    if errors:
        more = len(errors) - _MAX_ERRORS
        raise SurveyError("\n".join(errors[:_MAX_ERRORS])
                          + (f"\n... and {more} more bad count cells" if more > 0 else ""))
    return parsed


_MAX_ERRORS = 20
"""Bad count cells listed in one error (a wrong column can make every row bad)."""


# --------------------------------------------------------------------------- ranking


def _matches(value: str, wanted: str) -> bool:
    normal = unicodedata.normalize("NFKC", wanted).strip()
    return unicodedata.normalize("NFKC", value) == normal or label(value) == label(normal)


def filter_survey(procedures: Iterable[SurveyProcedure], *, receiver: str | None = None,
                  ministry: str | None = None, life_event: str | None = None
                  ) -> list[SurveyProcedure]:
    """Keep the procedures matching every filter given.

    Args:
        procedures: parsed records.
        receiver: 手続の受け手, by label (``地方等``) or full value (``3 地方等``); exact, so
            ``地方等`` does not match ``4-3 国又は地方等``.
        ministry: 所管府省庁, exact.
        life_event: one of the values of 手続が行われるイベント(個人), exact.

    Returns:
        The matching records, in order.
    """
    kept: list[SurveyProcedure] = []
    for p in procedures:
        if receiver is not None and not _matches(p.receiver, receiver):
            continue
        if ministry is not None and not _matches(p.ministry, ministry):
            continue
        if life_event is not None and not any(_matches(e, life_event) for e in p.events):
            continue
        kept.append(p)
    return kept


def _identity_friction(procedure: SurveyProcedure, weights: SurveyWeights) -> float:
    total = 0.0
    for method in procedure.identity:
        field = _IDENTITY.get(label(method))
        if field is not None:
            total += float(getattr(weights, field))
    return total


def rank_survey(procedures: Iterable[SurveyProcedure], weights: SurveyWeights,
                top: int | None = None) -> list[SurveyRanked]:
    """Score and order survey procedures: by score, unknown counts last (by friction).

    Args:
        procedures: parsed (and filtered) records.
        weights: the friction weights.
        top: keep only the first ``top`` rows.

    Returns:
        Ranked rows; ties by procedure id.
    """
    rows: list[SurveyRanked] = []
    for p in procedures:
        identity = _identity_friction(p, weights)
        attach = (weights.per_attachment * p.attachment_count
                  + (weights.attachments_not_droppable if p.not_droppable else 0.0))
        friction = identity + attach
        value = None if p.non_online is None else p.non_online * (1 + friction)
        rows.append(SurveyRanked(0, p, identity, attach, friction, value))
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0.0), -r.friction,
                             _id_key(r.procedure.id)))
    ranked = [dataclasses.replace(r, rank=i) for i, r in enumerate(rows, start=1)]
    return ranked[:top] if top is not None else ranked


def _id_key(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (1 << 62, value)

"""The catalog of procedures: ``procedures/catalog.yaml``.

The catalog lists the procedures of the national list (自治体DX推進計画 対象手続一覧) with
their official name, category, level of government, legal basis, the life events that
trigger them, and their annual volume in a reference municipality with the source of that
figure. Each entry points at a folder holding ``as-is.yaml`` and ``to-be.yaml``.

:func:`load_catalog` reads the built-in catalog (through :mod:`importlib.resources`, so it
works from a wheel and from an editable install) or any catalog file, and reports every
problem with file, line, column, field, the bad value and a "did you mean ...?" hint, as
:func:`bpr.model.load.load_procedure` does for model files.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from enum import StrEnum
from importlib.resources import files
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bpr.errors import InvalidModelError, Problem
from bpr.model.files import read_text_limited
from bpr.model.load import MAX_FILE_BYTES, Located, pydantic_message, read_yaml, suggest
from models.procedure import MAX_ANNUAL_VOLUME, Category, Source

__all__ = [
    "AS_IS_FILE",
    "CATALOG_FILE",
    "TO_BE_FILE",
    "Catalog",
    "CatalogEntry",
    "Level",
    "LifeEvent",
    "builtin_root",
    "catalog_versions",
    "load_catalog",
    "load_catalog_text",
]

CATALOG_FILE = "catalog.yaml"
"""Name of the catalog file in the procedures folder."""
AS_IS_FILE = "as-is.yaml"
"""Name of the as-is version file in a procedure folder."""
TO_BE_FILE = "to-be.yaml"
"""Name of the to-be version file in a procedure folder."""

_ASSUMPTION = ("assumption:", "仮定:")
"""Prefixes of a volume that is an assumption (English, or Japanese for the report's reader)."""


class Level(StrEnum):
    """Level of government that handles the procedure."""

    MUNICIPAL = "municipal"
    PREFECTURAL = "prefectural"


class LifeEvent(StrEnum):
    """Life events that trigger procedures (the catalog's fixed vocabulary).

    Procedures sharing a life event are candidates for a connected one-stop service.
    """

    PREGNANCY = "pregnancy"
    BIRTH = "birth"
    MOVING_IN = "moving-in"
    MOVING_OUT = "moving-out"
    NAME_CHANGE = "name-change"
    NURSERY_ENTRY = "nursery-entry"
    SCHOOL = "school"
    INCOME_CHANGE = "income-change"
    DEATH = "death"
    TURNING_65 = "turning-65"
    NEEDING_CARE = "needing-care"
    CARE_AT_HOME = "care-at-home"
    DISASTER = "disaster"
    CAR_PURCHASE = "car-purchase"
    CAR_CHANGE = "car-change"


class CatalogEntry(BaseModel):
    """One procedure of the catalog."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    no: int = Field(ge=1, le=31, description="Number in the national list (1-31), unique in the "
                    "catalog.")
    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9\-]*$",
                    description="Procedure id (kebab-case); the id of its version files and the "
                    "last part of `path`.")
    path: str = Field(min_length=1, description="Folder of the procedure's version files, relative "
                      "to the catalog's folder, with `/` separators, e.g. childcare/"
                      "child-allowance-claim.")
    name: str = Field(min_length=1, description="Official Japanese name as published in the "
                      "national list.")
    name_en: str = Field(min_length=1, description="English name.")
    category: Category = Field(description="childcare, long-term-care, disaster, car or other.")
    level: Level = Field(description="municipal or prefectural: who handles the procedure.")
    legal_basis: str = Field("unconfirmed", min_length=1,
                             description="Article(s) of law, or 'unconfirmed' when no source "
                             "confirmed it.")
    life_events: tuple[LifeEvent, ...] = Field(
        (), description="Life events that trigger the procedure (fixed vocabulary, see LifeEvent).")
    annual_volume: float = Field(gt=0, le=MAX_ANNUAL_VOLUME,
                                 description="Applications per year in the reference "
                                 "municipality (`reference_population` residents); for prefectural "
                                 "procedures, the filings by that municipality's residents. A "
                                 "finite number, at most 10,000,000 (as in a model file).")
    volume_source: str = Field(min_length=1, description="A figure with its source, or text starting "
                               "'assumption:' (or '仮定:') with the derivation.")
    sources: tuple[Source, ...] = Field(
        (), description="Published sources of the volume and the legal basis (publisher, title, "
        "year, what was taken), for reports to cite.")
    survey_ids: tuple[str, ...] = Field(
        (), description="手続ID of the rows of the national survey (デジタル庁「行政手続等の悉皆調査」) "
        "that are this procedure (e.g. the 介護 and 介護予防 rows of one benefit).")
    volume_departure_reason: str | None = Field(
        None, min_length=1,
        description="Why `annual_volume` departs from the survey's count scaled to the reference "
        "population by more than the tolerated factor, with its source.")

    @field_validator("path")
    @classmethod
    def _relative_path(cls, value: str) -> str:
        pure = PurePosixPath(value)
        if pure.is_absolute() or ".." in pure.parts or "\\" in value:
            raise ValueError("path must be relative to the catalog's folder, with '/' and no '..'")
        return value

    @field_validator("survey_ids")
    @classmethod
    def _survey_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not v.strip() for v in value):
            raise ValueError("a survey id (手続ID) must not be blank")
        if len(set(value)) != len(value):
            raise ValueError("survey ids must not repeat")
        return value

    @field_validator("volume_departure_reason")
    @classmethod
    def _departure_explained(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("volume_source")
    @classmethod
    def _sourced(cls, value: str) -> str:
        if not value.startswith(_ASSUMPTION) and not any(ch.isdigit() for ch in value):
            raise ValueError("volume_source must give a figure with its source, or start with "
                             "'assumption:' (or '仮定:') and say how the volume was derived")
        return value

    @property
    def is_assumption(self) -> bool:
        """True when the volume is an assumption rather than a sourced figure."""
        return self.volume_source.startswith(_ASSUMPTION)


class Catalog(BaseModel):
    """The whole catalog: a reference population and the procedures."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    reference_population: int = Field(gt=0, description="Residents of the reference municipality "
                                       "that the annual volumes are for.")
    procedures: tuple[CatalogEntry, ...] = Field(min_length=1, description="The procedures, in "
                                                 "the order of the national list.")

    def entry(self, procedure_id: str) -> CatalogEntry:
        """Return the entry with ``procedure_id``.

        Raises:
            KeyError: no such procedure in the catalog.
        """
        for entry in self.procedures:
            if entry.id == procedure_id:
                return entry
        raise KeyError(procedure_id)

    @property
    def ids(self) -> tuple[str, ...]:
        """Procedure ids in catalog order."""
        return tuple(e.id for e in self.procedures)


# --------------------------------------------------------------------------- loading

_FIELDS_AT: dict[tuple[str, ...], type[BaseModel]] = {
    (): Catalog, ("procedures", "#"): CatalogEntry, ("procedures", "#", "sources", "#"): Source}


def builtin_root() -> Path:
    """The folder of the built-in catalog (the installed ``procedures`` package).

    Raises:
        InvalidModelError: the package is not installed as plain files (e.g. inside a zip).
    """
    root = files("procedures")
    if not isinstance(root, Path):
        raise InvalidModelError([Problem(str(root), 0, 0, "the procedures package is not "
                                         "installed as files; reinstall the project")])
    return root


def _problems_from_validation(located: Located, error: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    errors = error.errors(include_url=False)
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] == "too_short" and any(len(e["loc"]) > len(loc) and
                                              tuple(e["loc"][:len(loc)]) == loc for e in errors):
            continue  # pydantic counts only the valid items; the invalid ones are reported
        msg = pydantic_message(err)
        kind = err["type"]
        if kind == "extra_forbidden":
            field = str(loc[-1])
            parent = loc[:-1]
            shape = tuple("#" if isinstance(p, int) else str(p) for p in parent)
            model = _FIELDS_AT.get(shape)
            hint = suggest(field, list(model.model_fields)) if model else None
            problem = located.problem(loc, f"unknown field '{field}'", show_value=False, hint=hint,
                                      key=True)
        elif kind == "missing":
            problem = located.problem(loc, "required field is missing", show_value=False)
        elif kind == "enum":
            expected = str(err.get("ctx", {}).get("expected", ""))
            options = [o.strip().strip("'") for o in expected.replace(" or ", ",").split(",")]
            value = located.get(loc)
            hint = suggest(value, [o for o in options if o]) if isinstance(value, str) else None
            problem = located.problem(loc, f"must be one of {expected}", hint=hint)
        else:
            problem = located.problem(loc, msg)
        problems.append(_with_procedure(located, problem, loc))
    return problems


def _with_procedure(located: Located, problem: Problem, loc: Sequence[str | int]) -> Problem:
    """Name the procedure of the entry the problem is in (the catalog has no top-level id)."""
    if len(loc) >= 2 and loc[0] == "procedures" and isinstance(loc[1], int):
        pid = located.get(("procedures", loc[1], "id"))
        if isinstance(pid, str):
            return dataclasses.replace(problem, procedure=pid)
    return problem


def _duplicates(located: Located, catalog: Catalog) -> list[Problem]:
    problems: list[Problem] = []
    for field in ("id", "no"):
        first: dict[Any, int] = {}
        for i, entry in enumerate(catalog.procedures):
            value = getattr(entry, field)
            if value in first:
                line = located.where(("procedures", first[value], field))[0]
                problems.append(_with_procedure(located, located.problem(
                    ("procedures", i, field), f"duplicate procedure {field} (first used at line {line})"),
                    ("procedures", i)))
            else:
                first[value] = i
    return problems


def _path_problems(located: Located, catalog: Catalog, root: Path | None) -> list[Problem]:
    problems: list[Problem] = []
    for i, entry in enumerate(catalog.procedures):
        if PurePosixPath(entry.path).name != entry.id:
            problems.append(_with_procedure(located, located.problem(
                ("procedures", i, "path"), f"path must end with the procedure id '{entry.id}'"),
                ("procedures", i)))
        elif root is not None and not (root / entry.path).is_dir():
            problems.append(_with_procedure(located, located.problem(
                ("procedures", i, "path"), f"no such folder under {root}"), ("procedures", i)))
    return problems


def load_catalog_text(text: str, file: str = "<string>", *, root: Path | None = None) -> Catalog:
    """Load a catalog from YAML text.

    Args:
        text: the YAML document.
        file: the name to use in error messages.
        root: when given, every entry's folder must exist under it.

    Returns:
        The validated catalog.

    Raises:
        InvalidModelError: with every problem found, each located.
    """
    if len(text.encode("utf-8", errors="replace")) > MAX_FILE_BYTES:
        raise InvalidModelError([Problem(file, 0, 0, f"file is larger than the limit of "
                                         f"{MAX_FILE_BYTES} bytes")])
    located = read_yaml(text, file, kind="catalog file")
    if not isinstance(located.data, dict):
        kind = "empty" if located.data is None else type(located.data).__name__
        raise InvalidModelError([Problem(file, 1, 1, f"a catalog must be a YAML mapping, got {kind}")])
    try:
        catalog = Catalog.model_validate(located.data)
    except ValidationError as error:
        problems = _problems_from_validation(located, error)
        problems.sort(key=lambda p: (p.line, p.column))
        raise InvalidModelError(problems) from None
    problems = _duplicates(located, catalog) + _path_problems(located, catalog, root)
    if problems:
        problems.sort(key=lambda p: (p.line, p.column))
        raise InvalidModelError(problems)
    return catalog


def load_catalog(path: str | Path | None = None, *, require_folders: bool = False) -> Catalog:
    """Load the catalog: the built-in one by default, or the file at ``path``.

    Args:
        path: a catalog file; ``None`` reads ``catalog.yaml`` of the installed
            ``procedures`` package.
        require_folders: also require every entry's folder to exist beside the catalog
            (off by default so that a catalog can list procedures not modelled yet).

    Returns:
        The validated catalog.

    Raises:
        InvalidModelError: the file cannot be read or is not a valid catalog; every problem
            is listed with file, line, column, field, value and a hint.
    """
    if path is None:
        file_path = builtin_root() / CATALOG_FILE
    else:
        file_path = Path(path)
    text = read_text_limited(file_path, kind="catalog file", limit=MAX_FILE_BYTES)
    return load_catalog_text(text, str(file_path), root=file_path.parent if require_folders else None)


def catalog_versions(catalog: Catalog, root: str | Path | None = None
                     ) -> Iterator[tuple[CatalogEntry, Path, Path]]:
    """The version files of each catalog entry, in catalog order.

    Args:
        catalog: a loaded catalog.
        root: the folder the entries' paths are relative to; ``None`` for the built-in
            procedures folder.

    Yields:
        ``(entry, as-is path, to-be path)``; the files may not exist yet (check with
        ``Path.is_file``).
    """
    base = builtin_root() if root is None else Path(root)
    for entry in catalog.procedures:
        folder = base.joinpath(*PurePosixPath(entry.path).parts)
        yield entry, folder / AS_IS_FILE, folder / TO_BE_FILE

"""The report's charts: deterministic SVG drawn with matplotlib.

Every chart is a pure function of the numbers it is given: the same numbers give the same
bytes (``svg.hashsalt`` fixed, no date or version in the metadata, glyphs drawn as paths
with the IPA Gothic font so that Japanese labels look the same in every browser and in
print, without a font on the reader's side). Text from the models (procedure names) is
never interpreted: mathtext and TeX are off (``text.parse_math``, ``text.usetex``), so a
``$`` in a name is a dollar sign, and glyphs become paths, so markup in a name is not
markup in the SVG.

The SVG files are written next to the pages and shown with ``<img>`` (no script; the
pages' content security policy allows images from the report itself).
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

__all__ = ["FONT_FAMILIES", "bars_chart", "chart_font", "monthly_chart", "pareto_chart",
           "procedure_chart", "share_chart"]

FONT_FAMILIES = ("IPAGothic", "IPAexGothic", "Noto Sans CJK JP", "DejaVu Sans")
"""Fonts tried in order (per glyph); ``scripts/setup.sh`` installs IPA Gothic."""

AS_IS_COLOUR = "#8c8c8c"
TO_BE_COLOUR = "#1f6fb4"
ACCENT_COLOUR = "#d9480f"

_RC: dict[str, Any] = {
    "svg.hashsalt": "tetsuzuki-report",
    "svg.fonttype": "path",
    "svg.image_inline": True,
    "text.usetex": False,
    "text.parse_math": False,
    "font.size": 9,
    "axes.unicode_minus": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "path.simplify": True,
    "figure.dpi": 72,
    "savefig.dpi": 72,
}
_METADATA = {"Date": None, "Creator": "tetsuzuki", "Contributor": None, "Format": None, "Type": None}


@functools.cache
def chart_font() -> str:
    """The font file the charts' glyphs come from (recorded in the report's manifest)."""
    path = font_manager.findfont(font_manager.FontProperties(family=_families()[0]))
    return path.rsplit("/", 1)[-1]


@functools.cache
def _families() -> tuple[str, ...]:
    """The installed fonts of :data:`FONT_FAMILIES` (asking only for those avoids a warning
    per glyph for every missing one)."""
    import logging

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    found = []
    for family in FONT_FAMILIES:
        try:
            font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        except ValueError:
            continue
        found.append(family)
    return tuple(found) or ("DejaVu Sans",)


def _settings() -> Any:
    return {**_RC, "font.family": list(_families())}


@contextmanager
def _figure(width: float, height: float) -> Iterator[Figure]:
    with matplotlib.rc_context(_settings()):
        figure = Figure(figsize=(width, height), layout="constrained")
        yield figure


def _svg(figure: Figure) -> bytes:
    """The SVG of ``figure``: without XML prolog, comments made stable, newline at end."""
    buffer = io.StringIO()
    with matplotlib.rc_context(_settings()):
        figure.savefig(buffer, format="svg", metadata=_METADATA)
    text = buffer.getvalue()
    return (text[text.index("<svg"):].strip() + "\n").encode("utf-8")


def _amount(value: float, _position: object = None) -> str:
    """Axis numbers: thousands separators, no decimals from 10 up."""
    if not math.isfinite(value):
        return ""
    if abs(value) >= 10 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _short(name: str, limit: int = 18) -> str:
    return name if len(name) <= limit else name[:limit - 1] + "…"


def bars_chart(labels: Sequence[str], as_is: Sequence[float], to_be: Sequence[float], *,
               title: str, axis: str, legend: tuple[str, str]) -> bytes:
    """Horizontal paired bars, one pair per label (as-is grey, to-be blue), first label on top."""
    rows = len(labels)
    with _figure(7.0, 1.2 + 0.28 * max(rows, 1)) as figure:
        ax = figure.subplots()
        ys = list(range(rows))[::-1]
        ax.barh([y + 0.2 for y in ys], as_is, height=0.4, color=AS_IS_COLOUR, label=legend[0])
        ax.barh([y - 0.2 for y in ys], to_be, height=0.4, color=TO_BE_COLOUR, label=legend[1])
        ax.set_yticks(ys, [_short(label) for label in labels])
        ax.set_xlabel(axis)
        ax.set_title(title, loc="left")
        ax.xaxis.set_major_formatter(FuncFormatter(_amount))
        ax.legend(loc="lower right", frameon=False)
        return _svg(figure)


def share_chart(shares: Sequence[float], series: Sequence[tuple[str, Sequence[float]]],
                as_is: Sequence[tuple[str, float]], *, current: float | None, title: str,
                axis_x: str, axis_y: str, current_label: str) -> bytes:
    """Lines of a to-be figure against the online share, with the as-is levels dashed and
    the report's share marked."""
    with _figure(7.0, 3.6) as figure:
        ax = figure.subplots()
        colours = (TO_BE_COLOUR, ACCENT_COLOUR, "#2b8a3e")
        for (label, values), colour in zip(series, colours, strict=False):
            ax.plot([100 * s for s in shares], values, marker="o", markersize=3, color=colour,
                    label=label)
        for (label, level), colour in zip(as_is, colours, strict=False):
            ax.axhline(level, color=colour, linestyle="--", linewidth=0.8, label=label)
        if current is not None:
            ax.axvline(100 * current, color="#444444", linestyle=":", linewidth=1.0,
                       label=current_label)
        ax.set_xlim(0, 100)
        ax.set_ylim(bottom=0)
        ax.set_xlabel(axis_x)
        ax.set_ylabel(axis_y)
        ax.set_title(title, loc="left")
        ax.yaxis.set_major_formatter(FuncFormatter(_amount))
        ax.legend(loc="upper right", frameon=False, fontsize=8)
        return _svg(figure)


def monthly_chart(months: Sequence[str], arrivals: tuple[Sequence[float | None], Sequence[float | None]],
                  waiting: tuple[Sequence[float | None], Sequence[float | None]], *, title: str,
                  arrivals_axis: str, waiting_axis: str, legend: tuple[str, str, str, str]) -> bytes:
    """Monthly arrivals (bars, as-is and to-be) and mean counter waiting (lines, right axis)."""
    def clean(values: Sequence[float | None]) -> list[float]:
        return [math.nan if v is None else v for v in values]

    with _figure(7.0, 3.6) as figure:
        ax = figure.subplots()
        xs = list(range(len(months)))
        ax.bar([x - 0.2 for x in xs], clean(arrivals[0]), width=0.4, color=AS_IS_COLOUR,
               label=legend[0])
        ax.bar([x + 0.2 for x in xs], clean(arrivals[1]), width=0.4, color="#a5c8e4", label=legend[1])
        ax.set_xticks(xs, [m[2:].replace("-", "/") for m in months])
        ax.set_ylabel(arrivals_axis)
        ax.yaxis.set_major_formatter(FuncFormatter(_amount))
        right = ax.twinx()
        right.spines["right"].set_visible(True)
        right.plot(xs, clean(waiting[0]), color="#444444", marker="o", markersize=3, label=legend[2])
        right.plot(xs, clean(waiting[1]), color=TO_BE_COLOUR, marker="o", markersize=3, label=legend[3])
        right.set_ylabel(waiting_axis)
        # room above the data for the legend
        ax.set_ylim(0, 1.35 * max([1.0, *(v for v in clean([*arrivals[0], *arrivals[1]]) if v == v)]))
        right.set_ylim(0, 1.35 * max([0.1, *(v for v in clean([*waiting[0], *waiting[1]]) if v == v)]))
        ax.set_title(title, loc="left")
        handles = ax.get_legend_handles_labels()
        more = right.get_legend_handles_labels()
        ax.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left", frameon=False,
                  fontsize=8, ncols=2)
        return _svg(figure)


def pareto_chart(labels: Sequence[str], values: Sequence[float], *, title: str, axis: str,
                 cumulative_axis: str) -> bytes:
    """Bars in the order given (largest first) with the cumulative share of their total."""
    total = math.fsum(v for v in values if v > 0)
    running, cumulative = 0.0, []
    for value in values:
        running += max(value, 0.0)
        cumulative.append(100 * running / total if total > 0 else 0.0)
    with _figure(7.0, 4.2) as figure:
        ax = figure.subplots()
        xs = list(range(len(labels)))
        ax.bar(xs, values, color=TO_BE_COLOUR)
        ax.set_xticks(xs, [_short(label, 14) for label in labels], rotation=90)
        ax.set_ylabel(axis)
        ax.yaxis.set_major_formatter(FuncFormatter(_amount))
        right = ax.twinx()
        right.spines["right"].set_visible(True)
        right.plot(xs, cumulative, color=ACCENT_COLOUR, marker="o", markersize=3)
        right.axhline(80, color=ACCENT_COLOUR, linestyle=":", linewidth=0.8)
        right.set_ylim(0, 105)
        right.set_ylabel(cumulative_axis)
        ax.set_title(title, loc="left")
        return _svg(figure)


def procedure_chart(labels: Sequence[str], as_is: Sequence[float], to_be: Sequence[float], *,
                    title: str, axis: str, legend: tuple[str, str]) -> bytes:
    """One procedure's figures, to-be as a percentage of as-is (as-is = 100), each bar
    labelled with the two values per year."""
    shown = [(label, a, b) for label, a, b in zip(labels, as_is, to_be, strict=True) if a or b]
    with _figure(6.0, 0.9 + 0.36 * max(len(shown), 1)) as figure:
        ax = figure.subplots()
        ys = list(range(len(shown)))[::-1]
        ratios = [100 * b / a if a else 100.0 for _, a, b in shown]
        ax.barh(ys, [100.0] * len(shown), height=0.7, color="#e0e0e0", label=legend[0])
        ax.barh(ys, ratios, height=0.4, color=TO_BE_COLOUR, label=legend[1])
        ax.set_yticks(ys, [label for label, _, _ in shown])
        for y, (_, a, b) in zip(ys, shown, strict=True):
            ax.text(101, y, f"{_amount(a)} → {_amount(b)}", va="center", fontsize=8)
        ax.set_xlim(0, max([160.0, *[r + 60 for r in ratios]]))
        ax.set_xticks([0, 50, 100])
        ax.set_xlabel(axis)
        ax.set_title(title, loc="left")
        ax.legend(loc="lower right", frameon=False, fontsize=8)
        return _svg(figure)

"""The change map: one box per change, coloured and lettered by its one kind.

A small Graphviz picture shown above the diff diagram: the changes of
:func:`bpr.render.diagram_diff.numbered_changes` in their order, five to a row, each box
with its kind's letter and number (``E1``), the kind's name (排除, 結合, 交換, 簡素化, 追加,
その他), the names of its steps (the to-be steps, or the as-is steps when nothing replaces
them) and the people hours it saves per year (:func:`bpr.render.change_kind.yearly_hours`).
The same number marks the change's steps in the diff diagram. Colour and letter both carry
the kind, so it reads in grey print. Deterministic like every diagram.
"""

from __future__ import annotations

import graphviz

from bpr.analysis.diff import ChangeSet, diff, require_same_procedure
from bpr.render.change_kind import KIND_STYLES, yearly_hours
from bpr.render.diagram import _, html_lines, html_text, new_graph
from bpr.render.diagram_diff import numbered_changes
from models.procedure import ProcedureVersion

__all__ = ["PER_ROW", "change_map", "hours_text"]

PER_ROW = 5
"""Boxes per row of the map."""


def hours_text(value: float) -> str:
    """People hours per year as the map prints them: ``1,234``, ``12.5``, ``-3.0``."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}"


def change_map(as_is: ProcedureVersion, to_be: ProcedureVersion,
               changeset: ChangeSet | None = None) -> graphviz.Digraph:
    """The change map of two versions of one procedure.

    Raises:
        DiffError: the versions are of different procedures, or cannot be compared.
    """
    require_same_procedure(as_is, to_be)
    changes = changeset if changeset is not None else diff(as_is, to_be)
    names = {**{s.id: s.name for s in as_is.steps}, **{s.id: s.name for s in to_be.steps}}
    old_names = {s.id: s.name for s in as_is.steps}
    cells: list[str] = []
    for number, change, kind in numbered_changes(changes):
        style = KIND_STYLES[kind]
        steps = ([names[s] for s in change.to_be_steps] if change.to_be_steps
                 else [old_names[s] for s in change.as_is_steps])
        saving = _("{h} h/year").format(h=hours_text(yearly_hours(change)))
        cells.append(
            f'<TD BGCOLOR="{style.fill}" COLOR="{style.line}" BORDER="2" '
            f'STYLE="{"dashed" if style.dashed else "solid"}" ALIGN="LEFT" VALIGN="TOP" WIDTH="150">'
            f'<FONT COLOR="{style.line}" POINT-SIZE="14">'
            f'<B>{html_text(style.letter + str(number))}</B></FONT>'
            f' <B>{html_text(_(style.name))}</B><BR ALIGN="LEFT"/>'
            f'{html_lines("・".join(steps), 22)}<BR ALIGN="LEFT"/>'
            f'<FONT POINT-SIZE="10">{html_text(saving)}</FONT><BR ALIGN="LEFT"/></TD>')
    rows: list[str] = []
    for start in range(0, len(cells), PER_ROW):
        rows.append("<TR>" + "".join(cells[start:start + PER_ROW]) + "</TR>")
    title = _("Change map: {n} change(s), people hours saved per year").format(n=len(cells))
    if not cells:
        rows.append(f"<TR><TD>{html_text(_('No changes'))}</TD></TR>")
    table = ('<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="6" CELLPADDING="6">'
             f'<TR><TD BORDER="0" ALIGN="LEFT" COLSPAN="{PER_ROW}"><FONT POINT-SIZE="14"><B>'
             f'{html_lines(to_be.name, 80)}</B></FONT><BR ALIGN="LEFT"/>{html_text(title)}</TD></TR>'
             + "".join(rows) + "</TABLE>>")
    graph = new_graph(f"{to_be.id}-changes")
    graph.node("map", label=table, shape="plaintext", margin="0")
    return graph

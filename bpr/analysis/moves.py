"""Which matched changes moved in the flow: the Rearrange-by-position rule of the diff.

The rule (see :mod:`bpr.analysis.diff`): the flows that close a loop are cut (back edges of
a depth-first search from the start, in file order); a matched group of steps has moved
when the set of *counted* groups before it, or after it, differs between the versions.
Only groups with steps on both sides are counted, so removing or inserting a neighbour is
not a move; the group itself never counts.

**How it stays linear in practice.** "Before" and "after" are reachability sets, and a set
per step written as a bit set takes time and memory quadratic in the number of steps (at
50,000 steps, gigabytes). Here a set is a pair ``(p, r)``: every label below ``p``, plus
label ``p + k`` for each bit ``k`` of the integer ``r`` (canonical: bit 0 of ``r`` is
clear, so equal sets have equal pairs). Groups are labelled in a topological order of the
as-is (ancestors first for "before", descendants first for "after"), so a step's set is
almost a prefix and ``r`` holds only the few labels of parallel branches beyond it: a
chain of *n* steps needs O(n) memory and time instead of O(n²). The answer is exact
whatever the labelling; a to-be that reorders everything only makes the pairs larger.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from models.procedure import ProcedureVersion

__all__ = ["forward_successors", "moved_groups"]

_Set = tuple[int, int]
"""A set of labels as ``(p, r)``: ``{0, ..., p-1} ∪ {p + k : bit k of r}``, canonical."""

_EMPTY: _Set = (0, 0)


def _normal(p: int, r: int) -> _Set:
    """The canonical pair: the trailing ones of ``r`` moved into the prefix."""
    ones = (r ^ (r + 1)).bit_length() - 1
    return (p + ones, r >> ones) if ones else (p, r)


def _union(a: _Set, b: _Set) -> _Set:
    """``a ∪ b``: the longer prefix covers the other's labels below it."""
    (pa, ra), (pb, rb) = a, b
    if not rb and pb <= pa:
        return a
    if not ra and pa <= pb:
        return b
    p = max(pa, pb)
    return _normal(p, (ra >> (p - pa)) | (rb >> (p - pb)))


def _with(a: _Set, label: int) -> _Set:
    """``a ∪ {label}``."""
    p, r = a
    if label < p:
        return a
    return _normal(p, r | (1 << (label - p)))


def forward_successors(model: ProcedureVersion) -> tuple[list[list[int]], list[int]]:
    """The flow graph without the flows that close a loop (back edges of a depth-first
    search from the start, in file order), so that "before" and "after" are defined.

    Iterative (no recursion limit on long chains), linear in steps and flows.

    Returns:
        ``(successors, finished)`` on step positions (``model.steps`` order): the kept
        successors of every step (empty for steps not reached from the start), and the
        reached steps in the order the search finished them (every kept flow goes from a
        later to an earlier one: reversed, a topological order).
    """
    index = {step.id: i for i, step in enumerate(model.steps)}
    outgoing: list[list[int]] = [[] for _ in model.steps]
    for flow in model.flows:  # in file order, as model.outgoing gives them
        outgoing[index[flow.source]].append(index[flow.target])
    forward: list[list[int]] = [[] for _ in model.steps]
    finished: list[int] = []
    state = bytearray(len(model.steps))  # 0 not seen, 1 on the search path, 2 finished
    start = index[model.start.id]
    stack: list[tuple[int, int]] = [(start, 0)]
    state[start] = 1
    while stack:
        node, i = stack.pop()
        successors = outgoing[node]
        if i < len(successors):
            stack.append((node, i + 1))
            nxt = successors[i]
            if state[nxt] == 1:
                continue  # a back edge: the loop's way back
            forward[node].append(nxt)
            if state[nxt] == 0:
                state[nxt] = 1
                stack.append((nxt, 0))
        else:
            state[node] = 2
            finished.append(node)
    return forward, finished


def _labels(order: Sequence[int], group_of: Sequence[int], count: int) -> list[int]:
    """A label per group: the rank of its first step in ``order``, then unreached groups
    in index order."""
    label = [-1] * count
    next_label = 0
    for step in order:
        group = group_of[step]
        if label[group] < 0:
            label[group] = next_label
            next_label += 1
    for group in range(count):
        if label[group] < 0:
            label[group] = next_label
            next_label += 1
    return label


class _Orders:
    """Counted groups before and after each group of one version, as label sets."""

    def __init__(self, searched: tuple[list[list[int]], list[int]], group_of: Sequence[int],
                 counted: Sequence[bool], before_label: Sequence[int],
                 after_label: Sequence[int]) -> None:
        forward, finished = searched
        # The label a step adds to the sets of the steps after (before) it, -1 for none.
        adds_before = [before_label[g] if counted[g] else -1 for g in group_of]
        adds_after = [after_label[g] if counted[g] else -1 for g in group_of]
        # (``x if y is _EMPTY else _union(y, x)`` is ``_union(y, x)``: the union with the
        # empty set, the first of every step's unions, without the call.)
        after: list[_Set] = [_EMPTY] * len(group_of)
        for node in finished:  # successors first
            here = _EMPTY
            for nxt in forward[node]:
                here = after[nxt] if here is _EMPTY else _union(here, after[nxt])
                if adds_after[nxt] >= 0:
                    here = _with(here, adds_after[nxt])
            after[node] = here
        before: list[_Set] = [_EMPTY] * len(group_of)
        for node in reversed(finished):  # predecessors first
            mine = before[node]
            if adds_before[node] >= 0:
                mine = _with(mine, adds_before[node])
            for nxt in forward[node]:
                seen = before[nxt]
                before[nxt] = mine if seen is _EMPTY else _union(seen, mine)
        count = len(before_label)
        self.before: list[_Set] = [_EMPTY] * count
        self.after: list[_Set] = [_EMPTY] * count
        mine_before, mine_after = self.before, self.after
        for step, group in enumerate(group_of):
            seen = mine_before[group]
            mine_before[group] = before[step] if seen is _EMPTY else _union(seen, before[step])
            seen = mine_after[group]
            mine_after[group] = after[step] if seen is _EMPTY else _union(seen, after[step])


def moved_groups(as_is: ProcedureVersion, to_be: ProcedureVersion,
                 groups: Sequence[tuple[tuple[str, ...], tuple[str, ...]]],
                 group_of_old: Mapping[str, int], group_of_new: Mapping[str, int]) -> set[int]:
    """Indexes of the groups whose counted groups before or after differ between versions.

    Args:
        as_is: the old version.
        to_be: the new version.
        groups: ``(as-is step ids, to-be step ids)`` per group (see
            :func:`bpr.analysis.diff.match_groups`).
        group_of_old: the group of every as-is step.
        group_of_new: the group of every to-be step.

    Returns:
        The moved groups. Only work moves: a group without tasks on either side (start,
        end, gateways) never moves. One-sided groups (eliminated, added) are not counted,
        so removing a neighbour is not a move; nor does the group itself count (its own
        steps may follow each other).
    """
    old_tasks = {s.id for s in as_is.steps if s.is_activity}
    new_tasks = {s.id for s in to_be.steps if s.is_activity}
    candidates = [i for i, (old, new) in enumerate(groups)
                  if old and new and not old_tasks.isdisjoint(old)
                  and not new_tasks.isdisjoint(new)]
    if not candidates:
        return set()
    counted = [bool(old and new) for old, new in groups]
    old_groups = [group_of_old[s.id] for s in as_is.steps]
    new_groups = [group_of_new[s.id] for s in to_be.steps]
    searched = forward_successors(as_is)
    finished = searched[1]
    before_label = _labels(finished[::-1], old_groups, len(groups))
    after_label = _labels(finished, old_groups, len(groups))
    old = _Orders(searched, old_groups, counted, before_label, after_label)
    new = _Orders(forward_successors(to_be), new_groups, counted, before_label, after_label)
    moved = set()
    for i in candidates:
        # The group's own label is added on both sides: the group itself does not count.
        if _with(old.before[i], before_label[i]) != _with(new.before[i], before_label[i]) or \
                _with(old.after[i], after_label[i]) != _with(new.after[i], after_label[i]):
            moved.add(i)
    return moved

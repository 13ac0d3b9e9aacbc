"""Single-entry single-exit (SESE) fragments in sequence: the top level of a model's
process structure tree, for checking soundness a fragment at a time.

A SESE fragment of a workflow graph is a part entered by one edge and left by one edge
(J. Vanhatalo, H. Völzer, F. Leymann, "Faster and more focused control-flow analysis for
business process models through SESE decomposition", ICSOC 2007; J. Vanhatalo,
H. Völzer, J. Koehler, "The refined process structure tree", Data & Knowledge Engineering
68(9), 2009). Soundness is compositional over them: a workflow net whose place ``p``
separates it into a part ``A`` before ``p`` (source ``i``, sink ``p``) and a part ``B``
after it (source ``p``, sink ``o``), with no arc from ``B`` back into ``A``, is sound if
and only if both parts are sound workflow nets (sequential composition; place refinement
by a sound net preserves soundness, W.M.P. van der Aalst, "Workflow verification: finding
control-flow errors using Petri-net-based techniques", LNCS 1806, 2000). Checking each
part's own state space replaces one state space of the *product* of their sizes (bit masks
as wide as the whole model) by a sum of small ones.

What is computed here is the *sequence* level of that decomposition: the flows that
every path from the start to an end crosses and whose removal disconnects the model (the
bridges of its undirected graph on the start-to-end path, found by one depth-first
search in linear time), which cut the model into a chain of fragments. Fragments are not decomposed
further (a parallel or loop region is explored as a whole, which for the block-structured
models of practice is a few dozen markings); an unstructured region simply stays one
larger fragment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Fragment", "sequence_fragments"]


@dataclass(frozen=True)
class Fragment:
    """A part of the model entered through one place and left through another.

    Attributes:
        steps: the steps inside.
        entry: the place a case enters by (the source place, or a flow ``a->b``).
        exit: the place it leaves by (the sink place, or a flow ``c->d``).
    """

    steps: frozenset[str]
    entry: str
    exit: str


def sequence_fragments(steps: Iterable[str], start: str, ends: Iterable[str],
                       flows: Iterable[tuple[str, str, str]], source: str, sink: str
                       ) -> list[Fragment] | None:
    """The chain of fragments from the start to the ends, in order.

    Args:
        steps: every step id.
        start: the start step.
        ends: the end steps (each puts the token on ``sink``).
        flows: ``(source step, target step, place)`` of every flow a case can take.
        source: the source place (before ``start``).
        sink: the sink place (after the ends).

    Returns:
        The fragments in order, every step in exactly one; ``None`` when the model does
        not decompose that way (some step is not connected to the start-to-end chain, or
        no end is connected to the start): the caller then checks the whole model at once.
    """
    # The undirected graph of steps and places (node 0: the source place, 1: the sink).
    names: list[tuple[bool, str]] = [(False, source), (False, sink)]
    index: dict[tuple[bool, str], int] = {names[0]: 0, names[1]: 1}

    def node(name: tuple[bool, str]) -> int:
        if name not in index:
            index[name] = len(names)
            names.append(name)
            near.append(set())
        return index[name]

    near: list[set[int]] = [set(), set()]
    places: dict[int, tuple[int, int]] = {}  # flow place -> (its source, its target step)

    def link(a: int, b: int) -> None:
        near[a].add(b)
        near[b].add(a)

    for s in steps:
        node((True, s))
    link(0, node((True, start)))
    for end in ends:
        link(node((True, end)), 1)
    for a, b, place in flows:
        p, na, nb = node((False, place)), node((True, a)), node((True, b))
        link(na, p)
        link(p, nb)
        places[p] = (na, nb)
    parent, separating = _bridge_tree(near)
    if parent[1] == -1:
        return None  # no end is connected to the start
    path = [1]
    while path[-1] != 0:
        path.append(parent[path[-1]])
    path.reverse()
    order = {n: k for k, n in enumerate(path)}
    # A cut: a flow place on the path whose edges are bridges, crossed forwards.
    cuts = [n for n in path if n in places and n in separating
            and order.get(places[n][0], -1) < order[n] < order.get(places[n][1], -1)]
    label = [-1] * len(names)
    for c in cuts:
        label[c] = -2
    for k, first in enumerate([0, *(places[c][1] for c in cuts)]):
        label[first] = k
        todo = [first]
        while todo:
            for m in near[todo.pop()]:
                if label[m] == -1:
                    label[m] = k
                    todo.append(m)
    if -1 in label:
        return None  # a part not on the chain (unconnected steps): check the whole model
    members: list[set[str]] = [set() for _ in range(len(cuts) + 1)]
    for n, (is_step, name) in enumerate(names):
        if is_step:
            members[label[n]].add(name)
    bounds = [source, *(names[c][1] for c in cuts), sink]
    return [Fragment(frozenset(m), bounds[k], bounds[k + 1]) for k, m in enumerate(members)]


def _bridge_tree(near: list[set[int]]) -> tuple[list[int], set[int]]:
    """Depth-first search from node 0 (iterative, so any size): each node's parent in the
    search tree (-1: not reached) and the nodes whose edge to their parent is a bridge
    (R. E. Tarjan, "A note on finding the bridges of a graph", Information Processing
    Letters 2(6), 1974: the edge is a bridge when no back edge from the node's subtree
    climbs above the parent)."""
    n = len(near)
    parent, disc, low = [-1] * n, [-1] * n, [0] * n
    bridged: set[int] = set()
    disc[0] = low[0] = 0
    counter = 1
    stack = [(0, iter(near[0]))]
    while stack:
        v, children = stack[-1]
        for w in children:
            if disc[w] == -1:
                parent[w] = v
                disc[w] = low[w] = counter
                counter += 1
                stack.append((w, iter(near[w])))
                break
            if w != parent[v]:
                low[v] = min(low[v], disc[w])
        else:
            stack.pop()
            u = parent[v]
            if u != -1:
                low[u] = min(low[u], low[v])
                if low[v] > disc[u]:
                    bridged.add(v)
    return parent, bridged

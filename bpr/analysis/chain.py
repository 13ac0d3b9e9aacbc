"""The procedure as a sparse absorbing Markov chain, one per attribute combination.

:class:`Chain` indexes a version's steps and flows once (arrays, no per-step scans of the
flows); :meth:`Chain.weights` gives every flow's weight for one combination of the routing
attributes; :func:`solve_visits` and :func:`arrivals` solve the sparse linear systems with
SuperLU (``scipy.sparse.linalg.splu``). Time and memory grow with the number of steps and
flows, not with its square.

Internal to :mod:`bpr.analysis`: the public figures are in :mod:`bpr.analysis.graph`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import SuperLU, splu

from bpr.errors import AnalysisError
from bpr.model.attributes import guard_admits
from models.procedure import Flow, ProcedureVersion, StepKind

__all__ = ["Chain", "arrivals", "solve_visits"]

_NEGATIVE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class _GuardedChoice:
    """An exclusive choice with guarded outgoing flows (flow positions in ``model.flows``)."""

    flows: tuple[int, ...]
    guards: tuple[Mapping[str, str | tuple[str, ...]] | None, ...]
    probabilities: tuple[float | None, ...]


class Chain:
    """Steps and flows of one version as index arrays.

    Attributes:
        model: the version.
        ids: step ids in model order; ``index`` maps them back.
        source, target: step index of every flow's ends (model order of flows).
        fan_in: per step, the divisor of arrivals (incoming flows at an and-join, else 1).
        start: index of the start step.
    """

    def __init__(self, model: ProcedureVersion) -> None:
        self.model = model
        self.ids = [s.id for s in model.steps]
        self.index = {sid: i for i, sid in enumerate(self.ids)}
        n = len(self.ids)
        source = [self.index[f.source] for f in model.flows]
        self.source = np.array(source, dtype=np.int64)
        self.target = np.array([self.index[f.target] for f in model.flows], dtype=np.int64)
        out_degree = np.bincount(self.source, minlength=n)
        in_degree = np.bincount(self.target, minlength=n)
        splits = [s.kind is StepKind.AND_SPLIT for s in model.steps]
        and_split = np.array(splits, dtype=bool)
        and_join = np.array([s.kind is StepKind.AND_JOIN for s in model.steps], dtype=bool)
        self.fan_in = np.where(and_join & (in_degree > 0), in_degree, 1).astype(float)
        probability = np.array([f.probability if f.probability is not None else np.nan
                                for f in model.flows], dtype=float)
        single = (out_degree[self.source] == 1) | and_split[self.source]
        self.base = np.where(single, 1.0, np.nan_to_num(probability, nan=0.0))
        self.start = self.index[model.start.id]
        # (Plain lists here: indexing a numpy array one flow at a time is slow.)
        by_source: dict[int, list[int]] = {}
        for position, flow in enumerate(model.flows):
            if flow.when and not splits[source[position]]:
                by_source.setdefault(source[position], [])
        for position, step in enumerate(source):
            group = by_source.get(step)
            if group is not None:
                group.append(position)
        self._weights: dict[tuple[tuple[str, str], ...], np.ndarray] = {}
        self.guarded = [_GuardedChoice(tuple(g), tuple(_guard(model.flows[p]) for p in g),
                                       tuple(model.flows[p].probability for p in g))
                        for g in by_source.values()]

    def weights(self, combination: Mapping[str, str] | None = None) -> np.ndarray:
        """Weight of every flow (times taken per execution of its source) for a case with
        ``combination``: among a guarded choice's open flows, one open flow has weight 1,
        several split by their probabilities; closed flows have weight 0.

        Without a combination (or for a version without guards) the guards are ignored.
        """
        weights = self.base.copy()
        if combination is None:
            return weights
        key = tuple(sorted(combination.items()))
        known = self._weights.get(key)
        if known is not None:  # (measure solves each combination twice: visits, completion)
            return known.copy()
        for choice in self.guarded:
            open_ = [guard_admits(g, combination) for g in choice.guards]
            alone = sum(open_) == 1
            for position, is_open, p in zip(choice.flows, open_, choice.probabilities,
                                            strict=True):
                weights[position] = (1.0 if alone else float(p or 0.0)) if is_open else 0.0
        self._weights[key] = weights.copy()
        return weights

    def transposed(self, weights: np.ndarray, *, per_branch: bool = False,
                   keep: np.ndarray | None = None) -> sp.csr_matrix:
        """``Mᵀ``: row j, column i holds arrivals at j per execution of i (divided at
        and-joins unless ``per_branch``); ``keep`` masks the flows used."""
        values = weights if per_branch else weights / self.fan_in[self.target]
        rows, cols = self.target, self.source
        if keep is not None:
            values, rows, cols = values[keep], rows[keep], cols[keep]
        n = len(self.ids)
        return sp.csr_matrix((values, (rows, cols)), shape=(n, n))


def _guard(flow: Flow) -> Mapping[str, str | tuple[str, ...]] | None:
    return flow.when or None


def _factor(matrix: sp.spmatrix, model: ProcedureVersion, what: str) -> SuperLU:
    try:
        return splu(sp.csc_matrix(matrix))
    except RuntimeError:
        raise AnalysisError(
            f"procedure '{model.id}' ({model.version}): cannot compute {what}: the flow has a "
            "loop that cannot exit (every way out has probability 0)") from None


def _checked(x: np.ndarray, model: ProcedureVersion, what: str) -> np.ndarray:
    if not np.all(np.isfinite(x)) or np.any(x < -_NEGATIVE_TOLERANCE):
        raise AnalysisError(f"procedure '{model.id}' ({model.version}): {what} are not finite "
                            "and non-negative; check the loop probabilities")
    return np.clip(x, 0.0, None)


def solve_visits(chain: Chain, weights: np.ndarray, *, keep: np.ndarray | None = None,
                 what: str = "expected visits") -> np.ndarray:
    """Expected executions of every step per case: ``(I - Mᵀ) v = e_start``.

    Args:
        chain: the indexed version.
        weights: flow weights (see :meth:`Chain.weights`).
        keep: use only these flows (e.g. those between digital steps).
        what: names the figure in errors.

    Raises:
        AnalysisError: the system is singular (a loop that cannot exit) or the solution is
            not finite and non-negative.
    """
    n = len(chain.ids)
    a = sp.identity(n, format="csr") - chain.transposed(weights, keep=keep)
    e = np.zeros(n)
    e[chain.start] = 1.0
    return _checked(_factor(a, chain.model, what).solve(e), chain.model, what)


def arrivals(chain: Chain, weights: np.ndarray, sources: np.ndarray, transparent: np.ndarray,
             *, per_branch: bool, what: str = "transfers through gateways") -> np.ndarray:
    """Arrivals at every step that is not ``transparent`` caused by ``sources``, passing
    through transparent steps (gateways, and whatever the caller treats like them).

    ``arrivals[b, k] = Σ_a sources[a, k] · X[a, b]`` where ``X[a, b]`` sums the weight
    products of the paths from ``a`` to ``b`` whose inner steps are all transparent; it is
    computed without forming ``X``: the mass entering transparent steps solves
    ``(I - M_TTᵀ) x = (Mᵀ s)_T``.

    Args:
        chain: the indexed version.
        weights: flow weights.
        sources: ``n × k`` executions per case of the source steps (rows of transparent
            steps are ignored).
        transparent: boolean mask of the steps passed through.
        per_branch: see :meth:`Chain.transposed`.
        what: names the figure in errors.

    Returns:
        ``n × k``; rows of transparent steps are 0.

    Raises:
        AnalysisError: a cycle of transparent steps cannot be left.
    """
    mt = chain.transposed(weights, per_branch=per_branch)
    s = np.where(transparent[:, None], 0.0, sources)
    direct = mt @ s
    through = np.flatnonzero(transparent)
    if len(through):
        m_tt = mt[through][:, through]
        lu = _factor(sp.identity(len(through), format="csc") - m_tt, chain.model, what)
        x = lu.solve(np.ascontiguousarray(direct[through]))
        x = _checked(x.reshape(len(through), -1), chain.model, what)
        direct = direct + mt[:, through] @ x
    direct[transparent] = 0.0
    return np.asarray(direct)

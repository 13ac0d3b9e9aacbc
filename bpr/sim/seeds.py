"""Reproducible random streams derived from what is simulated, shared between versions.

Every replication's randomness comes from one :class:`numpy.random.SeedSequence` whose
entropy is the scenario's base seed and whose spawn key is (procedure, scenario,
replication) — **not the version**. Inside a replication each source of randomness has
its own child stream keyed by its purpose: the arrival process (``arrivals``,
``arrival-time``, ``arrival-keep``), each case attribute (``attribute:<name>``), and each
step's durations, delays and choices (``duration:<step id>``, ``delay:<step id>``,
``choice:<step id>``).

That is the common-random-numbers design of simulation textbooks (Law, *Simulation
Modeling and Analysis*, "common random numbers"): the as-is and the to-be of a procedure
see the same applicants in each replication — same arrival times, same attribute draws
where both versions have the attribute — and a step that is identical in both draws
identical numbers, so the paired difference of a metric is estimated with far less
noise than the difference of two independent runs. Editing one step of a model does not
reshuffle the random numbers of the others.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["name_key", "replication_seed", "stream"]


def name_key(text: str) -> int:
    """A stable 32-bit integer for ``text`` (Python's ``hash`` varies between runs)."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big")


def replication_seed(seed: int, procedure: str, scenario: str,
                     replication: int) -> np.random.SeedSequence:
    """The seed sequence of one replication, the same for every version of the procedure.

    Args:
        seed: the scenario's base seed.
        procedure: procedure id.
        scenario: scenario name.
        replication: replication number, from 0.

    Returns:
        A seed sequence; the same arguments always give the same one.
    """
    return np.random.SeedSequence(
        entropy=seed,
        spawn_key=(name_key(procedure), name_key(scenario), replication),
    )


def stream(root: np.random.SeedSequence, name: str) -> np.random.Generator:
    """An independent generator for the source of randomness called ``name``."""
    child = np.random.SeedSequence(entropy=root.entropy,
                                   spawn_key=(*root.spawn_key, name_key(name)))
    return np.random.Generator(np.random.PCG64(child))

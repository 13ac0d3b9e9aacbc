"""Reproducible random streams derived from what is simulated.

Every replication's randomness comes from one :class:`numpy.random.SeedSequence` whose
entropy is the scenario's base seed and whose spawn key is (procedure, version,
scenario, replication). Inside a replication each source of randomness (arrivals, each
step's durations, delays and choices) has its own child stream keyed by its name, so
that editing one step of a model does not reshuffle the random numbers of the others.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["name_key", "replication_seed", "stream"]


def name_key(text: str) -> int:
    """A stable 32-bit integer for ``text`` (Python's ``hash`` varies between runs)."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big")


def replication_seed(seed: int, procedure: str, version: str, scenario: str,
                     replication: int) -> np.random.SeedSequence:
    """The seed sequence of one replication.

    Args:
        seed: the scenario's base seed.
        procedure: procedure id.
        version: version label (``as-is``, ``to-be``, ...).
        scenario: scenario name.
        replication: replication number, from 0.

    Returns:
        A seed sequence; the same arguments always give the same one.
    """
    return np.random.SeedSequence(
        entropy=seed,
        spawn_key=(name_key(procedure), name_key(version), name_key(scenario), replication),
    )


def stream(root: np.random.SeedSequence, name: str) -> np.random.Generator:
    """An independent generator for the source of randomness called ``name``."""
    child = np.random.SeedSequence(entropy=root.entropy,
                                   spawn_key=(*root.spawn_key, name_key(name)))
    return np.random.Generator(np.random.PCG64(child))

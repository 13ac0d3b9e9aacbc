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
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.random.bit_generator import ISeedSequence

__all__ = ["name_key", "replication_seed", "stream", "streams"]


@lru_cache(maxsize=1 << 16)
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


# numpy's SeedSequence (numpy/random/bit_generator.pyx; Melissa O'Neill's seed_seq_fe),
# whose output numpy keeps stable: its constants and its two mixing functions.
_MASK32 = 0xFFFFFFFF
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_POOL = 4
_U32 = np.uint32


def _words(value: int) -> list[int]:
    """``value`` as little-endian 32-bit words (0 is one word), as SeedSequence reads an int."""
    if value == 0:
        return [0]
    out = []
    while value > 0:
        out.append(value & _MASK32)
        value >>= 32
    return out


def _prefix_pool(entropy: int, spawn_key: Sequence[int]) -> tuple[list[int], int]:
    """The pool of a SeedSequence of ``entropy`` and ``spawn_key`` (without the last key
    word, mixed in by :func:`streams`), and the hash constant reached."""
    run = _words(entropy)
    run += [0] * (_POOL - len(run))  # spawned: the run entropy is padded to the pool size
    words = run + [w for key in spawn_key for w in _words(key)]
    constant = _INIT_A

    def hashmix(value: int) -> int:
        nonlocal constant
        value ^= constant
        constant = (constant * _MULT_A) & _MASK32
        value = (value * constant) & _MASK32
        return value ^ (value >> 16)

    def mix(x: int, y: int) -> int:
        result = (_MIX_L * x - _MIX_R * y) & _MASK32
        return result ^ (result >> 16)

    pool = [hashmix(words[i]) for i in range(_POOL)]
    for source in range(_POOL):
        for target in range(_POOL):
            if source != target:
                pool[target] = mix(pool[target], hashmix(pool[source]))
    for word in words[_POOL:]:
        for target in range(_POOL):
            pool[target] = mix(pool[target], hashmix(word))
    return pool, constant


def _generate_state(pools: np.ndarray, n_words: int) -> np.ndarray:
    """``SeedSequence.generate_state(n_words)`` (32-bit words) of each row of ``pools``."""
    constant = _INIT_B
    out = np.empty((pools.shape[0], n_words), dtype=_U32)
    for i in range(n_words):
        value = pools[:, i % _POOL] ^ _U32(constant)
        constant = (constant * _MULT_B) & _MASK32
        value *= _U32(constant)
        out[:, i] = value ^ (value >> _U32(16))
    return out


class _Seed(ISeedSequence):
    """The seed sequence of one stream, its pool computed with its siblings' by
    :func:`streams` (numpy's bit generators accept any :class:`ISeedSequence`)."""

    def __init__(self, pool: np.ndarray, pcg64: np.ndarray) -> None:
        self._pool = pool
        self._pcg64 = pcg64

    def generate_state(self, n_words: int, dtype: Any = np.uint32) -> np.ndarray:
        """As ``SeedSequence.generate_state``."""
        wide = np.dtype(dtype) == np.dtype(np.uint64)
        if wide and n_words == self._pcg64.size:
            return self._pcg64.copy()
        if not wide and np.dtype(dtype) != np.dtype(np.uint32):
            raise TypeError("only support uint32 or uint64")
        state = _generate_state(self._pool[None, :], 2 * n_words if wide else n_words)[0]
        return state.astype("<u4").view("<u8").astype(np.uint64) if wide else state


def streams(root: np.random.SeedSequence, names: Sequence[str]) -> list[np.random.Generator]:
    """``[stream(root, name) for name in names]``: the same generators, seeded together.

    Seeding one stream costs numpy a SeedSequence (its pool hashed word by word in
    Python-level code) and a state generation; the streams of a replication share every
    word but the last of their entropy, so the shared words are mixed once and the last
    one, and the states, for all the streams at once (vectorised), as numpy would.
    """
    entropy, spawn_key = root.entropy, root.spawn_key
    if not (isinstance(entropy, int) and entropy >= 0
            and all(isinstance(k, int) and k >= 0 for k in spawn_key)):
        return [stream(root, name) for name in names]
    if not names:
        return []
    prefix, constant = _prefix_pool(entropy, spawn_key)
    last = np.asarray([name_key(name) for name in names], dtype=_U32)  # one word each
    pools = np.empty((last.size, _POOL), dtype=_U32)
    for target in range(_POOL):
        value = last ^ _U32(constant)
        constant = (constant * _MULT_A) & _MASK32
        value *= _U32(constant)
        value ^= value >> _U32(16)
        pools[:, target] = _U32((_MIX_L * prefix[target]) & _MASK32) - _U32(_MIX_R) * value
        pools[:, target] ^= pools[:, target] >> _U32(16)
    states = np.ascontiguousarray(_generate_state(pools, 2 * _POOL).astype("<u4")).view("<u8")
    states = states.astype(np.uint64)
    # numpy's stubs name SeedSequence, its bit generators take any ISeedSequence.
    return [np.random.Generator(np.random.PCG64(_Seed(pool, state)))  # type: ignore[arg-type]
            for pool, state in zip(pools, states, strict=True)]

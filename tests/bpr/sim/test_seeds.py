"""The streams of a replication seeded together are the streams seeded one by one."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from bpr.sim.seeds import name_key, replication_seed, stream, streams

_WORD = st.integers(min_value=0, max_value=2**32 - 1)
_BIG = st.integers(min_value=0, max_value=2**200)


@given(seed=_BIG, replication=_BIG, procedure=st.text(max_size=12), scenario=st.text(max_size=12),
       names=st.lists(st.text(max_size=20), max_size=12))
def test_streams_seeded_together_draw_what_streams_seeded_alone_draw(
        seed: int, replication: int, procedure: str, scenario: str, names: list[str]) -> None:
    root = replication_seed(seed, procedure, scenario, replication)
    together = streams(root, names)
    alone = [stream(root, name) for name in names]
    assert [g.bit_generator.state for g in together] == [g.bit_generator.state for g in alone]
    for fast, reference in zip(together, alone, strict=True):
        assert fast.random(7).tolist() == reference.random(7).tolist()


@given(entropy=_BIG, key=st.lists(_WORD, max_size=5), name=st.text(max_size=8),
       n_words=st.integers(min_value=1, max_value=9))
def test_a_streams_seed_sequence_generates_numpys_words(entropy: int, key: list[int], name: str,
                                                          n_words: int) -> None:
    root = np.random.SeedSequence(entropy=entropy, spawn_key=tuple(key))
    child = np.random.SeedSequence(entropy=entropy, spawn_key=(*key, name_key(name)))
    (generator,) = streams(root, [name])
    seed = generator.bit_generator.seed_seq
    for dtype in (np.uint32, np.uint64):
        assert seed.generate_state(n_words, dtype).tolist() == child.generate_state(n_words, dtype).tolist()


def test_a_root_numpy_would_not_spawn_from_falls_back_to_one_by_one() -> None:
    root = np.random.SeedSequence(entropy=[3, 5], spawn_key=(1, 2))
    together = streams(root, ["a", "b"])
    assert [g.random() for g in together] == [stream(root, n).random() for n in ("a", "b")]

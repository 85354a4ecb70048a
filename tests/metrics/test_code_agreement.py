"""The best one-to-one matching of code values to classes (``ganzoo.metrics.codes``), on
planted permutations whose answer is known."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from ganzoo.metrics.codes import best_matching


def test_a_planted_permutation_is_recovered_exactly():
    rng = np.random.default_rng(0)
    perm = rng.permutation(10)
    codes = rng.integers(0, 10, 2_000)
    m = best_matching(codes, perm[codes], 10, 10)
    assert m.accuracy == 1.0
    assert m.mapping == {v: int(perm[v]) for v in range(10)}
    assert m.confusion.sum() == 2_000


def test_with_a_fifth_of_the_classes_scrambled_the_permutation_still_wins():
    rng = np.random.default_rng(1)
    perm = rng.permutation(10)
    codes = rng.integers(0, 10, 5_000)
    classes = perm[codes].copy()
    noisy = rng.random(5_000) < 0.2
    classes[noisy] = rng.integers(0, 10, int(noisy.sum()))  # a tenth of these stay right
    m = best_matching(codes, classes, 10, 10)
    assert m.mapping == {v: int(perm[v]) for v in range(10)}
    assert m.accuracy == pytest.approx(float((classes == perm[codes]).mean()))
    assert 0.80 < m.accuracy < 0.84  # 0.8 + 0.2 / 10


def test_the_matching_is_the_best_of_all_permutations_not_a_greedy_one():
    # Greedy (largest count first) takes 0->0 (9), then 1->1 (1): 10 of 26. The best
    # one-to-one matching is 0->1 (8) and 1->0 (8): 16 of 26.
    confusion = np.array([[9, 8], [8, 1]])
    codes = np.repeat([0, 0, 1, 1], confusion.ravel())
    classes = np.repeat([0, 1, 0, 1], confusion.ravel())
    m = best_matching(codes, classes, 2, 2)
    assert m.mapping == {0: 1, 1: 0} and m.accuracy == pytest.approx(16 / 26)


def test_it_agrees_with_brute_force_on_small_random_tables():
    rng = np.random.default_rng(2)
    for _ in range(20):
        codes, classes = rng.integers(0, 5, 60), rng.integers(0, 5, 60)
        best = max(
            sum(int(np.sum((codes == v) & (classes == p[v]))) for v in range(5))
            for p in itertools.permutations(range(5))
        )
        assert best_matching(codes, classes, 5, 5).accuracy == pytest.approx(best / 60)


def test_more_code_values_than_classes_leave_the_extra_values_unmatched():
    codes = np.array([0, 0, 1, 2, 2, 3])
    classes = np.array([1, 1, 0, 0, 0, 1])
    m = best_matching(codes, classes, 4, 2)
    assert m.mapping == {0: 1, 2: 0} and m.accuracy == pytest.approx(4 / 6)


def test_mismatched_inputs_are_refused():
    with pytest.raises(ValueError, match="one length"):
        best_matching([0, 1], [0], 2, 2)

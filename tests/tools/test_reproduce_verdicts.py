"""Verdicts of ``ganzoo reproduce`` on constructed numbers: every verdict reachable, the
intervals right, the boundaries on the cautious side."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from ganzoo.tools.reproduce.studies import DAI_WIPF2019, Claim, Side
from ganzoo.tools.reproduce.verdicts import (
    NOT_REPRODUCED,
    NOT_SIGNIFICANT,
    REPRODUCED,
    Difference,
    combine,
    decide,
    judge,
    paired_interval,
    summary,
    welch_interval,
)


def diff(low: float, high: float) -> Difference:
    return Difference((low + high) / 2, low, high, "welch", 3, 3)


def test_welch_interval_matches_scipy():
    a, b = [10.2, 11.5, 9.8, 10.9], [12.1, 13.4, 12.8]
    got = welch_interval(a, b)
    want = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert got.estimate == pytest.approx(sum(a) / 4 - sum(b) / 3)
    assert (got.low, got.high) == pytest.approx((want.low, want.high))


def test_paired_interval_matches_scipy():
    a, b = [5.0, 6.5, 5.5], [7.0, 7.9, 7.6]
    got = paired_interval(a, b)
    want = stats.ttest_rel(a, b).confidence_interval(0.95)
    assert (got.low, got.high) == pytest.approx((want.low, want.high))
    with pytest.raises(ValueError, match="as many values"):
        paired_interval([1.0, 2.0], [1.0])


def test_one_seed_gives_no_interval_and_no_verdict():
    d = welch_interval([1.0], [5.0, 6.0])
    assert d.estimate == pytest.approx(-4.5) and not d.estimable
    assert d.as_dict()["low"] is None
    assert decide("less", d) == NOT_SIGNIFICANT
    assert not paired_interval([1.0], [2.0]).estimable


def test_identical_seeds_give_an_exact_difference():
    d = welch_interval([3.0, 3.0], [5.0, 5.0])
    assert (d.low, d.high) == (-2.0, -2.0)
    assert decide("less", d) == REPRODUCED


@pytest.mark.parametrize(
    ("relation", "low", "high", "verdict"),
    [
        ("less", -3.0, -1.0, REPRODUCED),
        ("less", 1.0, 3.0, NOT_REPRODUCED),
        ("less", -1.0, 1.0, NOT_SIGNIFICANT),
        ("less", -1.0, 0.0, NOT_SIGNIFICANT),  # touching 0 is not below it
        ("greater", 1.0, 3.0, REPRODUCED),
        ("greater", -3.0, -1.0, NOT_REPRODUCED),
        ("greater", 0.0, 1.0, NOT_SIGNIFICANT),
        ("greater", -1.0, 1.0, NOT_SIGNIFICANT),
    ],
)
def test_directional_verdicts(relation, low, high, verdict):
    assert decide(relation, diff(low, high)) == verdict


@pytest.mark.parametrize(
    ("low", "high", "verdict"),
    [
        (-0.5, 2.0, REPRODUCED),  # a may be lower, but by less than the margin 1
        (-3.0, -1.5, NOT_REPRODUCED),  # a is lower by more than the margin
        (-2.0, 0.5, NOT_SIGNIFICANT),  # cannot rule out a lower by more than the margin
        (-1.0, 0.5, NOT_SIGNIFICANT),  # touching -margin is not above it
        (-3.0, -1.0, NOT_SIGNIFICANT),  # touching -margin is not below it either
    ],
)
def test_no_better_than_verdicts_with_a_margin(low, high, verdict):
    assert decide("not_less", diff(low, high), margin=1.0) == verdict


def test_no_better_than_without_margin_is_the_strict_test():
    assert decide("not_less", diff(0.1, 1.0)) == REPRODUCED
    assert decide("not_less", diff(-1.0, -0.1)) == NOT_REPRODUCED
    assert decide("not_less", diff(-0.1, 0.1)) == NOT_SIGNIFICANT


def test_unknown_relation_is_refused():
    with pytest.raises(ValueError, match="unknown relation"):
        decide("equal", diff(0, 1))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("verdicts", "every", "some"),
    [
        ([REPRODUCED, REPRODUCED], REPRODUCED, REPRODUCED),
        ([REPRODUCED, NOT_SIGNIFICANT], NOT_SIGNIFICANT, REPRODUCED),
        ([REPRODUCED, NOT_REPRODUCED], NOT_REPRODUCED, REPRODUCED),
        ([NOT_REPRODUCED, NOT_REPRODUCED], NOT_REPRODUCED, NOT_REPRODUCED),
        ([NOT_REPRODUCED, NOT_SIGNIFICANT], NOT_REPRODUCED, NOT_SIGNIFICANT),
        ([NOT_SIGNIFICANT], NOT_SIGNIFICANT, NOT_SIGNIFICANT),
    ],
)
def test_combining_datasets(verdicts, every, some):
    assert combine(verdicts, "every") == every
    assert combine(verdicts, "some") == some
    assert combine([], "every") is None


def test_summary_is_mean_and_t_half_width():
    s = summary([1.0, 2.0, 3.0])
    assert s["mean"] == pytest.approx(2.0)
    assert s["half_width"] == pytest.approx(stats.t.ppf(0.975, 2) * 1.0 / math.sqrt(3))
    assert s["low"] == pytest.approx(2.0 - s["half_width"])
    assert summary([4.0])["half_width"] is None and summary([])["mean"] is None


ROWS = DAI_WIPF2019.rows_by_name


def test_judge_decides_from_the_values():
    claim = Claim("c", "t", "s", Side("nonsat"), Side("minimax"), "less")
    values = {("nonsat", "fid"): [5.0, 5.2, 5.1], ("minimax", "fid"): [9.0, 9.3, 8.8]}
    record = judge(claim, "digits", ROWS, values)
    assert record["verdict"] == REPRODUCED and record["relation"] == "less"
    assert record["a"]["values"] == [5.0, 5.2, 5.1]
    assert record["difference"]["high"] < 0
    flipped = {("nonsat", "fid"): values[("minimax", "fid")], ("minimax", "fid"): [5.0, 5.2]}
    assert judge(claim, "digits", ROWS, flipped)["verdict"] == NOT_REPRODUCED


def test_judge_leaves_out_missing_seeds_and_their_pairs():
    claim = Claim("c", "t", "s", Side("nonsat", "fid_last"), Side("nonsat", "fid_first"), "less")
    claim = Claim(**{**vars(claim), "paired": True})
    values = {
        ("nonsat", "fid_last"): [3.0, None, 3.2, 3.1],
        ("nonsat", "fid_first"): [6.0, 6.1, None, 6.2],
    }
    record = judge(claim, "digits", ROWS, values)
    assert record["a"]["values"] == [3.0, 3.1] and record["b"]["values"] == [6.0, 6.2]
    assert record["difference"]["method"] == "paired"
    assert record["verdict"] == REPRODUCED


def test_margin_is_a_share_of_the_reference_mean():
    claim = Claim("c", "t", "s", Side("lsgan"), Side("nonsat"), "not_less", margin=0.1)
    values = {("lsgan", "fid"): [9.5, 9.6, 9.4], ("nonsat", "fid"): [10.0, 10.1, 9.9]}
    record = judge(claim, "mnist", ROWS, values)
    assert record["margin"] == pytest.approx(1.0)
    assert record["verdict"] == REPRODUCED  # lower by 0.5 ± small: within the margin of 1.0
    values[("lsgan", "fid")] = [7.0, 7.1, 6.9]
    assert judge(claim, "mnist", ROWS, values)["verdict"] == NOT_REPRODUCED


def test_follow_paper_takes_the_papers_order_where_it_has_figures():
    by_id = {c.id: c for c in DAI_WIPF2019.claims}
    # Dai & Wipf's Table 1: the VAE (16.6) beats WGAN-GP (20.3) on MNIST, not on Fashion
    assert by_id["vae-vs-wgan-gp"].relation_on("mnist", ROWS) == "less"
    assert by_id["vae-vs-wgan-gp"].relation_on("fashion-mnist", ROWS) == "greater"
    assert by_id["vae-vs-nonsat"].relation_on("mnist", ROWS) == "greater"
    assert by_id["vae-vs-nonsat"].relation_on("digits", ROWS) == "greater"  # no figures: the text

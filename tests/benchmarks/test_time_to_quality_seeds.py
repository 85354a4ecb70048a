"""benchmarks/time_to_quality_seeds.py: time to quality averaged over seeds (JSON only)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _seeds():
    path = ROOT / "benchmarks" / "time_to_quality_seeds.py"
    spec = importlib.util.spec_from_file_location("time_to_quality_seeds", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


seeds = _seeds()


def curve(*fids: float) -> list[dict]:
    """A loop's points at marks of 60, 120, ... s, trained exactly to each mark."""
    return [
        {"mark_seconds": 60.0 * (i + 1), "train_seconds": 60.0 * (i + 1), "steps": 10 * (i + 1),
         "fid": fid}
        for i, fid in enumerate(fids)
    ]  # fmt: skip


def record(seed: int, **loops: list[dict]) -> dict:
    return {
        "seed": seed, "marks_seconds": [60.0, 120.0, 180.0, 240.0], "samples": 100,
        "side_by_side": {"loop_threads": 1, "cores": 2},
        "loops": {name.replace("_", " "): points for name, points in loops.items()},
    }  # fmt: skip


def test_time_to_interpolates_between_marks_and_says_none_when_never_reached():
    points = curve(8.0, 4.0, 2.0, 3.0)
    assert seeds.time_to(points, 3.0) == pytest.approx(150.0)  # halfway from 4 to 2
    assert seeds.time_to(points, 9.0) == 60.0  # the first mark already
    assert seeds.time_to(points, 1.0) is None


def test_the_mean_curve_sets_one_target_from_the_plain_loops_of_the_same_seeds():
    # seed 0's plain loop ends lucky (1.0), seed 1's unlucky (3.0): each seed alone gives the
    # fast loop a different ratio; the mean curve's target is their mean final FID, 2.0
    a = record(0, plain_loop=curve(8, 4, 2, 1.0), fast=curve(4, 2, 1.5, 1.5))
    b = record(1, plain_loop=curve(8, 4, 2, 3.0), fast=curve(4, 2, 1.5, 1.5))
    summary = seeds.over_seeds([a, b])
    plain, fast = summary["loops"]["plain loop"], summary["loops"]["fast"]
    assert plain["target_fid"] == fast["target_fid"] == pytest.approx(2.0)
    assert plain["time_to_target_seconds"] == pytest.approx(180.0)
    assert fast["time_to_target_seconds"] == pytest.approx(120.0)
    assert fast["ratio"] == pytest.approx(120.0 / 180.0)
    assert fast["fid_each_mark"] == [4, 2, 1.5, 1.5]
    # seed 0: target 1.0, never reached; seed 1: target 3.0, 90 s against 150 s
    assert fast["ratio_each_seed"] == {0: None, 1: pytest.approx(90.0 / 150.0)}


def test_a_loop_of_fewer_seeds_is_compared_with_the_plain_loop_of_its_seeds_only():
    a = record(0, plain_loop=curve(8, 4, 2, 1.0))
    b = record(1, plain_loop=curve(8, 4, 2, 3.0), other=curve(8, 4, 3.0, 3.0))
    other = seeds.over_seeds([a, b])["loops"]["other"]
    assert other["seeds"] == [1]
    assert other["target_fid"] == 3.0  # seed 1's plain loop, not the mean of both
    assert other["ratio"] == pytest.approx(1.2)  # 180 s against the plain loop's 150 s


def test_records_made_otherwise_or_of_one_seed_twice_are_refused(tmp_path):
    a, b = record(0, plain_loop=curve(1, 1, 1, 1)), record(1, plain_loop=curve(1, 1, 1, 1))
    b["side_by_side"] = {"loop_threads": 2, "cores": 2}
    paths = []
    for i, r in enumerate((a, b, record(0, plain_loop=curve(1, 1, 1, 1)))):
        paths.append(tmp_path / f"{i}.json")
        paths[-1].write_text(json.dumps(r))
    with pytest.raises(SystemExit, match=r"side_by_side .* differs"):
        seeds.load(paths[:2])
    with pytest.raises(SystemExit, match="two records of one seed"):
        seeds.load([paths[0], paths[2]])
    (tmp_path / "torn.json").write_text('{"seed": 0, "loo')
    for bad in (tmp_path / "missing.json", tmp_path / "torn.json"):
        with pytest.raises(SystemExit, match=f"{bad.name}: cannot read a --record file"):
            seeds.load([paths[0], bad])
    # three loops side by side share the cores otherwise than one: another pace
    c = record(1, plain_loop=curve(1, 1, 1, 1), other=curve(1, 1, 1, 1))
    (tmp_path / "c.json").write_text(json.dumps(c))
    with pytest.raises(SystemExit, match=r"loops side by side 2 differs from .* 1"):
        seeds.load([paths[0], tmp_path / "c.json"])


def test_the_report_prints_each_mark_and_each_loops_ratio():
    lines: list[str] = []
    a = record(0, plain_loop=curve(8, 4, 2, 2.0), fast=curve(4, 2, 1.5, 1.5))
    seeds.report(seeds.over_seeds([a]), lines.append)
    text = "\n".join(lines)
    assert "| 2 | 4.00 | 2.00 |" in text  # minute 2: the plain loop's 4, the fast loop's 2
    assert "| fast | 0 | 2.00 | 2.0 min | 0.67 | 0: 0.67 |" in text


def test_the_mean_curve_averages_the_training_times_and_stops_at_the_shortest_curve():
    slow = curve(8, 4, 2, 1.0)
    for p in slow:
        p["train_seconds"] += 20.0  # each mark overshot by 20 s
    short = curve(8, 4, 2)[:3]  # a loop stopped at its third mark
    mean = seeds.mean_curve([slow, short])
    assert [p["train_seconds"] for p in mean] == [70.0, 130.0, 190.0]
    assert [p["fid"] for p in mean] == [8, 4, 2]


def test_records_of_other_marks_or_sample_counts_are_refused(tmp_path):
    a = record(0, plain_loop=curve(1, 1, 1, 1))
    for key, value in (("marks_seconds", [30.0, 60.0, 90.0, 120.0]), ("samples", 1000)):
        b = record(1, plain_loop=curve(1, 1, 1, 1))
        b[key] = value
        for name, r in (("a.json", a), ("b.json", b)):
            (tmp_path / name).write_text(json.dumps(r))
        with pytest.raises(SystemExit, match=f"b.json: {key} .* differs"):
            seeds.load([tmp_path / "a.json", tmp_path / "b.json"])

"""Time to quality over seeds: several ``bench_time_to_quality.py --record`` files, one per seed.

    python benchmarks/bench_time_to_quality.py --over-seeds seed0.json seed1.json seed2.json

One seed's time to quality is fragile: once the loops reach their plateau, the FID moves by
±0.3 from one mark to the next, and the target (the plain loop's FID at its *last* mark) is
one draw from that plateau. A lucky last mark makes the target hard to reach for everyone, an
unlucky one easy (the plain loop itself then reaches it minutes before its end). This module
reads the same measurement made with several seeds and reports it two ways:

- **each seed**: the time to its own target, as ``bench_time_to_quality.py`` reports it;
- **the seeds' mean curve**: every loop's FID averaged mark by mark over its seeds, the
  target the plain loop's mean FID at its last mark over *the same seeds* (a loop recorded
  with fewer seeds is compared with the plain loop of those seeds only), and the time each
  mean curve needs to reach it (linear between marks), with the plain loop's own time as 1.

Only records made alike are combined: the same marks and sample count, and side by side the
same thread count and number of loops (each loop's share of the cores sets its steps per
minute); anything else is refused.
No torch: it reads JSON.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

PLAIN = "plain loop"
#: what two records must share to be averaged (their loops' pace depends on each)
ALIKE = ("marks_seconds", "samples", "side_by_side")


def time_to(points: list[dict[str, Any]], target: float) -> float | None:
    """Training seconds at which the FID first reaches ``target`` (linear between marks)."""
    before = None
    for p in points:
        if p["fid"] <= target:
            if before is None or before["fid"] == p["fid"]:
                return p["train_seconds"]
            share = (before["fid"] - target) / (before["fid"] - p["fid"])
            return before["train_seconds"] + share * (p["train_seconds"] - before["train_seconds"])
        before = p
    return None


def _pace(record: dict[str, Any]) -> dict[str, Any]:
    """What sets a record's steps per minute: its marks, samples and share of the cores."""
    pace = {key: record.get(key) for key in ALIKE}
    if record.get("side_by_side"):  # n loops at once: each on about cores / n of the cores
        pace["loops side by side"] = len(record["loops"])
    return pace


def load(paths: list[str | Path]) -> list[dict[str, Any]]:
    """The records at ``paths``, checked to be alike and of different seeds."""
    records = []
    for path in paths:
        try:
            records.append(json.loads(Path(path).read_text()))
        except (OSError, ValueError) as error:  # missing, unreadable or not JSON
            raise SystemExit(f"{path}: cannot read a --record file ({error})") from None
    for path, record in zip(paths, records, strict=True):
        if PLAIN not in record.get("loops", {}):
            raise SystemExit(f"{path}: no plain loop curve (a --record file of curves?)")
        mine, first = _pace(record), _pace(records[0])
        for key, value in mine.items():
            if value != first.get(key):
                raise SystemExit(
                    f"{path}: {key} {value!r} differs from {paths[0]}'s {first.get(key)!r}; "
                    "only records made alike can be averaged"
                )
    seeds = [r.get("seed") for r in records]
    if len(set(seeds)) != len(seeds):
        raise SystemExit(f"two records of one seed: seeds {seeds}")
    return records


def mean_curve(curves: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The curves' FID and training time averaged mark by mark (marks all curves reached)."""
    marks = min(len(c) for c in curves)
    return [
        {
            "mark_seconds": curves[0][i]["mark_seconds"],
            "train_seconds": statistics.fmean(c[i]["train_seconds"] for c in curves),
            "steps": statistics.fmean(c[i]["steps"] for c in curves),
            "fid": statistics.fmean(c[i]["fid"] for c in curves),
        }
        for i in range(marks)
    ]


def over_seeds(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Each loop's time to quality per seed and on the seeds' mean curve (module docstring)."""
    names = list(dict.fromkeys(name for r in records for name in r["loops"]))
    loops: dict[str, Any] = {}
    for name in names:
        mine = [r for r in records if name in r["loops"]]
        plain = mean_curve([r["loops"][PLAIN] for r in mine])
        curve = mean_curve([r["loops"][name] for r in mine])
        target = plain[-1]["fid"]
        reached, plain_time = time_to(curve, target), time_to(plain, target)
        each = {}
        for r in mine:
            own_target = r["loops"][PLAIN][-1]["fid"]  # its own seed's plain loop's last FID
            own = time_to(r["loops"][name], own_target)
            own_plain = time_to(r["loops"][PLAIN], own_target)
            each[r["seed"]] = None if own is None or not own_plain else own / own_plain
        loops[name] = {
            "seeds": [r["seed"] for r in mine],
            "fid_each_mark": [round(p["fid"], 3) for p in curve],
            "target_fid": target,
            "time_to_target_seconds": reached,
            "plain_time_to_target_seconds": plain_time,
            "ratio": None if reached is None or not plain_time else reached / plain_time,
            "ratio_each_seed": each,
        }
    return {"marks_seconds": records[0]["marks_seconds"], "loops": loops}


def report(summary: dict[str, Any], say: Any = print) -> None:
    """The Markdown tables: the mean FID at each mark, then the times to the target."""
    loops = summary["loops"]
    say("")
    heads = [f"{n} ({len(f['seeds'])} seed{'s' * (len(f['seeds']) > 1)})" for n, f in loops.items()]
    say("| minutes | " + " | ".join(heads) + " |")
    say("|---" * (len(loops) + 1) + "|")
    for i, mark in enumerate(summary["marks_seconds"]):
        cells = [
            f"{f['fid_each_mark'][i]:.2f}" if i < len(f["fid_each_mark"]) else "-"
            for f in loops.values()
        ]
        say(f"| {mark / 60:g} | " + " | ".join(cells) + " |")
    say("")
    say("| loop | seeds | target (plain, same seeds) | mean curve: time | × plain "
        "| each seed: × plain |")  # fmt: skip
    say("|---|---|---|---|---|---|")
    for name, f in loops.items():
        reached, ratio = f["time_to_target_seconds"], f["ratio"]
        each = ", ".join(
            f"{seed}: {'-' if r is None else f'{r:.2f}'}"
            for seed, r in f["ratio_each_seed"].items()
        )
        say(
            f"| {name} | {', '.join(map(str, f['seeds']))} | {f['target_fid']:.2f} | "
            f"{'-' if reached is None else f'{reached / 60:.1f} min'} | "
            f"{'-' if ratio is None else f'{ratio:.2f}'} | {each} |"
        )

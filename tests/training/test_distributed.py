"""Multi-process training under torchrun: 2 CPU processes with the gloo backend."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from ganzoo.runs.rundir import RunDir

pytestmark = pytest.mark.slow  # torchrun starts processes that each import torch

TRAIN = ["--model", "dcgan", "--dataset", "digits", "--batch-size", "16", "--log-every", "40"]
STEPS = 120


def torchrun(*args: object, nproc: int = 2) -> list[str]:
    """``torchrun --standalone``: a local rendezvous on a free port, never a clash."""
    return [
        sys.executable, "-m", "torch.distributed.run", "--standalone",
        "--nproc-per-node", str(nproc), "-m", "ganzoo", *map(str, args),
    ]  # fmt: skip


def run(cmd: list[str], timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (torchrun puts its workers in sessions of their own)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        children = [c for c, p in parents.items() if p in frontier]
        found += children
        frontier = children
    return found


@pytest.fixture(scope="module")
def two_process_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ddp") / "run"
    run(torchrun("train", *TRAIN, "--steps", STEPS, "--checkpoint-every", "4", "--out", out, "-q"))
    return out


def test_two_processes_train_one_run_with_identical_replicas(two_process_run):
    out = two_process_run
    assert sorted(p.name for p in out.parent.iterdir()) == ["run"]  # one run folder
    summary = RunDir(out).read_summary()
    assert summary["processes"] == 2 and summary["replicas_identical"] is True
    assert summary["steps"] == STEPS
    records = [r for r in RunDir(out).read_metrics() if "event" not in r]  # log lines only
    assert [r["step"] for r in records] == [40, 80, 120]
    assert records[-1]["images"] == STEPS * 16 * 2  # each rank its own 16 of a batch of 32
    config = RunDir(out).read_config()
    assert config["resolved"]["processes"] == 2
    state = RunDir(out).load_checkpoint()
    assert len(state["rng_per_rank"]) == 2
    assert not torch.equal(state["rng_per_rank"][0]["torch"], state["rng_per_rank"][1]["torch"])


def test_killed_distributed_run_resumes_to_the_same_weights(tmp_path, two_process_run):
    out = tmp_path / "run"
    cmd = torchrun("train", *TRAIN, "--steps", STEPS, "--checkpoint-every", "4", "--out", out, "-q")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True
    )
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        found = RunDir(out).checkpoints() if (out / "checkpoints").exists() else []
        if found and RunDir(out).load_checkpoint(found[-1])["step"] >= 4:
            break
        time.sleep(0.1)
    assert proc.poll() is None, "the run ended before it could be killed"
    for pid in [proc.pid, *descendants(proc.pid)]:  # torchrun and its workers, at once
        os.kill(pid, signal.SIGKILL)
    proc.wait()
    assert RunDir(out).read_summary() == {}
    run(torchrun("train", "--resume", out, "-q"))
    ours, reference = RunDir(out).load_checkpoint(), RunDir(two_process_run).load_checkpoint()
    assert ours["step"] == STEPS
    assert all(torch.equal(ours["model"][k], reference["model"][k]) for k in reference["model"])


def test_resume_with_another_process_count_is_refused(two_process_run, run_cli):
    result = run_cli("train", "--resume", two_process_run, "--steps", STEPS + 4)
    assert result.exit_code == 2
    assert "trained by 2 process(es); resume it with the same number (now 1)" in result.err

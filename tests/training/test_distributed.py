"""Multi-process training under torchrun: 2 CPU processes with the gloo backend."""

from __future__ import annotations

import os
import signal
import socket
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


def torchrun(
    *args: object, nproc: int = 2, launch: tuple[str, ...] = ("--standalone",)
) -> list[str]:
    """``torchrun --standalone`` by default: a local rendezvous on a free port, never a clash."""
    return [
        sys.executable, "-m", "torch.distributed.run", *launch,
        "--nproc-per-node", str(nproc), "-m", "ganzoo", *map(str, args),
    ]  # fmt: skip


ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def run(cmd: list[str], timeout: int = 300) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def same_weights(a: Path, b: Path) -> bool:
    """Whether two runs' newest checkpoints hold bit-identical weights (and moving average)."""
    ours, theirs = RunDir(a).load_checkpoint(), RunDir(b).load_checkpoint()
    nets = [(ours["model"], theirs["model"]), (ours["ema"]["weights"], theirs["ema"]["weights"])]
    return ours["step"] == theirs["step"] and all(
        mine.keys() == other.keys() and all(torch.equal(mine[k], other[k]) for k in mine)
        for mine, other in nets
    )


def worker(launcher: int, rank: int) -> int:
    """The pid of the training process of ``rank`` below torchrun's ``launcher`` pid."""
    for pid in descendants(launcher):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"RANK={rank}".encode() in environ and b"TORCHELASTIC_RUN_ID" in b" ".join(environ):
            return pid
    raise AssertionError(f"no worker of rank {rank} below pid {launcher}")


def wait_for_checkpoint(proc: subprocess.Popen, out: Path, step: int, seconds: int = 240) -> None:
    """Until ``out`` holds a checkpoint of ``step`` or later (the run still going)."""
    deadline = time.time() + seconds
    while time.time() < deadline and proc.poll() is None:
        found = RunDir(out).checkpoints() if (out / "checkpoints").exists() else []
        if found and RunDir.checkpoint_step(found[-1]) >= step:
            return
        time.sleep(0.1)
    assert proc.poll() is None, "the run ended before it could be killed"
    raise AssertionError(f"no checkpoint of step {step} in {seconds} s")


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
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV, start_new_session=True
    )
    wait_for_checkpoint(proc, out, 4)
    for pid in [proc.pid, *descendants(proc.pid)]:  # torchrun and its workers, at once
        os.kill(pid, signal.SIGKILL)
    proc.wait()
    assert RunDir(out).read_summary() == {}
    run(torchrun("train", "--resume", out, "-q"))
    assert same_weights(out, two_process_run)


def test_two_nodes_meet_by_c10d_rendezvous_and_train_the_standalone_run(tmp_path, two_process_run):
    """Two ``torchrun --nnodes 2 --nproc-per-node 1``, each in its own working folder as on
    its own machine, find each other through a c10d rendezvous on 127.0.0.1 (node 0 hosts
    the store) and train exactly what ``--standalone --nproc-per-node 2`` trained."""
    endpoint = f"127.0.0.1:{free_port()}"
    nodes, procs = [tmp_path / "node0", tmp_path / "node1"], []
    for i, node in enumerate(nodes):
        node.mkdir()
        launch = (
            "--nnodes", "2", "--rdzv-backend", "c10d", "--rdzv-endpoint", endpoint,
            "--rdzv-id", "ganzoo-two-nodes",
            "--rdzv-conf", f"is_host={int(i == 0)},join_timeout=120",
            "--local-addr", "127.0.0.1",
        )  # fmt: skip
        cmd = torchrun("train", *TRAIN, "--steps", STEPS, "--checkpoint-every", "4",
                       "--out", "run", "-q", nproc=1, launch=launch)  # fmt: skip
        log = open(node / "torchrun.log", "w")  # noqa: SIM115 (closed below)
        proc = subprocess.Popen(
            cmd, cwd=node, stdout=log, stderr=log, env=ENV, start_new_session=True
        )
        procs.append((proc, log))
    try:
        codes = [proc.wait(timeout=300) for proc, _ in procs]
    finally:
        for proc, log in procs:
            if proc.poll() is None:  # torchrun and its worker
                os.killpg(proc.pid, signal.SIGKILL)
            log.close()
    logs = "\n".join((node / "torchrun.log").read_text()[-2000:] for node in nodes)
    assert codes == [0, 0], logs
    written = [node / "run" for node in nodes if (node / "run").exists()]
    assert len(written) == 1, written  # the node of rank 0 alone writes the run folder
    summary = RunDir(written[0]).read_summary()
    assert summary["processes"] == 2 and summary["replicas_identical"] is True
    assert same_weights(written[0], two_process_run)


def test_a_killed_worker_is_restarted_by_torchrun_and_resumes_to_the_same_weights(
    tmp_path, two_process_run
):
    """``--max-restarts 1``: SIGKILL one worker (rank 0, the writer) after a checkpoint;
    torchrun restarts both, the same command finds its job's run and continues it."""
    out, log_path = tmp_path / "run", tmp_path / "torchrun.log"
    cmd = torchrun("train", *TRAIN, "--steps", STEPS, "--checkpoint-every", "4", "--out", out,
                   "-q", launch=("--standalone", "--max-restarts", "1"))  # fmt: skip
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=log, env=ENV, start_new_session=True)
        try:
            wait_for_checkpoint(proc, out, 8)
            os.kill(worker(proc.pid, rank=0), signal.SIGKILL)
            code = proc.wait(timeout=300)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    log = log_path.read_text()
    assert code == 0, log[-3000:]
    assert "torchrun restart 1: continuing" in log
    assert same_weights(out, two_process_run)
    records = [r for r in RunDir(out).read_metrics() if "event" not in r]
    assert [r["step"] for r in records] == [40, 80, 120]  # the killed attempt's tail dropped


def test_resume_with_another_process_count_is_refused(two_process_run, run_cli):
    result = run_cli("train", "--resume", two_process_run, "--steps", STEPS + 4)
    assert result.exit_code == 2
    assert "trained by 2 process(es); resume it with the same number (now 1)" in result.err
    assert f"ganzoo train --resume {two_process_run} --nproc 2" in result.err


def test_nproc_with_another_process_count_is_refused_before_torchrun_starts(
    two_process_run, run_cli
):
    result = run_cli("train", "--nproc", "3", "--resume", two_process_run)
    assert result.exit_code == 2
    assert result.err.count("\n") == 1  # one line: no rank ever started
    assert "trained by 2 process(es); resume it with the same number (now 3)" in result.err

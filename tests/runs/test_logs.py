"""A run's logs reach the disk before each checkpoint, without an fsync a line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from ganzoo.runs import rundir
from ganzoo.runs.rundir import METRICS, RunDir


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads file names from /proc")
def test_log_lines_are_synced_with_the_next_checkpoint(tmp_path, monkeypatch):
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.path.basename(os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    monkeypatch.setattr(rundir.os, "fsync", fsync)
    run = RunDir(tmp_path / "run")
    run.create()
    for step in (1, 2, 3):
        run.append_metrics({"step": step})
    assert synced == []  # appending writes the file, but waits for a checkpoint to sync
    assert [r["step"] for r in run.read_metrics()] == [1, 2, 3]
    run.save_checkpoint({"w": torch.zeros(1)}, step=3, keep=1)
    assert synced[0] == METRICS  # the log before the checkpoint that covers its lines
    synced.clear()
    run.save_checkpoint({"w": torch.zeros(1)}, step=4, keep=1)
    assert METRICS not in synced  # nothing new to sync

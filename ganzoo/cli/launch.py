"""``ganzoo train --nproc N``: the same command again, under torchrun (torch-free here)."""

from __future__ import annotations

import os
import subprocess
import sys

from ganzoo.api.errors import UsageError
from ganzoo.cli.options import invocation
from ganzoo.runs.rundir import RunDir, other_process_count


def launch_torchrun(nproc: int, resume: str | None) -> None:
    """``--nproc N``: run this same command under torchrun with N processes, then exit.

    A resumed run's process count is checked here, before any process starts, so that a
    refusal is one line (not one per rank and torchrun's report).
    """
    if nproc < 1:
        raise UsageError(f"--nproc must be an integer >= 1, got {nproc}")
    if "WORLD_SIZE" in os.environ:
        raise UsageError("--nproc cannot be used inside torchrun; drop it")
    if resume is not None:
        trained = RunDir.open(resume).read_config().get("resolved", {}).get("processes", 1)
        if trained != nproc:
            raise other_process_count(resume, trained, nproc)
    args, skip = [], False
    for arg in invocation:  # this command line without --nproc
        if skip:
            skip = False
        elif arg == "--nproc":
            skip = True
        elif not arg.startswith("--nproc="):
            args.append(arg)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    cmd += ["--nproc-per-node", str(nproc), "-m", "ganzoo", *args]
    raise SystemExit(subprocess.call(cmd))

"""Record the runs too long for the docs build, once, with what made them.

    python docs/_scripts/record_runs.py [--data-dir ../shared/data] [NAME ...]

A tutorial whose lesson needs a long run (the DCGAN page: recognisable digits need
thousands of steps, minutes of CPU) shows a run recorded by this script instead of one made
while the site builds. For each recording it runs the page's commands, verbatim and at their
full budget, through ganzoo's CLI in a fresh working folder, then keeps in
``docs/_recorded/NAME/``:

- the run's ``config.json``, ``summary.json``, ``eval/*.json``, its last sample grid and its
  loss-curve figure (checkpoints are left out: they are large and the page does not show
  them);
- ``outputs.json``: each command line and everything it printed;
- ``record.json``: the commands, the commit (and whether the tree had local changes), the
  date, the machine (CPU, cores, OS), the Python, torch and ganzoo versions, and the seconds
  each command took.

The docs build (``docs/_scripts/figures.py``) reads these files, checks that they still
load with the current code's result readers, and shows them; the docs tests still run the
same commands at a small budget, so a page's commands keep working.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RECORDED = ROOT / "docs" / "_recorded"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import (  # noqa: E402
    CONDITIONAL_MNIST_COMMANDS,
    MNIST_COMMANDS,
    SHARED_DATA_IN_DOCS,
)

#: recording name -> (the page's commands, the run folder they write)
RECORDINGS: dict[str, tuple[tuple[str, ...], str]] = {
    "dcgan-mnist": (MNIST_COMMANDS, "runs/dcgan-mnist"),
    **{
        name: (commands, f"runs/{name}")
        for name, commands in CONDITIONAL_MNIST_COMMANDS.items()
    },
}


def git(*args: str) -> str:
    """The output of a git command in the repository (empty where git is absent)."""
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def machine() -> dict[str, object]:
    """What the recording ran on, as far as the standard library and torch can tell."""
    import torch

    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
    }


def record(name: str, data_dir: str) -> Path:
    """Run recording ``name``'s commands at full budget; keep its artefacts; return the folder."""
    import ganzoo

    commands, run_folder = RECORDINGS[name]
    target = RECORDED / name
    outputs, seconds = {}, {}
    # the code that runs is the code at the start: name it before the commands run
    commit = git("rev-parse", "HEAD")
    local_changes = bool(git("status", "--porcelain", "--", "ganzoo", "plugins"))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for line in commands:
            args = shlex.split(line.replace(SHARED_DATA_IN_DOCS, data_dir))
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "ganzoo", *args[1:]],
                cwd=work,
                capture_output=True,
                text=True,
                env={**os.environ, "COLUMNS": "88"},
            )
            seconds[line] = round(time.perf_counter() - start, 1)
            if done.returncode != 0:
                raise SystemExit(
                    f"{line!r} failed ({done.returncode}):\n{done.stderr}"
                )
            outputs[line] = done.stdout
        run = work / run_folder
        staged = work / "recorded"
        (staged / "eval").mkdir(parents=True)
        for kept in ("config.json", "summary.json", "loss_curves.png"):
            shutil.copyfile(run / kept, staged / kept)
        for result in sorted((run / "eval").glob("*.json")):
            shutil.copyfile(result, staged / "eval" / result.name)
        grids = sorted((run / "samples").glob("*.png"))
        shutil.copyfile(grids[-1], staged / "samples_last.png")
        (staged / "outputs.json").write_text(json.dumps(outputs, indent=2) + "\n")
        meta = {
            "name": name,
            "commands": list(commands),
            "run_folder": run_folder,
            "last_grid": grids[-1].name,
            "commit": commit,
            "local_changes": local_changes,
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "ganzoo": ganzoo.__version__,
            "seconds": seconds,
        }
        (staged / "record.json").write_text(json.dumps(meta, indent=2) + "\n")
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(staged, target)
    return target


def main(argv: list[str] | None = None) -> None:
    """Record the named recordings (all by default)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=list(RECORDINGS))
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    args = parser.parse_args(argv)
    if unknown := set(args.names) - set(RECORDINGS):
        parser.error(f"unknown {sorted(unknown)}; valid: {', '.join(RECORDINGS)}")
    for name in args.names:
        print(f"recorded {name} in {record(name, args.data_dir)}")


if __name__ == "__main__":
    main()

"""A run is a folder you can trust: every file is written atomically.

Layout::

    RUN/
      config.json         resolved configuration, seed and versions
      metrics.jsonl       one JSON object per logged step
      dynamics.jsonl      1-D data only: p_data, p_g and D(x) on a grid, per epoch
      samples/            epoch_0001.png, ...: a sample grid (or plot) per epoch
      loss_curves.png     losses and D outputs over training
      checkpoints/        step_00000100.pt, ...; LATEST names the newest complete one
      summary.json        final figures of the run

Every write goes through :mod:`ganzoo.runs.files`: to a temporary file, then moved into
place, so a kill at any moment leaves either the old complete file or the new complete one.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ganzoo.api.errors import GanzooError, UsageError
from ganzoo.runs.files import atomic_path, atomic_write_json, atomic_write_text, exclusive_lock

CONFIG = "config.json"
METRICS = "metrics.jsonl"
DYNAMICS = "dynamics.jsonl"
SUMMARY = "summary.json"
CHECKPOINTS = "checkpoints"
_CHECKPOINT_NAME = re.compile(r"step_(\d+)\.pt")  # what checkpoint_path writes
LATEST = "LATEST"
LOCK = ".lock"


class RunDir:
    """The folder of one training run."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._unsynced: set[str] = set()  # logs appended to since the last sync_logs

    @classmethod
    def check_new(cls, path: Path | str) -> RunDir:
        """Refuse a path that holds files already (nothing is ever overwritten)."""
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise UsageError(f"--out {path} is a file, not a folder")
        if path.is_dir() and any(path.iterdir()):
            raise UsageError(f"--out {path} is not empty; choose a new folder")
        return cls(path)

    @classmethod
    def check_replaceable(cls, path: Path | str) -> RunDir:
        """What ``--overwrite`` may replace: nothing, an empty folder, or a run not in use.

        A folder that is not a ganzoo run, or one a live run holds, is refused.
        """
        path = Path(path)
        if not path.exists() or (path.is_dir() and not any(path.iterdir())):
            return cls(path)
        run = cls.open(path)
        with run.lock():
            pass
        return run

    def remove(self) -> None:
        """Delete this run folder (``--overwrite``); refuses a foreign folder or a live run."""
        if not self.path.exists() or (self.path.is_dir() and not any(self.path.iterdir())):
            return
        RunDir.open(self.path)
        with self.lock():
            shutil.rmtree(self.path)

    @classmethod
    def open(cls, path: Path | str) -> RunDir:
        """An existing run folder; :class:`UsageError` if ``path`` is not one."""
        run = cls(path)
        if not run.path.is_dir():
            raise UsageError(f"{run.path} is not a folder")
        if not (run.path / CONFIG).is_file():
            raise UsageError(f"{run.path} is not a ganzoo run (no {CONFIG})")
        return run

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the run folder for one process; a second writer is refused.

        An OS file lock (``flock``) dies with its process, so a killed run never leaves the
        folder locked.
        """
        refusal = (
            f"run folder {self.path} is in use by a live run (pid {{pid}}); "
            "wait for it to finish or stop it first"
        )
        with exclusive_lock(self.path / LOCK, refusal):
            yield

    def create(self) -> None:
        """Make the folder and its sub-folders."""
        try:
            for sub in ("", "samples", CHECKPOINTS):
                (self.path / sub).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create run folder {self.path}: {exc.strerror}") from exc

    # --- config, metrics, summary -------------------------------------------------------
    def write_config(self, config: dict[str, Any]) -> None:
        """Store the resolved configuration."""
        atomic_write_json(self.path / CONFIG, config)

    def read_config(self) -> dict[str, Any]:
        """The stored configuration; :class:`GanzooError` (one line) if it is malformed.

        ``config.json`` must be a JSON object with a ``config`` object (the resolved
        configuration, naming at least the model, the loss and the dataset) and a ``data``
        object (the data's description, which rebuilds the model).
        """
        path = self.path / CONFIG
        stored = _read_json(path)
        if not isinstance(stored, dict):
            raise GanzooError(f"{path} is malformed: expected a JSON object, got {_kind(stored)}")
        for key in ("config", "data"):
            if key not in stored:
                raise GanzooError(f"{path} is malformed: it has no {key!r} key")
            if not isinstance(stored[key], dict):
                raise GanzooError(
                    f"{path} is malformed: {key!r} must be an object, got {_kind(stored[key])}"
                )
        for key in ("model", "loss", "dataset"):
            if not isinstance(stored["config"].get(key), str):
                raise GanzooError(f"{path} is malformed: 'config' has no {key!r} name")
        return stored

    def append_metrics(self, record: dict[str, Any]) -> None:
        """Append one line to the metrics log."""
        self.append_jsonl(METRICS, record)

    def read_metrics(self) -> list[dict[str, Any]]:
        """Every complete line of the metrics log."""
        return self.read_jsonl(METRICS)

    def append_jsonl(self, name: str, record: dict[str, Any]) -> None:
        """Append one JSON line to the log ``name`` (on disk at the next :meth:`sync_logs`).

        A line is in the file as soon as this returns, so a killed process loses none; only
        a machine that loses power can lose the lines since the last sync. Those never
        matter: a resumed run keeps only the lines up to its checkpoint, and every
        checkpoint syncs the logs first. An ``fsync`` per line cost the README's first run
        (220 lines) 1.4 s on a shared machine's disk.
        """
        with open(self.path / name, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, sort_keys=True) + "\n")
        self._unsynced.add(name)

    def sync_logs(self) -> None:
        """Flush to disk every log appended to since the last sync (before a checkpoint)."""
        for name in sorted(self._unsynced):
            with contextlib.suppress(FileNotFoundError), open(self.path / name, "rb") as f:
                os.fsync(f.fileno())
        self._unsynced.clear()

    def read_jsonl(self, name: str) -> list[dict[str, Any]]:
        """Every complete line of the log ``name`` (a torn last line is ignored)."""
        path = self.path / name
        if not path.exists():
            return []
        records = []
        for line in path.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(json.JSONDecodeError):
                records.append(json.loads(line))
        return records

    def truncate_jsonl(self, name: str, step: int) -> None:
        """Keep only the records of ``name`` up to ``step`` (when resuming from that step)."""
        path = self.path / name
        if not path.exists():
            return
        kept = [r for r in self.read_jsonl(name) if r.get("step", 0) <= step]
        atomic_write_text(path, "".join(json.dumps(r, sort_keys=True) + "\n" for r in kept))

    def write_summary(self, summary: dict[str, Any]) -> None:
        """Store the run's final figures (the logs reach the disk first)."""
        self.sync_logs()
        atomic_write_json(self.path / SUMMARY, summary)

    def read_summary(self) -> dict[str, Any]:
        """The run's final figures (empty if the run has not finished)."""
        path = self.path / SUMMARY
        return _read_json(path) if path.exists() else {}

    # --- checkpoints -------------------------------------------------------------------
    @staticmethod
    def checkpoint_step(path: Path | str) -> int | None:
        """The step a checkpoint's file name says (``step_00000100.pt`` -> 100), else None."""
        match = _CHECKPOINT_NAME.fullmatch(Path(path).name)
        return int(match.group(1)) if match else None

    def checkpoint_path(self, step: int) -> Path:
        """Where the checkpoint of ``step`` lives."""
        return self.path / CHECKPOINTS / f"step_{step:08d}.pt"

    def save_checkpoint(self, state: dict[str, Any], step: int, keep: int) -> Path:
        """Save ``state`` atomically, mark it newest, keep only the newest ``keep``."""
        import torch

        path = self.checkpoint_path(step)
        self.sync_logs()  # the lines up to this step are on disk before the step's checkpoint
        with atomic_path(path) as tmp:
            torch.save(state, tmp)
        atomic_write_text(self.path / CHECKPOINTS / LATEST, path.name + "\n")
        self.prune_checkpoints(keep)
        return path

    def remove_torn_files(self) -> None:
        """Delete temporary files a killed writer left (call only while holding the lock)."""
        for folder in (self.path, self.path / CHECKPOINTS, self.path / "samples"):
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)

    def prune_checkpoints(self, keep: int) -> None:
        """Delete all but the newest ``keep`` checkpoints.

        The new checkpoint is complete before an old one goes, so a kill in between leaves
        ``keep + 1`` files; the next save or resume prunes them.
        """
        for old in self.checkpoints()[:-keep]:
            old.unlink(missing_ok=True)

    def checkpoints(self) -> list[Path]:
        """Checkpoint files, oldest first."""
        return sorted((self.path / CHECKPOINTS).glob("step_*.pt"))

    def latest_checkpoint(self) -> Path | None:
        """The newest complete checkpoint, as named by ``LATEST`` (or the newest file)."""
        marker = self.path / CHECKPOINTS / LATEST
        if marker.exists():
            path = self.path / CHECKPOINTS / marker.read_text().strip()
            if path.exists():
                return path
        found = self.checkpoints()
        return found[-1] if found else None

    def load_checkpoint(self, path: Path | None = None) -> dict[str, Any]:
        """Load a checkpoint with ``weights_only=True``: no code runs while unpickling."""
        path = path or self.latest_checkpoint()
        if path is None:
            raise UsageError(f"{self.path} has no checkpoint")
        try:
            state = safe_torch_load(path)
        except Exception as exc:
            raise GanzooError(f"cannot load checkpoint {path}: {_load_failure(exc)}") from exc
        if not isinstance(state, dict) or "model" not in state:
            raise GanzooError(f"cannot load checkpoint {path}: not a ganzoo checkpoint")
        return state

    def load_good_checkpoint(
        self, warn: Callable[[str], None] = lambda message: None
    ) -> tuple[dict[str, Any], Path]:
        """The newest checkpoint that loads, newest first; each one skipped is reported.

        If none loads, the error names the newest and why it failed (one line, no warnings).
        """
        candidates = self.checkpoints()[::-1]
        latest = self.latest_checkpoint()
        if latest in candidates:  # the marker wins over file names
            candidates.remove(latest)
            candidates.insert(0, latest)
        if not candidates:
            raise UsageError(f"{self.path} has no checkpoint to resume from")
        skipped: list[GanzooError] = []
        for path in candidates:
            try:
                state = self.load_checkpoint(path)
            except GanzooError as exc:
                skipped.append(exc)
                continue
            for exc in skipped:  # reported only when an older checkpoint takes over
                warn(f"skipping {exc}")
            return state, path
        others = f" (and {len(skipped) - 1} older one(s))" if len(skipped) > 1 else ""
        raise GanzooError(
            f"no checkpoint in {self.path / CHECKPOINTS} loads, so the run cannot resume: "
            f"{skipped[0]}{others}"
        )


def safe_torch_load(path: Path) -> Any:
    """``torch.load(path, weights_only=True)`` on the CPU: tensors and plain containers only.

    A pickle that holds code or arbitrary objects raises instead of running. torch's warning
    about the pickle protocol of a (refused or foreign) file is silenced: ganzoo reports
    such a file in one line of its own.
    """
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Detected pickle protocol", category=UserWarning)
        return torch.load(path, map_location="cpu", weights_only=True)


def _load_failure(exc: Exception) -> str:
    """One line on why ``torch.load`` refused a file."""
    text = str(exc)
    if "Weights only load failed" in text or "Unsupported global" in text:
        return "it holds pickled code or objects, which ganzoo refuses to run (weights_only)"
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return f"the file is truncated or corrupt ({first})"


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string"}.get(type(value), repr(value))


def other_process_count(run: Path | str, trained: int, now: int) -> UsageError:
    """The one-line refusal to resume ``run`` with another number of processes.

    ``--batch-size`` is per process and every rank draws its own noise, so another count
    would continue a different experiment from the one recorded (docs/distributed.md).
    """
    return UsageError(
        f"this run was trained by {trained} process(es); resume it with the same number "
        f"(now {now}): ganzoo train --resume {run} --nproc {trained}"
    )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc

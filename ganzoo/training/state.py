"""Everything a resumed run needs besides weights: data position, random states, guards.

A run resumed from a checkpoint must continue exactly as if it had never stopped, so the
checkpoint holds the data order's position (:class:`BatchStream`), every random generator
in use (:func:`rng_state`), and the partial statistics of the current log window.
"""

from __future__ import annotations

import random
import time
from typing import Any

import numpy as np
import torch

from ganzoo.api.data import DataSource


class BatchStream:
    """Endless shuffled batches, epoch after epoch, resumable at any batch.

    Each epoch's order is drawn from a dedicated generator; the stream records that
    generator's state at the start of the current epoch and how many batches were taken, so
    a restored stream replays the same order from the same position.
    """

    def __init__(
        self,
        data: DataSource,
        batch_size: int,
        seed: int,
        rank: int = 0,
        world_size: int = 1,
        labelled: bool = False,
    ) -> None:
        """Under torchrun every rank draws the same order and takes its own slice of each
        ``batch_size × world_size`` super-batch: the data is sharded, never repeated.

        ``labelled``: batches are ``(x, labels)`` (:meth:`DataSource.epoch_labelled`), in
        the same order an unlabelled stream of the same seed takes."""
        self.data, self.batch_size, self.labelled = data, batch_size, labelled
        self.rank, self.world_size = rank, world_size
        self.generator = torch.Generator().manual_seed(seed)
        self.epoch, self.taken = 0, 0
        self._epoch_start = self.generator.get_state()
        self._batches: Any = None
        # Seconds spent drawing batches (the loop's data wait; on CUDA the time to launch
        # the indexing). Kept across resumes, reported in summary.json.
        self.wait_seconds = 0.0

    def __call__(self) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """The next batch (``(x, labels)`` for a labelled stream)."""
        start = time.perf_counter()
        try:
            return self._next()
        finally:
            self.wait_seconds += time.perf_counter() - start

    def _next(self) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        while True:
            if self._batches is None:
                self._open_epoch()
            batch = next(self._batches, None)
            if batch is not None:
                self.taken += 1
                if self.world_size > 1:
                    part = slice(self.rank * self.batch_size, (self.rank + 1) * self.batch_size)
                    return tuple(b[part] for b in batch) if self.labelled else batch[part]
                return batch
            self.epoch, self.taken, self._batches = self.epoch + 1, 0, None

    def _open_epoch(self) -> None:
        self._epoch_start = self.generator.get_state()
        epoch = self.data.epoch_labelled if self.labelled else self.data.epoch
        self._batches = iter(epoch(self.batch_size * self.world_size, self.generator))
        for _ in range(self.taken):  # resuming mid-epoch: replay the order up to here
            next(self._batches)

    def state_dict(self) -> dict[str, Any]:
        """Where the stream is: epoch, batches taken, generator state at the epoch's start."""
        return {
            "epoch": self.epoch,
            "taken": self.taken,
            "epoch_start": self._epoch_start,
            "wait_seconds": self.wait_seconds,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from a :meth:`state_dict`."""
        self.epoch, self.taken = int(state["epoch"]), int(state["taken"])
        self._epoch_start = state["epoch_start"]
        self.wait_seconds = float(state.get("wait_seconds", 0.0))
        self.generator.set_state(self._epoch_start)
        self._batches = None


def rng_state() -> dict[str, Any]:
    """The state of every random generator a run uses: torch (CPU, CUDA), NumPy, Python."""
    np_state = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": {
            "keys": torch.from_numpy(np_state[1].astype(np.int64)),
            "pos": int(np_state[2]),
            "has_gauss": int(np_state[3]),
            "cached_gaussian": float(np_state[4]),
        },
        "python": _python_state_to_tensors(random.getstate()),
    }


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` returned."""
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    n = state["numpy"]
    keys = n["keys"].numpy().astype(np.uint32)
    np.random.set_state(("MT19937", keys, n["pos"], n["has_gauss"], n["cached_gaussian"]))
    version, internal, gauss = state["python"]
    random.setstate((int(version), tuple(int(v) for v in internal.tolist()), gauss))


def _python_state_to_tensors(state: tuple[Any, ...]) -> list[Any]:
    """Python's random state as types ``torch.load(weights_only=True)`` accepts."""
    version, internal, gauss = state
    return [version, torch.tensor(internal, dtype=torch.int64), gauss]


class DivergenceGuard:
    """Notes, without a host sync per step, the first step whose statistics are not finite.

    Each step folds ``isfinite`` of every statistic into device tensors; the loop reads them
    only when it logs or checkpoints anyway.
    """

    def __init__(self, device: torch.device) -> None:
        self.first_bad = torch.full((), -1, dtype=torch.long, device=device)
        self.bad_key = torch.full((), -1, dtype=torch.long, device=device)
        self.keys: list[str] = []

    def observe(self, step: int, keys: list[str], values: torch.Tensor) -> None:
        """Fold in one step's statistics (``values[i]`` is statistic ``keys[i]``)."""
        self.keys = keys
        bad = ~torch.isfinite(values)
        newly = bad.any() & (self.first_bad < 0)
        self.bad_key = torch.where(newly, bad.long().argmax(), self.bad_key)
        self.first_bad = torch.where(newly, step, self.first_bad)

    def check(self) -> tuple[int, str] | None:
        """``(step, statistic)`` of the first non-finite value seen, or ``None``."""
        step, key = (int(v) for v in torch.stack([self.first_bad, self.bad_key]).tolist())
        return None if step < 0 else (step, self.keys[key])


def non_finite_parameters(module: torch.nn.Module) -> list[str]:
    """Names of the direct sub-networks (e.g. generator) holding a NaN or infinity."""
    bad = []
    for name, child in module.named_children():
        params = list(child.parameters())
        if params and not torch.stack([torch.isfinite(p).all() for p in params]).all():
            bad.append(name)
    return bad

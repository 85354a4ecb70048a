"""Device selection, CPU threads and seeding."""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import Iterator

import numpy as np
import torch

from ganzoo.api.errors import UsageError


def resolve_device(name: str) -> torch.device:
    """``auto`` picks CUDA, then MPS, then CPU; an unavailable device is a usage error."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError, TypeError):
        raise UsageError(
            f"--device must be one of auto, cpu, cuda, mps (or cuda:N), got {name!r}"
        ) from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise UsageError("--device cuda: CUDA is not available here; valid here: auto, cpu")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise UsageError(
                f"--device {name}: only {torch.cuda.device_count()} CUDA device(s) here"
            )
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise UsageError("--device mps: MPS is not available here; valid here: auto, cpu")
    return device


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy and torch (CPU and every CUDA device)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


#: Below this many trainable parameters a CPU step is faster on one thread: the work per op
#: is too small to pay for waking a second one (the README's first run: 200 digits steps take
#: 1.2 s on one thread, and 13x that with torch's default threads on a busy 2-core machine).
SMALL_MODEL_PARAMETERS = 500_000


def cores_available() -> int:
    """The cores this process may run on (its CPU affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def choose_threads(requested: int | None, parameters: int, processes: int = 1) -> int:
    """Intra-op threads for a CPU run: ``requested``, else by model size and core share.

    Every process of a job gets an equal share of the cores (one each under torchrun on a
    2-core machine); a model under :data:`SMALL_MODEL_PARAMETERS` gets one thread.
    """
    if requested is not None:
        return requested
    share = max(1, cores_available() // max(1, processes))
    return 1 if parameters < SMALL_MODEL_PARAMETERS else share


def native_bf16(device: torch.device) -> bool:
    """Whether ``device`` multiplies bfloat16 matrices in hardware, where bf16 autocast pays.

    On a CPU that means AMX tiles (Intel Xeon from Sapphire Rapids on): oneDNN's bf16
    convolutions there train DCGAN on MNIST at 1.8x float32's images/s on 2 cores
    (``benchmarks/bench_time_to_quality.py``). Without them there are no bf16 matrix units
    and autocast usually costs more than it saves (unmeasured here), so ``auto`` leaves
    other CPUs in float32. CUDA and MPS: ``False`` until measured there
    (``benchmarks/gpu_check.sh`` times ``--amp bf16`` when a GPU is lent).
    """
    if device.type != "cpu":
        return False
    probe = getattr(torch.cpu, "_is_amx_tile_supported", None)  # torch's own oneDNN check
    try:
        return bool(probe is not None and probe())
    except RuntimeError:  # a build without the probe's kernels: assume none
        return False


def choose_amp(requested: str, device: torch.device, parameters: int) -> str:
    """A run's mixed precision: ``requested``, or for ``auto`` bf16 where it pays, else none.

    ``auto`` picks ``bf16`` on a device with :func:`native_bf16` for a model of at least
    :data:`SMALL_MODEL_PARAMETERS` (below it a step is dominated by per-op overhead, which
    autocast's casts only add to), else ``none``. The choice is recorded in the run's
    ``config.json``, so a resumed run keeps its precision on any machine.
    """
    if requested != "auto":
        return requested
    big = parameters >= SMALL_MODEL_PARAMETERS
    return "bf16" if big and native_bf16(device) else "none"


@contextlib.contextmanager
def intra_op_threads(threads: int) -> Iterator[None]:
    """Run the block with ``threads`` intra-op threads; the caller's count comes back after."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)

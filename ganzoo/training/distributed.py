"""Multi-process training with torchrun: PyTorch's own DistributedDataParallel.

    torchrun --nproc-per-node 2 -m ganzoo train --model dcgan --dataset mnist ...

torchrun sets ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK``; ganzoo then joins the process
group (NCCL on CUDA, gloo on CPU), wraps each network in DDP, shards every batch across
ranks, and lets rank 0 alone write the run folder. Without those variables nothing here
does anything and training runs in one process.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from ganzoo.api.errors import GanzooError


@dataclass(frozen=True)
class DistEnv:
    """This process's place in the job."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    #: torchrun's name for the job (``TORCHELASTIC_RUN_ID``: ``--rdzv-id``, or a fresh
    #: random one per ``--standalone`` launch); ``None`` outside torchrun
    job: str | None = None
    #: how many times torchrun restarted the workers (``--max-restarts``); 0 the first time
    restart: int = 0

    @property
    def enabled(self) -> bool:
        """Whether more than one process trains."""
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that writes files and prints progress."""
        return self.rank == 0


def from_environment() -> DistEnv:
    """The job as torchrun described it (one process when the variables are absent)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    job = os.environ.get("TORCHELASTIC_RUN_ID")
    restart = int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0"))
    if world <= 1:
        return DistEnv(job=job, restart=restart)
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    return DistEnv(rank, world, local_rank, job, restart)


def init(env: DistEnv, device: torch.device) -> torch.device:
    """Join the process group; on CUDA each process takes the GPU of its local rank."""
    if not env.enabled:
        return device
    if device.type == "cuda":
        device = torch.device("cuda", env.local_rank)
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        dist.init_process_group(
            backend,
            device_id=device if device.type == "cuda" else None,
            **_restart_store(env),
        )
    return device


def _restart_store(env: DistEnv) -> dict[str, Any]:
    """After a torchrun restart, the process group's keys under a prefix of their own.

    torchrun keeps its rendezvous store across restarts; a process group made with the
    same keys as the dead attempt's could read a dead worker's address and fail to
    connect (measured: gloo's "connectFullMesh ... Connection refused" in 2 restarts of
    3). The first attempt uses the default (``env://``) path unchanged.
    """
    if env.restart == 0:
        return {}
    agent = os.environ.get("TORCHELASTIC_USE_AGENT_STORE", "").lower() == "true"
    store = dist.TCPStore(
        os.environ["MASTER_ADDR"],
        int(os.environ["MASTER_PORT"]),
        env.world_size,
        is_master=env.rank == 0 and not agent,
    )
    prefixed = dist.PrefixStore(f"ganzoo/restart-{env.restart}", store)
    return {"store": prefixed, "rank": env.rank, "world_size": env.world_size}


def shutdown(env: DistEnv, together: bool = False) -> None:
    """Leave the process group; ``together`` waits for every rank first.

    After a run that ended well, rank 0 still writes the summary and figures while the
    others are done: a rank that tore its process group down then could abort in gloo's
    teardown ("terminate called without an active exception"). A barrier makes them leave
    together; after an error it is skipped, since another rank may never reach it.
    """
    if env.enabled and dist.is_initialized():
        if together:
            dist.barrier()
        dist.destroy_process_group()


def wrap(module: nn.Module, env: DistEnv, device: torch.device) -> nn.Module:
    """``module`` in DDP when distributed (gradients averaged across ranks), else as is."""
    if not env.enabled or not any(p.requires_grad for p in module.parameters()):
        return module
    ids = [device.index] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(module, device_ids=ids)


def mean_across_ranks(values: torch.Tensor, env: DistEnv) -> torch.Tensor:
    """The average of ``values`` over every rank (itself when not distributed)."""
    if not env.enabled:
        return values
    values = values.clone()
    dist.all_reduce(values, op=dist.ReduceOp.SUM)
    return values / env.world_size


def max_across_ranks(values: torch.Tensor, env: DistEnv) -> torch.Tensor:
    """The elementwise maximum of ``values`` over every rank."""
    if not env.enabled:
        return values
    values = values.clone()
    dist.all_reduce(values, op=dist.ReduceOp.MAX)
    return values


def gather_objects(obj: Any, env: DistEnv) -> list[Any]:
    """Every rank's ``obj``, in rank order (``[obj]`` when not distributed)."""
    if not env.enabled:
        return [obj]
    gathered: list[Any] = [None] * env.world_size
    dist.all_gather_object(gathered, obj)
    return gathered


def broadcast_object(obj: Any, env: DistEnv) -> Any:
    """Rank 0's ``obj`` on every rank."""
    if not env.enabled:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def on_main(fn: Callable[[], Any], env: DistEnv) -> Any:
    """Run ``fn`` on rank 0 only; if it raises a :class:`GanzooError`, every rank raises it.

    Without this a check that fails on rank 0 alone would leave the others waiting forever.
    """
    if not env.enabled:
        return fn()
    result, error = None, None
    if env.is_main:
        try:
            result = fn()
        except GanzooError as exc:
            error = exc
    error = broadcast_object(error, env)
    if error is not None:
        raise error
    return result


def replicas_identical(module: nn.Module, env: DistEnv) -> bool:
    """Whether every rank holds bit-identical parameters.

    Batch-norm running statistics are buffers that each rank updates from its own shard
    (DDP re-broadcasts rank 0's before each forward); they are not compared, and rank 0's
    are the ones saved. ``--sync-bn`` makes the batch statistics themselves global.
    """
    if not env.enabled:
        return True
    digest = torch.stack([p.detach().double().sum() for p in module.parameters()]).cpu()
    return all(torch.equal(digest, other) for other in gather_objects(digest, env))

"""One run in progress: its built components, the counters that move, and its records.

:func:`prepare` turns a :class:`~ganzoo.training.config.TrainConfig` into a
:class:`Session` (data, model, objective, trainer, batch stream, evaluator), raising every
user error before the run folder exists. A session's :meth:`Session.state_dict` is a
checkpoint; :func:`config_record` is what ``config.json`` says of it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import platform
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import torch

import ganzoo
from ganzoo.api.data import DataSource
from ganzoo.api.errors import UsageError
from ganzoo.host.build import build_dataset, build_loss, build_model, unlabelled_message
from ganzoo.host.device import choose_amp, choose_threads, seed_everything
from ganzoo.host.resolve import Components
from ganzoo.host.subset import training_subset
from ganzoo.runs.rundir import RunDir, other_process_count
from ganzoo.training import distributed
from ganzoo.training.augment import run_policy
from ganzoo.training.config import ResolvedRun, TrainConfig, check, resolve
from ganzoo.training.defaults import batch_size, optimiser_defaults
from ganzoo.training.distributed import DistEnv
from ganzoo.training.ema import EMA
from ganzoo.training.regularise import d_regularisers
from ganzoo.training.state import BatchStream, rng_state, set_rng_state
from ganzoo.training.trainer import OptimSettings, Trainer, make_trainer

if TYPE_CHECKING:
    from ganzoo.metrics.results import EvalResult

UNBOUNDED = sys.maxsize  # total steps of a run that stops only when its time budget is spent


@dataclass
class Session:
    """One training run in progress: built components and the counters that move."""

    plan: ResolvedRun
    run: RunDir
    model: Any
    trainer: Trainer
    data: DataSource
    stream: BatchStream
    device: torch.device
    env: DistEnv = field(default_factory=DistEnv)
    total_steps: int = UNBOUNDED  # lowered to the current step when the time budget runs out
    step: int = 0
    seconds: float = 0.0  # training time of earlier sessions of this run
    keys: list[str] = field(default_factory=list)  # names of the logged statistics
    window: torch.Tensor | None = None  # their sum since the last log line
    since_log: int = 0
    final: dict[str, float] = field(default_factory=dict)
    evaluator: Any = None  # ganzoo.metrics.Evaluator of --eval-every, if set
    ema: EMA | None = None  # the generator's moving average of --ema, if set
    alerts: set[str] = field(default_factory=set)  # health alerts in force (see loop)
    board: Any = None  # the TensorBoard writer of --tensorboard (main process), if set
    equilibrium: dict[str, float] = field(default_factory=dict)  # loss values at p_g = p_data
    subset: dict[str, Any] | None = None  # the training subset's record (--data-fraction)
    on_eval: Any = None  # the caller's EvalCallback (ganzoo.training.result), if any
    stopped_by: str | None = None  # the reason on_eval gave for stopping early

    def sampling(self) -> contextlib.AbstractContextManager[Any]:
        """The block in which the model samples as grids and evaluations see it (EMA's G)."""
        return self.ema.applied() if self.ema is not None else contextlib.nullcontext()

    @property
    def config(self) -> TrainConfig:
        """The resolved configuration."""
        return self.plan.config

    @property
    def steps_per_epoch(self) -> int:
        return self.plan.steps_per_epoch

    @property
    def batches_per_step(self) -> int:
        return getattr(self.trainer, "batches_per_step", 1)

    @property
    def threads(self) -> int:
        """CPU intra-op threads of this run (see :func:`ganzoo.host.device.choose_threads`)."""
        return choose_threads(
            self.config.threads, count_parameters(self.model), self.env.world_size
        )

    @property
    def images(self) -> int:
        """Real images seen so far, by all processes together."""
        return self.step * self.config.batch_size * self.batches_per_step * self.env.world_size

    def epoch_of(self, step: int) -> int:
        """The (1-based) epoch that ``step`` falls in."""
        return (step - 1) // self.steps_per_epoch + 1

    def state_dict(self) -> dict[str, Any]:
        """A checkpoint: weights, optimizers, counters, data position, random states."""
        return {
            "model": self.model.state_dict(),
            "trainer": self.trainer.state_dict(),
            "step": self.step,
            "seconds": self.seconds,
            "stream": self.stream.state_dict(),
            "rng": rng_state(),
            "rng_per_rank": distributed.gather_objects(rng_state(), self.env),
            "world_size": self.env.world_size,
            "window": {"keys": self.keys, "sum": self.window, "count": self.since_log},
            "config": self.config.to_dict(),
            "ema": self.ema.state_dict() if self.ema is not None else None,
            "alerts": sorted(self.alerts),  # a resumed run does not repeat an alert in force
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state_dict`."""
        self.model.load_state_dict(state["model"])
        self.trainer.load_state_dict(state["trainer"])
        self.step = int(state["step"])
        self.seconds = float(state["seconds"])
        self.stream.load_state_dict(state["stream"])
        world = int(state.get("world_size", 1))
        if world != self.env.world_size:
            raise other_process_count(self.run.path, world, self.env.world_size)
        set_rng_state(state["rng_per_rank"][self.env.rank])
        window = state["window"]
        self.keys = list(window["keys"])
        self.window = None if window["sum"] is None else window["sum"].to(self.device)
        self.since_log = int(window["count"])
        if self.ema is not None and state.get("ema") is not None:
            self.ema.load_state_dict(state["ema"])
        self.alerts = set(state.get("alerts", []))


def prepare(
    config: TrainConfig,
    env: DistEnv,
    device: torch.device,
    run: RunDir | None = None,
    components: Components | None = None,
) -> Session:
    """Build data, model, objective, trainer and evaluator for ``config``.

    Every user error (a name, an option, the data, the evaluation settings) is raised here,
    before anything is written. The run folder is ``run`` (a resumed run), else
    ``config.out`` or, if unset, a new default name agreed on by every process.
    ``components`` is :func:`ganzoo.training.config.check`'s record, if the caller has it:
    each name is looked up once per run.
    """
    components = components or check(config)
    seed_everything(config.seed)
    resumed = run is not None  # a stored config is resolved: no model defaults on top
    options = (
        config.dataset_options if resumed else components.dataset_options(config.dataset_options)
    )
    data = build_dataset(components.dataset, config.data_dir, config.download, "train", options)
    # before the batch stream: the loop, its epochs and its batch-size check see the subset
    data, subset = training_subset(data, config.subset_request(), config.dataset)
    plan = resolve(config, _steps_per_epoch(config, env, data, components), not resumed, components)
    if run is None:
        out = distributed.broadcast_object(str(plan.out), env)  # one folder, named by rank 0
        if out != str(plan.out):
            plan = _with_out(plan, out)
        run = RunDir(plan.out)
    c = plan.config
    if c.conditional and not getattr(data, "labelled", False):  # a folder without classes
        raise UsageError(unlabelled_message(c.dataset))
    model = build_model(components.model, data.info, c.latent_dim, c.model_options, c.conditional)
    objective = build_loss(components.loss, c.loss_options)
    regularisers = d_regularisers(components, model, c.reg_options)
    augment = run_policy(components.augmentations, data.info, c.augment_options).to(device)
    model.to(device)
    if c.channels_last:  # conv weights NHWC (4-D tensors only): oneDNN's and cuDNN's fast path
        model.to(memory_format=torch.channels_last)
    data = data.to(device)
    if c.amp == "auto":  # chosen once for this machine and model, then recorded (resumes keep it)
        c = dataclasses.replace(c, amp=choose_amp(c.amp, device, count_parameters(model)))
        plan = dataclasses.replace(plan, config=c)
    if env.enabled:  # same initial weights everywhere (DDP also checks), different noise
        seed_everything(c.seed + env.rank)
    trainer = make_trainer(
        model,
        objective,
        OptimSettings(
            float(c.lr),
            tuple(c.betas),  # type: ignore[arg-type]
            c.d_steps,  # type: ignore[arg-type]
            regularisers,
            augment,
            lr_d=c.lr_d,
        ),
        family=plan.family,
        device=device,
        amp=c.amp,
        compile=c.compile,
        sync_bn=c.sync_bn,
        env=env,
    )
    stream = BatchStream(
        data, c.batch_size, c.seed, env.rank, env.world_size, labelled=c.conditional
    )
    session = Session(
        plan, run, model, trainer, data, stream, device, env,
        total_steps=plan.total_steps or UNBOUNDED,
    )  # fmt: skip
    session.subset = subset
    session.ema = _ema(plan, model)
    session.equilibrium = dict(getattr(objective, "equilibrium", None) or {})
    session.evaluator = make_evaluator(c, components) if env.is_main else None
    return session


def _steps_per_epoch(
    config: TrainConfig, env: DistEnv, data: DataSource, components: Components
) -> int:
    """Generator steps per pass over ``data``; a batch larger than the data is refused."""
    batch = batch_size(config, components)
    per_step = batch * env.world_size
    d_steps = optimiser_defaults(config, components)[1]
    steps_per_epoch = data.batches_per_epoch(per_step) // d_steps
    if steps_per_epoch < 1:
        raise UsageError(
            f"--batch-size {batch} × --d-steps {d_steps}"
            + (f" × {env.world_size} processes" if env.enabled else "")
            + f" needs more samples than dataset {config.dataset!r} has ({len(data)}"
            + (" in the training subset" if config.subset_request().requested else "")
            + "); use a smaller batch"
        )
    return steps_per_epoch


def _ema(plan: ResolvedRun, model: Any) -> EMA | None:
    """The moving average of ``--ema`` over the family's sampling network, if asked for."""
    c = plan.config
    if not c.ema:
        return None
    if plan.family.sampling_network is None:
        raise UsageError(
            f"--ema averages a GAN's generator; model {c.model!r} ({plan.family.name}) has none"
        )
    return EMA(model, plan.family.sampling_network, c.ema)


def _with_out(plan: ResolvedRun, out: str) -> ResolvedRun:
    return dataclasses.replace(plan, config=dataclasses.replace(plan.config, out=out))


def make_evaluator(config: TrainConfig, components: Components | None = None) -> Any:
    """The evaluator of ``--eval-every``, built (and its errors raised) before training."""
    if config.eval_every is None:
        return None
    from ganzoo.metrics.fidelity import Evaluator

    dataset = components.dataset if components is not None else None
    with torch.random.fork_rng(devices=[]):  # training draws the same numbers with or without
        return Evaluator(
            config.eval_spec(),
            log=lambda message: print(message, file=sys.stderr),
            dataset=dataset,
        )


def evaluate_now(s: Session) -> tuple[EvalResult, float]:
    """IS/FID/KID of the model now, saved under ``RUN/eval/``; returns it and its seconds."""
    from ganzoo.metrics.results import attach_run, save_result

    start = time.perf_counter()
    with s.sampling():
        result = s.evaluator(s.model, step=s.step)
    result = attach_run(
        result, config_record(s), run=str(s.run.path), checkpoint=None, ema=s.ema is not None
    )
    save_result(s.run.path, result)
    return result, time.perf_counter() - start


def count_parameters(module: torch.nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def config_record(s: Session) -> dict[str, Any]:
    """What ``config.json`` records: the resolved config, the data, the machine."""
    components = s.plan.components.provenance()
    return {
        "config": s.config.to_dict(),
        "data": s.data.info.as_dict(),
        "subset": s.subset,
        "components": components,
        "distributions": distributions(components),
        "resolved": {
            "device": str(s.device),
            "processes": s.env.world_size,
            "threads": s.threads if s.device.type == "cpu" else None,
            "latent_dim": getattr(s.model, "latent_dim", None),
            "num_classes": getattr(s.model, "num_classes", None),
            "steps": s.total_steps if s.total_steps < UNBOUNDED else None,
            "steps_per_epoch": s.steps_per_epoch,
            "family": s.plan.family.name,
            "parameters": {n: count_parameters(m) for n, m in s.model.named_children()},
        },
        "environment": {
            "ganzoo": ganzoo.__version__,
            "torch": torch.__version__,
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "started": datetime.now().isoformat(timespec="seconds"),
            # a torchrun restart resumes the run only if the same job started it (loop.train)
            "torchrun_job": s.env.job,
        },
    }


def distributions(components: dict[str, dict[str, Any]]) -> dict[str, str | None]:
    """Each installed distribution that provided a component, with its version."""
    return {
        c["distribution"]: c["version"]
        for c in sorted(components.values(), key=lambda c: str(c["distribution"]))
        if c["distribution"] is not None
    }

"""The training loop: data, model and objective in; a run folder out.

    result = train(TrainConfig(model="vanilla", loss="nonsat", dataset="digits", steps=200))
    result = resume("runs/vanilla-nonsat-digits-...")  # after a crash, bit-exact

The loop knows epochs, logging, figures, checkpoints, interrupts and divergence; what one
step does is the family's trainer (:mod:`ganzoo.training.adversarial` for GANs,
:mod:`ganzoo.training.likelihood` for VAEs).
"""

from __future__ import annotations

import contextlib
import platform
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import torch

import ganzoo
from ganzoo.data import DataSource
from ganzoo.errors import GanzooError, UsageError
from ganzoo.plugins import get_registry
from ganzoo.rundir import DYNAMICS, METRICS, RunDir, timestamped_folder
from ganzoo.training import distributed
from ganzoo.training.build import build_dataset, build_loss, build_model, resolve_loss_name
from ganzoo.training.config import TrainConfig
from ganzoo.training.device import resolve_device, seed_everything
from ganzoo.training.distributed import DistEnv
from ganzoo.training.figures import plot_loss_curves, save_samples
from ganzoo.training.precision import Precision
from ganzoo.training.state import (
    BatchStream,
    DivergenceGuard,
    non_finite_parameters,
    rng_state,
    set_rng_state,
)

SIGNAL_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Diverged(GanzooError):
    """A loss or a weight became NaN or infinite; the last good checkpoint is kept."""

    exit_code = 3


class Interrupted(GanzooError):
    """Stopped by SIGINT or SIGTERM after saving a checkpoint (exit 130 or 143)."""

    prefix = "Stopped"

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class TrainResult:
    """What a finished run left behind."""

    run_dir: Path
    steps: int
    seconds: float
    final: dict[str, float]


def default_run_dir(config: TrainConfig, root: Path = Path("runs")) -> Path:
    """``runs/<model>-<loss>-<dataset>-<timestamp>``, never an existing folder."""
    return timestamped_folder(root, f"{config.model}-{config.loss}-{config.dataset}")


def make_trainer(
    model: Any, objective: Any, config: TrainConfig, env: DistEnv, device: torch.device
) -> Any:
    """The step logic of the model's family, with its networks as they will run."""
    precision = Precision(config.amp, device)

    def running(module: torch.nn.Module) -> torch.nn.Module:
        if env.enabled and config.sync_bn:
            module = torch.nn.SyncBatchNorm.convert_sync_batchnorm(module)
        module = distributed.wrap(module, env, device)
        return torch.compile(module) if config.compile else module

    if model.family == "adversarial":
        from ganzoo.training.adversarial import AdversarialTrainer

        if env.enabled and config.sync_bn:  # converted in place, so checkpoints keep their keys
            model.generator = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model.generator)
            model.discriminator = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model.discriminator)
        networks = (running(model.generator), running(model.discriminator))
        return AdversarialTrainer(
            model, objective, config.lr, config.betas, config.d_steps, precision, networks
        )
    if model.family == "likelihood":
        from ganzoo.training.likelihood import LikelihoodTrainer

        network = running(model)
        return LikelihoodTrainer(model, objective, config.lr, config.betas, precision, network)
    raise UsageError(f"no trainer for model family {model.family!r}")


def count_parameters(module: torch.nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def dynamics_grid(data: DataSource, points: int = 200) -> torch.Tensor | None:
    """For 1-D data, the x grid of the distribution figure: the data's range ± 3 std."""
    samples = getattr(data, "samples", None)
    if data.info.dim != 1 or samples is None:
        return None
    x = samples.reshape(-1).float().cpu()
    spread = 3 * x.std().item()
    return torch.linspace(x.min().item() - spread, x.max().item() + spread, points)


@dataclass
class Session:
    """One training run in progress: built components and the counters that move."""

    config: TrainConfig
    run: RunDir
    model: Any
    trainer: Any
    data: DataSource
    stream: BatchStream
    steps_per_epoch: int
    total_steps: int
    device: torch.device
    env: DistEnv = field(default_factory=DistEnv)
    step: int = 0
    seconds: float = 0.0  # training time of earlier sessions of this run
    keys: list[str] = field(default_factory=list)  # names of the logged statistics
    window: torch.Tensor | None = None  # their sum since the last log line
    since_log: int = 0
    final: dict[str, float] = field(default_factory=dict)
    evaluator: Any = None  # ganzoo.metrics.Evaluator of --eval-every, if set

    @property
    def batches_per_step(self) -> int:
        return getattr(self.trainer, "batches_per_step", 1)

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
            raise UsageError(
                f"this run was trained by {world} process(es); resume it with the same number "
                f"(now {self.env.world_size})"
            )
        set_rng_state(state["rng_per_rank"][self.env.rank])
        window = state["window"]
        self.keys = list(window["keys"])
        self.window = None if window["sum"] is None else window["sum"].to(self.device)
        self.since_log = int(window["count"])


def _prepare(config: TrainConfig, run: RunDir, env: DistEnv, device: torch.device) -> Session:
    """Build data, model, objective and trainer for ``config`` (validated already)."""
    seed_everything(config.seed)
    data = build_dataset(
        config.dataset, config.data_dir, config.download, "train", config.dataset_options
    )
    per_step = config.batch_size * env.world_size
    steps_per_epoch = data.batches_per_epoch(per_step) // config.d_steps
    if steps_per_epoch < 1:
        raise UsageError(
            f"--batch-size {config.batch_size} × --d-steps {config.d_steps}"
            + (f" × {env.world_size} processes" if env.enabled else "")
            + f" needs more samples than dataset {config.dataset!r} has ({len(data)}); "
            "use a smaller batch"
        )
    model = build_model(config.model, data.info, config.latent_dim, config.model_options)
    objective = build_loss(config.loss, config.loss_options)
    model.to(device)
    data = data.to(device)
    if env.enabled:  # same initial weights everywhere (DDP also checks), different noise
        seed_everything(config.seed + env.rank)
    trainer = make_trainer(model, objective, config, env, device)
    epochs = config.epochs or (None if config.time_budget else TrainConfig.DEFAULT_EPOCHS)
    total = config.steps or (epochs * steps_per_epoch if epochs else sys.maxsize)
    stream = BatchStream(data, config.batch_size, config.seed, env.rank, env.world_size)
    session = Session(
        config, run, model, trainer, data, stream, steps_per_epoch, total, device, env
    )
    session.evaluator = _evaluator(config) if env.is_main else None
    return session


def train(config: TrainConfig, console: Any = None, progress: bool = True) -> TrainResult:
    """Train ``config.model`` with ``config.loss`` on ``config.dataset`` (see TrainConfig)."""
    config.validate()
    config.loss = resolve_loss_name(config.model, config.loss, TrainConfig.DEFAULT_LOSS)
    if config.lr is None:
        meta = get_registry().get("model", config.model).meta
        config.lr = float(meta.get("lr", TrainConfig.DEFAULT_LR))
    get_registry().get("dataset", config.dataset)
    env = distributed.from_environment()
    device = distributed.init(env, resolve_device(config.device))
    out = str(config.out or default_run_dir(config))
    config.out = distributed.broadcast_object(out, env)  # one folder, named by rank 0
    run = RunDir(config.out)
    distributed.on_main(lambda: RunDir.check_new(run.path), env)
    session = _prepare(config, run, env, device)  # user errors surface before the folder exists
    try:
        with _main_only_lock(run, env, create=True):
            if env.is_main:
                run.write_config(_config_record(session))
            return _run(session, console, progress)
    finally:
        distributed.shutdown(env)


@contextlib.contextmanager
def _main_only_lock(run: RunDir, env: DistEnv, create: bool = False) -> Iterator[None]:
    """Rank 0 creates and locks the run folder; the other ranks write nothing."""
    if not env.is_main:
        yield
        return
    if create:
        run.create()
    with run.lock():
        yield


def resume(
    run_dir: str | Path,
    *,
    steps: int | None = None,
    epochs: int | None = None,
    device: str | None = None,
    console: Any = None,
    progress: bool = True,
) -> TrainResult:
    """Continue a run from its newest good checkpoint, as if it had never stopped.

    ``steps`` or ``epochs`` extend (or set) the run's length; ``device`` moves it.
    """
    run = RunDir.open(run_dir)
    env = distributed.from_environment()
    with _main_only_lock(run, env):
        stored = run.read_config()
        config = TrainConfig.from_dict(stored["config"])
        if steps is not None or epochs is not None:
            config.steps, config.epochs = steps, epochs
        if device is not None:
            config.device = device
        config.validate()
        device = distributed.init(env, resolve_device(config.device))
        found = distributed.on_main(lambda: run.load_good_checkpoint(_warn(console)), env)
        # every rank resumes from the checkpoint rank 0 chose
        path = Path(distributed.broadcast_object(str(found[1]) if found else None, env))
        state = found[0] if found else run.load_checkpoint(path)
        session = _prepare(config, run, env, device)
        session.load_state_dict(state)
        if session.step >= session.total_steps:
            raise UsageError(
                f"run {run.path} already reached step {session.step} of {session.total_steps}; "
                "pass --steps or --epochs to train further"
            )
        if env.is_main:
            run.truncate_jsonl(METRICS, session.step)
            run.prune_checkpoints(config.keep_checkpoints)  # what a kill left over
            run.remove_torn_files()
            run.truncate_jsonl(DYNAMICS, session.step)
            if steps is not None or epochs is not None or device is not None:
                run.write_config(_config_record(session))
            _warn(console)(f"resuming {run.path} at step {session.step} from {path.name}")
        try:
            return _run(session, console, progress)
        finally:
            distributed.shutdown(env)


def _warn(console: Any) -> Any:
    def say(message: str) -> None:
        if console is not None:
            console.print(f"[yellow]{message}[/]", highlight=False, soft_wrap=True)
        else:
            print(message, file=sys.stderr)

    return say


def _config_record(s: Session) -> dict[str, Any]:
    return {
        "config": s.config.to_dict(),
        "data": s.data.info.as_dict(),
        "resolved": {
            "device": str(s.device),
            "processes": s.env.world_size,
            "latent_dim": getattr(s.model, "latent_dim", None),
            "steps": s.total_steps if s.total_steps < sys.maxsize else None,
            "steps_per_epoch": s.steps_per_epoch,
            "family": s.model.family,
            "parameters": {n: count_parameters(m) for n, m in s.model.named_children()},
        },
        "environment": {
            "ganzoo": ganzoo.__version__,
            "torch": torch.__version__,
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "started": datetime.now().isoformat(timespec="seconds"),
        },
    }


@contextlib.contextmanager
def _signals_caught() -> Iterator[dict[str, int]]:
    """SIGINT/SIGTERM set a flag instead of killing: the loop ends its step, then saves."""
    caught: dict[str, int] = {}
    if not _in_main_thread():
        yield caught
        return
    previous = {}

    def handler(signum: int, frame: Any) -> None:
        caught.setdefault("signal", signum)

    for sig in SIGNAL_EXIT:
        previous[sig] = signal.signal(sig, handler)
    try:
        yield caught
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _run(s: Session, console: Any, progress: bool) -> TrainResult:
    from rich.console import Console

    console = console or Console(stderr=True)
    config, run = s.config, s.run
    checkpoint_every = config.checkpoint_every or s.steps_per_epoch
    grid = dynamics_grid(s.data)
    guard = DivergenceGuard(s.device)
    start = time.perf_counter()
    last_eval = None
    title = f"{config.model}+{config.loss} on {config.dataset}"
    total = s.total_steps if s.total_steps < sys.maxsize else None
    main = s.env.is_main
    if main and grid is not None and s.step == 0:  # the figure starts before any training
        _snapshot(s, 0, grid)
    with _signals_caught() as caught, _progress(console, progress and main, title) as bar:
        task = bar.add_task("train", total=total, completed=s.step, stats="")
        while s.step < s.total_steps:
            s.step += 1
            stats = s.trainer.step(s.stream)
            values = torch.stack(list(stats.values()))
            s.keys = list(stats)
            guard.observe(s.step, s.keys, values)
            s.window = values if s.window is None else s.window + values
            s.since_log += 1
            elapsed = s.seconds + time.perf_counter() - start
            out_of_time = config.time_budget is not None and elapsed >= config.time_budget
            if s.env.enabled:  # every rank must stop at the same step
                flags = torch.tensor([caught.get("signal", 0), int(out_of_time)])
                flags = distributed.max_across_ranks(flags, s.env).tolist()
                if flags[0]:
                    caught.setdefault("signal", int(flags[0]))
                out_of_time = bool(flags[1])
            last = s.step == s.total_steps or out_of_time
            if s.step % config.log_every == 0 or last:
                _stop_if_diverged(s, guard)
                _log(s, elapsed)
                bar.update(task, completed=s.step, stats=_format_stats(s.final))
            if (s.step % s.steps_per_epoch == 0 or last) and main:
                epoch = (s.step - 1) // s.steps_per_epoch + 1
                if epoch % config.sample_every == 0 or last:
                    _figures(s, epoch, grid)
            if s.step % checkpoint_every == 0 or last or caught:
                _stop_if_diverged(s, guard)
                s.seconds, start = elapsed, time.perf_counter()
                state = s.state_dict()  # every rank takes part (random states are gathered)
                if main:
                    run.save_checkpoint(state, s.step, config.keep_checkpoints)
            if s.evaluator is not None and not caught and (s.step % config.eval_every == 0 or last):
                last_eval, seconds = _evaluate(s, bar.console)
                start += seconds  # evaluation time is not training time
            if caught:
                sig = caught["signal"]
                raise Interrupted(
                    f"{signal.Signals(sig).name} at step {s.step}; checkpoint saved; resume with: "
                    f"ganzoo train --resume {run.path}",
                    SIGNAL_EXIT[signal.Signals(sig)],
                )
            if out_of_time:
                s.total_steps = s.step
    identical = distributed.replicas_identical(s.model, s.env)
    if not main:
        return TrainResult(run.path, s.step, s.seconds, s.final)
    plot_loss_curves(run.read_metrics(), run.path / "loss_curves.png")
    images = s.step * config.batch_size * s.batches_per_step * s.env.world_size
    run.write_summary(
        {
            "processes": s.env.world_size,
            "replicas_identical": identical,
            "steps": s.step,
            "epochs": s.step / s.steps_per_epoch,
            "seconds": round(s.seconds, 3),
            "images_per_second": round(images / max(s.seconds, 1e-9), 1),
            "stopped_by": "time budget"
            if config.time_budget and s.seconds >= config.time_budget
            else "steps",
            "final": s.final,
            **({"eval": last_eval} if last_eval else {}),
        }
    )
    return TrainResult(run.path, s.step, s.seconds, s.final)


def _evaluator(config: TrainConfig) -> Any:
    """The evaluator of ``--eval-every``, built (and its errors raised) before training."""
    if config.eval_every is None:
        return None
    from ganzoo.metrics import Evaluator

    with torch.random.fork_rng(devices=[]):  # training draws the same numbers with or without
        return Evaluator(
            config.dataset,
            samples=config.eval_samples,
            data_dir=config.data_dir,
            feature_extractor=config.feature_extractor,
            inception_weights=config.inception_weights,
            seed=config.seed,
            dataset_options=config.dataset_options,
            log=lambda message: print(message, file=sys.stderr),
        )


def _evaluate(s: Session, console: Any) -> tuple[dict[str, Any], float]:
    """IS/FID/KID of the model now, saved under ``RUN/eval/``; returns it and its seconds."""
    from ganzoo.metrics.results import save_result, summary_line

    start = time.perf_counter()
    result = s.evaluator(s.model, step=s.step)
    result.update(run=str(s.run.path), model=s.config.model, loss=s.config.loss)
    save_result(s.run.path, result)
    console.print(summary_line(result), markup=False, highlight=False)
    return result, time.perf_counter() - start


def _log(s: Session, elapsed: float) -> None:
    means = distributed.mean_across_ranks(s.window, s.env).div(s.since_log)
    s.final = dict(zip(s.keys, means.tolist(), strict=True))
    s.window, s.since_log = None, 0
    if s.env.is_main:
        s.run.append_metrics(
            {
                "step": s.step,
                "epoch": (s.step - 1) // s.steps_per_epoch + 1,
                "images": s.step * s.config.batch_size * s.batches_per_step * s.env.world_size,
                "time": round(elapsed, 4),
                **s.final,
            }
        )


def _figures(s: Session, epoch: int, grid: torch.Tensor | None) -> None:
    save_samples(s.model, s.data, s.run.path / "samples" / f"epoch_{epoch:04d}.png", s.config.seed)
    if grid is not None:
        _snapshot(s, epoch, grid)


def _snapshot(s: Session, epoch: int, grid: torch.Tensor) -> None:
    """Record p_data, p_g and D(x) on the grid: a panel of the seed's distribution figure."""
    from ganzoo.theory import snapshot_1d

    snapshot = snapshot_1d(s.model, s.data, grid, seed=s.config.seed)
    s.run.append_jsonl(DYNAMICS, {"step": s.step, "epoch": epoch, **snapshot})


def _stop_if_diverged(s: Session, guard: DivergenceGuard) -> None:
    if s.env.enabled:  # a bad step seen on any rank stops every rank
        both = distributed.max_across_ranks(torch.stack([guard.first_bad, guard.bad_key]), s.env)
        guard.first_bad, guard.bad_key = both[0], both[1]
    found = guard.check()
    bad_nets = [] if found else non_finite_parameters(s.model)
    if not found and not bad_nets:
        return
    if found:
        step, key = found
        what = f"{key} became non-finite at step {step}"
        network = {"d_loss": "discriminator", "g_loss": "generator"}.get(key, "model")
    else:
        step, key, network = s.step, None, ", ".join(bad_nets)
        what = f"weights of the {network} became non-finite by step {step}"
    if s.env.is_main:
        s.run.append_metrics(
            {"step": step, "event": "diverged", "network": network, "statistic": key}
        )
    latest = s.run.latest_checkpoint()
    kept = f"last good checkpoint kept: {latest}" if latest else "no checkpoint was written"
    raise Diverged(f"training diverged: {what} ({network}); {kept}; try a lower --lr")


def _format_stats(stats: dict[str, float]) -> str:
    names = {"d_loss": "D loss", "g_loss": "G loss", "d_real": "D(x)", "d_fake": "D(G(z))"}
    return "  ".join(f"{names.get(k, k)} {v:.3f}" for k, v in stats.items())


def _progress(console: Any, enabled: bool, title: str) -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn(f"[bold]{title}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[stats]}"),
        console=console,
        disable=not enabled,
    )

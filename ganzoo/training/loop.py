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
from ganzoo.rundir import DYNAMICS, METRICS, RunDir
from ganzoo.training.build import build_dataset, build_loss, build_model, resolve_loss_name
from ganzoo.training.config import TrainConfig
from ganzoo.training.device import resolve_device, seed_everything
from ganzoo.training.figures import plot_loss_curves, save_samples
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
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = root / f"{config.model}-{config.loss}-{config.dataset}-{stamp}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    return path


def make_trainer(model: Any, objective: Any, config: TrainConfig) -> Any:
    """The step logic of the model's family."""
    if model.family == "adversarial":
        from ganzoo.training.adversarial import AdversarialTrainer

        return AdversarialTrainer(model, objective, config.lr, config.betas, config.d_steps)
    if model.family == "likelihood":
        from ganzoo.training.likelihood import LikelihoodTrainer

        return LikelihoodTrainer(model, objective, config.lr, config.betas)
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
    step: int = 0
    seconds: float = 0.0  # training time of earlier sessions of this run
    sums: dict[str, torch.Tensor] = field(default_factory=dict)
    since_log: int = 0
    final: dict[str, float] = field(default_factory=dict)

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
            "window": {"sums": dict(self.sums), "count": self.since_log},
            "config": self.config.to_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state_dict`."""
        self.model.load_state_dict(state["model"])
        self.trainer.load_state_dict(state["trainer"])
        self.step = int(state["step"])
        self.seconds = float(state["seconds"])
        self.stream.load_state_dict(state["stream"])
        set_rng_state(state["rng"])
        self.sums = {k: v.to(self.device) for k, v in state["window"]["sums"].items()}
        self.since_log = int(state["window"]["count"])


def _prepare(config: TrainConfig, run: RunDir) -> Session:
    """Build data, model, objective and trainer for ``config`` (validated already)."""
    seed_everything(config.seed)
    device = resolve_device(config.device)
    data = build_dataset(
        config.dataset, config.data_dir, config.download, "train", config.dataset_options
    )
    steps_per_epoch = data.batches_per_epoch(config.batch_size) // config.d_steps
    if steps_per_epoch < 1:
        raise UsageError(
            f"--batch-size {config.batch_size} × --d-steps {config.d_steps} needs more samples "
            f"than dataset {config.dataset!r} has ({len(data)}); use a smaller batch"
        )
    model = build_model(config.model, data.info, config.latent_dim, config.model_options)
    objective = build_loss(config.loss, config.loss_options)
    model.to(device)
    data = data.to(device)
    trainer = make_trainer(model, objective, config)
    epochs = config.epochs or (None if config.time_budget else TrainConfig.DEFAULT_EPOCHS)
    total = config.steps or (epochs * steps_per_epoch if epochs else sys.maxsize)
    stream = BatchStream(data, config.batch_size, config.seed)
    return Session(config, run, model, trainer, data, stream, steps_per_epoch, total, device)


def train(config: TrainConfig, console: Any = None, progress: bool = True) -> TrainResult:
    """Train ``config.model`` with ``config.loss`` on ``config.dataset`` (see TrainConfig)."""
    config.validate()
    config.loss = resolve_loss_name(config.model, config.loss, TrainConfig.DEFAULT_LOSS)
    if config.lr is None:
        meta = get_registry().get("model", config.model).meta
        config.lr = float(meta.get("lr", TrainConfig.DEFAULT_LR))
    get_registry().get("dataset", config.dataset)
    run = RunDir.check_new(config.out or default_run_dir(config))
    config.out = str(run.path)
    session = _prepare(config, run)  # every user error surfaces before the folder exists
    run.create()
    with run.lock():
        run.write_config(_config_record(session))
        return _run(session, console, progress)


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
    with run.lock():
        stored = run.read_config()
        config = TrainConfig.from_dict(stored["config"])
        if steps is not None or epochs is not None:
            config.steps, config.epochs = steps, epochs
        if device is not None:
            config.device = device
        config.validate()
        state, path = run.load_good_checkpoint(_warn(console))
        session = _prepare(config, run)
        session.load_state_dict(state)
        if session.step >= session.total_steps:
            raise UsageError(
                f"run {run.path} already reached step {session.step} of {session.total_steps}; "
                "pass --steps or --epochs to train further"
            )
        run.truncate_jsonl(METRICS, session.step)
        run.truncate_jsonl(DYNAMICS, session.step)
        if steps is not None or epochs is not None or device is not None:
            run.write_config(_config_record(session))
        _warn(console)(f"resuming {run.path} at step {session.step} from {path.name}")
        return _run(session, console, progress)


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
    title = f"{config.model}+{config.loss} on {config.dataset}"
    total = s.total_steps if s.total_steps < sys.maxsize else None
    with _signals_caught() as caught, _progress(console, progress, title) as bar:
        task = bar.add_task("train", total=total, completed=s.step, stats="")
        while s.step < s.total_steps:
            s.step += 1
            stats = s.trainer.step(s.stream)
            guard.observe(s.step, stats)
            for key, value in stats.items():
                s.sums[key] = s.sums[key] + value if key in s.sums else value
            s.since_log += 1
            elapsed = s.seconds + time.perf_counter() - start
            out_of_time = config.time_budget is not None and elapsed >= config.time_budget
            last = s.step == s.total_steps or out_of_time
            if s.step % config.log_every == 0 or last:
                _stop_if_diverged(s, guard)
                _log(s, elapsed)
                bar.update(task, completed=s.step, stats=_format_stats(s.final))
            if s.step % s.steps_per_epoch == 0 or last:
                epoch = (s.step - 1) // s.steps_per_epoch + 1
                if epoch % config.sample_every == 0 or last:
                    _figures(s, epoch, grid)
            if s.step % checkpoint_every == 0 or last or caught:
                _stop_if_diverged(s, guard)
                s.seconds, start = elapsed, time.perf_counter()
                run.save_checkpoint(s.state_dict(), s.step, config.keep_checkpoints)
            if caught:
                sig = caught["signal"]
                raise Interrupted(
                    f"{signal.Signals(sig).name} at step {s.step}; checkpoint saved; resume with: "
                    f"ganzoo train --resume {run.path}",
                    SIGNAL_EXIT[signal.Signals(sig)],
                )
            if out_of_time:
                s.total_steps = s.step
    plot_loss_curves(run.read_metrics(), run.path / "loss_curves.png")
    images = s.step * config.batch_size * s.batches_per_step
    run.write_summary(
        {
            "steps": s.step,
            "epochs": s.step / s.steps_per_epoch,
            "seconds": round(s.seconds, 3),
            "images_per_second": round(images / max(s.seconds, 1e-9), 1),
            "stopped_by": "time budget"
            if config.time_budget and s.seconds >= config.time_budget
            else "steps",
            "final": s.final,
        }
    )
    return TrainResult(run.path, s.step, s.seconds, s.final)


def _log(s: Session, elapsed: float) -> None:
    values = torch.stack(list(s.sums.values())).div(s.since_log).tolist()
    s.final = dict(zip(s.sums.keys(), values, strict=True))
    s.run.append_metrics(
        {
            "step": s.step,
            "epoch": (s.step - 1) // s.steps_per_epoch + 1,
            "images": s.step * s.config.batch_size * s.batches_per_step,
            "time": round(elapsed, 4),
            **s.final,
        }
    )
    s.sums, s.since_log = {}, 0


def _figures(s: Session, epoch: int, grid: torch.Tensor | None) -> None:
    save_samples(s.model, s.data, s.run.path / "samples" / f"epoch_{epoch:04d}.png", s.config.seed)
    if grid is not None:
        from ganzoo.theory import snapshot_1d

        snapshot = snapshot_1d(s.model, s.data, grid, seed=s.config.seed)
        s.run.append_jsonl(DYNAMICS, {"step": s.step, "epoch": epoch, **snapshot})


def _stop_if_diverged(s: Session, guard: DivergenceGuard) -> None:
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
    s.run.append_metrics({"step": step, "event": "diverged", "network": network, "statistic": key})
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

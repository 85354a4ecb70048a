"""The training loop: data, model and objective in; a run folder out.

    result = train(TrainConfig(model="vanilla", loss="nonsat", dataset="digits", steps=200))

The loop knows epochs, logging, sample figures and checkpoints; what one step does is the
family's trainer (:mod:`ganzoo.training.adversarial` for GANs).
"""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import torch

import ganzoo
from ganzoo.data import DataSource
from ganzoo.errors import UsageError
from ganzoo.plugins import get_registry
from ganzoo.rundir import RunDir
from ganzoo.training.build import build_dataset, build_loss, build_model, resolve_loss_name
from ganzoo.training.config import TrainConfig
from ganzoo.training.device import resolve_device, seed_everything
from ganzoo.training.figures import plot_loss_curves, save_samples


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


def batch_stream(
    data: DataSource, batch_size: int, generator: torch.Generator
) -> Iterator[torch.Tensor]:
    """Endless shuffled batches, epoch after epoch, in an order fixed by ``generator``."""
    while True:
        yield from data.epoch(batch_size, generator)


def count_parameters(module: torch.nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def train(config: TrainConfig, console: Any = None, progress: bool = True) -> TrainResult:
    """Train ``config.model`` with ``config.loss`` on ``config.dataset`` (see TrainConfig)."""
    from rich.console import Console

    console = console or Console(stderr=True)
    config.validate()
    config.loss = resolve_loss_name(config.model, config.loss, TrainConfig.DEFAULT_LOSS)
    if config.lr is None:
        config.lr = float(
            get_registry().get("model", config.model).meta.get("lr", TrainConfig.DEFAULT_LR)
        )
    get_registry().get("dataset", config.dataset)
    run = RunDir.check_new(config.out or default_run_dir(config))
    config.out = str(run.path)

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
    total_steps = config.steps or (config.epochs or TrainConfig.DEFAULT_EPOCHS) * steps_per_epoch
    checkpoint_every = config.checkpoint_every or steps_per_epoch

    run.create()
    run.write_config(
        {
            "config": config.to_dict(),
            "data": data.info.as_dict(),
            "resolved": {
                "device": str(device),
                "latent_dim": getattr(model, "latent_dim", None),
                "steps": total_steps,
                "steps_per_epoch": steps_per_epoch,
                "family": model.family,
                "parameters": {n: count_parameters(m) for n, m in model.named_children()},
            },
            "environment": {
                "ganzoo": ganzoo.__version__,
                "torch": torch.__version__,
                "python": sys.version.split()[0],
                "platform": platform.platform(),
                "started": datetime.now().isoformat(timespec="seconds"),
            },
        }
    )

    data_generator = torch.Generator().manual_seed(config.seed)
    batches = batch_stream(data, config.batch_size, data_generator)
    sums: dict[str, torch.Tensor] = {}
    since_log = 0
    start = time.perf_counter()
    final: dict[str, float] = {}
    bar = _progress(
        console, progress, total_steps, f"{config.model}+{config.loss} on {config.dataset}"
    )
    with bar:
        task = bar.add_task("train", total=total_steps, stats="")
        for step in range(1, total_steps + 1):
            stats = trainer.step(lambda: next(batches))
            for key, value in stats.items():
                sums[key] = sums[key] + value if key in sums else value
            since_log += 1
            if step % config.log_every == 0 or step == total_steps:
                values = torch.stack(list(sums.values())).div(since_log).tolist()
                final = dict(zip(sums.keys(), values, strict=True))
                record = {
                    "step": step,
                    "epoch": (step - 1) // steps_per_epoch + 1,
                    "images": step * config.batch_size * trainer.batches_per_step,
                    "time": round(time.perf_counter() - start, 4),
                    **final,
                }
                run.append_metrics(record)
                bar.update(task, completed=step, stats=_format_stats(final))
                sums, since_log = {}, 0
            if step % steps_per_epoch == 0 or step == total_steps:
                epoch = (step - 1) // steps_per_epoch + 1
                if epoch % config.sample_every == 0 or step == total_steps:
                    save_samples(
                        model, data, run.path / "samples" / f"epoch_{epoch:04d}.png", config.seed
                    )
            if step % checkpoint_every == 0 or step == total_steps:
                run.save_checkpoint(
                    _checkpoint_state(model, trainer, config, step, data_generator),
                    step,
                    config.keep_checkpoints,
                )
    seconds = time.perf_counter() - start
    plot_loss_curves(run.read_metrics(), run.path / "loss_curves.png")
    run.write_summary(
        {
            "steps": total_steps,
            "epochs": total_steps / steps_per_epoch,
            "seconds": round(seconds, 3),
            "images_per_second": round(
                total_steps * config.batch_size * trainer.batches_per_step / seconds, 1
            ),
            "final": final,
        }
    )
    return TrainResult(run.path, total_steps, seconds, final)


def _checkpoint_state(
    model: torch.nn.Module,
    trainer: Any,
    config: TrainConfig,
    step: int,
    data_generator: torch.Generator,
) -> dict[str, Any]:
    """Everything needed to continue: weights, optimizers, counters, random states."""
    return {
        "model": model.state_dict(),
        "trainer": trainer.state_dict(),
        "step": step,
        "config": config.to_dict(),
        "rng": {
            "torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "data": data_generator.get_state(),
        },
    }


def _format_stats(stats: dict[str, float]) -> str:
    names = {"d_loss": "D loss", "g_loss": "G loss", "d_real": "D(x)", "d_fake": "D(G(z))"}
    return "  ".join(f"{names.get(k, k)} {v:.3f}" for k, v in stats.items())


def _progress(console: Any, enabled: bool, total: int, title: str) -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn(f"[bold]{title}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[stats]}"),
        console=console,
        disable=not enabled,
        transient=False,
    )

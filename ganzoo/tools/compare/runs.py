"""The runs of a comparison: each one's identity and cost, and what sets configurations apart."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ganzoo.api.errors import UsageError
from ganzoo.runs.rundir import RunDir

if TYPE_CHECKING:
    from ganzoo.metrics.results import EvalResult


@dataclass
class RunRow:
    """One run in a comparison: what it is, what it cost, and how it scored."""

    name: str
    path: Path
    model: str
    loss: str
    dataset: str
    seed: int
    steps: int
    seconds: float
    parameters: int
    metrics: EvalResult | None = None  # the result this comparison measured or reused

    options: str = ""  # what else distinguishes the configuration (not the seed)

    @property
    def configuration(self) -> str:
        """``model+loss`` (and options): runs that differ only in their seed share it."""
        return f"{self.model}+{self.loss}" + (f" {self.options}" if self.options else "")

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        d = dict(vars(self))
        d["path"] = str(self.path)
        d["metrics"] = self.metrics.to_dict() if self.metrics is not None else {}
        d["configuration"] = self.configuration
        return d


def describe_run(path: str | Path) -> RunRow:
    """A finished run's identity and cost, from its ``config.json`` and ``summary.json``."""
    run = RunDir.open(path)
    stored = run.read_config()
    summary = run.read_summary()
    if not summary:
        raise UsageError(f"run {run.path} has not finished (no summary.json); nothing to compare")
    config = stored["config"]
    dataset = _dataset_identity(config)
    latest = run.latest_checkpoint()
    step = RunDir.checkpoint_step(latest) if latest is not None else summary["steps"]
    if step != summary["steps"]:
        raise UsageError(
            f"run {run.path} has a checkpoint at step {step} but finished at step "
            f"{summary['steps']}: it was resumed and not finished; finish it with "
            f"ganzoo train --resume {run.path}"
        )
    return RunRow(
        name=run.path.name,
        path=run.path,
        model=config["model"],
        loss=config["loss"],
        dataset=dataset,
        seed=config["seed"],
        steps=summary["steps"],
        seconds=summary["seconds"],
        parameters=sum(stored.get("resolved", {}).get("parameters", {}).values()),
    )


def _dataset_identity(config: dict[str, Any]) -> str:
    options = config.get("dataset_options") or {}
    if not options:
        return config["dataset"]
    return config["dataset"] + "(" + ", ".join(f"{k}={v}" for k, v in sorted(options.items())) + ")"


def check_same_dataset(rows: list[RunRow]) -> str:
    """The dataset every row was trained on, or a :class:`UsageError` naming the mismatch."""
    datasets = {r.dataset for r in rows}
    if len(datasets) > 1:
        listing = ", ".join(f"{r.name} ({r.dataset})" for r in rows)
        raise UsageError(f"cannot compare runs trained on different datasets: {listing}")
    return datasets.pop()


#: Config fields that make two runs of one model and loss different configurations.
VARIANT_FIELDS = (
    "lr", "lr_d", "batch_size", "d_steps", "latent_dim", "ema", "amp", "steps", "epochs",
    "time_budget", "model_options", "loss_options",
)  # fmt: skip


def name_variants(rows: list[RunRow]) -> None:
    """Set ``options`` of rows whose model and loss agree but whose configs differ elsewhere
    (not in the seed): they are different configurations, not seeds of one."""
    configs = {r.name: RunDir.open(r.path).read_config()["config"] for r in rows}
    by_pair: dict[tuple[str, str], list[RunRow]] = {}
    for row in rows:
        by_pair.setdefault((row.model, row.loss), []).append(row)
    for group in by_pair.values():
        varying = [
            f
            for f in VARIANT_FIELDS
            if len({json.dumps(configs[r.name].get(f)) for r in group}) > 1
        ]
        for row in group:
            row.options = ", ".join(f"{f}={configs[row.name].get(f)}" for f in varying)

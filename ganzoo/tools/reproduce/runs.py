"""The runs of a study: what every run of a row shares, a re-run of its best setting with a
new seed, and training it once (a finished run is reused, a killed one resumed).
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ganzoo.api.errors import UsageError
from ganzoo.runs.rundir import RunDir
from ganzoo.tools.reproduce.options import ReproduceOptions, seed_list
from ganzoo.tools.reproduce.studies import DATASET_OPTIONS, Row
from ganzoo.training.config import TrainConfig

if TYPE_CHECKING:
    from ganzoo.training.progress import Progress

LOG_LINES = 40  # log lines per run: the quarters of training get ten each


def apply_params(config: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` with searched ``params`` set: ``lr``, nested ``model_options.width``, or one
    of Adam's ``betas.0``/``betas.1``."""
    out = copy.deepcopy(dict(config))
    for key, value in params.items():
        head, _, rest = key.partition(".")
        if not rest:
            out[head] = value
        elif head == "betas":
            betas = list(out.get("betas") or TrainConfig.DEFAULT_BETAS)
            betas[int(rest)] = float(value)
            out["betas"] = tuple(betas)
        else:
            out[head] = {**(out.get(head) or {}), rest: value}
    return out


def base_config(row: Row, dataset: str, options: ReproduceOptions) -> dict[str, Any]:
    """What every run of ``row`` on ``dataset`` shares, search trials and re-runs alike."""
    steps = int(options.steps or 1)
    config: dict[str, Any] = {
        "model": row.model,
        "loss": row.loss,
        "dataset": dataset,
        "data_dir": options.data_dir,
        "download": options.download,
        "steps": steps,
        "device": options.device,
        "log_every": max(1, steps // LOG_LINES),
        "keep_checkpoints": 1,
        "eval_samples": options.samples,
        "feature_extractor": options.extractor,
        "inception_weights": options.inception_weights,
        "dataset_options": dict(DATASET_OPTIONS.get(dataset, {})),
        "seed": 0,
    }
    return config | copy.deepcopy(dict(row.options))  # the row's own options win


def rerun_folder(out: Path, dataset: str, row: str, seed: int) -> Path:
    """Where the study in ``out`` keeps the re-run of ``row`` on ``dataset`` with ``seed``."""
    return Path(out) / "runs" / dataset / row / f"seed{seed}"


def row_done(out: Path, dataset: str, row: str, seeds: int) -> bool:
    """Whether every re-run of the row has finished (its search finished before them)."""
    return all(
        (rerun_folder(out, dataset, row, seed) / "summary.json").is_file()
        for seed in seed_list(seeds)
    )


def rerun_config(
    row: Row,
    dataset: str,
    options: ReproduceOptions,
    params: Mapping[str, Any],
    seed: int,
    out: Path,
) -> TrainConfig:
    """A re-run of ``row``'s best setting with ``seed``, into ``out``."""
    config = apply_params(base_config(row, dataset, options), params)
    config.update(seed=seed, out=str(out))
    if row.evaluate_during:  # FID at each quarter: the note's "p_g approaches p_data"
        config["eval_every"] = max(1, int(options.steps or 1) // 4)
    return TrainConfig(**config)


def train_or_reuse(config: TrainConfig, progress: Progress | None = None) -> Path:
    """The finished run at ``config.out``: reused if finished, resumed if killed after a
    checkpoint, trained from scratch otherwise (what a kill left before its first
    checkpoint, or after its last one but before its summary, is replaced)."""
    from ganzoo.training.loop import resume, train

    out = Path(str(config.out))
    if (out / "summary.json").is_file():
        _check_same_setting(out, config)
        return out
    if out.exists():
        latest = RunDir(out).latest_checkpoint() if (out / "config.json").is_file() else None
        step = RunDir.checkpoint_step(latest) if latest is not None else None
        if step is not None and step < int(config.steps or 0):
            return resume(out, steps=config.steps, progress=progress).run_dir
        shutil.rmtree(out)
    return train(config, progress).run_dir


#: options a finished re-run must share with the setting it stands for
_SAME = ("model", "loss", "dataset", "steps", "seed", "lr", "batch_size", "d_steps", "betas")


def _check_same_setting(out: Path, config: TrainConfig) -> None:
    stored = RunDir.open(out).read_config()["config"]
    wanted = config.to_dict()
    for key in _SAME:
        if wanted.get(key) is not None and stored.get(key) != wanted[key]:
            raise UsageError(
                f"{out} was trained with {key}={stored.get(key)!r}, not the {wanted[key]!r} "
                "this study needs now; the folder was changed by hand: choose a new --out"
            )

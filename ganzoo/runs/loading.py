"""Rebuild a finished run's model from its folder: ``config.json`` and a checkpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ganzoo.api.data import DataInfo
from ganzoo.api.errors import GanzooError
from ganzoo.host.build import create_model
from ganzoo.runs.rundir import RunDir


def load_run_model(
    run_dir: str | Path,
    device: str = "cpu",
    checkpoint: Path | None = None,
    ema: bool = True,
) -> Any:
    """Rebuild a run's model from its ``config.json`` and load its newest checkpoint.

    The model is returned in eval mode on ``device``; the data is not loaded (the model is
    sized from the stored data info). With ``ema`` (the default) a run trained with
    ``--ema`` samples with its generator's moving average; ``ema=False`` gives the raw one.
    """
    import torch

    run = RunDir.open(run_dir)
    stored = run.read_config()
    config, info = stored["config"], stored["data"]
    data_info = DataInfo(info["name"], tuple(info["shape"]), info["kind"], info.get("num_classes"))
    latent_dim = stored.get("resolved", {}).get("latent_dim") or config.get("latent_dim")
    model = create_model(
        config["model"],
        data_info,
        latent_dim,
        config.get("model_options", {}),
        conditional=bool(config.get("conditional", False)),
    )
    state = run.load_checkpoint(checkpoint)
    try:
        model.load_state_dict(state["model"])
        average = state.get("ema")
        if ema and average is not None:
            getattr(model, average["network"]).load_state_dict(average["weights"])
    except (KeyError, RuntimeError, AttributeError) as exc:
        raise GanzooError(
            f"checkpoint of {run.path} does not fit model {config['model']!r}: {exc}"
        ) from exc
    model.uses_ema = bool(ema and state.get("ema") is not None)
    return model.to(torch.device(device)).eval()

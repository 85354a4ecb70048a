"""Turn registered names into objects, with user-facing errors for every mismatch."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from ganzoo.contract import verify_data_source, verify_loss, verify_model
from ganzoo.data import DataSource
from ganzoo.errors import GanzooError, PluginError, UsageError
from ganzoo.plugins import get_registry
from ganzoo.registry import Component


def resolve_loss_name(model: str, loss: str | None, default_losses: dict[str, str]) -> str:
    """The loss to use: the given one, checked against the model's family, or its default."""
    registry = get_registry()
    model_c = registry.get("model", model)
    if loss is None:
        return default_losses[model_c.family]
    loss_c = registry.get("loss", loss)
    if loss_c.family != model_c.family:
        valid = [c.name for c in registry.components("loss") if c.family == model_c.family]
        raise UsageError(
            f"loss {loss!r} ({loss_c.family}) cannot train model {model!r} ({model_c.family}); "
            f"valid losses for {model!r}: {', '.join(valid) or '(none)'}"
        )
    return loss


def build_dataset(
    name: str,
    root: str | Path | None,
    download: bool = False,
    split: str = "train",
    options: dict[str, Any] | None = None,
) -> DataSource:
    """Load dataset ``name``'s ``split``; a plugin error or bad option becomes a clear error."""
    component = get_registry().get("dataset", name)
    root = Path(root).expanduser() if root is not None else None
    source = call_factory(component, (root,), {"download": download, "split": split}, options)
    verify_data_source(component, source)
    return source


def build_model(name: str, data_info: Any, latent_dim: int | None, options: dict[str, Any]) -> Any:
    """Build model ``name`` sized for ``data_info``."""
    component = get_registry().get("model", name)
    model = call_factory(component, (data_info,), {"latent_dim": latent_dim}, options)
    verify_model(component, model)
    return model


def build_loss(name: str, options: dict[str, Any]) -> Any:
    """Build loss ``name``."""
    component = get_registry().get("loss", name)
    loss = call_factory(component, (), {}, options)
    verify_loss(component, loss)
    return loss


def call_factory(
    component: Component,
    args: tuple[Any, ...],
    fixed: dict[str, Any],
    options: dict[str, Any] | None,
) -> Any:
    """Call ``component``'s factory; unknown options and ``ValueError`` become usage errors."""
    factory = component.load()
    options = dict(options or {})
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        params = {}
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    reserved = {"self", "info", "data_info", "root", *fixed}
    valid = [n for n in list(params)[len(args) :] if n not in reserved]
    if not takes_any:
        for key in options:
            if key not in params or key in reserved:
                raise UsageError(
                    f"{component.kind} {component.name!r} has no option {key!r}; valid options: "
                    f"{', '.join(valid) or '(none)'}"
                )
    call_kwargs = {k: v for k, v in fixed.items() if takes_any or k in params}
    try:
        return factory(*args, **call_kwargs, **options)
    except GanzooError:
        raise
    except ValueError as exc:  # the factory's word on a bad option value
        raise UsageError(f"{component.kind} {component.name!r}: {exc}") from exc
    except Exception as exc:
        raise PluginError(
            f"{component.kind} {component.name!r} from {component.provider} failed to build: "
            f"{type(exc).__name__}: {exc}"
        ) from exc


def load_run_model(run_dir: str | Path, device: str = "cpu", checkpoint: Path | None = None) -> Any:
    """Rebuild a run's model from its ``config.json`` and load its newest checkpoint.

    The model is returned in eval mode on ``device``; the data is not loaded (the model is
    sized from the stored data info).
    """
    import torch

    from ganzoo.data import DataInfo
    from ganzoo.rundir import RunDir

    run = RunDir.open(run_dir)
    stored = run.read_config()
    config, info = stored["config"], stored["data"]
    data_info = DataInfo(info["name"], tuple(info["shape"]), info["kind"], info.get("num_classes"))
    latent_dim = stored.get("resolved", {}).get("latent_dim") or config.get("latent_dim")
    model = build_model(config["model"], data_info, latent_dim, config.get("model_options", {}))
    state = run.load_checkpoint(checkpoint)
    try:
        model.load_state_dict(state["model"])
    except (KeyError, RuntimeError) as exc:
        raise GanzooError(
            f"checkpoint of {run.path} does not fit model {config['model']!r}: {exc}"
        ) from exc
    return model.to(torch.device(device)).eval()

"""What a built component must provide, checked the moment a plugin's factory returns.

A plugin that breaks the contract then fails with one line naming the component, the
distribution that ships it and the missing piece, instead of a traceback deep inside the
training loop. :mod:`ganzoo.testing` checks the same promises, and many more, in depth.
"""

from __future__ import annotations

from typing import Any

from ganzoo.errors import PluginError
from ganzoo.registry import Component

#: model family -> attributes the family's trainer and ``ganzoo eval`` use
MODEL_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "adversarial": ("sample", "sample_latent", "discriminate", "generator", "discriminator"),
    "likelihood": ("sample",),
}
#: loss family -> methods the family's trainer calls
LOSS_METHODS: dict[str, tuple[str, ...]] = {
    "adversarial": ("discriminator_loss", "generator_loss", "penalty"),
    "likelihood": ("__call__",),
}
#: what the training loop uses of a dataset's source
DATA_SOURCE_ATTRIBUTES: tuple[str, ...] = ("info", "epoch", "batches_per_epoch", "to", "__len__")


def verify_model(component: Component, model: Any) -> None:
    """Raise :class:`PluginError` unless ``model`` is a module of the registered family."""
    from torch import nn

    family = getattr(model, "family", None)
    if family != component.family:
        raise PluginError(
            f"{_who(component)} was registered as {component.family} but built a "
            f"{type(model).__name__} of family {family!r}"
        )
    _require(component, model, isinstance(model, nn.Module), "a torch.nn.Module")
    _require_attributes(component, model, MODEL_ATTRIBUTES.get(family, ("sample",)))
    if family == "adversarial":
        for part in ("generator", "discriminator"):
            _require(
                component,
                model,
                isinstance(getattr(model, part), nn.Module),
                f"a model whose {part} is a torch.nn.Module",
            )


def verify_loss(component: Component, loss: Any) -> None:
    """Raise :class:`PluginError` unless ``loss`` is an objective of the registered family."""
    family = getattr(loss, "family", component.family)
    if family != component.family:
        raise PluginError(
            f"{_who(component)} was registered as {component.family} but built a "
            f"{type(loss).__name__} of family {family!r}"
        )
    _require_attributes(component, loss, LOSS_METHODS.get(component.family or "", ()))


def verify_data_source(component: Component, source: Any) -> None:
    """Raise :class:`PluginError` unless ``source`` is a :class:`ganzoo.data.DataSource`."""
    from ganzoo.data import DataInfo

    _require_attributes(component, source, DATA_SOURCE_ATTRIBUTES)
    _require(
        component,
        source,
        isinstance(source.info, DataInfo),
        "a data source whose 'info' is a ganzoo.data.DataInfo",
    )


def _require_attributes(component: Component, obj: Any, names: tuple[str, ...]) -> None:
    missing = [n for n in names if not callable(getattr(obj, n, None)) and not _data(obj, n)]
    if missing:
        raise PluginError(
            f"{_who(component)} broke the plugin contract: its factory returned a "
            f"{type(obj).__name__}, which lacks {', '.join(repr(m) for m in missing)}"
        )


def _data(obj: Any, name: str) -> bool:
    """Attributes that are data, not methods: a GAN's networks, a source's info."""
    return name in ("generator", "discriminator", "info") and getattr(obj, name, None) is not None


def _require(component: Component, obj: Any, ok: bool, what: str) -> None:
    if not ok:
        raise PluginError(
            f"{_who(component)} broke the plugin contract: its factory returned a "
            f"{type(obj).__name__}, not {what}"
        )


def _who(component: Component) -> str:
    return f"{component.kind} {component.name!r} from {component.provider}"

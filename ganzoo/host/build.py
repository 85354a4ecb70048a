"""Build components by name: ``create_model``, ``create_loss``, ``load_dataset``.

Names are the API (as timm's ``create_model``): the registry finds the factory, the
factory's options are checked against its signature, and what it returns is checked the
moment it returns against its family's contract (:mod:`ganzoo.host.families`). A plugin that
breaks the contract then fails with one line naming the component, the distribution that
ships it and the missing piece, instead of a traceback deep inside the training loop.
:mod:`ganzoo.testing` checks the same promises, and many more, in depth.

    >>> from ganzoo.host.build import load_dataset, create_model, create_loss
    >>> data = load_dataset("digits")                       # doctest: +SKIP
    >>> model = create_model("vanilla", data.info)          # doctest: +SKIP
    >>> loss = create_loss("nonsat")                        # doctest: +SKIP
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from ganzoo.api.data import DataInfo, DataSource
from ganzoo.api.errors import GanzooError, PluginError, UsageError
from ganzoo.host.families import get_family
from ganzoo.host.plugins import get_registry
from ganzoo.host.registry import Component

#: what the training loop uses of a dataset's source
DATA_SOURCE_ATTRIBUTES: tuple[str, ...] = ("info", "epoch", "batches_per_epoch", "to", "__len__")


def choose_loss(model: str, loss: str | None = None) -> str:
    """The loss to use: the given one, checked against the model's family, or its default.

    The default is the model's registered ``loss`` (its paper's, e.g. hinge for SNGAN),
    else its family's.
    """
    registry = get_registry()
    model_c = registry.get("model", model)
    if loss is None:
        return model_c.meta.get("loss") or get_family(model_c.family).default_loss
    loss_c = registry.get("loss", loss)
    if loss_c.family != model_c.family:
        valid = [c.name for c in registry.components("loss") if c.family == model_c.family]
        raise UsageError(
            f"loss {loss!r} ({loss_c.family}) cannot train model {model!r} ({model_c.family}); "
            f"valid losses for {model!r}: {', '.join(valid) or '(none)'}"
        )
    return loss


def load_dataset(
    name: str,
    root: str | Path | None = None,
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


def create_model(
    name: str,
    data_info: DataInfo,
    latent_dim: int | None = None,
    options: dict[str, Any] | None = None,
    conditional: bool = False,
) -> Any:
    """Build model ``name`` sized for ``data_info`` (``latent_dim`` None: the model's default).

    ``conditional`` builds the class-conditional variant: the model must register
    ``conditional=True``, the data must have ``num_classes``, and the factory receives
    ``num_classes=data_info.num_classes``.
    """
    component = get_registry().get("model", name)
    if "num_classes" in (options or {}):
        raise UsageError(
            f"model {name!r}: num_classes is not an option; --conditional sets it from the data"
        )
    fixed: dict[str, Any] = {"latent_dim": latent_dim}
    if conditional:
        check_conditional_model(name)
        if data_info.num_classes is None:
            raise UsageError(unlabelled_message(data_info.name))
        fixed["num_classes"] = data_info.num_classes
    model = call_factory(component, (data_info,), fixed, options, internal=("num_classes",))
    verify_model(component, model)
    built = getattr(model, "num_classes", None)
    if built != fixed.get("num_classes"):
        raise PluginError(
            f"{_who(component)} built a model with num_classes={built!r} for "
            f"{'a conditional' if conditional else 'an unconditional'} run (expected "
            f"{fixed.get('num_classes')!r}): its factory must honour num_classes"
        )
    return model


def conditional_models() -> list[str]:
    """Names of the models that register ``conditional=True``."""
    return [c.name for c in get_registry().components("model") if c.meta.get("conditional")]


def check_conditional_model(name: str) -> None:
    """:class:`UsageError` unless model ``name`` registers ``conditional=True`` (torch-free)."""
    if not get_registry().get("model", name).meta.get("conditional"):
        raise UsageError(
            f"model {name!r} cannot train with --conditional (it does not register "
            f"conditional=True); conditional models: {', '.join(conditional_models()) or '(none)'}"
        )


def unlabelled_message(dataset: str) -> str:
    """The refusal of ``--conditional`` for data without class labels."""
    return (
        f"--conditional needs class labels, and dataset {dataset!r} has none; use a labelled "
        "dataset (digits, mnist, fashion-mnist, cifar10, ring2d, or a folder with one "
        "sub-folder per class)"
    )


def create_loss(name: str, options: dict[str, Any] | None = None) -> Any:
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
    internal: tuple[str, ...] = (),
) -> Any:
    """Call ``component``'s factory; unknown options and ``ValueError`` become usage errors.

    ``internal`` names parameters ganzoo sets itself when it sets them at all (a model's
    ``num_classes``): never offered to the user as options.
    """
    factory = component.load()
    options = dict(options or {})
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        params = {}
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    reserved = {"self", "info", "data_info", "root", *fixed, *internal}
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
    contract = get_family(family)
    _require_attributes(component, model, contract.model_attributes)
    for part in contract.model_networks:
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
    _require_attributes(component, loss, get_family(component.family).loss_methods)
    if family == "adversarial":
        from ganzoo.api.losses import LOSS_CONTRACTS, loss_contract

        contract = loss_contract(loss)
        if contract not in LOSS_CONTRACTS:
            raise PluginError(
                f"{_who(component)} declares contract = {contract!r}; this ganzoo calls "
                f"adversarial losses of contract {' or '.join(map(str, LOSS_CONTRACTS))}"
            )
        registered = component.meta.get("contract")
        if registered is not None and registered != contract:
            raise PluginError(
                f"{_who(component)} was registered with contract={registered!r} but its "
                f"{type(loss).__name__} keeps contract {contract}"
            )


def verify_data_source(component: Component, source: Any) -> None:
    """Raise :class:`PluginError` unless ``source`` is a :class:`ganzoo.api.data.DataSource`."""
    _require_attributes(component, source, DATA_SOURCE_ATTRIBUTES)
    _require(
        component,
        source,
        isinstance(source.info, DataInfo),
        "a data source whose 'info' is a ganzoo.api.data.DataInfo",
    )


def _require_attributes(component: Component, obj: Any, names: tuple[str, ...]) -> None:
    missing = [n for n in names if not callable(getattr(obj, n, None)) and not _data(obj, n)]
    if missing:
        raise PluginError(
            f"{_who(component)} broke the plugin contract: its factory returned a "
            f"{type(obj).__name__}, which lacks {', '.join(repr(m) for m in missing)}"
        )


def _data(obj: Any, name: str) -> bool:
    """Attributes that are data, not methods: a model's networks, a source's info."""
    return name in ("generator", "discriminator", "info") and getattr(obj, name, None) is not None


def _require(component: Component, obj: Any, ok: bool, what: str) -> None:
    if not ok:
        raise PluginError(
            f"{_who(component)} broke the plugin contract: its factory returned a "
            f"{type(obj).__name__}, not {what}"
        )


def _who(component: Component) -> str:
    return f"{component.kind} {component.name!r} from {component.provider}"

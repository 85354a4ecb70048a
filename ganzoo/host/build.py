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
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ganzoo.api.data import DataInfo, DataSource
from ganzoo.api.errors import GanzooError, PluginError, UsageError
from ganzoo.host.families import get_family
from ganzoo.host.options import check_options
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
        return model_c.record.loss or get_family(model_c.family).default_loss
    check_loss_fits(model_c, registry.get("loss", loss))
    return loss


def check_loss_fits(model: Component, loss: Component) -> None:
    """:class:`UsageError` unless ``loss`` trains models of ``model``'s family."""
    if loss.family != model.family:
        valid = [c.name for c in get_registry().components("loss") if c.family == model.family]
        raise UsageError(
            f"loss {loss.name!r} ({loss.family}) cannot train model {model.name!r} "
            f"({model.family}); valid losses for {model.name!r}: {', '.join(valid) or '(none)'}"
        )


def load_dataset(
    name: str,
    root: str | Path | None = None,
    download: bool = False,
    split: str = "train",
    options: dict[str, Any] | None = None,
) -> DataSource:
    """Load dataset ``name``'s ``split``; a plugin error or bad option becomes a clear error."""
    return build_dataset(get_registry().get("dataset", name), root, download, split, options)


def build_dataset(
    component: Component,
    root: str | Path | None = None,
    download: bool = False,
    split: str = "train",
    options: dict[str, Any] | None = None,
) -> DataSource:
    """:func:`load_dataset` of a component already looked up (:mod:`ganzoo.host.resolve`)."""
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
    return build_model(component, data_info, latent_dim, options, conditional)


def build_model(
    component: Component,
    data_info: DataInfo,
    latent_dim: int | None = None,
    options: dict[str, Any] | None = None,
    conditional: bool = False,
) -> Any:
    """:func:`create_model` of a component already looked up (:mod:`ganzoo.host.resolve`)."""
    name = component.name
    if "num_classes" in (options or {}):
        raise UsageError(
            f"model {name!r}: num_classes is not an option; --conditional sets it from the data"
        )
    fixed: dict[str, Any] = {"latent_dim": latent_dim}
    if conditional:
        check_conditional(component)
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
    return [c.name for c in get_registry().components("model") if c.record.conditional]


def check_conditional_model(name: str) -> None:
    """:class:`UsageError` unless model ``name`` registers ``conditional=True`` (torch-free)."""
    check_conditional(get_registry().get("model", name))


def check_conditional(component: Component) -> None:
    """:func:`check_conditional_model` of a model component already looked up."""
    if not component.record.conditional:
        raise UsageError(
            f"model {component.name!r} cannot train with --conditional (it does not register "
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
    return build_loss(get_registry().get("loss", name), options)


def build_loss(component: Component, options: dict[str, Any] | None = None) -> Any:
    """:func:`create_loss` of a component already looked up (:mod:`ganzoo.host.resolve`)."""
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
    options = check_factory_options(component, options, len(args), fixed, internal)
    params = _signature(factory)
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
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


def check_factory_options(
    component: Component,
    options: dict[str, Any] | None,
    positional: int = 0,
    fixed: Iterable[str] = (),
    internal: tuple[str, ...] = (),
) -> dict[str, Any]:
    """``options`` checked as :func:`call_factory` checks them, without calling the factory.

    Each key must be a parameter of the factory beyond its ``positional`` arguments and the
    ``fixed`` and ``internal`` ones ganzoo passes itself; each value must fit its annotation.
    Returns the options converted to fit (a list where a tuple is annotated, ...). A sweep
    checks its search space this way before any trial runs.
    """
    factory = component.load()
    options = dict(options or {})
    params = _signature(factory)
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    reserved = {"self", "info", "data_info", "root", *fixed, *internal}
    valid = [n for n in list(params)[positional:] if n not in reserved]
    if not takes_any:
        for key in options:
            if key not in params or key in reserved:
                raise UsageError(
                    f"{component.kind} {component.name!r} has no option {key!r}; valid options: "
                    f"{', '.join(valid) or '(none)'}"
                )
    return check_options(f"{component.kind} {component.name!r}", factory, options)


def _signature(factory: Any) -> Mapping[str, inspect.Parameter]:
    try:
        return inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return {}


def share_options(
    kind: str, components: list[Component], options: dict[str, Any], flag: str, names_flag: str
) -> list[dict[str, Any]]:
    """Each component's share of options given once for several (``-R``, ``-A``).

    An option goes to every component whose factory takes it (``-R gamma=10`` with
    ``--reg r1,r2`` sets both γ); one that none takes is a :class:`UsageError` listing
    theirs, or saying that ``names_flag`` named none.
    """
    accepted = {c.name: _parameters(c.load()) for c in components}
    for key in options:
        if not any(key in params for params in accepted.values()):
            valid = "; ".join(f"{n}: {', '.join(p) or '(none)'}" for n, p in accepted.items())
            raise UsageError(
                f"{flag} {key}: no {kind} of this run takes it"
                + (f" (options: {valid})" if components else f" (no {names_flag} given)")
            )
    return [{k: v for k, v in options.items() if k in accepted[c.name]} for c in components]


def _parameters(factory: Any) -> list[str]:
    try:
        return [p for p in inspect.signature(factory).parameters if p != "self"]
    except (TypeError, ValueError):
        return []


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
    _require_members(component, model, contract.model_members(), contract.model_protocol)
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
        _check_loss_signatures(component, loss)


def _check_loss_signatures(component: Component, loss: Any) -> None:
    """One line, at build, for a loss ganzoo cannot call; a warning for a ``contract``."""
    import warnings

    from ganzoo.api.losses import BoundLoss, declared_contract

    try:
        bound = BoundLoss(loss)
    except TypeError as exc:
        raise PluginError(f"{_who(component)} broke the plugin contract: {exc}") from None
    declared = declared_contract(loss)
    if declared is not None:
        unread = declared == 2 and not bound.wants_real
        warnings.warn(
            f"{_who(component)}: {type(loss).__name__}.contract is deprecated and ignored; "
            "what a loss method receives follows from its signature (docs/plugins.md)"
            + ("; this generator_loss gets no real logits: name a parameter real_logits" * unread),
            DeprecationWarning,
            stacklevel=3,
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


def _require_members(
    component: Component, model: Any, names: tuple[str, ...], protocol: str | None
) -> None:
    """Every member the family's trainer uses: methods callable, attributes present."""
    missing = []
    for name in names:
        value = getattr(model, name, _MISSING)
        is_method = callable(getattr(type(model), name, None))
        if value is _MISSING or (is_method and not callable(value)):
            missing.append(name)
    if missing:
        needs = f" ({protocol.partition(':')[2]} needs {', '.join(names)})" if protocol else ""
        raise PluginError(
            f"{_who(component)} broke the plugin contract: its factory returned a "
            f"{type(model).__name__}, which lacks {', '.join(repr(m) for m in missing)}{needs}"
        )


_MISSING = object()


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

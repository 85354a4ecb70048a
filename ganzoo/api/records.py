"""What ``register`` accepts for each kind of component, as typed records (torch-free).

Each ``register_*`` hook's ``register(name, factory, *, description=None, **keywords)``
turns its keywords into one of these records. A keyword the record does not list (a typo
such as ``conditonal``) is an error naming the valid ones: that plugin is reported broken
and none of its components of that kind is registered; other plugins are unaffected.

ganzoo reads a component's settings as typed attributes, ``component.record.conditional``,
never as strings in a dictionary. Adding a kind of component is one dataclass here and one
line in :data:`RECORDS` (plus its hook in :mod:`ganzoo.api.hooks`).
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar

from ganzoo.api.errors import PluginError


@dataclass(frozen=True)
class Record:
    """Keywords every kind accepts: ``description`` and ``paper``."""

    component: ClassVar[str] = ""  # the kind of component: "model", "loss", ...
    hook: ClassVar[str] = ""  # the hook that registers this kind
    plural: ClassVar[str] = ""

    #: one line in ``ganzoo list`` (default: the first line of the factory's docstring)
    description: str = ""
    #: where the method is published: a citation or a URL (``ganzoo export`` records it)
    paper: str | None = None

    def meta(self) -> dict[str, Any]:
        """The keywords given at registration, other than ``description`` and ``family``."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            default = f.default_factory() if f.default_factory is not MISSING else f.default
            if f.name not in ("description", "family") and value != default:
                out[f.name] = value
        return out


@dataclass(frozen=True)
class ModelRecord(Record):
    """``register_models``: what ganzoo reads of a model besides its factory."""

    component: ClassVar[str] = "model"
    hook: ClassVar[str] = "register_models"
    plural: ClassVar[str] = "models"

    #: how it trains and which losses fit it (``ganzoo.host.families``)
    family: str = "adversarial"
    #: the data kinds it supports (``"image"``, ``"vector"``): documentation
    data_kinds: tuple[str, ...] = ()
    #: ``True``: ``--conditional`` may build it with ``num_classes``
    conditional: bool = False
    #: why a model that is not conditional refuses ``--conditional``, said in the refusal
    #: (InfoGAN: its categorical code already plays the label's role, learnt without labels)
    conditional_refusal: str | None = None
    #: the learning rate ``ganzoo train`` uses when the user gives none
    lr: float | None = None
    #: D's own learning rate when the user gives no ``--lr-d`` (two time scales; InfoGAN's
    #: paper: D 2e-4 beside G's 1e-3); ``None``: D learns at ``lr``
    lr_d: float | None = None
    #: dataset name -> the ``-D`` options used with it by default:
    #: ``{"mnist": {"image_size": 32}}``
    dataset_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: the loss ``ganzoo train`` uses when the user gives none (its paper's; else the family's)
    loss: str | None = None
    #: Adam's betas when the user gives none (SNGAN: ``(0.0, 0.9)``; else ``(0.5, 0.999)``)
    betas: tuple[float, float] | None = None
    #: D updates per G update when the user gives none (SNGAN: 5; else 1)
    d_steps: int | None = None
    #: model options applied with a loss or regulariser that needs a per-sample critic
    critic_options: Mapping[str, Any] = field(default_factory=dict)
    #: dataset name -> training settings used on it when the user gives none, where they
    #: differ from the model's own (keys: :data:`DATASET_SETTINGS`):
    #: ``{"digits": {"batch_size": 128, "lr": 2e-3}}``
    dataset_settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _expect(self, "conditional", isinstance(self.conditional, bool), "True or False")
        reason = self.conditional_refusal
        _expect(
            self,
            "conditional_refusal",
            reason is None or (isinstance(reason, str) and reason.strip() and not self.conditional),
            "a reason (text), for a model registered without conditional=True",
        )
        for name in ("lr", "lr_d", "d_steps", "betas"):
            _expect(self, name, _setting_ok(name, getattr(self, name)), SETTING_RULES[name])
        if self.betas is not None:
            object.__setattr__(self, "betas", (float(self.betas[0]), float(self.betas[1])))
        _expect(self, "dataset_options", isinstance(self.dataset_options, Mapping), "a dict")
        object.__setattr__(self, "data_kinds", tuple(self.data_kinds))
        _expect(self, "loss", self.loss is None or isinstance(self.loss, str), "a loss name")
        _expect(self, "critic_options", isinstance(self.critic_options, Mapping), "a dict")
        self._check_dataset_settings()

    def _check_dataset_settings(self) -> None:
        """Each dataset's settings: known names, each value valid as the keyword itself."""
        given = self.dataset_settings
        ok = isinstance(given, Mapping) and all(isinstance(v, Mapping) for v in given.values())
        _expect(self, "dataset_settings", ok, "a dict of dataset name -> {setting: value}")
        for dataset, settings in given.items():
            for name, value in settings.items():
                if name not in DATASET_SETTINGS:
                    raise PluginError(
                        f"keyword dataset_settings[{dataset!r}] names {name!r}; valid settings: "
                        f"{', '.join(DATASET_SETTINGS)}"
                    )
                if value is None or not _setting_ok(name, value):
                    raise PluginError(
                        f"keyword dataset_settings[{dataset!r}][{name!r}]={value!r} is invalid; "
                        f"expected {SETTING_RULES[name]}"
                    )


@dataclass(frozen=True)
class LossRecord(Record):
    """``register_losses``: what ganzoo reads of a loss besides its factory."""

    component: ClassVar[str] = "loss"
    hook: ClassVar[str] = "register_losses"
    plural: ClassVar[str] = "losses"

    #: the model family it trains
    family: str = "adversarial"
    #: deprecated (plugin contracts 1 and 2): ignored, signatures decide how a loss is called
    contract: int | None = None
    #: ``True``: its penalty is per sample, so D must score each sample alone (no batch norm)
    per_sample_critic: bool = False

    def __post_init__(self) -> None:
        if self.contract is not None:
            warnings.warn(
                "register(..., contract=N) is deprecated and ignored: what a loss method "
                "receives follows from its signature (docs/plugins.md)",
                DeprecationWarning,
                stacklevel=5,
            )
        _expect(self, "per_sample_critic", isinstance(self.per_sample_critic, bool), "a bool")


@dataclass(frozen=True)
class RegulariserRecord(Record):
    """``register_regularisers``: what ganzoo reads of a regulariser of D (``--reg``)."""

    component: ClassVar[str] = "regulariser"
    hook: ClassVar[str] = "register_regularisers"
    plural: ClassVar[str] = "regularisers"

    #: the model family whose training it regularises (a GAN's discriminator)
    family: str = "adversarial"
    #: ``True``: its penalty is per sample, so D must score each sample alone (no batch norm)
    per_sample_critic: bool = False

    def __post_init__(self) -> None:
        _expect(self, "per_sample_critic", isinstance(self.per_sample_critic, bool), "a bool")


@dataclass(frozen=True)
class AugmentationRecord(Record):
    """``register_augmentations``: what ganzoo reads of an augmentation of D's inputs
    (``--augment``)."""

    component: ClassVar[str] = "augmentation"
    hook: ClassVar[str] = "register_augmentations"
    plural: ClassVar[str] = "augmentations"

    #: the model family whose training it augments (a GAN's discriminator)
    family: str = "adversarial"
    #: the data kinds it transforms (``"image"``): other data is refused before training
    data_kinds: tuple[str, ...] = ("image",)

    def __post_init__(self) -> None:
        kinds = self.data_kinds
        ok = isinstance(kinds, tuple | list) and all(isinstance(k, str) for k in kinds)
        _expect(self, "data_kinds", ok and bool(kinds), 'a tuple of data kinds ("image")')
        object.__setattr__(self, "data_kinds", tuple(kinds))


@dataclass(frozen=True)
class DatasetRecord(Record):
    """``register_datasets``: what ganzoo reads of a dataset besides its factory."""

    component: ClassVar[str] = "dataset"
    hook: ClassVar[str] = "register_datasets"
    plural: ClassVar[str] = "datasets"

    #: a tuple (``(C, H, W)``, ``(D,)``), or a string such as ``"C×S×S"`` when options decide
    shape: tuple[int, ...] | str | None = None
    #: the data kind, ``"image"`` or ``"vector"``
    kind: str | None = None
    #: classes of the labels, ``None`` for unlabelled data
    num_classes: int | None = None
    #: ``True`` when the data needs no files (tests and tutorials use it)
    offline: bool = False
    #: the epochs ``ganzoo train`` runs when the user gives neither ``--steps`` nor ``--epochs``
    epochs: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.shape, list):
            object.__setattr__(self, "shape", tuple(self.shape))
        _expect(self, "offline", isinstance(self.offline, bool), "True or False")
        whole = self.num_classes is None or (
            isinstance(self.num_classes, int) and not isinstance(self.num_classes, bool)
        )
        _expect(self, "num_classes", whole, "an integer or None")


#: the training settings a model may register for one dataset (``dataset_settings``)
DATASET_SETTINGS: tuple[str, ...] = ("lr", "lr_d", "betas", "d_steps", "batch_size")
#: what each setting must be, as the refusal says it
SETTING_RULES: dict[str, str] = {
    "lr": "a positive number",
    "lr_d": "a positive number",
    "betas": "two in [0, 1)",
    "d_steps": "an integer >= 1",
    "batch_size": "an integer >= 1",
}


def _setting_ok(name: str, value: Any) -> bool:
    """Whether ``value`` is a valid ``name`` (one of :data:`SETTING_RULES`); ``None``: unset."""
    if value is None:
        return True
    if name in ("lr", "lr_d"):
        return not isinstance(value, bool) and isinstance(value, int | float) and value > 0
    if name in ("d_steps", "batch_size"):
        return type(value) is int and value > 0  # type() is int: not a bool
    pair = isinstance(value, tuple | list) and len(value) == 2
    return pair and all(
        not isinstance(b, bool) and isinstance(b, int | float) and 0 <= b < 1 for b in value
    )


def _expect(record: Record, keyword: str, ok: bool, what: str) -> None:
    if not ok:
        raise PluginError(
            f"keyword {keyword}={getattr(record, keyword)!r} is invalid; expected {what}"
        )


#: component kind -> its record; a new kind is one dataclass above and one line here
RECORDS: dict[str, type[Record]] = {
    "model": ModelRecord,
    "loss": LossRecord,
    "regulariser": RegulariserRecord,
    "augmentation": AugmentationRecord,
    "dataset": DatasetRecord,
}


def keywords(kind: str) -> tuple[str, ...]:
    """The keywords ``register`` accepts for ``kind`` (besides ``name`` and ``factory``)."""
    return tuple(f.name for f in fields(RECORDS[kind]))


def make_record(kind: str, name: str, given: Mapping[str, Any]) -> Record:
    """The record of ``kind`` for component ``name`` from the keywords ``register`` got.

    :raises PluginError: an unknown keyword (with a suggestion and the valid ones) or a value
        of the wrong type.
    """
    valid = keywords(kind)
    for key in given:
        if key not in valid:
            close = difflib.get_close_matches(key, valid, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise PluginError(
                f"unknown keyword {key!r} for {kind} {name!r}{hint}; valid: {', '.join(valid)}"
            )
    try:
        return RECORDS[kind](**given)
    except PluginError as exc:
        raise PluginError(f"{kind} {name!r}: {exc}") from None

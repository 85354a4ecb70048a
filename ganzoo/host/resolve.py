"""One run's names resolved once: the model, loss, regularisers, augmentations and dataset,
and their family.

``ganzoo train`` names a model, perhaps a loss, regularisers (``--reg``) and augmentations
(``--augment``), and a dataset. :func:`resolve_names` looks each name up in the registry
exactly once, checks that they fit together (the loss's, regularisers' and augmentations'
family is the model's, augmentations suit the data's kind, a conditional run has a
conditional model and labelled data), and returns a :class:`Components` record. Everything
after it (the defaults, building, the trainer, the provenance in ``config.json``) reads this
record: no name is looked up twice, and no module compares family strings; it asks the
:class:`~ganzoo.host.families.Family` instead.

Torch-free: nothing is built here (see :mod:`ganzoo.host.build`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ganzoo.api.errors import UsageError
from ganzoo.host.families import Family, get_family
from ganzoo.host.plugins import get_registry
from ganzoo.host.registry import Component


@dataclass(frozen=True)
class Components:
    """The registered components of one run, and the family they train as."""

    model: Component
    loss: Component
    dataset: Component
    family: Family
    regularisers: tuple[Component, ...] = ()  # D's ``--reg`` regularisers, in the given order
    augmentations: tuple[Component, ...] = ()  # ``--augment``, in the order they apply

    def provenance(self) -> dict[str, dict[str, Any]]:
        """Who provided the model, loss, dataset and each augmentation: plugin, distribution
        and version.

        Each augmentation has its own key, ``augmentation:NAME`` (a run without
        ``--augment`` has none). A component registered at run time (``ganzoo.register_plugin``,
        no installed distribution) has ``distribution`` and ``version`` ``None`` and says so
        in ``provider``.
        """
        record: dict[str, dict[str, Any]] = {}
        for kind, component in (
            ("model", self.model),
            ("loss", self.loss),
            ("dataset", self.dataset),
            *((f"augmentation:{a.name}", a) for a in self.augmentations),
        ):
            provider = component.provider
            record[kind] = {
                "name": component.name,
                "plugin": provider.plugin,
                "distribution": provider.distribution,
                "version": provider.version,
                "registered_at_run_time": provider.distribution is None,
                "provider": str(provider),
            }
        return record

    def dataset_options(self, given: dict[str, Any]) -> dict[str, Any]:
        """The model's registered options for this dataset, then ``given`` (which wins).

        A model may register the data options the field trains it with on a dataset
        (``dataset_options={"mnist": {"image_size": 32}}``); an explicit ``-D`` always wins.
        """
        meta = self.model.record.dataset_options  # type: ignore[union-attr]
        return {**dict(meta.get(self.dataset.name, {})), **given}

    def needs_per_sample_critic(self) -> list[Component]:
        """The loss and regularisers that register ``per_sample_critic=True``."""
        return [
            c
            for c in (self.loss, *self.regularisers)
            if getattr(c.record, "per_sample_critic", False)
        ]

    def model_options(self, given: dict[str, Any]) -> dict[str, Any]:
        """The model's critic options if the loss needs them, then ``given``.

        A loss registering ``per_sample_critic=True`` (WGAN-GP: its penalty is a per-sample
        gradient) needs a D whose score of one sample does not depend on the others; a model
        registers the options that give one (``critic_options={"d_norm": "layer"}``) and they
        apply here, recorded in ``config.json``. An explicit ``-M`` always wins. A regulariser
        that needs one is not given them: a D with batch norm is refused, naming the options.
        """
        if not getattr(self.loss.record, "per_sample_critic", False):
            return dict(given)
        critic = self.model.record.critic_options  # type: ignore[union-attr]
        return {**dict(critic), **given}


def resolve_names(
    model: str,
    loss: str | None,
    dataset: str,
    conditional: bool = False,
    regularisers: Sequence[str] = (),
    augmentations: Sequence[str] = (),
) -> Components:
    """Look ``model``, ``loss`` (None: the model's, else the family's default), each of
    ``regularisers`` and ``augmentations``, and ``dataset`` up, once each.

    Raises :class:`UsageError` for an unknown name, a loss, regulariser or augmentation of
    another family, a regulariser or augmentation named twice, an augmentation of another
    data kind (where the dataset registers its kind), or a conditional run that the model or
    (known without loading it) the data cannot make.
    """
    from ganzoo.host.build import check_conditional, check_loss_fits, unlabelled_message

    registry = get_registry()
    model_c = registry.get("model", model)
    family = get_family(model_c.family)
    default_loss = model_c.record.loss or family.default_loss  # type: ignore[union-attr]
    loss_c = registry.get("loss", loss if loss is not None else default_loss)
    check_loss_fits(model_c, loss_c)
    regs = _members("regulariser", "--reg", model_c, regularisers)
    augs = _members("augmentation", "--augment", model_c, augmentations)
    dataset_c = registry.get("dataset", dataset)
    for aug in augs:
        check_data_kind(aug, dataset, dataset_c.record.kind)  # type: ignore[union-attr]
    if conditional:
        check_conditional(model_c)
        # known without loading the data: a fixed shape registered without classes
        shape = dataset_c.meta.get("shape")
        if isinstance(shape, tuple | list) and not dataset_c.meta.get("num_classes"):
            raise UsageError(unlabelled_message(dataset))
    return Components(model_c, loss_c, dataset_c, family, regs, augs)


def check_data_kind(augmentation: Component, dataset: str, kind: str | None) -> None:
    """:class:`UsageError` if ``augmentation`` cannot transform data of ``kind`` (None:
    not known yet, e.g. a folder of files; checked again once the data is loaded)."""
    kinds = augmentation.record.data_kinds  # type: ignore[union-attr]
    if kind is not None and kind not in kinds:
        raise UsageError(
            f"--augment {augmentation.name} transforms {' or '.join(kinds)} data; dataset "
            f"{dataset!r} is {kind} data"
        )


#: what each kind of ``_members`` does to a model's training, for the error message
_DOES = {"regulariser": "regularises", "augmentation": "augments"}


def _members(
    kind: str, option: str, model: Component, names: Sequence[str]
) -> tuple[Component, ...]:
    """The ``--reg`` or ``--augment`` components, each looked up once and fitting
    ``model``'s family."""
    repeated = sorted({n for n in names if list(names).count(n) > 1})
    if repeated:
        raise UsageError(f"{option} names {', '.join(repeated)} more than once")
    found = tuple(get_registry().get(kind, name) for name in names)
    for member in found:
        if member.family != model.family:
            raise UsageError(
                f"{option} {member.name} {_DOES[kind]} the training of {member.family} "
                f"models; model {model.name!r} is {model.family}"
            )
    return found

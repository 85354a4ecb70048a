"""One run's names resolved once: the model, loss and dataset components and their family.

``ganzoo train`` names a model, perhaps a loss, and a dataset. :func:`resolve_names` looks
each name up in the registry exactly once, checks that they fit together (the loss's family
is the model's, a conditional run has a conditional model and labelled data), and returns a
:class:`Components` record. Everything after it (the defaults, building, the trainer, the
provenance in ``config.json``) reads this record: no name is looked up twice, and no module
compares family strings; it asks the :class:`~ganzoo.host.families.Family` instead.

Torch-free: nothing is built here (see :mod:`ganzoo.host.build`).
"""

from __future__ import annotations

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

    def provenance(self) -> dict[str, dict[str, Any]]:
        """Who provided the model, loss and dataset: plugin, distribution and version.

        A component registered at run time (``ganzoo.register_plugin``, no installed
        distribution) has ``distribution`` and ``version`` ``None`` and says so in ``provider``.
        """
        record: dict[str, dict[str, Any]] = {}
        for kind, component in (
            ("model", self.model),
            ("loss", self.loss),
            ("dataset", self.dataset),
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
        meta = self.model.meta.get("dataset_options") or {}
        return {**dict(meta.get(self.dataset.name, {})), **given}


def resolve_names(
    model: str, loss: str | None, dataset: str, conditional: bool = False
) -> Components:
    """Look ``model``, ``loss`` (None: the family's default) and ``dataset`` up, once each.

    Raises :class:`UsageError` for an unknown name, a loss of another family, or a
    conditional run that the model or (known without loading it) the data cannot make.
    """
    from ganzoo.host.build import check_conditional, check_loss_fits, unlabelled_message

    registry = get_registry()
    model_c = registry.get("model", model)
    family = get_family(model_c.family)
    loss_c = registry.get("loss", loss if loss is not None else family.default_loss)
    check_loss_fits(model_c, loss_c)
    dataset_c = registry.get("dataset", dataset)
    if conditional:
        check_conditional(model_c)
        # known without loading the data: a fixed shape registered without classes
        shape = dataset_c.meta.get("shape")
        if isinstance(shape, tuple | list) and not dataset_c.meta.get("num_classes"):
            raise UsageError(unlabelled_message(dataset))
    return Components(model_c, loss_c, dataset_c, family)

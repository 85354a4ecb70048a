"""``AdversarialModel`` lists everything the adversarial trainer uses of a model; a duck-typed
GAN lacking one member is refused at build, in one line naming it."""

from __future__ import annotations

import ast
import inspect

import pytest
import torch
from torch import nn

import ganzoo
from ganzoo.api.data import DataInfo
from ganzoo.api.errors import PluginError
from ganzoo.api.models import (
    ADVERSARIAL_MODEL_MEMBERS,
    GAN,
    OPTIONAL_ADVERSARIAL_MEMBERS,
    AdversarialModel,
)
from ganzoo.host.build import create_model
from ganzoo.training import adversarial

INFO = DataInfo("t", (2,), "vector")


def _used_on_the_model(module) -> set[str]:
    """Attributes the module reads on ``model`` or ``self.model``."""
    used = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if not isinstance(node, ast.Attribute):
            continue
        owner = node.value
        if isinstance(owner, ast.Name) and owner.id == "model":
            used.add(node.attr)
        self_model = isinstance(owner, ast.Attribute) and owner.attr == "model"
        if self_model and isinstance(owner.value, ast.Name) and owner.value.id == "self":
            used.add(node.attr)
    return used


def test_the_protocol_lists_everything_the_trainer_uses():
    module_methods = set(dir(nn.Module))
    used = _used_on_the_model(adversarial) - module_methods
    assert used, "the scan found nothing: it is broken"
    listed = set(ADVERSARIAL_MODEL_MEMBERS) | set(OPTIONAL_ADVERSARIAL_MEMBERS)
    assert used <= listed, used - listed
    assert set(OPTIONAL_ADVERSARIAL_MEMBERS) <= set(dir(GAN))  # a GAN has them all
    for name in ("discriminate_all", "generate", "sample_latent", "aux_weight", "num_classes"):
        assert name in ADVERSARIAL_MODEL_MEMBERS


def test_a_gan_is_an_adversarial_model():
    g, d = nn.Linear(2, 2), nn.Linear(2, 1)
    gan = GAN(g, d, 2, INFO)
    assert isinstance(gan, AdversarialModel)
    assert not isinstance(nn.Linear(2, 2), AdversarialModel)


class DuckGAN(nn.Module):
    """Everything a GAN has, but written by hand and without ``discriminate_all``."""

    family = "adversarial"

    def __init__(self, latent_dim=2):
        super().__init__()
        self.generator, self.discriminator = nn.Linear(latent_dim, 2), nn.Linear(2, 1)
        self.latent_dim, self.num_classes, self.aux_classes, self.aux_weight = (
            latent_dim,
            None,
            None,
            1.0,
        )

    @property
    def device(self):
        return self.generator.weight.device

    def sample_latent(self, n, generator=None):
        return torch.randn(n, self.latent_dim, generator=generator)

    def generate(self, z, labels=None, network=None):
        return (network or self.generator)(z)

    def discriminate(self, x, labels=None, network=None):
        return (network or self.discriminator)(x).reshape(-1)

    def sample(self, n, generator=None, labels=None):
        return self.generate(self.sample_latent(n, generator))


def duck(info, latent_dim=None):
    return DuckGAN(latent_dim or 2)


class Ducks:
    @ganzoo.hookimpl
    def register_models(self, register):
        register("duck", duck, description="t")


def test_a_duck_typed_gan_without_discriminate_all_is_refused_at_build():
    ganzoo.register_plugin(Ducks(), name="ducks")
    with pytest.raises(PluginError) as info:
        create_model("duck", INFO)
    text = str(info.value)
    assert "\n" not in text
    assert "its factory returned a DuckGAN, which lacks 'discriminate_all'" in text
    assert "AdversarialModel needs" in text


def test_train_refuses_it_in_one_line(run_cli, tmp_path):
    ganzoo.register_plugin(Ducks(), name="ducks")
    result = run_cli("train", "--model", "duck", "--dataset", "gaussian1d", "--steps", "2",
                     "--out", tmp_path / "run", "-q")  # fmt: skip
    assert result.exit_code != 0
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert "lacks 'discriminate_all'" in result.err and "Traceback" not in result.err

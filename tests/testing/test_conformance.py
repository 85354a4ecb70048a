"""The conformance kit (``ganzoo.testing``): it fails, saying why, for each broken promise;
and every registered model, loss and dataset passes it.

The second half is parametrized over the registry, so a new plugin is covered the moment it
registers. Datasets that need files run where the files are (``../shared/data``) and skip,
saying why, where they are not.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

import ganzoo
from ganzoo.api.data import DataInfo, TensorSource
from ganzoo.api.errors import DataError, IncompatibleDataError
from ganzoo.api.losses import AdversarialLoss
from ganzoo.api.models import GAN
from ganzoo.host.build import create_model, load_dataset
from ganzoo.testing import ConformanceError, check_dataset, check_loss, check_model
from tests.helpers import SHARED_DATA

# --- broken models ------------------------------------------------------------------------


def small_gan(info: DataInfo, latent_dim: int | None = None, squash: bool = True) -> GAN:
    latent_dim = latent_dim or 4
    out = [nn.Tanh()] if squash else []
    generator = nn.Sequential(
        nn.Linear(latent_dim, 16),
        nn.ReLU(),
        nn.Linear(16, info.dim),
        *out,
        nn.Unflatten(1, info.shape),
    )
    discriminator = nn.Sequential(
        nn.Flatten(), nn.Linear(info.dim, 16), nn.ReLU(), nn.Linear(16, 1)
    )
    return GAN(generator, discriminator, latent_dim, info)


class WrongShape(GAN):
    def sample(self, n, generator=None):
        return super().sample(n, generator).flatten(1)


class IgnoresGenerator(GAN):
    def sample(self, n, generator=None):
        return super().sample(n)


class Float64(GAN):
    def sample(self, n, generator=None):
        return super().sample(n, generator).double()


def rebuilt(cls):
    def build(info, latent_dim=None):
        model = small_gan(info, latent_dim)
        return cls(model.generator, model.discriminator, model.latent_dim, info)

    return build


def unsquashed(info, latent_dim=None):
    """Images with no tanh: values outside [-1, 1]."""
    model = small_gan(info, latent_dim, squash=False)
    with torch.no_grad():
        model.generator[2].bias.fill_(5.0)
    return model


def seeds_itself(info, latent_dim=None):
    torch.manual_seed(1234)
    return small_gan(info, latent_dim)


def ignores_latent_dim(info, latent_dim=None):
    return small_gan(info, None)


class Familiar(nn.Linear):
    family = "adversarial"


def no_sample(info, latent_dim=None):
    return Familiar(2, 2)


def not_a_model(info, latent_dim=None):
    return nn.Linear(2, 2)


class Exploding(GAN):
    def discriminate(self, x):
        return super().discriminate(x) * float("inf")


class BrokenModels:
    @ganzoo.hookimpl
    def register_models(self, register):
        register("wrong-shape", rebuilt(WrongShape), description="t")
        register("ignores-generator", rebuilt(IgnoresGenerator), description="t")
        register("float64", rebuilt(Float64), description="t")
        register("unsquashed", unsquashed, description="t")
        register("seeds-itself", seeds_itself, description="t")
        register("ignores-latent-dim", ignores_latent_dim, description="t")
        register("no-sample", no_sample, description="t")
        register("not-a-model", not_a_model, description="t")
        register("exploding", rebuilt(Exploding), description="t")
        register("good", small_gan, description="t")


@pytest.fixture
def broken_models():
    name = ganzoo.register_plugin(BrokenModels(), name="broken-models")
    yield
    ganzoo.unregister_plugin(name)


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("wrong-shape", "sample(1) has shape (1, 64), expected (1, 1, 8, 8)"),
        ("ignores-generator", "sample(n, generator) differs for equal generators"),
        ("float64", "sample(1) has dtype torch.float64, expected torch.float32"),
        ("unsquashed", "images are in [-1, 1]"),
        ("seeds-itself", "does the factory seed its own RNG?"),
        ("ignores-latent-dim", "built with latent_dim=7, has 4"),
        ("no-sample", "a Familiar, which lacks 'generator', 'discriminator', 'latent_dim'"),
        ("not-a-model", "was registered as adversarial but built a Linear of family None"),
        ("exploding", "has non-finite values"),
    ],
)
def test_check_model_names_the_broken_promise(broken_models, model, message):
    with pytest.raises(ConformanceError) as info:
        check_model(model, "digits")
    text = str(info.value)
    assert text.startswith(f"model {model!r} (broken-models (registered at run time))")
    assert message in text


def test_a_conforming_model_passes_and_reports_what_was_checked(broken_models):
    report = check_model("good", "digits", devices=["cpu"])
    assert "honours latent_dim" in report.passed
    assert any("training steps" in p for p in report.passed)
    assert len(report.skipped) == 1  # devices were given: only the conditional build untried
    assert report.skipped[0].startswith("conditional checks: the model is not registered")
    assert str(report).startswith("model 'good' (broken-models (registered at run time)) on")


def test_unknown_names_fail_with_the_registry_listing():
    with pytest.raises(ConformanceError, match=r"unknown model 'nosuch'.*is the plugin installed"):
        check_model("nosuch")


# --- broken losses ------------------------------------------------------------------------


class Inverted(AdversarialLoss):
    """D loss that rewards being wrong."""

    def discriminator_loss(self, real_logits, fake_logits):
        return F.softplus(real_logits).mean() + F.softplus(-fake_logits).mean()

    def generator_loss(self, fake_logits):
        return F.softplus(-fake_logits).mean()


class Summed(Inverted):
    def discriminator_loss(self, real_logits, fake_logits):
        return F.softplus(-real_logits).sum() + F.softplus(fake_logits).sum()


class RisingG(Summed):
    def discriminator_loss(self, real_logits, fake_logits):
        return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()

    def generator_loss(self, fake_logits):
        return F.softplus(fake_logits).mean()


class NaiveLog(RisingG):
    """-log(sigmoid(l)) written naively: inf at l = -100."""

    def generator_loss(self, fake_logits):
        return -torch.log(torch.sigmoid(fake_logits)).mean()


class NegativePenalty(NaiveLog):
    def generator_loss(self, fake_logits):
        return F.softplus(-fake_logits).mean()

    def penalty(self, discriminator, real, fake):
        return -discriminator(real).pow(2).mean()


class MutatesInput(NegativePenalty):
    def discriminator_loss(self, real_logits, fake_logits):
        value = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
        real_logits.data.mul_(0.5)
        return value

    def penalty(self, discriminator, real, fake):
        return None


class BrokenLosses:
    @ganzoo.hookimpl
    def register_losses(self, register):
        for name, cls in [
            ("inverted", Inverted),
            ("summed", Summed),
            ("rising-g", RisingG),
            ("naive-log", NaiveLog),
            ("negative-penalty", NegativePenalty),
            ("mutates-input", MutatesInput),
        ]:
            register(name, cls, description="t", family="adversarial")


@pytest.fixture
def broken_losses():
    name = ganzoo.register_plugin(BrokenLosses(), name="broken-losses")
    yield
    ganzoo.unregister_plugin(name)


@pytest.mark.parametrize(
    ("loss", "message"),
    [
        ("inverted", "it must be lower when D is right"),
        ("summed", "losses must be means over the batch, not sums"),
        ("rising-g", "it must fall as D scores the fakes higher"),
        ("naive-log", "generator_loss at ±100 has non-finite values"),
        ("negative-penalty", "a penalty is never negative"),
        ("mutates-input", "a loss changed its input"),
    ],
)
def test_check_loss_names_the_broken_promise(broken_losses, loss, message):
    with pytest.raises(ConformanceError) as info:
        check_loss(loss)
    assert message in str(info.value)


# --- broken datasets ----------------------------------------------------------------------


def points(split="train", shape=(2,), scale=1.0, **meta):
    g = torch.Generator().manual_seed(0 if split == "train" else 1)
    x = scale * torch.rand(64, *shape, generator=g) * 2 - scale
    return TensorSource(DataInfo("points", shape, "image" if len(shape) == 3 else "vector"), x)


class FixedOrder(TensorSource):
    def epoch(self, batch_size, generator):
        for i in range(self.batches_per_epoch(batch_size)):
            yield self.samples[i * batch_size : (i + 1) * batch_size]


def fixed_order(root=None, download=False, split="train"):
    source = points(split)
    return FixedOrder(source.info, source.samples)


def unseeded(root=None, download=False, split="train"):
    return TensorSource(DataInfo("u", (2,), "vector"), torch.randn(64, 2))


class BrokenDatasets:
    @ganzoo.hookimpl
    def register_datasets(self, register):
        register(
            "good-points",
            lambda root=None, download=False, split="train": points(split),
            shape=(2,),
        )
        register(
            "misregistered",
            lambda root=None, download=False, split="train": points(split),
            shape=(3,),
        )
        register(
            "bright-images",
            lambda root=None, download=False, split="train": points(split, (1, 4, 4), scale=2.0),
            shape=(1, 4, 4),
        )
        register("fixed-order", fixed_order, shape=(2,))
        register("unseeded", unseeded, shape=(2,))
        register("a-tensor", lambda root=None, download=False, split="train": torch.zeros(3))


@pytest.fixture
def broken_datasets():
    name = ganzoo.register_plugin(BrokenDatasets(), name="broken-datasets")
    yield
    ganzoo.unregister_plugin(name)


@pytest.mark.parametrize(
    ("dataset", "message"),
    [
        ("misregistered", "registered with shape=(3,) but its samples have shape (2,)"),
        ("bright-images", "images are in [-1, 1]"),
        ("fixed-order", "ignores the generator"),
        ("unseeded", "two builds of split 'train' gave different batches for the same seed"),
        ("a-tensor", "lacks 'info', 'epoch'"),
    ],
)
def test_check_dataset_names_the_broken_promise(broken_datasets, dataset, message):
    with pytest.raises(ConformanceError) as info:
        check_dataset(dataset)
    assert message in str(info.value)


def test_a_conforming_dataset_passes(broken_datasets):
    report = check_dataset("good-points", devices=["cpu"])
    assert [p.split(":")[0] for p in report.passed] == ["split 'train'", "split 'test'"]


# --- every registered component passes the kit ----------------------------------------


REGISTRY = ganzoo.get_registry()
MODELS = ganzoo.list_models()
OFFLINE = [c.name for c in REGISTRY.components("dataset") if c.record.offline]
WITH_FILES = [c.name for c in REGISTRY.components("dataset") if not c.record.offline]


def test_the_first_party_components_are_all_covered():
    assert {"vanilla", "dcgan", "vae"} <= set(MODELS)
    assert {"digits", "gaussian1d", "ring2d"} <= set(OFFLINE)
    assert {"mnist", "folder"} <= set(WITH_FILES)


@pytest.mark.parametrize("dataset", OFFLINE)
@pytest.mark.parametrize("model", MODELS)
def test_model_conforms_on_offline_data(model, dataset):
    try:
        report = check_model(model, dataset)
    except IncompatibleDataError as exc:
        pytest.skip(f"{model} declares it cannot model {dataset}: {exc}")
    assert "same seed, same weights; another seed, other weights" in report.passed


@pytest.mark.parametrize("model", MODELS)
def test_model_models_some_offline_dataset(model):
    """So that the skips above can never hide a model from the kit entirely."""
    fits = []
    for dataset in OFFLINE:
        try:
            create_model(model, load_dataset(dataset, None).info, None, {})
            fits.append(dataset)
        except IncompatibleDataError:
            continue
    assert fits, f"model {model!r} accepts none of the offline datasets {OFFLINE}"


@pytest.mark.parametrize("model", MODELS)
def test_model_conforms_on_mnist(model, shared_data):
    data = load_dataset("mnist", shared_data, split="test")
    try:
        check_model(model, data, steps=1)
    except IncompatibleDataError as exc:
        pytest.skip(f"{model} declares it cannot model mnist: {exc}")


@pytest.mark.parametrize("loss", ganzoo.list_losses())
def test_loss_conforms(loss):
    report = check_loss(loss)
    assert report.passed


@pytest.mark.parametrize("dataset", OFFLINE)
def test_offline_dataset_conforms(dataset):
    report = check_dataset(dataset)
    assert len([p for p in report.passed if p.startswith("split")]) == 2


def test_mnist_conforms(shared_data):
    # the test split: same code path as the train split, a sixth of the decoding
    report = check_dataset("mnist", root=shared_data, splits=("test",))
    assert report.passed[0].startswith("split 'test': 10000 samples of (1, 28, 28) (image)")


def test_image_folder_conforms(tmp_path):
    for i in range(40):
        Image.new("RGB", (20, 12), (6 * i, 100, 200 - 4 * i)).save(tmp_path / f"img{i:02d}.png")
    check_dataset("folder", root=tmp_path, options={"image_size": 8})


@pytest.mark.parametrize("dataset", [d for d in WITH_FILES if d not in ("mnist", "folder")])
def test_dataset_with_files_conforms_where_its_files_are(dataset):
    try:
        check_dataset(dataset, root=SHARED_DATA)
    except DataError as exc:
        pytest.skip(f"files of {dataset} are not in {SHARED_DATA}: {exc}")

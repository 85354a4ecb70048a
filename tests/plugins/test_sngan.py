"""SNGAN (Miyato et al. 2018) against its paper: architecture, parameter count, defaults."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from ganzoo.api.data import DataInfo
from ganzoo.host.build import create_model
from ganzoo.training.config import TrainConfig, resolve

CIFAR = DataInfo("cifar-like", (3, 32, 32), "image", num_classes=10)


def conv(c_in: int, c_out: int, k: int) -> int:
    return c_in * c_out * k * k + c_out  # weights and bias


def linear(n_in: int, n_out: int) -> int:
    return n_in * n_out + n_out


def bn(c: int) -> int:
    return 2 * c  # scale and shift (running statistics are buffers)


def paper_generator_parameters(z: int = 128, ch: int = 256, blocks: int = 3) -> int:
    """Table 4 (a): linear z -> 4·4·ch; 3 × [BN, conv3×3, BN, conv3×3, shortcut conv1×1];
    BN, conv3×3 -> 3."""
    block = bn(ch) + conv(ch, ch, 3) + bn(ch) + conv(ch, ch, 3) + conv(ch, ch, 1)
    return linear(z, 4 * 4 * ch) + blocks * block + bn(ch) + conv(ch, 3, 3)


def paper_discriminator_parameters(ch: int = 128) -> int:
    """Table 4 (b): optimised down block (3 -> ch), down block, 2 blocks with identity
    shortcuts, linear ch -> 1."""
    optimised = conv(3, ch, 3) + conv(ch, ch, 3) + conv(3, ch, 1)
    down = 2 * conv(ch, ch, 3) + conv(ch, ch, 1)
    plain = 2 * conv(ch, ch, 3)
    return optimised + down + 2 * plain + linear(ch, 1)


def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_parameter_count_is_the_papers_32px_resnet():
    gan = create_model("sngan", CIFAR, options={"width": 256})
    assert count(gan.generator) == paper_generator_parameters() == 4_276_739
    assert count(gan.discriminator) == paper_discriminator_parameters() == 1_053_825
    assert gan.latent_dim == 128


def test_block_shapes_follow_table_4():
    gan = create_model("sngan", CIFAR, options={"width": 32, "d_width": 16})
    h = gan.generator.linear(torch.randn(2, 128)).view(2, 32, 4, 4)
    sides = []
    for block in gan.generator.blocks:
        h = block(h)
        sides.append(tuple(h.shape[1:]))
    assert sides == [(32, 8, 8), (32, 16, 16), (32, 32, 32)]
    assert tuple(gan.generator(torch.randn(2, 128)).shape) == (2, 3, 32, 32)
    x = torch.randn(2, 3, 32, 32)
    sides = []
    for block in gan.discriminator[0].blocks:
        x = block(x)
        sides.append(tuple(x.shape[1:]))
    assert sides == [(16, 16, 16), (16, 8, 8), (16, 8, 8), (16, 8, 8)]
    assert tuple(gan.discriminate(torch.randn(5, 3, 32, 32)).shape) == (5,)


def test_d_is_spectrally_normalised_everywhere_without_batch_norm():
    from ganzoo_gans.spectral import normalised_weights

    gan = create_model("sngan", CIFAR, options={"width": 16, "d_width": 16}, conditional=True)
    d = gan.discriminator
    weighted = [m for m in d.modules() if isinstance(m, nn.Linear | nn.Conv2d | nn.Embedding)]
    assert set(normalised_weights(d)) == set(weighted)  # the projection's embedding too
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in d.modules())
    labels = torch.tensor([0, 3])
    assert tuple(gan.sample(2, labels=labels).shape) == (2, 3, 32, 32)


@pytest.mark.parametrize(("side", "up", "down"), [(8, 1, 1), (16, 2, 1), (64, 4, 3)])
def test_the_number_of_blocks_follows_the_image_size(side, up, down):
    options = {"width": 4, "d_width": 4}
    gan = create_model("sngan", DataInfo("x", (1, side, side), "image"), options=options)
    assert len(gan.generator.blocks) == up
    blocks = gan.discriminator[0].blocks
    assert [b.down for b in blocks] == [True] * down + [False, False]
    assert tuple(gan.sample(2).shape) == (2, 1, side, side)


def test_other_shapes_are_refused_in_one_line():
    from ganzoo.api.errors import IncompatibleDataError

    with pytest.raises(IncompatibleDataError, match="side 4·2\\^n"):
        create_model("sngan", DataInfo("x", (1, 28, 28), "image"))


def test_registered_defaults_are_the_papers_and_an_explicit_option_wins():
    plan = resolve(TrainConfig(model="sngan", dataset="mnist"), steps_per_epoch=10)
    c = plan.config
    assert (c.loss, c.lr, c.betas, c.d_steps) == ("hinge", 2e-4, (0.0, 0.9), 5)
    assert c.dataset_options == {"image_size": 32}
    mine = TrainConfig(model="sngan", loss="nonsat", betas=(0.5, 0.99), d_steps=2, lr=1e-3)
    c = resolve(mine, steps_per_epoch=10).config
    assert (c.loss, c.lr, c.betas, c.d_steps) == ("nonsat", 1e-3, (0.5, 0.99), 2)
    c = resolve(TrainConfig(model="dcgan"), steps_per_epoch=10).config  # ganzoo's defaults
    assert (c.loss, c.betas, c.d_steps) == ("nonsat", (0.5, 0.999), 1)


def test_every_normalised_weight_has_largest_singular_value_one_after_training():
    from ganzoo_gans.spectral import normalised_weights

    from ganzoo.host.build import create_loss, load_dataset
    from ganzoo.training.adversarial import AdversarialTrainer

    torch.manual_seed(0)
    data = load_dataset("digits")
    gan = create_model("sngan", data.info, options={"width": 8, "d_width": 8})
    batches = iter(data.epoch(16, torch.Generator().manual_seed(0)))
    trainer = AdversarialTrainer(gan, create_loss("hinge"), 2e-4, (0.0, 0.9), d_steps=1)
    for _ in range(10):
        trainer.step(lambda: next(batches))
    gan.eval()  # W / σ̂ with the trained u, v: no further power iteration
    layers = normalised_weights(gan.discriminator)
    assert len(layers) == 8  # 3 blocks × 2 convs, 2 shortcuts (optimised, none), linear
    for layer in layers:
        sigma = torch.linalg.svdvals(layer.weight.detach().flatten(1))[0].item()
        assert sigma == pytest.approx(1.0, abs=0.05)


def test_a_conditional_sngan_trains_through_diffaugment_on_its_labels(run_cli, tmp_path):
    """``--conditional`` with ``--augment`` (issue 24.5): small networks, 3 steps of 5 D
    updates; the run is rebuilt conditional and its generator answers to the label."""
    from ganzoo.runs.loading import load_run_model
    from ganzoo.runs.rundir import RunDir

    out = tmp_path / "run"
    result = run_cli(
        "train", "--model", "sngan", "--conditional", "--augment", "translation,cutout",
        "-M", "width=16", "-M", "d_width=16", "--steps", "3", "--log-every", "1",
        "--out", out, "-q",
    )  # fmt: skip
    assert result.exit_code == 0, result.err
    logged = [r for r in RunDir(out).read_metrics() if "event" not in r]
    assert len(logged) == 3 and all(torch.isfinite(torch.tensor(r["d_loss"])) for r in logged)
    model = load_run_model(out)
    assert model.num_classes == 10
    z = model.sample_latent(4, torch.Generator().manual_seed(0))
    with torch.no_grad():
        threes = model.generate(z, torch.full((4,), 3))
        fives = model.generate(z, torch.full((4,), 5))
    assert (threes - fives).abs().max() > 1e-4

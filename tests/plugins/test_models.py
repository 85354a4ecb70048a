"""Model plugins: DCGAN shapes and initialisation, the VAE and its objective."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from ganzoo.api.data import DataInfo
from ganzoo.api.errors import IncompatibleDataError
from ganzoo.host.build import create_loss, create_model, load_dataset


@pytest.mark.parametrize(
    "shape",
    [(1, 8, 8), (1, 16, 16), (1, 28, 28), (3, 28, 28), (1, 32, 32), (3, 32, 32), (3, 64, 64)],
)
def test_dcgan_generates_and_judges_every_supported_shape(shape):
    torch.manual_seed(0)
    model = create_model("dcgan", DataInfo("x", shape, "image"), None, {})
    fake = model.sample(4)
    assert fake.shape == (4, *shape) and fake.min() >= -1 and fake.max() <= 1
    assert model.discriminate(fake).shape == (4,)
    assert model.latent_dim == 100


def test_dcgan_uses_the_papers_initialisation():
    torch.manual_seed(0)
    model = create_model("dcgan", DataInfo("x", (3, 64, 64), "image"), None, {})
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d | nn.ConvTranspose2d)]
    weights = torch.cat([m.weight.flatten() for m in convs])
    assert weights.mean().abs() < 1e-3 and weights.std().item() == pytest.approx(0.02, rel=0.02)
    scales = torch.cat([m.weight for m in model.modules() if isinstance(m, nn.BatchNorm2d)])
    assert scales.mean().item() == pytest.approx(1.0, abs=0.01)
    # no batch norm on D's input layer nor on G's output layer
    assert isinstance(model.discriminator[1], nn.LeakyReLU)
    assert isinstance(model.generator[-1], nn.Tanh) and isinstance(
        model.generator[-2], nn.ConvTranspose2d
    )


@pytest.mark.parametrize(
    ("shape", "kind", "why"),
    [
        ((1,), "vector", "needs C×H×W images"),
        ((3, 100, 100), "image", "b·2^n"),
        ((3, 32, 16), "image", "b·2^n"),
    ],
)
def test_dcgan_refuses_data_it_cannot_model(shape, kind, why):
    with pytest.raises(IncompatibleDataError, match=why.replace("^", r"\^")):
        create_model("dcgan", DataInfo("x", shape, kind), None, {})


def test_kl_term_matches_closed_form_and_torch_distributions():
    from ganzoo_vae.elbo import kl_to_standard_normal
    from torch.distributions import Normal, kl_divergence

    torch.manual_seed(0)
    mu, logvar = torch.randn(5, 3), torch.randn(5, 3)
    expected = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).sum(dim=1)
    assert torch.allclose(kl_to_standard_normal(mu, logvar), expected, atol=1e-5)
    assert kl_to_standard_normal(torch.zeros(2, 4), torch.zeros(2, 4)).abs().max() == 0


def test_elbo_is_reconstruction_plus_beta_kl():
    torch.manual_seed(0)
    data = load_dataset("digits", None)
    model = create_model("vae", data.info, None, {})
    x = data.samples[:16]
    torch.manual_seed(1)
    terms = create_loss("elbo", {"beta": 0.5})(model, x)
    assert terms["loss"].item() == pytest.approx(
        (terms["recon"] + 0.5 * terms["kl"]).item(), rel=1e-6
    )
    assert terms["recon"] > 0 and terms["kl"] >= 0


@pytest.mark.parametrize(("dataset", "arch"), [("digits", nn.Linear), ("gaussian1d", nn.Linear)])
def test_vae_reconstruction_error_falls_over_a_few_steps(dataset, arch):
    from ganzoo.training.likelihood import LikelihoodTrainer

    torch.manual_seed(0)
    data = load_dataset(dataset, None)
    model = create_model("vae", data.info, None, {})
    assert isinstance(model.encoder[1], arch)
    trainer = LikelihoodTrainer(model, create_loss("elbo", {}), lr=1e-3, betas=(0.9, 0.999))
    batch = data.samples[:256]
    before = (model.reconstruct(batch) - batch).pow(2).mean().item()
    gen = torch.Generator().manual_seed(0)
    batches = iter(lambda: data.samples[torch.randint(len(data), (64,), generator=gen)], None)
    recon = [trainer.step(lambda: next(batches))["recon"].item() for _ in range(60)]
    after = (model.reconstruct(batch) - batch).pow(2).mean().item()
    assert after < 0.8 * before
    assert sum(recon[-10:]) < sum(recon[:10])


def test_vae_is_convolutional_for_mnist_sized_images_and_samples_like_any_model():
    torch.manual_seed(0)
    model = create_model("vae", DataInfo("x", (1, 28, 28), "image"), None, {})
    assert isinstance(model.encoder[0], nn.Conv2d)
    x = model.sample(3, generator=torch.Generator().manual_seed(0))
    assert x.shape == (3, 1, 28, 28) and x.min() >= -1 and x.max() <= 1


def test_vae_trains_through_the_cli_and_refuses_gan_losses(run_cli, tmp_path):
    result = run_cli("train", "--model", "vae", "--steps", "5", "--out", tmp_path / "v", "-q")
    assert result.exit_code == 0, result.err
    assert (tmp_path / "v" / "samples" / "epoch_0001.png").exists()
    refused = run_cli("train", "--model", "vae", "--loss", "nonsat", "--out", tmp_path / "w")
    assert refused.exit_code == 2
    assert "loss 'nonsat' (adversarial) cannot train model 'vae' (likelihood)" in refused.err
    assert "valid losses for 'vae': elbo" in refused.err
    refused = run_cli("train", "--model", "dcgan", "--loss", "elbo", "--out", tmp_path / "w")
    assert refused.exit_code == 2 and "valid losses for 'dcgan':" in refused.err
    assert not (tmp_path / "w").exists()


def test_uniform_dropout_is_nn_dropouts_distribution():
    from ganzoo_gans.dropout import UniformDropout

    torch.manual_seed(0)
    x = torch.ones(200_000, requires_grad=True)
    drop = UniformDropout(0.3)
    y = drop(x)
    kept = y != 0
    assert abs(1 - kept.float().mean().item() - 0.3) < 0.005  # dropped share ~ p
    assert torch.allclose(y[kept], torch.full_like(y[kept], 1 / 0.7))  # kept ones scaled
    assert abs(y.mean().item() - 1.0) < 0.01  # unbiased, as nn.Dropout
    y.sum().backward()
    assert torch.equal(x.grad, y.detach())  # the gradient is the scaled mask
    drop.eval()
    assert drop(x) is x  # identity in eval mode
    assert UniformDropout(0.0).train()(x) is x
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        UniformDropout(1.0)

"""The VAE plugin (``ganzoo_vae``): the model and its objective, the ELBO."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ganzoo.api.data import DataInfo
from ganzoo.host.build import create_loss, create_model, load_dataset


def test_kl_term_matches_closed_form_and_torch_distributions():
    from ganzoo_vae.elbo import kl_to_standard_normal
    from torch.distributions import Normal, kl_divergence

    torch.manual_seed(0)
    mu, logvar = torch.randn(5, 3), torch.randn(5, 3)
    expected = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).sum(dim=1)
    assert torch.allclose(kl_to_standard_normal(mu, logvar), expected, atol=1e-5)
    assert kl_to_standard_normal(torch.zeros(2, 4), torch.zeros(2, 4)).abs().max() == 0


def test_elbo_is_the_bernoulli_nll_plus_beta_times_the_gaussian_kl():
    """Both terms by hand, for the same draw of z: -log p(x|z) of Bernoulli pixels (targets
    (x + 1) / 2, the decoder's logits) and KL(N(mu, sigma²) || N(0, I)) of torch.distributions."""
    from torch.distributions import Normal, kl_divergence

    torch.manual_seed(0)
    data = load_dataset("digits", None)
    model = create_model("vae", data.info, None, {})
    x = data.samples[:16]
    torch.manual_seed(1)
    terms = create_loss("elbo", {"beta": 0.5})(model, x)

    with torch.no_grad():
        mu, logvar = model.encode(x)
        torch.manual_seed(1)  # the ELBO's one reparameterised draw, again
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        logits = model.decoder(z).flatten(1)
        target = ((x + 1) / 2).flatten(1)
        log_lik = target * F.logsigmoid(logits) + (1 - target) * F.logsigmoid(-logits)
        recon = -log_lik.sum(dim=1).mean()
        q = Normal(mu, torch.exp(0.5 * logvar))
        kl = kl_divergence(q, Normal(torch.zeros_like(mu), 1.0)).sum(dim=1).mean()
    assert terms["recon"].item() == pytest.approx(recon.item(), rel=1e-5)
    assert terms["kl"].item() == pytest.approx(kl.item(), rel=1e-5)
    assert terms["loss"].item() == pytest.approx((recon + 0.5 * kl).item(), rel=1e-5)


@pytest.mark.parametrize(
    ("dataset", "options", "layer"),
    [
        ("digits", {}, nn.Linear),  # 8×8 images: an MLP
        ("gaussian1d", {}, nn.Linear),  # vectors: an MLP
        ("digits", {"image_size": 16}, nn.Conv2d),  # side 16, a multiple of 4: convolutions
    ],
    ids=["digits-mlp", "gaussian1d-mlp", "digits16-conv"],
)
def test_vae_reconstruction_error_falls_over_a_few_steps(dataset, options, layer):
    from ganzoo.training.likelihood import LikelihoodTrainer

    torch.manual_seed(0)
    data = load_dataset(dataset, None, options=options)
    model = create_model("vae", data.info, None, {})
    first = next(m for m in model.encoder.modules() if isinstance(m, nn.Linear | nn.Conv2d))
    assert type(first) is layer
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

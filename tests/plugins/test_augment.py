"""DiffAugment's policies (Zhao et al. 2020): what each transform does, per image, and that
G's gradient goes through it, correctly."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from ganzoo.host.plugins import get_registry
from ganzoo.training.augment import build_augmentations

POLICIES = ("color", "translation", "cutout")


def policy(name: str, **options):
    ((_, built),) = build_augmentations([name], options)
    return built


def seeded(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def images(n: int = 6, c: int = 3, size: int = 16, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, c, size, size, generator=seeded(seed)) * 2 - 1


def test_the_policies_are_registered_with_diffaugments_paper():
    for name in POLICIES:
        component = get_registry().get("augmentation", name)
        assert "arxiv.org/abs/2006.10738" in component.record.paper
        assert component.family == "adversarial" and component.record.data_kinds == ("image",)


@pytest.mark.parametrize("name", POLICIES)
def test_the_gradient_is_the_transforms_own(name):
    """gradcheck: autograd's gradient through the policy (its random draw fixed by a seeded
    generator) matches finite differences: no detach, no step function on x."""
    aug = policy(name)
    x = images(n=3, size=8).double().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda t: aug(t, seeded(1)), (x,), eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("name", POLICIES)
def test_the_gradient_reaches_g_through_the_policy(name):
    """D(T(G(z))): every weight of G gets a finite, non-zero gradient through T."""
    torch.manual_seed(0)
    g = nn.Sequential(nn.Linear(4, 3 * 8 * 8), nn.Tanh(), nn.Unflatten(1, (3, 8, 8)))
    d = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 1))
    d(policy(name)(g(torch.randn(16, 4)))).sum().backward()
    for param_name, p in g.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), param_name
        assert p.grad.abs().sum() > 0, param_name


@pytest.mark.parametrize("name", POLICIES)
def test_each_image_gets_its_own_transform_drawn_from_the_generator(name):
    aug = policy(name)
    same = images(n=1).expand(8, -1, -1, -1).contiguous()  # eight copies of one image
    out = aug(same, seeded(3))
    distinct = {tuple(o.flatten().tolist()) for o in out}
    assert len(distinct) > 4, f"{name}: only {len(distinct)} different transforms of 8"
    assert torch.equal(out, aug(same, seeded(3)))  # the same generator: the same draws
    assert not torch.equal(out, aug(same, seeded(4)))
    assert out.shape == same.shape and out.dtype == same.dtype


@pytest.mark.parametrize("name", POLICIES)
def test_image_i_of_the_output_depends_on_image_i_alone(name):
    """No batch statistics: a per-sample penalty (R1, WGAN-GP) on T(x) stays per sample."""
    x = images(n=4).requires_grad_(True)
    out = policy(name)(x, seeded(2))
    (grad,) = torch.autograd.grad(out[1].sum(), x)
    assert grad[[0, 2, 3]].abs().sum() == 0 and grad[1].abs().sum() > 0


def test_translation_shifts_by_up_to_an_eighth_with_zeros_coming_in():
    x = images(n=32, c=2, size=16) + 3  # no pixel is 0: zeros can only come from padding
    out = policy("translation")(x, seeded(5))
    shifts = set()
    for xi, oi in zip(x, out, strict=True):
        matches = [
            (dy, dx)
            for dy in range(-2, 3)  # 1/8 of 16 px
            for dx in range(-2, 3)
            if torch.equal(oi, shifted(xi, dy, dx))
        ]
        assert len(matches) == 1
        shifts.add(matches[0])
    assert len(shifts) > 10  # many of the 25 shifts drawn, some along each axis
    assert {dy for dy, _ in shifts} == {dx for _, dx in shifts} == {-2, -1, 0, 1, 2}


def shifted(x: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """``x`` (C, H, W) moved down by dy and right by dx, zeros where nothing comes in."""
    out = torch.zeros_like(x)
    h, w = x.shape[1:]
    for i in range(h):
        for j in range(w):
            if 0 <= i - dy < h and 0 <= j - dx < w:
                out[:, i, j] = x[:, i - dy, j - dx]
    return out


def test_cutout_zeroes_a_square_of_half_the_image_clipped_by_the_border():
    x = images(n=32, c=3, size=16) + 3
    out = policy("cutout")(x, seeded(6))
    assert torch.equal(out != 0, (out == x))  # a pixel is kept as it was, or zeroed
    sizes = []
    for o in out:
        zero = (o == 0).all(dim=0)  # every channel of a cut pixel
        assert torch.equal(zero, (o == 0).any(dim=0))
        rows, cols = zero.any(dim=1).nonzero(), zero.any(dim=0).nonzero()
        assert zero.sum() == len(rows) * len(cols)  # a rectangle
        assert len(rows) <= 8 and len(cols) <= 8
        sizes.append((len(rows), len(cols)))
    assert (8, 8) in sizes and any(s != (8, 8) for s in sizes)  # whole, and clipped


def test_color_adds_brightness_within_half_and_keeps_grey_images_grey():
    x = images(n=64, c=1, size=8)
    out = policy("color", saturation=0.0, contrast=0.0)(x, seeded(7))
    offset = (out - x).flatten(1)
    assert torch.allclose(offset, offset[:, :1].expand_as(offset), atol=1e-6)
    assert offset.abs().max() <= 0.5 and offset.abs().max() > 0.4
    grey = images(n=4, c=1).expand(-1, 3, -1, -1)  # equal channels: no colour to saturate
    coloured = policy("color")(grey, seeded(8))
    assert torch.allclose(coloured, coloured[:, :1].expand_as(coloured), atol=1e-6)


def test_color_contrast_and_saturation_scale_deviations_from_the_mean():
    x = images(n=64, c=3, size=8)
    out = policy("color", brightness=0.0, saturation=0.0)(x, seeded(9))
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    factor = ((out - mean) / (x - mean)).flatten(1)
    assert torch.allclose(factor, factor[:, :1].expand_as(factor), atol=1e-3)
    assert factor.min() >= 0.5 and factor.max() <= 1.5
    saturated = policy("color", brightness=0.0, contrast=0.0)(x, seeded(9))
    grey = x.mean(dim=1, keepdim=True)
    s = ((saturated - grey) / (x - grey)).flatten(1)
    assert torch.allclose(s, s[:, :1].expand_as(s), atol=1e-3)
    assert s.min() >= 0.0 and s.max() <= 2.0 and s.max() - s.min() > 1.0


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("translation", {"shift": 2}, "shift must be a number in"),
        ("cutout", {"size": -0.1}, "size must be a number in"),
        ("color", {"brightness": True}, "brightness"),
    ],
)
def test_bad_strengths_are_refused_in_one_line(name, options, message):
    from ganzoo.api.errors import UsageError

    with pytest.raises(UsageError, match=message):
        policy(name, **options)

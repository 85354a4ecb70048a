"""DiffAugment's three policies: ``color``, ``translation`` and ``cutout``.

Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training"
(https://arxiv.org/abs/2006.10738), §3 and Appendix: the same random, differentiable
transform T goes in front of D for real and generated images, in D's update and in G's, so
that D cannot memorise a small training set and G is still trained through T. The paper's
policies, written here from its description for images in ``[-1, 1]``:

- **color**: brightness, saturation and contrast, in that order, each with its own factor
  per image: add b ~ U[-0.5, 0.5] to every pixel; scale each pixel's deviation from its
  mean over channels by s ~ U[0, 2]; scale each pixel's deviation from the image's mean by
  c ~ U[0.5, 1.5]. (A one-channel image has no colour: saturation leaves it as it is.)
- **translation**: shift the image by a whole number of pixels, up to 1/8 of its size in
  each direction, independently along the height and the width; the pixels that come in
  are zeros.
- **cutout** (DeVries & Taylor 2017): set a square of half the image's size to zero, at a
  random centre; near a border the square is cut off by it.

Every transform is arithmetic on the batch or an index into it, so its gradient reaches G:
a translated pixel's gradient is the gradient at its new place, a cut-out pixel's is zero.
The strengths are options (``-A brightness=0.3``, ``-A shift=0.25``, ``-A size=0.4``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganzoo.api.augmentations import Augmentation, integers, uniform


def _fraction(name: str, value: object, high: float = 1.0) -> float:
    """``value`` if it is a number in ``[0, high]``, else :class:`ValueError` saying so."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= high
    if not ok:
        raise ValueError(f"{name} must be a number in [0, {high:g}], got {value!r}")
    return float(value)


def _per_image(x: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """``values`` of shape ``(n,)`` shaped to broadcast over an image batch ``(n, C, H, W)``."""
    return values.view(-1, *([1] * (x.dim() - 1)))


class Color(Augmentation):
    """DiffAugment's color: random brightness, saturation and contrast per image."""

    def __init__(
        self, brightness: float = 0.5, saturation: float = 1.0, contrast: float = 0.5
    ) -> None:
        """Each option is a factor's spread: b ~ U[-brightness, brightness], s ~ U[1 -
        saturation, 1 + saturation], c ~ U[1 - contrast, 1 + contrast] (the paper's
        defaults give U[-0.5, 0.5], U[0, 2] and U[0.5, 1.5])."""
        super().__init__()
        self.brightness = _fraction("brightness", brightness)
        self.saturation = _fraction("saturation", saturation)
        self.contrast = _fraction("contrast", contrast)

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        n = x.shape[0]
        b = uniform(x, n, low=-self.brightness, high=self.brightness, generator=generator)
        x = x + _per_image(x, b)
        s = uniform(x, n, low=1 - self.saturation, high=1 + self.saturation, generator=generator)
        grey = x.mean(dim=1, keepdim=True)  # each pixel's mean over channels
        x = grey + (x - grey) * _per_image(x, s)
        c = uniform(x, n, low=1 - self.contrast, high=1 + self.contrast, generator=generator)
        mean = x.mean(dim=tuple(range(1, x.dim())), keepdim=True)  # each image's mean
        return mean + (x - mean) * _per_image(x, c)


class Translation(Augmentation):
    """DiffAugment's translation: shift each image by up to 1/8 of its size, zeros coming in."""

    def __init__(self, shift: float = 0.125) -> None:
        """``shift``: the largest shift as a fraction of the image's height (width)."""
        super().__init__()
        self.shift = _fraction("shift", shift)

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        n, _, h, w = x.shape
        sy, sx = round(h * self.shift), round(w * self.shift)
        dy = integers(x, n, 1, low=-sy, high=sy + 1, generator=generator)
        dx = integers(x, n, 1, low=-sx, high=sx + 1, generator=generator)
        # Output pixel (i, j) reads input pixel (i - dy, j - dx): in the zero-padded image
        # that is row i - dy + sy, column j - dx + sx, never outside it.
        padded = F.pad(x, (sx, sx, sy, sy))
        rows = torch.arange(h, device=x.device) - dy + sy  # (n, h)
        cols = torch.arange(w, device=x.device) - dx + sx  # (n, w)
        batch = torch.arange(n, device=x.device).view(n, 1, 1, 1)
        channel = torch.arange(x.shape[1], device=x.device).view(1, -1, 1, 1)
        return padded[batch, channel, rows.view(n, 1, h, 1), cols.view(n, 1, 1, w)]


class Cutout(Augmentation):
    """DiffAugment's cutout: zero a square of half the image's size at a random place."""

    def __init__(self, size: float = 0.5) -> None:
        """``size``: the square's side as a fraction of the image's height (width)."""
        super().__init__()
        self.size = _fraction("size", size)

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        n, _, h, w = x.shape
        ch, cw = round(h * self.size), round(w * self.size)
        # the square's top-left corner: the centre anywhere in the image, the square clipped
        top = integers(x, n, 1, low=0, high=h, generator=generator) - ch // 2
        left = integers(x, n, 1, low=0, high=w, generator=generator) - cw // 2
        i = torch.arange(h, device=x.device)
        j = torch.arange(w, device=x.device)
        inside_rows = (i >= top) & (i < top + ch)  # (n, h)
        inside_cols = (j >= left) & (j < left + cw)  # (n, w)
        cut = inside_rows.view(n, 1, h, 1) & inside_cols.view(n, 1, 1, w)
        return x * (~cut).to(x.dtype)

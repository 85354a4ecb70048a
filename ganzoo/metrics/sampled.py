"""A ganzoo model as torch-fidelity's generator (``GenerativeModelBase``)."""

from __future__ import annotations

from typing import Any

import torch
from torch_fidelity.generative_model_base import GenerativeModelBase

from ganzoo.api.errors import UsageError
from ganzoo.metrics.images import to_uint8_rgb


class SampledImages(GenerativeModelBase):
    """A ganzoo model as torch-fidelity's generator: noise in (only its count is used), uint8 out.

    ganzoo models draw their own latent codes (``sample(n, generator)``), so GANs and VAEs
    are evaluated alike; the generator is seeded, so an evaluation is reproducible.
    """

    def __init__(self, model: Any, shape: tuple[int, ...], seed: int) -> None:
        super().__init__()
        self.model = model
        self.shape = tuple(shape)
        self.generator = torch.Generator().manual_seed(seed)

    @property
    def z_size(self) -> int:
        return 1

    @property
    def z_type(self) -> str:
        return "normal"

    @property
    def num_classes(self) -> int:
        return 0

    @torch.no_grad()
    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        x = self.model.sample(noise.shape[0], generator=self.generator)
        if tuple(x.shape[1:]) != self.shape:
            raise UsageError(
                f"the model samples images of shape {tuple(x.shape[1:])}, but the real "
                f"images have shape {self.shape}"
            )
        return to_uint8_rgb(x).to(noise.device)

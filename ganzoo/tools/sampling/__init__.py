"""Sample from a trained run: latent codes, images, latent walks, and the files they go to.

What ``ganzoo sample`` does, as a library. A :class:`Sampler` is a run's model rebuilt
from its ``config.json`` and one checkpoint (refused when the checkpoint is missing or
holds non-finite weights), with the generator's moving average when the run kept one.

Determinism: latent codes (and the class labels of a conditional model) are drawn on the
CPU from a ``torch.Generator`` seeded with the user's seed, then moved to the model's
device, so the codes of a seed are the same on every machine and device; on one device the
same seed gives byte-identical files. The codes are saved with the images (``.pt``/``.npz``)
so that an exported generator can be checked against ``ganzoo sample``.

Code grids (``--code``, :mod:`.codes`): a model that names codes in its latent (InfoGAN,
:class:`ganzoo.api.codes.CodedModel`) draws rows that vary one code and hold the rest.

Models: one with a latent code, i.e. ``sample_latent(n, generator)`` and either
``generate(z, labels=None)`` or a ``generator`` network (every ganzoo GAN; the VAE decodes
its codes), samples from explicit codes and supports ``--interpolate``. Any other model is
sampled through its ``sample(n, generator)``.
"""

from __future__ import annotations

from ganzoo.api.data import to_uint8
from ganzoo.tools.sampling.codes import CodeSpec, code_latents, code_values, coded
from ganzoo.tools.sampling.sampler import (
    DEFAULT_BATCH_SIZE,
    Sampler,
    Samples,
    generate,
    non_finite_in_checkpoint,
    non_finite_tensors,
    resolve_checkpoint,
    slerp,
)
from ganzoo.tools.sampling.writers import (
    FORMATS,
    GIF_FRAME_MS,
    SUFFIXES,
    check_output,
    default_nrow,
    grid_image,
    tensors_of,
    walk_gif_path,
    write_gif,
    write_grid,
    write_npz,
    write_pngs,
    write_pt,
    write_samples,
    write_walk,
)

__all__ = [
    "DEFAULT_BATCH_SIZE", "FORMATS", "GIF_FRAME_MS", "SUFFIXES", "CodeSpec", "Sampler", "Samples",
    "check_output", "code_latents", "code_values", "coded", "default_nrow", "generate",
    "grid_image", "non_finite_in_checkpoint", "non_finite_tensors", "resolve_checkpoint", "slerp",
    "tensors_of", "to_uint8", "walk_gif_path", "write_gif", "write_grid", "write_npz",
    "write_pngs", "write_pt", "write_samples", "write_walk",
]  # fmt: skip

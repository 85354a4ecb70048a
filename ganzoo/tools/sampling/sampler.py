"""A run's model rebuilt for sampling: :class:`Sampler`, and the :class:`Samples` it draws."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ganzoo.api.data import to_uint8
from ganzoo.api.errors import GanzooError, UsageError
from ganzoo.runs.rundir import RunDir
from ganzoo.tools.sampling.codes import CodeSpec, code_latents, code_values

DEFAULT_BATCH_SIZE = 256


@dataclass
class Samples:
    """Images drawn from a model, with the codes and labels that made them.

    ``images`` are float in ``[-1, 1]`` on the CPU, shaped ``(n, *shape)``, or
    ``(walks, steps, *shape)`` for a latent walk; ``z`` has the same leading dimensions
    (``None`` for a model without a latent code); ``labels`` is ``None`` for an
    unconditional model.
    """

    images: torch.Tensor
    z: torch.Tensor | None
    labels: torch.Tensor | None

    def uint8(self) -> torch.Tensor:
        """The images as uint8 (``0..255``, channels kept), rounded as torchvision saves."""
        return to_uint8(self.images)


def resolve_checkpoint(run: RunDir, checkpoint: str | None) -> Path:
    """The checkpoint file ``--checkpoint`` names, or the newest of a finished run.

    ``checkpoint`` is ``None`` (the newest checkpoint; the run must have finished, i.e.
    have a ``summary.json``), ``"latest"`` (the newest, finished or not), a step number,
    a checkpoint's file name, or a path to a checkpoint file.
    """
    available = run.checkpoints()
    steps = ", ".join(str(_step_of(p)) for p in available) or "none"
    if checkpoint is None:
        if not (run.path / "summary.json").is_file():
            raise UsageError(
                f"{run.path} has not finished (no summary.json); to sample from a checkpoint "
                f"of an unfinished run anyway, name it: --checkpoint latest (or a step: {steps})"
            )
        checkpoint = "latest"
    if checkpoint == "latest":
        path = run.latest_checkpoint()
        if path is None:
            raise UsageError(f"{run.path} has no checkpoint (did the run start?)")
        return path
    if checkpoint.isdigit():
        path = run.checkpoint_path(int(checkpoint))
    elif RunDir.checkpoint_step(checkpoint) is not None:
        path = run.path / "checkpoints" / checkpoint
    else:
        path = Path(checkpoint)
    if not path.is_file():
        raise UsageError(
            f"--checkpoint {checkpoint}: no such checkpoint in {run.path}; "
            f"steps available: {steps} (or 'latest')"
        )
    return path


def _step_of(path: Path) -> int | str:
    """The checkpoint's step, or its file name where the name carries none."""
    step = RunDir.checkpoint_step(path)
    return step if step is not None else path.name


def non_finite_tensors(module: torch.nn.Module) -> list[str]:
    """Names of the parameters and buffers of ``module`` that hold a NaN or an infinity."""
    return _non_finite(module.state_dict())


def non_finite_in_checkpoint(state: dict[str, Any]) -> list[str]:
    """Names of a checkpoint's weights (model and moving average) that are not finite.

    Both are checked whichever one is sampled: a NaN anywhere means training diverged.
    """
    bad = _non_finite(state.get("model") or {})
    average = state.get("ema")
    if isinstance(average, dict) and isinstance(average.get("weights"), dict):
        network = average.get("network", "ema")
        bad += [f"{network}.{name} (moving average)" for name in _non_finite(average["weights"])]
    return bad


def _non_finite(tensors: dict[str, Any]) -> list[str]:
    return [
        name
        for name, value in tensors.items()
        if torch.is_tensor(value) and value.is_floating_point() and not torch.isfinite(value).all()
    ]


class Sampler:
    """A run's model, ready to draw images from explicit seeds, codes and classes."""

    def __init__(
        self,
        run_dir: str | Path,
        checkpoint: str | None = None,
        ema: bool = True,
        device: str = "cpu",
    ) -> None:
        """Load ``run_dir``'s model from ``checkpoint`` (see :func:`resolve_checkpoint`).

        Refused in one line (:class:`~ganzoo.api.errors.GanzooError`): a folder that is not a
        run, a missing checkpoint, and a checkpoint whose weights are not finite (a run
        that diverged).
        """
        from ganzoo.host.device import resolve_device
        from ganzoo.runs.loading import load_run_model

        self.run = RunDir.open(run_dir)
        self.stored = self.run.read_config()
        self.checkpoint = resolve_checkpoint(self.run, checkpoint)
        self.device = resolve_device(device)
        self.model = load_run_model(
            self.run.path, device=str(self.device), checkpoint=self.checkpoint, ema=ema
        )
        bad = non_finite_in_checkpoint(self.run.load_checkpoint(self.checkpoint))
        bad += [name for name in non_finite_tensors(self.model) if name not in bad]
        if bad:
            raise GanzooError(
                f"checkpoint {self.checkpoint.name} of {self.run.path} has non-finite weights "
                f"({bad[0]}{' and more' if len(bad) > 1 else ''}): the run diverged there; "
                "pick an earlier checkpoint with --checkpoint"
            )
        self.step = _step_of(self.checkpoint)
        self.uses_ema = bool(getattr(self.model, "uses_ema", False))

    # --- what the model is ------------------------------------------------------------------
    @property
    def num_classes(self) -> int | None:
        """The number of classes of a class-conditional model; ``None`` if unconditional."""
        return getattr(self.model, "num_classes", None)

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of one sample."""
        return tuple(self.model.data_info.shape)

    @property
    def is_image(self) -> bool:
        """Whether samples are ``C×H×W`` images (1 or 3 channels) that PNG files can hold."""
        info = self.model.data_info
        return info.kind == "image" and len(info.shape) == 3 and info.shape[0] in (1, 3)

    @property
    def has_latent_code(self) -> bool:
        """Whether images come from explicit codes: needed by walks and by exports."""
        model = self.model
        return callable(getattr(model, "sample_latent", None)) and (
            callable(getattr(model, "generate", None))
            or isinstance(getattr(model, "generator", None), torch.nn.Module)
        )

    def check_class(self, class_: int | None) -> None:
        """Refuse ``--class`` on an unconditional model, or a class out of range."""
        if class_ is None:
            return
        if self.num_classes is None:
            model = self.stored["config"]["model"]
            raise UsageError(
                f"--class needs a class-conditional model; {self.run.path} trained "
                f"{model!r}, which is unconditional"
            )
        if not 0 <= class_ < self.num_classes:
            raise UsageError(
                f"--class must be an integer in [0, {self.num_classes - 1}] for this "
                f"{self.num_classes}-class model, got {class_}"
            )

    # --- codes and images ---------------------------------------------------------------------
    def codes(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` latent codes from the model's prior, drawn on the CPU from ``generator``."""
        return self.model.sample_latent(n, generator=generator).detach().cpu()

    def labels(self, n: int, class_: int | None = None) -> torch.Tensor | None:
        """Class labels for ``n`` samples: ``class_`` for all, else the classes in blocks.

        Without ``class_``, class 0 takes the first ``ceil(n / classes)`` samples, class 1
        the next, and so on: a grid of that many per row (:func:`default_nrow`) has one class
        per row, as a training run's sample grids do. ``None`` when unconditional.
        """
        if self.num_classes is None:
            return None
        if class_ is not None:
            return torch.full((n,), class_, dtype=torch.long)
        return torch.arange(n, dtype=torch.long) // per_class(n, self.num_classes)

    @torch.no_grad()
    def generate(
        self,
        z: torch.Tensor,
        labels: torch.Tensor | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> torch.Tensor:
        """The images of codes ``z`` (and ``labels``), on the CPU, in batches."""
        out = []
        for start in range(0, z.shape[0], batch_size):
            zb = z[start : start + batch_size].to(self.device)
            lb = None if labels is None else labels[start : start + batch_size].to(self.device)
            out.append(generate(self.model, zb, lb).float().cpu())
        return torch.cat(out)

    def sample(
        self,
        n: int,
        seed: int = 0,
        class_: int | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> Samples:
        """``n`` samples of seed ``seed`` (of class ``class_`` for a conditional model)."""
        if n < 1:
            raise UsageError(f"--n must be an integer >= 1, got {n}")
        self.check_class(class_)
        generator = torch.Generator().manual_seed(seed)
        labels = self.labels(n, class_)
        if not self.has_latent_code:
            with torch.no_grad():
                images = _sample_without_codes(self.model, n, generator, labels, batch_size)
            return Samples(images.float().cpu(), None, labels)
        z = self.codes(n, generator)
        return Samples(self.generate(z, labels, batch_size), z, labels)

    def walk(
        self,
        walks: int,
        steps: int,
        seed: int = 0,
        class_: int | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> Samples:
        """``walks`` latent walks of ``steps`` images each, from one code to another.

        Codes of a standard normal prior are interpolated spherically (slerp), which keeps
        their norm typical of the prior all the way; ``images`` is
        ``(walks, steps, *shape)``. A conditional model keeps one class along a walk.
        """
        if walks < 1:
            raise UsageError(f"--n must be an integer >= 1, got {walks}")
        if steps < 2:
            raise UsageError(
                f"--interpolate must be an integer >= 2 (the images of a walk), got {steps}"
            )
        if not self.has_latent_code:
            model = self.stored["config"]["model"]
            raise UsageError(
                f"--interpolate needs a model with a latent code (sample_latent and generate); "
                f"model {model!r} samples only through sample()"
            )
        self.check_class(class_)
        generator = torch.Generator().manual_seed(seed)
        ends = self.codes(2 * walks, generator)
        z = slerp(ends[:walks], ends[walks:], torch.linspace(0, 1, steps))  # walks×steps×d
        labels = self.labels(walks, class_)
        flat_labels = None if labels is None else labels.repeat_interleave(steps)
        images = self.generate(z.reshape(walks * steps, -1), flat_labels, batch_size)
        return Samples(
            images.reshape(walks, steps, *images.shape[1:]),
            z,
            None if labels is None else labels[:, None].expand(walks, steps).contiguous(),
        )

    def vary(
        self, spec: CodeSpec, rows: int, seed: int = 0, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> Samples:
        """A code grid (:mod:`.codes`): ``rows`` rows of noise and other codes held, the
        code ``spec`` names varied across the columns. ``images``/``z`` are flat, row by row."""
        if rows < 1:
            raise UsageError(f"--n must be an integer >= 1, got {rows}")
        values = code_values(self.model, spec, f"model {self.stored['config']['model']!r}")
        generator = torch.Generator().manual_seed(seed)
        z = code_latents(self.model, spec.name, values, rows, generator).flatten(0, 1)
        return Samples(self.generate(z, None, batch_size), z, None)


def generate(model: Any, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
    """The images of codes ``z``: ``model.generate(z, labels)``, else its ``generator``."""
    method = getattr(model, "generate", None)
    if callable(method):
        return method(z) if labels is None else method(z, labels)
    network = model.generator
    return network(z) if labels is None else network(z, labels)


def _sample_without_codes(
    model: Any, n: int, generator: torch.Generator, labels: torch.Tensor | None, batch_size: int
) -> torch.Tensor:
    out = []
    for start in range(0, n, batch_size):
        size = min(batch_size, n - start)
        if labels is None:
            out.append(model.sample(size, generator=generator).cpu())
        else:
            part = labels[start : start + size].to(model.device)
            out.append(model.sample(size, generator=generator, labels=part).cpu())
    return torch.cat(out)


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between rows of ``a`` and ``b`` at fractions ``t``.

    Returns ``(rows, len(t), dim)``; falls back to a straight line where the two codes are
    (nearly) parallel. The end points are ``a`` and ``b`` exactly.
    """
    a64, b64, t64 = a.double(), b.double(), t.double()[None, :, None]
    cos = (a64 * b64).sum(1) / (a64.norm(dim=1) * b64.norm(dim=1)).clamp_min(1e-12)
    omega = torch.arccos(cos.clamp(-1, 1))[:, None, None]
    sin = torch.sin(omega)
    straight = sin.abs() < 1e-6
    safe = torch.where(straight, torch.ones_like(sin), sin)
    wa = torch.where(straight, 1 - t64, torch.sin((1 - t64) * omega) / safe)
    wb = torch.where(straight, t64, torch.sin(t64 * omega) / safe)
    out = (wa * a64[:, None, :] + wb * b64[:, None, :]).to(a.dtype)
    out[:, 0], out[:, -1] = a, b
    return out


def per_class(n: int, num_classes: int) -> int:
    """Samples of each class when ``n`` are shared out in blocks: ``ceil(n / classes)``."""
    return max(1, math.ceil(n / num_classes))

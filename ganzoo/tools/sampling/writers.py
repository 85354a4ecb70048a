"""Where samples go: a grid PNG, one PNG per image, ``.pt``/``.npz`` tensors, a walk's GIF.

A conditional model's grid has one class per row, as the training run's sample grids do.
"""

from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ganzoo.api.errors import UsageError
from ganzoo.runs.outputs import atomic_folder, write_bytes, writing
from ganzoo.tools.sampling.sampler import Samples, per_class

#: ``--format``: a grid PNG, one PNG per image in a folder, or the uint8 tensor (+ codes).
FORMATS: tuple[str, ...] = ("grid", "png", "pt", "npz")
SUFFIXES: dict[str, str] = {"grid": ".png", "pt": ".pt", "npz": ".npz"}
GIF_FRAME_MS = 80  # per frame of a latent walk's animation


def grid_image(images: torch.Tensor, nrow: int, padding: int = 2) -> Any:
    """A PIL image of uint8 ``images`` (``N×C×H×W``) in rows of ``nrow``, grey if C is 1."""
    from PIL import Image
    from torchvision.utils import make_grid

    grid = make_grid(images, nrow=nrow, padding=padding, pad_value=0)
    array = grid.permute(1, 2, 0).numpy()
    if images.shape[1] == 1:
        return Image.fromarray(np.ascontiguousarray(array[:, :, 0]), mode="L")
    return Image.fromarray(np.ascontiguousarray(array), mode="RGB")


def _png_bytes(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def write_grid(path: Path, images: torch.Tensor, nrow: int) -> None:
    """Write uint8 ``images`` as one grid PNG, atomically."""
    write_bytes(path, _png_bytes(grid_image(images, nrow)))


def write_pngs(folder: Path, images: torch.Tensor, labels: torch.Tensor | None = None) -> None:
    """One PNG per uint8 image in ``folder`` (replaced as a whole, atomically).

    Files are ``000000.png``, ... (``000000-class3.png`` for a conditional model): the
    layout torch-fidelity's ``fidelity --input1 DIR`` and clean-fid read.
    """
    from PIL import Image

    width = max(6, len(str(images.shape[0] - 1)))
    with atomic_folder(folder) as tmp:
        for i, image in enumerate(images):
            array = image.permute(1, 2, 0).numpy()
            if image.shape[0] == 1:
                pil = Image.fromarray(np.ascontiguousarray(array[:, :, 0]), mode="L")
            else:
                pil = Image.fromarray(np.ascontiguousarray(array), mode="RGB")
            suffix = "" if labels is None else f"-class{int(labels[i])}"
            (tmp / f"{i:0{width}d}{suffix}.png").write_bytes(_png_bytes(pil))


def write_gif(path: Path, frames: list[Any], frame_ms: int = GIF_FRAME_MS) -> None:
    """An animated GIF of PIL ``frames`` that plays forward then back, looping forever."""
    frames = frames + frames[-2:0:-1]
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=frame_ms,
        loop=0,
        optimize=False,
    )
    write_bytes(path, buffer.getvalue())


def tensors_of(samples: Samples) -> dict[str, torch.Tensor]:
    """What ``.pt``/``.npz`` files hold: ``images`` (uint8), ``z`` and ``labels`` if any."""
    out = {"images": samples.uint8()}
    if samples.z is not None:
        out["z"] = samples.z.float()
    if samples.labels is not None:
        out["labels"] = samples.labels.long()
    return out


def write_pt(path: Path, samples: Samples) -> None:
    """A ``torch.save`` dict (loads with ``weights_only=True``), byte-identical per seed."""
    buffer = io.BytesIO()  # a fixed archive name inside, not the temp file's
    torch.save(tensors_of(samples), buffer)
    write_bytes(path, buffer.getvalue())


def write_npz(path: Path, samples: Samples) -> None:
    """An ``.npz`` of plain arrays (``np.load(path)`` with ``allow_pickle=False``).

    Written entry by entry with a fixed timestamp, so the same seed gives the same bytes
    (``np.savez`` stamps the current time).
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, tensor in tensors_of(samples).items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            with archive.open(info, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, tensor.numpy(), allow_pickle=False)
    write_bytes(path, buffer.getvalue())


def default_nrow(n: int, num_classes: int | None = None) -> int:
    """Images per row of a grid: one class per row for a conditional model (its labels come
    in blocks, :meth:`Sampler.labels`), else about a square."""
    if num_classes is not None and n >= num_classes:
        return per_class(n, num_classes)
    return max(1, math.ceil(math.sqrt(n)))


def write_samples(
    samples: Samples, out: Path, fmt: str, nrow: int | None = None, num_classes: int | None = None
) -> list[Path]:
    """Write ``samples`` (not a walk) as ``fmt`` to ``out``; returns the paths written."""
    out = Path(out)
    if fmt == "grid":
        images = samples.uint8()
        write_grid(out, images, nrow or default_nrow(images.shape[0], num_classes))
    elif fmt == "png":
        write_pngs(out, samples.uint8(), samples.labels)
    elif fmt == "pt":
        write_pt(out, samples)
    elif fmt == "npz":
        write_npz(out, samples)
    else:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    return [out]


def walk_gif_path(out: Path) -> Path:
    """The animation beside a walk's grid: ``walk.png`` -> ``walk.gif``."""
    return Path(out).with_suffix(".gif")


def write_walk(samples: Samples, out: Path, fmt: str) -> list[Path]:
    """Write a latent walk: a grid (a walk per row) and its GIF, or the tensors."""
    out = Path(out)
    if fmt in ("pt", "npz"):
        (write_pt if fmt == "pt" else write_npz)(out, samples)
        return [out]
    if fmt != "grid":
        raise UsageError("--interpolate writes a grid and a GIF (--out FILE.png) or pt/npz")
    images = samples.uint8()  # walks × steps × C×H×W
    walks, steps = images.shape[:2]
    write_grid(out, images.reshape(walks * steps, *images.shape[2:]), steps)
    frames = [grid_image(images[:, t], default_nrow(walks)) for t in range(steps)]
    gif = walk_gif_path(out)
    with writing(gif):
        write_gif(gif, frames)
    return [out, gif]


def check_output(
    run: Path, data: dict[str, Any], fmt: str, path: Path, walk: bool, overwrite: bool
) -> None:
    """Refuse, before the model loads, a target ``fmt`` cannot hold or may not replace.

    ``data`` is the run's stored data description: only images go to grids and PNGs. A
    file is replaced only with ``overwrite``, a PNG folder only if it holds PNGs alone.
    """
    from ganzoo.runs.outputs import check_new_file, check_new_folder

    shape = tuple(data.get("shape") or ())
    if fmt in ("grid", "png") and not (
        data.get("kind") == "image" and len(shape) == 3 and shape[0] in (1, 3)
    ):
        raise UsageError(
            f"{run} samples {data.get('kind')} data of shape {shape}, not images: "
            "use --format pt or --format npz"
        )
    if fmt == "png":
        check_new_folder(path, overwrite, _only_pngs, what="PNG files")
    else:
        check_new_file(path, overwrite)
        if walk and fmt == "grid":
            check_new_file(walk_gif_path(path), overwrite)


def _only_pngs(folder: Path) -> bool:
    return all(p.is_file() and p.suffix == ".png" for p in folder.iterdir())

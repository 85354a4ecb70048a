"""Any folder of images, streamed from disk (it may not fit in memory).

Files are found recursively by extension; each is checked when the source is built, so a
corrupt image is reported by name before training starts, not halfway through an epoch.

A folder laid out as torchvision's ``ImageFolder`` (no images at the top, every image in one
of at least two sub-folders) is labelled: one class per sub-folder, in sorted order, so
``--conditional`` can train on it. The class names are ``source.classes``.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch.utils.data import Dataset

from ganzoo.api.data import DataInfo, StreamingSource
from ganzoo.api.errors import DataError, UsageError

EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".gif", ".tif", ".tiff")


class ImageFiles(Dataset):
    """Images resized (shorter side) and center-cropped to ``size``, in [-1, 1]."""

    def __init__(
        self, files: list[Path], size: int, channels: int, labels: list[int] | None = None
    ) -> None:
        from torchvision import transforms

        self.files = files
        self.labels = labels
        self.mode = "L" if channels == 1 else "RGB"
        self.transform = transforms.Compose(
            [
                transforms.Resize(size),
                transforms.CenterCrop(size),
                transforms.PILToTensor(),
            ]
        )

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> torch.Tensor | tuple[torch.Tensor, int]:
        from PIL import Image

        with Image.open(self.files[index]) as image:
            x = self.transform(image.convert(self.mode)).float().div(127.5).sub(1.0)
        return x if self.labels is None else (x, self.labels[index])


def class_folders(root: Path, files: list[Path]) -> list[str] | None:
    """The class names of an ImageFolder layout (each image in a sub-folder of ``root``), or
    ``None``: images at the top, or fewer than two sub-folders, mean no labels."""
    tops = {
        p.relative_to(root).parts[0] if len(p.relative_to(root).parts) > 1 else None for p in files
    }
    if None in tops or len(tops) < 2:
        return None
    return sorted(t for t in tops if t is not None)


def load(
    root: Path | None = None,
    download: bool = False,
    split: str = "train",
    image_size: int = 64,
    channels: int = 3,
) -> StreamingSource:
    """Every image under ``root`` (``--data-dir``); ``split`` is ignored (one split)."""
    from PIL import Image, UnidentifiedImageError

    if root is None:
        raise UsageError("dataset 'folder' needs --data-dir pointing at a folder of images")
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"--data-dir {root} is not a folder of images")
    if channels not in (1, 3) or image_size < 4:
        raise UsageError(
            f"folder: channels must be 1 or 3 and image_size >= 4, got {channels}, {image_size}"
        )
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in EXTENSIONS and p.is_file())
    if not files:
        raise DataError(f"no images in {root} (looked for {', '.join(EXTENSIONS)})")
    for path in files:
        try:
            with Image.open(path) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise DataError(f"cannot read image {path}: {type(exc).__name__}: {exc}") from exc
    classes = class_folders(root, files)
    labels = None
    if classes is not None:
        index = {name: i for i, name in enumerate(classes)}
        labels = [index[p.relative_to(root).parts[0]] for p in files]
    info = DataInfo(
        "folder", (channels, image_size, image_size), "image", len(classes) if classes else None
    )
    source = StreamingSource(
        info, ImageFiles(files, image_size, channels, labels), labels=classes is not None
    )
    source.classes = classes  # type: ignore[attr-defined]
    return source

"""Any folder of images, streamed from disk (it may not fit in memory).

Files are found recursively by extension; each is checked when the source is built, so a
corrupt image is reported by name before training starts, not halfway through an epoch.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch.utils.data import Dataset

from ganzoo.data import DataInfo, StreamingSource
from ganzoo.errors import DataError, UsageError

EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".gif", ".tif", ".tiff")


class ImageFiles(Dataset):
    """Images resized (shorter side) and center-cropped to ``size``, in [-1, 1]."""

    def __init__(self, files: list[Path], size: int, channels: int) -> None:
        from torchvision import transforms

        self.files = files
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

    def __getitem__(self, index: int) -> torch.Tensor:
        from PIL import Image

        with Image.open(self.files[index]) as image:
            x = self.transform(image.convert(self.mode))
        return x.float().div(127.5).sub(1.0)


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
    info = DataInfo("folder", (channels, image_size, image_size), "image")
    return StreamingSource(info, ImageFiles(files, image_size, channels))

"""InceptionV3 weights for torch-fidelity's ``inception-v3-compat``, online or offline.

Where the weights come from, in order: ``--inception-weights PATH``, ``$GANZOO_INCEPTION_WEIGHTS``,
the file torch-fidelity downloads into torch's hub cache, and finally a download (with a
timeout). Every file is first loaded with ``torch.load(..., weights_only=True)``, because
torch-fidelity itself unpickles it with ``weights_only=False``, i.e. runs whatever code a
crafted file holds. Weights whose classifier layer (``fc``) is all zeros (the FID-only file
in ``../shared/data/inception``) give correct FID/KID but a meaningless IS of 1.0: such
weights are flagged so that IS is reported as unavailable.
"""

from __future__ import annotations

import hashlib
import os
import socket
from dataclasses import dataclass
from pathlib import Path

import torch

from ganzoo.api.errors import UsageError
from ganzoo.runs.files import current_umask
from ganzoo.runs.rundir import safe_torch_load

ENV = "GANZOO_INCEPTION_WEIGHTS"
FIDELITY_NAME = "inception-v3-compat"
DOWNLOAD_TIMEOUT_S = 20  # per blocking network operation: fail fast when offline
# Keys any state dict for torch-fidelity's FeatureExtractorInceptionV3 holds.
SENTINEL_KEYS = ("Conv2d_1a_3x3.conv.weight", "Mixed_7c.branch_pool.conv.weight", "fc.weight")
FC_SHAPE = (1008, 2048)


@dataclass(frozen=True)
class InceptionWeights:
    """A checked weights file: its sha256, whether IS is possible, and where it came from."""

    path: Path
    sha256: str
    has_classifier: bool  # False when the fc layer is all zeros: IS is not available
    source: str


def default_weights_path() -> Path:
    """Where torch-fidelity's own download lands (torch hub's checkpoint folder)."""
    from torch_fidelity.feature_extractor_inceptionv3 import URL_INCEPTION_V3

    return Path(torch.hub.get_dir()) / "checkpoints" / Path(URL_INCEPTION_V3).name


def resolve_inception_weights(path: str | Path | None = None) -> InceptionWeights:
    """Find, check and describe the Inception weights to use (see the module docstring)."""
    if path is not None:
        return check_weights_file(Path(path), "--inception-weights")
    if os.environ.get(ENV):
        return check_weights_file(Path(os.environ[ENV]), f"${ENV}")
    cached = default_weights_path()
    if cached.is_file():
        return check_weights_file(cached, "torch hub cache")
    from torch_fidelity.feature_extractor_inceptionv3 import URL_INCEPTION_V3

    try:
        download(URL_INCEPTION_V3, cached)
    except Exception as exc:  # URLError, timeouts, HTTP errors, a full disk ...
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise UsageError(
            f"Inception weights are not available offline: downloading {URL_INCEPTION_V3} "
            f"failed ({reason}); pass --inception-weights PATH or set {ENV}=PATH to a local "
            "file, or use --feature-extractor domain (no download needed)"
        ) from exc
    return check_weights_file(cached, "download")


def download(url: str, destination: Path) -> None:
    """Download ``url`` to ``destination`` with a socket timeout (torch hub writes atomically)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        torch.hub.download_url_to_file(url, str(destination), progress=False)
    finally:
        socket.setdefaulttimeout(previous)
    # torch hub writes through a NamedTemporaryFile (0o600): give it what open() would.
    destination.chmod(0o666 & ~current_umask())


def check_weights_file(path: Path, origin: str) -> InceptionWeights:
    """Load ``path`` safely and check it holds InceptionV3 weights; say what it can do."""
    path = path.expanduser()
    if not path.is_file():
        raise UsageError(f"Inception weights file {path} (from {origin}) does not exist")
    try:
        state = safe_torch_load(path)
    except Exception as exc:
        reason = " ".join(str(exc).split()[:30]) or type(exc).__name__
        raise UsageError(
            f"refusing Inception weights {path} (from {origin}): it does not load as plain "
            f"tensors with weights_only=True, so it could run code when unpickled ({reason})"
        ) from exc
    missing = [k for k in SENTINEL_KEYS if not isinstance(state, dict) or k not in state]
    if missing:
        raise UsageError(
            f"{path} (from {origin}) is not an InceptionV3 state dict for torch-fidelity "
            f"(missing {', '.join(missing)})"
        )
    fc = state["fc.weight"]
    if tuple(fc.shape) != FC_SHAPE:
        raise UsageError(f"{path}: fc.weight has shape {tuple(fc.shape)}, expected {FC_SHAPE}")
    has_classifier = bool(fc.abs().max() > 0)
    return InceptionWeights(path.resolve(), file_sha256(path), has_classifier, origin)


_hashes: dict[tuple[str, int, int], str] = {}


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes (memoised per path, size and modification time)."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _hashes:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _hashes[key] = h.hexdigest()
    return _hashes[key]

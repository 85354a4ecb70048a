"""The domain classifier: a small CNN trained on a dataset's labels, cached on disk.

Its logits give the Inception Score and its penultimate features FID and KID, with no
download. It is trained once per dataset (keyed by a hash of the training data and of the
recipe) with a fixed seed, checked on the held-out test split, and refused when its test
accuracy is too low for its scores to mean anything.

Why the features are rescaled (:data:`FEATURE_MEAN_SQUARE`): KID's polynomial kernel
``(x·y/d + 1)³`` depends on the features' scale (FID does not: its Fréchet distance scales
with them but keeps their order). Features much larger than Inception's would let the cubic
term dominate and make KID swing by orders of magnitude from one extractor to another.
InceptionV3's pool3 features on MNIST have a mean square of 0.21 per dimension (measured
with the FID weights), so the domain features are scaled to the same 0.2 on the training
data, and KID reads on the scale it has in the literature.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from ganzoo.api.errors import GanzooError, UsageError
from ganzoo.api.paths import cache_dir
from ganzoo.metrics.images import tensor_sha256
from ganzoo.runs.files import atomic_path
from ganzoo.runs.rundir import safe_torch_load

RECIPE = "r1"  # bump when architecture or training changes: old cached classifiers are not reused
FORMAT = 1
TRAIN_SEED = 0
FEATURE_DIM = 128
BATCH_SIZE = 128
MAX_LR = 3e-3  # Adam with a one-cycle schedule: 0.989 on MNIST in two passes
MIN_STEPS = 900  # about this many updates: 2 passes over MNIST, 30 over the 8×8 digits
MIN_EPOCHS, MAX_EPOCHS = 2, 30
# the features' mean square per dimension, as Inception's on MNIST (see the module docstring)
FEATURE_MEAN_SQUARE = 0.2

# Lowest held-out test accuracy accepted. IS reads the classifier's confidence and FID its
# features: both measure sample quality only if the classifier recognises real images. A
# threshold sits below what this recipe reaches (measured: 0.989 on MNIST, 0.983 on the 8×8
# digits, whose test split has only 359 images) so that only a failed training is refused
# (corrupt or mislabelled data, far too few images), and high enough that the classifier's
# own errors stay small next to the differences the metrics are used to show. Fashion-MNIST
# and CIFAR-10 are harder for a small CNN trained this briefly (typically about 0.90 and
# 0.70; not measured here, the data is not offline); their thresholds keep a similar margin.
MIN_TEST_ACCURACY: dict[str, float] = {
    "mnist": 0.97,
    "digits": 0.90,
    "fashion-mnist": 0.85,
    "cifar10": 0.60,
}
DEFAULT_MIN_TEST_ACCURACY = 0.90


class DomainClassifier(nn.Module):
    """LeNet-like for 28-px images; otherwise conv blocks that halve the side down to 4.

    ``forward`` takes images in ``[-1, 1]`` and returns ``(features, logits)``: the
    penultimate ReLU activations times ``feature_scale``, and the class logits.
    """

    def __init__(self, spec: dict[str, Any]) -> None:
        super().__init__()
        self.spec = dict(spec)
        channels, side, classes = spec["channels"], spec["size"], spec["num_classes"]
        if spec["arch"] == "lenet":
            self.body = nn.Sequential(
                nn.Conv2d(channels, 8, 5, padding=2),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Conv2d(8, 16, 5, padding=2),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Flatten(),
            )
            flat = 16 * (side // 4) ** 2
        else:
            layers: list[nn.Module] = []
            width, c_in = 32, channels
            while side > 4:
                layers += [nn.Conv2d(c_in, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
                c_in, width, side = width, min(2 * width, 128), side // 2
            self.body = nn.Sequential(*layers, nn.Flatten())
            flat = c_in * side * side
        self.hidden = nn.Linear(flat, FEATURE_DIM)
        self.head = nn.Linear(FEATURE_DIM, classes)
        self.register_buffer("feature_scale", torch.ones(()))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = F.relu(self.hidden(self.body(x)))
        return h * self.feature_scale, self.head(h)


def architecture(shape: tuple[int, ...], num_classes: int) -> dict[str, Any]:
    """The spec of the classifier for images of ``shape`` (C, H, W)."""
    channels, height, width = shape
    if height != width:
        raise UsageError(f"the domain classifier needs square images, got {height}×{width}")
    arch = "lenet" if height == 28 else "cnn"
    return {"arch": arch, "channels": channels, "size": height, "num_classes": num_classes}


def weights_sha256(model: DomainClassifier) -> str:
    """sha256 of the architecture and every tensor of the state dict (including the scale)."""
    h = hashlib.sha256(json.dumps(model.spec, sort_keys=True).encode())
    for key, value in sorted(model.state_dict().items()):
        h.update(key.encode())
        h.update(tensor_sha256(value).encode())
    return h.hexdigest()


@dataclass(frozen=True)
class TrainedClassifier:
    """A cached domain classifier file and what is known about it."""

    dataset: str
    path: Path
    sha256: str
    test_accuracy: float
    min_accuracy: float
    seconds: float


def load_classifier(path: Path) -> tuple[DomainClassifier, dict[str, Any]]:
    """Rebuild a classifier from its file (``weights_only=True``); return it and its record."""
    try:
        record = safe_torch_load(path)
        with torch.random.fork_rng(devices=[]):  # the throw-away initialisation draws numbers
            model = DomainClassifier(record["spec"])
        model.load_state_dict(record["state_dict"])
    except Exception as exc:
        raise GanzooError(
            f"cannot load domain classifier {path} ({type(exc).__name__}: {exc}); delete it "
            "and it is retrained"
        ) from exc
    return model.eval(), record


def classifier_for(
    dataset: str,
    data_dir: str | Path | None = None,
    dataset_options: dict[str, Any] | None = None,
    log: Callable[[str], None] | None = None,
) -> TrainedClassifier:
    """The domain classifier of ``dataset``: from the cache, or trained now and cached.

    Raises :class:`UsageError` if the dataset has no labels or the classifier's held-out
    test accuracy is below :data:`MIN_TEST_ACCURACY`.
    """
    from ganzoo.host.build import load_dataset

    train = load_dataset(dataset, data_dir, split="train", options=dataset_options)
    labels = getattr(train, "labels", None)
    samples = getattr(train, "samples", None)
    if train.info.kind != "image" or train.info.num_classes is None or labels is None:
        raise UsageError(
            f"dataset {dataset!r} has no class labels, so no domain classifier can be "
            "trained for it; use --feature-extractor inception"
        )
    data_hash = hashlib.sha256(
        (tensor_sha256(samples) + tensor_sha256(labels)).encode()
    ).hexdigest()
    path = cache_dir() / "classifiers" / f"{dataset}-{data_hash[:16]}-{RECIPE}.pt"
    if not path.exists():
        test = load_dataset(dataset, data_dir, split="test", options=dataset_options)
        _train_and_save(train, test, path, data_hash, log)
    model, record = load_classifier(path)
    minimum = MIN_TEST_ACCURACY.get(dataset, DEFAULT_MIN_TEST_ACCURACY)
    accuracy = float(record["test_accuracy"])
    if accuracy < minimum:
        raise UsageError(
            f"the domain classifier for {dataset!r} reaches only {accuracy:.4f} test accuracy "
            f"(needs >= {minimum}); its IS/FID would not be meaningful. Check the data, or use "
            f"--feature-extractor inception (classifier file: {path})"
        )
    return TrainedClassifier(
        dataset, path, weights_sha256(model), accuracy, minimum, float(record["train_seconds"])
    )


def _train_and_save(
    train: Any, test: Any, path: Path, data_hash: str, log: Callable[[str], None] | None
) -> None:
    """Train with a fixed seed (leaving the caller's random state alone) and cache."""
    start = time.perf_counter()
    x, y = train.samples.float().cpu(), train.labels.long().cpu()
    spec = architecture(tuple(train.info.shape), int(train.info.num_classes))
    steps_per_epoch = max(1, len(x) // BATCH_SIZE)
    epochs = min(MAX_EPOCHS, max(MIN_EPOCHS, math.ceil(MIN_STEPS / steps_per_epoch)))
    if log:
        log(
            f"training the domain classifier for {train.info.name!r} ({spec['arch']}, "
            f"{len(x)} images, {epochs} epochs); it is cached for later evaluations"
        )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(TRAIN_SEED)
        model = DomainClassifier(spec)
        _fit(model, x, y, epochs, torch.Generator().manual_seed(TRAIN_SEED))
    model.eval()
    with torch.no_grad():
        features = torch.cat([model(x[i : i + 1024])[0] for i in range(0, len(x), 1024)])
        model.feature_scale.fill_(math.sqrt(FEATURE_MEAN_SQUARE / features.pow(2).mean().item()))
        accuracy = _accuracy(model, test.samples.float().cpu(), test.labels.long().cpu())
    seconds = time.perf_counter() - start
    record = {
        "format": FORMAT,
        "recipe": RECIPE,
        "dataset": train.info.name,
        "data_sha256": data_hash,
        "spec": spec,
        "state_dict": model.state_dict(),
        "test_accuracy": accuracy,
        "test_images": len(test),
        "train_images": len(x),
        "epochs": epochs,
        "seed": TRAIN_SEED,
        "train_seconds": seconds,
    }
    with atomic_path(path) as tmp:
        torch.save(record, tmp)
    if log:
        log(
            f"domain classifier for {train.info.name!r}: held-out test accuracy {accuracy:.4f} "
            f"on {len(test)} images ({seconds:.1f}s); cached at {path}"
        )


def _fit(
    model: DomainClassifier, x: torch.Tensor, y: torch.Tensor, epochs: int, order: torch.Generator
) -> None:
    """Adam on cross-entropy, shuffled full batches in an order drawn from ``order``."""
    optimizer = torch.optim.Adam(model.parameters(), lr=MAX_LR)
    steps_per_epoch = max(1, len(x) // BATCH_SIZE)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=MAX_LR, total_steps=epochs * steps_per_epoch
    )
    model.train()
    torch.set_flush_denormal(True)  # gradients get tiny late in training; denormals crawl on CPUs
    try:
        for _ in range(epochs):
            perm = torch.randperm(len(x), generator=order)
            for i in range(steps_per_epoch):
                idx = perm[i * BATCH_SIZE : (i + 1) * BATCH_SIZE]
                loss = F.cross_entropy(model(x[idx])[1], y[idx])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                schedule.step()
    finally:
        torch.set_flush_denormal(False)  # PyTorch's default


def _accuracy(model: DomainClassifier, x: torch.Tensor, y: torch.Tensor) -> float:
    correct = sum(
        int((model(x[i : i + 1024])[1].argmax(1) == y[i : i + 1024]).sum())
        for i in range(0, len(x), 1024)
    )
    return correct / max(1, len(x))

"""First-party dataset plugin: embedded, synthetic and torchvision datasets.

Registered by import path, so ``ganzoo list`` never imports torch. Every factory is called
as ``factory(root, download=False, split="train", **options)``.
"""

from ganzoo.api import hookimpl


@hookimpl
def register_datasets(register):
    register(
        "digits",
        "ganzoo_datasets.digits:load",
        description="scikit-learn's bundled 8×8 handwritten digits (1,797 images, offline).",
        shape=(1, 8, 8),
        kind="image",
        num_classes=10,
        offline=True,
        # 1,437 training images are 22 steps an epoch: 30 epochs left blobs, 250 (5,500
        # steps) give digits a classifier names confidently (benchmarks/bench_first_run.py)
        epochs=250,
    )
    register(
        "gaussian1d",
        "ganzoo_datasets.synthetic:gaussian1d",
        description="A 1-D Gaussian N(2, 0.5²), as in the GAN paper's Figure 1.",
        shape=(1,),
        kind="vector",
        offline=True,
    )
    register(
        "ring2d",
        "ganzoo_datasets.synthetic:ring2d",
        description="Eight 2-D Gaussians on a circle: the standard mode-collapse probe.",
        shape=(2,),
        kind="vector",
        num_classes=8,
        offline=True,
    )
    register(
        "mnist",
        "ganzoo_datasets.vision:mnist",
        description="MNIST handwritten digits, 28×28 (torchvision; --data-dir, --download).",
        shape=(1, 28, 28),
        kind="image",
        num_classes=10,
    )
    register(
        "fashion-mnist",
        "ganzoo_datasets.vision:fashion_mnist",
        description="Fashion-MNIST clothing images, 28×28 (torchvision; --data-dir, --download).",
        shape=(1, 28, 28),
        kind="image",
        num_classes=10,
    )
    register(
        "cifar10",
        "ganzoo_datasets.vision:cifar10",
        description="CIFAR-10 natural images, 3×32×32 (torchvision; --data-dir, --download).",
        shape=(3, 32, 32),
        kind="image",
        num_classes=10,
    )
    register(
        "folder",
        "ganzoo_datasets.folder:load",
        description="Any folder of images (png/jpg/bmp/webp), resized and center-cropped.",
        shape="C×S×S",
        kind="image",
    )

"""Training on a subset (--data-fraction / --data-limit): which images, and that runs keep them.

The subset is chosen in the host (``ganzoo.host.subset``) for every dataset plugin; these
tests pin what a small-data study relies on: class balance in every prefix, nested sizes,
the same images for every training seed, a record in config.json, and a resumed run that
continues on the same images bit-exact.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from ganzoo.api.data import DataInfo, StreamingSource, TensorSource
from ganzoo.host.build import load_dataset
from ganzoo.host.subset import SubsetRequest, stratified_order, subset_index, training_subset
from ganzoo.training.config import TrainConfig
from ganzoo.training.loop import resume, train
from tests.helpers import assert_same_run

TINY = dict(model="vanilla", dataset="digits", batch_size=16, log_every=2, sample_every=10**6)


def test_every_prefix_of_the_order_keeps_each_class_within_one_image_of_its_share():
    # unequal classes (3 : 1 : 6), as real splits are: a plain permutation misses by far more
    labels = np.repeat([0, 1, 2], [300, 100, 600])
    order = stratified_order(labels, len(labels), seed=5)
    assert sorted(order.tolist()) == list(range(len(labels)))
    share = np.bincount(labels) / len(labels)
    for n in range(1, len(labels) + 1):
        counts = np.bincount(labels[order[:n]], minlength=3)
        assert np.all(np.abs(counts - n * share) < 1.0 + 1e-9), (n, counts, n * share)


def test_smaller_subsets_lie_inside_larger_ones_and_the_data_seed_alone_picks_them():
    digits = load_dataset("digits")
    small = subset_index(digits, SubsetRequest(fraction=0.01), "digits")
    large = subset_index(digits, SubsetRequest(fraction=0.1), "digits")
    assert len(small) == 14 and len(large) == 144
    assert set(small.tolist()) <= set(large.tolist())
    again = subset_index(digits, SubsetRequest(fraction=0.1, seed=0), "digits")
    other = subset_index(digits, SubsetRequest(fraction=0.1, seed=1), "digits")
    assert torch.equal(large, again)
    assert not torch.equal(large, other)
    labels = digits.class_labels()
    assert labels is not None
    counts = torch.bincount(labels[large], minlength=10)
    assert int(counts.min()) >= 13 and int(counts.max()) <= 16  # 144 of ten near-equal classes


def test_a_subset_keeps_images_and_labels_together_in_memory_and_streamed():
    info = DataInfo("toy", (1, 2, 2), "image", 3)
    x = torch.arange(60, dtype=torch.float32).reshape(15, 1, 2, 2)
    y = torch.tensor([2, 0, 0, 1, 2, 2, 1, 0, 1, 2, 0, 1, 1, 0, 2])  # 5 of each, unordered
    memory, record = training_subset(TensorSource(info, x, y), SubsetRequest(limit=6), "toy")
    assert record is not None and record["images"] == 6 and record["of"] == 15
    assert record["stratified"] is True
    kept = (memory.samples[:, 0, 0, 0] / 4).long()  # the original positions
    assert torch.equal(memory.class_labels(), y[kept])
    assert torch.bincount(memory.class_labels(), minlength=3).tolist() == [2, 2, 2]

    class Items(torch.utils.data.Dataset):
        targets = y.tolist()

        def __len__(self):
            return 15

        def __getitem__(self, i):
            return x[i], int(y[i])

    streamed, _ = training_subset(
        StreamingSource(info, Items(), num_workers=0, labels=True), SubsetRequest(limit=6), "toy"
    )
    assert len(streamed) == 6
    items = [streamed.dataset[i] for i in range(6)]
    assert [int(img[0, 0, 0] / 4) for img, _ in items] == kept.tolist()
    assert [label for _, label in items] == y[kept].tolist()


def test_the_same_images_for_every_training_seed_recorded_in_config_json(tmp_path):
    records = {}
    for seed, data_seed in ((0, 0), (1, 0), (0, 1)):
        out = tmp_path / f"s{seed}-d{data_seed}"
        config = TrainConfig(
            **TINY, steps=1, seed=seed, data_limit=100, data_seed=data_seed, out=str(out)
        )
        train(config)
        stored = json.loads((out / "config.json").read_text())
        assert stored["config"]["data_limit"] == 100
        assert stored["config"]["data_seed"] == data_seed
        assert stored["resolved"]["steps_per_epoch"] == 100 // 16  # the loop sees 100 images
        records[seed, data_seed] = stored["subset"]
    assert records[0, 0]["images"] == 100 and records[0, 0]["of"] == 1438
    assert records[0, 0]["index_sha256"] == records[1, 0]["index_sha256"]
    assert records[0, 0]["index_sha256"] != records[0, 1]["index_sha256"]


def test_a_resumed_subset_run_continues_on_the_same_images_bit_exact(tmp_path):
    whole = tmp_path / "whole"
    train(TrainConfig(**TINY, steps=12, data_fraction=0.05, out=str(whole)))
    halves = tmp_path / "halves"
    train(TrainConfig(**TINY, steps=6, data_fraction=0.05, out=str(halves)))
    resume(halves, steps=12)
    assert_same_run(whole, halves)


@pytest.mark.parametrize("bad", [{"data_fraction": 0.0}, {"data_limit": 10**6}])
def test_a_refused_subset_leaves_no_run_folder(tmp_path, bad):
    from ganzoo.api.errors import UsageError

    out = tmp_path / "run"
    with pytest.raises(UsageError):
        train(TrainConfig(**TINY, steps=1, out=str(out), **bad))
    assert not Path(out).exists()

"""``-D image_size=N`` resizes every image dataset, as it does for ``folder`` (issue 15, item 2)."""

from __future__ import annotations

import json

import pytest
import torch

from ganzoo.host.build import load_dataset


@pytest.mark.parametrize("size", [16, 32])
def test_digits_resize_keeps_range_labels_and_split(size):
    small = load_dataset("digits")
    big = load_dataset("digits", options={"image_size": size})
    assert big.info.shape == (1, size, size) and len(big) == len(small)
    assert torch.equal(big.labels, small.labels)
    assert big.samples.min() >= -1 and big.samples.max() <= 1
    # resampling keeps each image's mean brightness close to the original's
    gap = (big.samples.mean(dim=(1, 2, 3)) - small.samples.mean(dim=(1, 2, 3))).abs().max()
    assert gap < 0.05


def test_mnist_at_32_pixels(shared_data):
    data = load_dataset("mnist", shared_data, split="test", options={"image_size": 32})
    assert data.info.shape == (1, 32, 32) and len(data) == 10_000


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("3", "image_size must be an integer >= 4"),
        ("0", "image_size must be an integer >= 4"),
        ("'big'", "option image_size expects int, got 'big'"),  # the annotation's check
    ],
)
def test_a_bad_image_size_is_one_clear_line(tmp_path, run_cli, bad, message):
    result = run_cli("train", "--steps", "2", "-D", f"image_size={bad}", "--out", tmp_path / "r")
    assert result.exit_code == 2, result.err
    assert message in result.err and "Traceback" not in result.err
    assert not (tmp_path / "r").exists()


def test_dcgan_trains_and_is_evaluated_on_resized_digits(tmp_path, run_cli):
    out = tmp_path / "run"
    result = run_cli(
        "train", "--model", "dcgan", "-D", "image_size=32", "--steps", "3", "--batch-size", "32",
        "-q", "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.err
    stored = json.loads((out / "config.json").read_text())
    assert stored["data"]["shape"] == [1, 32, 32]
    measured = run_cli("eval", out, "--samples", "20", "--json")
    assert measured.exit_code == 0, measured.err
    assert json.loads(measured.out)["dataset_options"] == {"image_size": 32}


def test_dcgan_trains_mnist_at_32_pixels_unless_told_otherwise(tmp_path, run_cli, shared_data):
    common = ["train", "--model", "dcgan", "--dataset", "mnist", "--data-dir", shared_data]
    common += ["--steps", "2", "--batch-size", "16", "-q"]
    default, explicit = tmp_path / "default", tmp_path / "explicit"
    assert run_cli(*common, "--out", default).exit_code == 0
    assert run_cli(*common, "-D", "image_size=28", "--out", explicit).exit_code == 0
    stored = json.loads((default / "config.json").read_text())
    assert stored["config"]["dataset_options"] == {"image_size": 32}
    assert stored["data"]["shape"] == [1, 32, 32]
    assert json.loads((explicit / "config.json").read_text())["data"]["shape"] == [1, 28, 28]
    # a resumed run keeps the options it was trained with
    assert run_cli("train", "--resume", explicit, "--steps", "3", "-q").exit_code == 0
    assert json.loads((explicit / "config.json").read_text())["data"]["shape"] == [1, 28, 28]


def test_vanilla_keeps_mnist_at_its_own_size(tmp_path, run_cli, shared_data):
    out = tmp_path / "run"
    cmd = ["train", "--dataset", "mnist", "--data-dir", shared_data, "--steps", "2", "-q"]
    assert run_cli(*cmd, "--out", out).exit_code == 0
    assert json.loads((out / "config.json").read_text())["data"]["shape"] == [1, 28, 28]

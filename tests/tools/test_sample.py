"""``ganzoo sample``: the images are the model's own, deterministic per seed, in every format.

One small run (``--steps 20`` on digits, with an EMA and two checkpoints) is trained for the
module; a tiny class-conditional GAN registered at run time stands in for conditional
models, implementing the contract ``num_classes``, ``generate(z, labels)`` and
``sample(n, generator, labels)``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganzoo.runs.loading import load_run_model
from ganzoo.tools.sampling import Sampler, slerp, to_uint8
from tests.helpers import cli_ok


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "run"
    cli_ok(
        "train", "--steps", "20", "--checkpoint-every", "10", "--ema", "0.9", "--out", path, "-q"
    )  # fmt: skip
    return path


def _png(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.array(image)


def test_a_grid_is_deterministic_per_seed_and_sized_by_nrow(run, run_cli, tmp_path):
    a, b, c = tmp_path / "a.png", tmp_path / "b.png", tmp_path / "c.png"
    assert run_cli("sample", run, "--n", "10", "--nrow", "5", "--out", a).exit_code == 0
    assert run_cli("sample", run, "--n", "10", "--nrow", "5", "--out", b).exit_code == 0
    assert (
        run_cli("sample", run, "--n", "10", "--nrow", "5", "--seed", "1", "--out", c).exit_code == 0
    )
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    # torchvision's make_grid: 2 px padding around 8x8 images, 5 per row, 2 rows; grey.
    assert _png(a).shape == (2 * 10 + 2, 5 * 10 + 2)


def test_the_images_are_the_models_own_samples_with_their_codes(run, run_cli, tmp_path):
    out = tmp_path / "s.pt"
    result = run_cli("sample", run, "--n", "12", "--seed", "7", "--out", out)
    assert result.exit_code == 0, result.err
    assert result.out.strip() == str(out)
    saved = torch.load(out, weights_only=True)
    assert set(saved) == {"images", "z"}
    assert saved["images"].dtype == torch.uint8 and saved["images"].shape == (12, 1, 8, 8)
    # codes: the model's prior drawn on the CPU from a generator seeded with --seed
    expected_z = torch.randn(12, 100, generator=torch.Generator().manual_seed(7))
    assert torch.equal(saved["z"], expected_z)
    model = load_run_model(run)  # EMA by default, like ganzoo sample
    own = model.sample(12, generator=torch.Generator().manual_seed(7))
    assert torch.equal(saved["images"], to_uint8(own))


def test_every_format_holds_the_same_pixels_and_repeats_byte_for_byte(run, run_cli, tmp_path):
    args = ("sample", run, "--n", "9", "--seed", "3")
    for name in ("one.pt", "two.pt", "one.npz", "two.npz", "grid.png"):
        assert run_cli(*args, "--out", tmp_path / name).exit_code == 0
    assert run_cli(*args, "--format", "png", "--out", tmp_path / "pngs").exit_code == 0
    assert (tmp_path / "one.pt").read_bytes() == (tmp_path / "two.pt").read_bytes()
    assert (tmp_path / "one.npz").read_bytes() == (tmp_path / "two.npz").read_bytes()
    images = torch.load(tmp_path / "one.pt", weights_only=True)["images"]
    with np.load(tmp_path / "one.npz", allow_pickle=False) as npz:
        assert sorted(npz.files) == ["images", "z"]
        assert np.array_equal(npz["images"], images.numpy())
    files = sorted((tmp_path / "pngs").iterdir())
    assert [f.name for f in files] == [f"{i:06d}.png" for i in range(9)]
    for i, f in enumerate(files):
        assert np.array_equal(_png(f), images[i, 0].numpy())
    umask = os.umask(0)
    os.umask(umask)  # files and the folder get what a plain open() / mkdir() gives
    assert (tmp_path / "pngs").stat().st_mode & 0o777 == 0o777 & ~umask
    for f in (files[0], tmp_path / "one.pt", tmp_path / "one.npz", tmp_path / "grid.png"):
        assert f.stat().st_mode & 0o777 == 0o666 & ~umask, f
    grid = _png(tmp_path / "grid.png")  # 3x3 by default
    assert np.array_equal(grid[2:10, 2:10], images[0, 0].numpy())
    assert np.array_equal(grid[12:20, 22:30], images[5, 0].numpy())


def test_ema_checkpoint_and_no_ema_choose_the_weights(run, run_cli, tmp_path):
    def pixels(*extra: str) -> torch.Tensor:
        out = tmp_path / f"{len(list(tmp_path.iterdir()))}.pt"
        result = run_cli("sample", run, "--n", "8", *extra, "--out", out)
        assert result.exit_code == 0, result.err
        return torch.load(out, weights_only=True)["images"]

    ema, raw = pixels(), pixels("--no-ema")
    early = pixels("--checkpoint", "10")
    assert not torch.equal(ema, raw) and not torch.equal(ema, early)
    g = torch.Generator().manual_seed(0)
    assert torch.equal(raw, to_uint8(load_run_model(run, ema=False).sample(8, generator=g)))
    assert torch.equal(pixels("--checkpoint", "step_00000020.pt"), ema)
    assert torch.equal(pixels("--checkpoint", "latest"), ema)
    ckpt = run / "checkpoints" / "step_00000010.pt"
    g = torch.Generator().manual_seed(0)
    assert torch.equal(early, to_uint8(load_run_model(run, checkpoint=ckpt).sample(8, generator=g)))


def test_an_unfinished_run_needs_a_named_checkpoint(run, run_cli, tmp_path):
    unfinished = Path(shutil.copytree(run, tmp_path / "unfinished"))
    (unfinished / "summary.json").unlink()
    refused = run_cli("sample", unfinished, "--out", tmp_path / "x.png")
    assert refused.exit_code == 2
    assert (
        "has not finished (no summary.json)" in refused.err and "--checkpoint latest" in refused.err
    )
    assert not (tmp_path / "x.png").exists()
    assert (
        run_cli(
            "sample", unfinished, "--checkpoint", "latest", "--out", tmp_path / "x.png"
        ).exit_code
        == 0
    )


def test_a_diverged_checkpoint_is_refused(run, run_cli, tmp_path):
    diverged = Path(shutil.copytree(run, tmp_path / "diverged"))
    path = diverged / "checkpoints" / "step_00000020.pt"
    state = torch.load(path, weights_only=True)
    state["model"]["generator.2.weight"][0, 0] = float("nan")
    torch.save(state, path)
    result = run_cli("sample", diverged, "--no-ema", "--out", tmp_path / "x.png")
    assert result.exit_code == 1
    assert "non-finite weights (generator.2.weight)" in result.err
    assert "Traceback" not in result.err and not (tmp_path / "x.png").exists()
    # the earlier checkpoint is still good
    ok = run_cli("sample", diverged, "--checkpoint", "10", "--out", tmp_path / "x.png")
    assert ok.exit_code == 0


def test_a_latent_walk_is_a_grid_a_gif_and_the_codes(run, run_cli, tmp_path):
    out = tmp_path / "walk.png"
    result = run_cli("sample", run, "--interpolate", "6", "--n", "3", "--out", out)
    assert result.exit_code == 0, result.err
    assert result.out.split() == [str(out), str(tmp_path / "walk.gif")]
    assert _png(out).shape == (3 * 10 + 2, 6 * 10 + 2)  # a walk per row
    with Image.open(tmp_path / "walk.gif") as gif:
        assert gif.n_frames == 2 * 6 - 2  # forward, then back
        assert gif.size == (2 * 10 + 2, 2 * 10 + 2)  # the 3 walks side by side, 2 per row
    assert (
        run_cli(
            "sample", run, "--interpolate", "6", "--n", "3", "--out", tmp_path / "w.pt"
        ).exit_code
        == 0
    )
    walk = torch.load(tmp_path / "w.pt", weights_only=True)
    assert walk["images"].shape == (3, 6, 1, 8, 8) and walk["z"].shape == (3, 6, 100)
    ends = torch.randn(6, 100, generator=torch.Generator().manual_seed(0))
    assert torch.equal(walk["z"][:, 0], ends[:3]) and torch.equal(walk["z"][:, -1], ends[3:])
    # spherical: the norm stays near the end points' instead of dipping towards the middle
    norms = walk["z"].norm(dim=2)
    assert (norms[:, 3] > 0.9 * norms[:, [0, -1]].min(dim=1).values).all()
    model = load_run_model(run)
    with torch.no_grad():
        own = model.generator(walk["z"].reshape(18, 100))
    assert torch.equal(walk["images"].reshape(18, 1, 8, 8), to_uint8(own))


def test_slerp_falls_back_to_a_line_for_parallel_codes():
    a = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    b = torch.tensor([[0.0, 1.0], [2.0, 0.0]])
    path = slerp(a, b, torch.linspace(0, 1, 3))
    assert torch.allclose(path[0, 1], torch.tensor([0.5**0.5, 0.5**0.5]))
    assert torch.allclose(path[1, 1], torch.tensor([1.5, 0.0]))


def test_a_vae_samples_walks_and_matches_its_own_sample(run_cli, tmp_path):
    cli_ok("train", "--model", "vae", "--steps", "5", "--out", tmp_path / "vae", "-q")
    assert (
        run_cli("sample", tmp_path / "vae", "--n", "6", "--out", tmp_path / "v.pt").exit_code == 0
    )
    saved = torch.load(tmp_path / "v.pt", weights_only=True)
    model = load_run_model(tmp_path / "vae")
    assert torch.equal(saved["images"], to_uint8(model.sample(6, torch.Generator().manual_seed(0))))
    walk = run_cli(
        "sample", tmp_path / "vae", "--interpolate", "4", "--n", "2", "--out", tmp_path / "w.png"
    )
    assert walk.exit_code == 0, walk.err


def test_vector_data_is_sampled_as_tensors_not_images(run_cli, tmp_path):
    cli_ok("train", "--dataset", "ring2d", "--steps", "5", "--out", tmp_path / "ring", "-q")
    refused = run_cli("sample", tmp_path / "ring", "--out", tmp_path / "r.png")
    assert refused.exit_code == 2 and "not images: use --format pt or --format npz" in refused.err
    assert (
        run_cli("sample", tmp_path / "ring", "--n", "5", "--out", tmp_path / "r.npz").exit_code == 0
    )
    with np.load(tmp_path / "r.npz") as npz:
        assert npz["images"].shape == (5, 2)


# --- a class-conditional model, registered at run time -----------------------------------------


def test_class_conditional_sampling(conditional_run, run_cli, tmp_path):
    run = conditional_run
    out = tmp_path / "threes.pt"
    assert run_cli("sample", run, "--class", "3", "--n", "5", "--out", out).exit_code == 0
    threes = torch.load(out, weights_only=True)
    assert threes["labels"].tolist() == [3] * 5
    sampler = Sampler(run)
    with torch.no_grad():
        own = sampler.model.generate(threes["z"], threes["labels"])
    assert torch.equal(threes["images"], to_uint8(own))
    # without --class: the classes in blocks, so a default grid has one class per row
    mixed = tmp_path / "mixed.pt"
    assert run_cli("sample", run, "--n", "25", "--out", mixed).exit_code == 0
    labels = torch.load(mixed, weights_only=True)["labels"].tolist()
    assert labels == [c for c in range(10) for _ in range(3)][:25]
    grid = tmp_path / "grid.png"
    assert run_cli("sample", run, "--n", "20", "--out", grid).exit_code == 0
    assert _png(grid).shape == (10 * 10 + 2, 2 * 10 + 2)  # 10 rows (classes) of 2
    # the class changes the images; PNG names carry it
    assert (
        run_cli("sample", run, "--class", "4", "--n", "5", "--out", tmp_path / "fours.pt").exit_code
        == 0
    )
    fours = torch.load(tmp_path / "fours.pt", weights_only=True)
    assert torch.equal(fours["z"], threes["z"]) and not torch.equal(
        fours["images"], threes["images"]
    )
    assert (
        run_cli(
            "sample", run, "--class", "4", "--n", "2", "--format", "png", "--out", tmp_path / "p"
        ).exit_code
        == 0
    )
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == [
        "000000-class4.png",
        "000001-class4.png",
    ]
    walk = run_cli(
        "sample", run, "--class", "2", "--interpolate", "3", "--n", "2", "--out", tmp_path / "w.pt"
    )
    assert walk.exit_code == 0
    assert torch.load(tmp_path / "w.pt", weights_only=True)["labels"].tolist() == [[2] * 3] * 2
    # out of range: one line, nothing written
    for bad in ("10", "-1"):
        result = run_cli("sample", run, "--class", bad, "--out", tmp_path / "bad.png")
        assert result.exit_code == 2
        assert (
            f"--class must be an integer in [0, 9] for this 10-class model, got {bad}" in result.err
        )
    assert not (tmp_path / "bad.png").exists()


def test_png_bytes_do_not_depend_on_the_batch_size(run, run_cli, tmp_path):
    for b in ("3", "256"):
        assert (
            run_cli("sample", run, "--n", "7", "-b", b, "--out", tmp_path / f"{b}.pt").exit_code
            == 0
        )
    one, other = (torch.load(tmp_path / f"{b}.pt", weights_only=True) for b in ("3", "256"))
    assert torch.equal(one["z"], other["z"])
    assert (one["images"].int() - other["images"].int()).abs().max() <= 1


def test_a_png_folder_reads_back_in_torch_fidelity_as_the_same_pixels(run, run_cli, tmp_path):
    from torch_fidelity.datasets import ImagesPathDataset
    from torch_fidelity.utils import glob_samples_paths

    out = tmp_path / "fakes"
    assert run_cli("sample", run, "--n", "5", "--format", "png", "--out", out).exit_code == 0
    assert run_cli("sample", run, "--n", "5", "--out", tmp_path / "s.pt").exit_code == 0
    images = torch.load(tmp_path / "s.pt", weights_only=True)["images"]
    # what `fidelity --input1 fakes` reads: every PNG, sorted, as uint8 RGB
    files = glob_samples_paths(str(out), False, "png,jpg", verbose=False)
    seen = ImagesPathDataset(files)
    assert len(seen) == 5
    for i in range(5):
        assert torch.equal(seen[i], images[i].expand(3, -1, -1))

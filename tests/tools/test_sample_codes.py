"""``ganzoo sample --code``: grids whose rows hold the noise and the other codes and whose
columns vary one latent code, through the model's public code interface.

One short infogan run on digits is trained for the module. The refusals (unknown codes,
bad ranges) are rows of tests/cli/test_bad_input.py's table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganzoo.api.errors import UsageError
from ganzoo.tools.sampling import CodeSpec, Sampler, to_uint8
from tests.helpers import cli_ok


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sample-codes") / "run"
    cli_ok("train", "--model", "infogan", "--steps", "20", "--ema", "0", "--out", path, "-q")
    return path


@pytest.fixture(scope="module")
def sampler(run) -> Sampler:
    return Sampler(run)


def _rows_vary_only(z: torch.Tensor, rows: int, start: int, stop: int) -> torch.Tensor:
    """The code's entries ``(rows, cols, stop - start)``, after checking nothing else varies
    along a row and the rows differ."""
    z = z.reshape(rows, -1, z.shape[-1])
    rest = torch.cat([z[..., :start], z[..., stop:]], dim=-1)
    assert torch.equal(rest, rest[:, :1].expand_as(rest)), "something besides the code varies"
    assert not torch.equal(rest[0, 0], rest[1, 0]), "the rows share their noise"
    return z[..., start:stop]


def test_a_categorical_code_takes_each_value_across_a_row_and_nothing_else_moves(sampler):
    samples = sampler.vary(CodeSpec.parse("c1=0..9"), rows=4, seed=3)
    assert samples.images.shape == (40, 1, 8, 8) and samples.labels is None
    code = _rows_vary_only(samples.z, 4, 62, 72)
    assert torch.equal(code.argmax(-1), torch.arange(10).expand(4, 10))
    assert torch.equal(code.sum(-1), torch.ones(4, 10))  # one-hot
    # the images are the generator's for exactly those codes
    assert torch.equal(samples.images, sampler.generate(samples.z))


def test_a_continuous_code_steps_evenly_over_its_range_and_may_pass_its_prior(sampler):
    samples = sampler.vary(CodeSpec.parse("c3=-2..2:5"), rows=3, seed=0)
    code = _rows_vary_only(samples.z, 3, 73, 74)[..., 0]
    assert torch.allclose(code, torch.linspace(-2, 2, 5).expand(3, 5))
    whole = sampler.vary(CodeSpec.parse("c2"), rows=2)  # the prior's range, 10 columns
    assert torch.allclose(whole.z[:10, 72], torch.linspace(-1, 1, 10))


def test_the_same_seed_draws_the_same_rows_and_a_part_range_keeps_them(sampler):
    a = sampler.vary(CodeSpec.parse("c1"), rows=3, seed=5)
    b = sampler.vary(CodeSpec.parse("c1=2..4"), rows=3, seed=5)
    assert torch.equal(a.z.reshape(3, 10, -1)[:, 2:5], b.z.reshape(3, 3, -1))


def test_the_cli_writes_one_row_per_noise_draw_and_one_column_per_value(run, run_cli, tmp_path):
    out, pt = tmp_path / "grid.png", tmp_path / "grid.pt"
    result = run_cli("sample", run, "--code", "c1=0..9", "--n", "3", "--out", out)
    assert result.exit_code == 0, result.err
    assert "3 row(s) of 10 values of code c1" in result.err
    with Image.open(out) as image:
        assert np.array(image).shape == (3 * 10 + 2, 10 * 10 + 2)  # 8 px + 2 px padding
    assert run_cli("sample", run, "--code", "c1=0..9", "--n", "3", "--out", pt).exit_code == 0
    saved = torch.load(pt, weights_only=True)
    assert saved["z"].shape == (30, 74)
    _rows_vary_only(saved["z"], 3, 62, 72)
    assert torch.equal(saved["images"], to_uint8(Sampler(run).generate(saved["z"])))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("c7", "no code 'c7'; this model's codes: c1 (categorical, 0..9), c2 (continuous"),
        ("c1=0..10", "c1 takes whole values in 0..9"),
        ("c1=0.5..3", "c1 takes whole values in 0..9"),
        ("c1=0..9:3", "c1 is categorical, its columns are its values (no :STEPS)"),
    ],
)
def test_codes_are_checked_against_the_model(sampler, spec, message):
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        sampler.vary(CodeSpec.parse(spec), rows=2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("c1=", "expected NAME, NAME=LO..HI or NAME=LO..HI:STEPS"),
        ("c1=0-9", "expected NAME"),
        ("c2=2..-2", "LO must be below HI"),
        ("c2=-2..2:1", "STEPS must be an integer in [2, 100]"),
    ],
)
def test_bad_specs_are_refused_before_any_model_is_read(text, message):
    with pytest.raises(UsageError, match=message.replace("[", r"\[").replace("]", r"\]")):
        CodeSpec.parse(text)

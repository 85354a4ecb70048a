"""The ``inception`` extractor offline: local weights, unsafe files, missing weights, IS honesty.

The FID-only weights in ../shared/data/inception have an all-zero classifier layer: FID and
KID are right, IS would be a meaningless 1.0 and must be reported as unavailable.
"""

from __future__ import annotations

import hashlib
import math
import pickle
import urllib.error

import pytest
import torch
import torch_fidelity
from PIL import Image

import ganzoo.metrics.inception as inception
from ganzoo.api.errors import UsageError
from ganzoo.metrics import EvalSpec, evaluate
from ganzoo.metrics.fidelity import Evaluator, SampledImages
from ganzoo.metrics.inception import (
    ENV,
    check_weights_file,
    default_weights_path,
    resolve_inception_weights,
)

SHARED_WEIGHTS = "inception/pt_inception-2015-12-05-fid-only.pth"


@pytest.fixture(autouse=True)
def _offline(tmp_path, monkeypatch):
    """No Inception weights anywhere and a network that fails at once (as on these machines)."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    monkeypatch.delenv(ENV, raising=False)

    def no_network(url, destination):
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    monkeypatch.setattr(inception, "download", no_network)


@pytest.fixture
def shared_weights(shared_data):
    path = shared_data / SHARED_WEIGHTS
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path


class Noise:
    def sample(self, n, generator=None):
        return torch.rand(n, 1, 8, 8, generator=generator) * 2 - 1


def _fake_state(fc: torch.Tensor) -> dict[str, torch.Tensor]:
    return {
        "Conv2d_1a_3x3.conv.weight": torch.zeros(1),
        "Mixed_7c.branch_pool.conv.weight": torch.zeros(1),
        "fc.weight": fc,
    }


class Payload:
    """Unpickling this runs code: it creates the file named by ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.slow
def test_shared_weights_give_fid_and_kid_equal_to_torch_fidelity_and_no_is(
    shared_weights, tmp_path
):
    samples, seed = 40, 1
    evaluator = Evaluator(
        EvalSpec(
            "digits",
            samples=samples,
            feature_extractor="inception",
            inception_weights=shared_weights,
            seed=seed,
        )
    )
    ours = evaluator(Noise())
    assert ours["extractor"] == "inception-v3-compat-b85c311d6546"  # the file's sha256 prefix
    assert ours["inception_score_mean"] is None and ours["inception_score_std"] is None
    assert "all zeros" in ours["inception_score_note"]
    assert math.isfinite(ours["fid"]) and ours["fid"] > 0

    # torch-fidelity's own computation on the same images exported as PNG files.
    for name, images in (
        ("fake", SampledImages(Noise(), (1, 8, 8), seed)(torch.zeros(samples, 1))),
        ("real", evaluator.real),
    ):
        (tmp_path / name).mkdir()
        for i, image in enumerate(images):
            Image.fromarray(image.permute(1, 2, 0).numpy()).save(tmp_path / name / f"{i:04d}.png")
    reference = torch_fidelity.calculate_metrics(
        input1=str(tmp_path / "fake"),
        input2=str(tmp_path / "real"),
        fid=True,
        kid=True,
        kid_subset_size=ours["kid_subset_size"],
        rng_seed=seed,
        cuda=False,
        cache=False,
        verbose=False,
        save_cpu_ram=True,
        feature_extractor="inception-v3-compat",
        feature_extractor_weights_path=str(shared_weights),
    )
    assert ours["fid"] == pytest.approx(reference[torch_fidelity.KEY_METRIC_FID], rel=1e-4)
    assert ours["kid_mean"] == pytest.approx(
        reference[torch_fidelity.KEY_METRIC_KID_MEAN], rel=1e-4
    )


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_a_pickle_that_runs_code_is_refused_before_torch_fidelity_loads_it(tmp_path):
    marker = tmp_path / "payload-ran"
    evil = tmp_path / "evil.pth"
    with open(evil, "wb") as f:
        pickle.dump({"fc.weight": Payload(marker)}, f)
    with pytest.raises(UsageError, match=r"refusing Inception weights .*evil\.pth"):
        check_weights_file(evil, "--inception-weights")
    with pytest.raises(UsageError, match=r"evil\.pth"):
        evaluate(
            Noise(),
            dataset="digits",
            samples=20,
            feature_extractor="inception",
            inception_weights=evil,
        )
    assert not marker.exists()
    with open(evil, "rb") as f:  # the file is what the test claims: unpickling runs the payload
        pickle.load(f)
    assert marker.exists()


def test_missing_weights_offline_is_one_clear_error_naming_both_ways():
    with pytest.raises(UsageError) as caught:
        evaluate(Noise(), dataset="digits", samples=20, feature_extractor="inception")
    message = str(caught.value)
    assert "--inception-weights PATH" in message and ENV in message
    assert "Name or service not known" in message and "\n" not in message


def test_weights_are_found_by_option_then_environment_then_torch_hub_cache(tmp_path, monkeypatch):
    with_fc = tmp_path / "with-fc.pth"
    torch.save(_fake_state(torch.ones(1008, 2048)), with_fc)
    zero_fc = tmp_path / "zero-fc.pth"
    torch.save(_fake_state(torch.zeros(1008, 2048)), zero_fc)

    hub = default_weights_path()
    hub.parent.mkdir(parents=True)
    torch.save(_fake_state(torch.ones(1008, 2048)), hub)
    found = resolve_inception_weights()
    assert found.source == "torch hub cache" and found.path == hub.resolve()

    monkeypatch.setenv(ENV, str(zero_fc))
    found = resolve_inception_weights()
    assert found.source == f"${ENV}" and not found.has_classifier

    found = resolve_inception_weights(with_fc)
    assert found.source == "--inception-weights" and found.has_classifier
    assert found.sha256 == hashlib.sha256(with_fc.read_bytes()).hexdigest()


def test_files_that_are_not_inception_weights_are_named_in_the_error(tmp_path):
    other = tmp_path / "other.pth"
    torch.save({"weight": torch.zeros(2)}, other)
    with pytest.raises(UsageError, match=r"other\.pth .*not an InceptionV3 state dict"):
        resolve_inception_weights(other)
    with pytest.raises(
        UsageError, match=r"nowhere\.pth \(from --inception-weights\) does not exist"
    ):
        resolve_inception_weights(tmp_path / "nowhere.pth")
    wrong_fc = tmp_path / "wrong-fc.pth"
    torch.save(_fake_state(torch.zeros(10, 2048)), wrong_fc)
    with pytest.raises(UsageError, match=r"fc.weight has shape \(10, 2048\)"):
        resolve_inception_weights(wrong_fc)

"""IS, FID and KID through torch-fidelity with the offline domain extractor: honesty tests.

(a) ganzoo's numbers equal torch-fidelity's own on the same images exported as PNG files;
(b) real-vs-real FID and KID sit at the floor, far below noise-vs-real;
(c) real images score an IS near the number of classes, noise near 1.
Plus caching (a second evaluation reuses the real side; new weights never reuse stale
statistics), determinism, and the refusals a researcher needs.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
import torch_fidelity
from PIL import Image

import ganzoo
from ganzoo.api.errors import UsageError
from ganzoo.host.build import load_dataset
from ganzoo.metrics import EvalSpec, evaluate, load_results, save_result
from ganzoo.metrics.classifier import (
    FEATURE_MEAN_SQUARE,
    MIN_TEST_ACCURACY,
    DomainClassifier,
    architecture,
    classifier_for,
    load_classifier,
)
from ganzoo.metrics.extractors import DomainFeatureExtractor, resolve_extractor
from ganzoo.metrics.fidelity import Evaluator, SampledImages, real_cache_name
from ganzoo.metrics.images import to_uint8_rgb
from ganzoo.metrics.results import REQUIRED_KEYS, result_path
from tests.helpers import ImageSampler

pytestmark = pytest.mark.usefixtures("shared_cache")  # each classifier is trained once


@pytest.fixture
def fresh_stats_cache(shared_cache, tmp_path, monkeypatch):
    """An empty statistics cache that shares the trained classifiers (copied, not linked)."""
    import shutil

    classifier_for("digits")  # trained once into the shared cache
    cache = tmp_path / "cache"
    shutil.copytree(shared_cache / "classifiers", cache / "classifiers")
    monkeypatch.setenv("GANZOO_CACHE_DIR", str(cache))
    return cache


class UniformNoise(ImageSampler):
    """Images of independent uniform pixels."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.rand(n, *self.shape, generator=generator) * 2 - 1


def _sources(name: str, shared_data_dir):
    data_dir = shared_data_dir if name == "mnist" else None
    return data_dir, load_dataset(name, data_dir, split="train")


@pytest.fixture(params=[pytest.param("mnist", marks=pytest.mark.slow), "digits"])
def dataset(request):
    """MNIST from ../shared/data (skipped with a reason where absent), and the embedded digits."""
    if request.param == "mnist":
        return "mnist", request.getfixturevalue("shared_data")
    return "digits", None


def _trained_vanilla(tmp_path, steps: int = 40):
    from ganzoo.runs.loading import load_run_model
    from ganzoo.training.config import TrainConfig
    from ganzoo.training.loop import train

    run = train(TrainConfig(steps=steps, batch_size=64, out=str(tmp_path / "run")))
    return load_run_model(run.run_dir)


def _save_pngs(images: torch.Tensor, folder) -> None:
    folder.mkdir()
    for i, image in enumerate(images):
        Image.fromarray(image.permute(1, 2, 0).numpy(), "RGB").save(folder / f"{i:06d}.png")


# --- (a) the bridge gives torch-fidelity's own numbers ----------------------------------------


@pytest.mark.slow
def test_fid_kid_and_is_equal_torch_fidelity_on_exported_pngs(tmp_path):
    model = _trained_vanilla(tmp_path)
    samples, seed, batch = 300, 3, 64
    evaluator = Evaluator(EvalSpec("digits", samples=samples, seed=seed, batch_size=batch))
    ours = evaluator(model)

    # The very images ganzoo's generator wrapper produced, batch by batch, and the real side.
    wrapper = SampledImages(model.eval(), (1, 8, 8), seed)
    fakes = torch.cat(
        [wrapper(torch.zeros(min(batch, samples - i), 1)) for i in range(0, samples, batch)]
    )
    _save_pngs(fakes, tmp_path / "fake")
    _save_pngs(evaluator.real, tmp_path / "real")
    reference = torch_fidelity.calculate_metrics(
        input1=str(tmp_path / "fake"),
        input2=str(tmp_path / "real"),
        isc=True,
        fid=True,
        kid=True,
        isc_splits=ours["isc_splits"],
        kid_subset_size=ours["kid_subset_size"],
        rng_seed=seed,
        cuda=False,
        cache=False,
        verbose=False,
        save_cpu_ram=True,
        **evaluator.extractor.fidelity_kwargs(),
    )
    assert ours["samples"] == samples and ours["real_samples"] == 300
    pairs = {
        "fid": torch_fidelity.KEY_METRIC_FID,
        "kid_mean": torch_fidelity.KEY_METRIC_KID_MEAN,
        "kid_std": torch_fidelity.KEY_METRIC_KID_STD,
        "classifier_score_mean": torch_fidelity.KEY_METRIC_ISC_MEAN,
        "classifier_score_std": torch_fidelity.KEY_METRIC_ISC_STD,
    }
    for ours_key, theirs_key in pairs.items():
        assert ours[ours_key] == pytest.approx(reference[theirs_key], rel=1e-4, abs=1e-6), ours_key
    assert ours["fid"] > 0.5  # a 40-step GAN is far from the data: the equality is not trivial


def test_uint8_images_are_the_pixels_torchvision_saves(tmp_path):
    from torchvision.utils import save_image

    x = torch.rand(1, 1, 8, 8, generator=torch.Generator().manual_seed(0)) * 2 - 1
    save_image((x + 1) / 2, tmp_path / "x.png")
    saved = torch.from_numpy(np.array(Image.open(tmp_path / "x.png").convert("RGB")))
    ours = to_uint8_rgb(x)
    assert ours.shape == (1, 3, 8, 8) and ours.dtype == torch.uint8
    assert torch.equal(ours[0].permute(1, 2, 0), saved)  # grayscale repeated to 3 channels


# --- (b) and (c): real data at the floor, noise far away ---------------------------------------


def test_real_vs_real_fid_and_kid_are_near_the_floor_and_far_below_noise(dataset):
    name, data_dir = dataset
    train = load_dataset(name, data_dir, split="train")
    samples = 1000 if name == "mnist" else 359  # digits' test split has 359 images
    common = dict(dataset=name, data_dir=data_dir, samples=samples, seed=0)
    real = evaluate(ImageSampler(train.samples), **common)  # train split vs test split
    noise = evaluate(UniformNoise(tuple(train.info.shape)), **common)
    assert real["extractor"] == noise["extractor"] and real["extractor"].startswith(
        f"domain-{name}-"
    )
    # Measured: MNIST 0.12 vs 16.2, digits 0.09 vs 6.3 (FID); KID -0.0004 vs 0.17 and 0.12.
    assert 0 <= real["fid"] < 0.5 and noise["fid"] > 40 * real["fid"]
    assert abs(real["kid_mean"]) < 0.005 < 0.05 < noise["kid_mean"]
    assert noise["kid_mean"] > 20 * max(real["kid_mean"], real["kid_std"])


def test_domain_is_of_real_images_is_near_the_class_count_and_of_noise_near_one(dataset):
    name, data_dir = dataset
    test = load_dataset(name, data_dir, split="test")
    samples = 2000 if name == "mnist" else 359
    real = evaluate(ImageSampler(test.samples), dataset=name, data_dir=data_dir, samples=samples)
    noise = evaluate(
        UniformNoise(tuple(test.info.shape)), dataset=name, data_dir=data_dir, samples=samples
    )
    assert real["extractor_test_accuracy"] >= MIN_TEST_ACCURACY[name]
    if name == "mnist":  # 10 classes; a strong MNIST classifier gives 9.88 on all 10,000 images
        assert 9.0 < real["classifier_score_mean"] <= 10.0
        assert 1.0 <= noise["classifier_score_mean"] < 1.5
    else:  # 10 splits of 36 images estimate the marginal roughly; 8×8 noise is more ambiguous
        assert 8.0 < real["classifier_score_mean"] <= 10.0
        assert 1.0 <= noise["classifier_score_mean"] < 3.0


def test_domain_features_have_inception_like_scale():
    trained = classifier_for("digits")
    extractor = DomainFeatureExtractor(
        f"domain-digits-{trained.sha256[:12]}",
        ["features", "logits"],
        feature_extractor_weights_path=str(trained.path),
    )
    x = to_uint8_rgb(load_dataset("digits", None, split="train").samples)
    features, logits = extractor(x)
    assert features.shape == (len(x), 128) and logits.shape == (len(x), 10)
    assert features.pow(2).mean().item() == pytest.approx(FEATURE_MEAN_SQUARE, rel=0.05)
    with pytest.raises(ValueError, match="does not hold the weights"):
        DomainFeatureExtractor("domain-digits-000000000000", ["features"], str(trained.path))


# --- caching --------------------------------------------------------------------------------


def _count_real_extractions(monkeypatch) -> list[int]:
    calls: list[int] = []
    original = torch_fidelity.utils.get_featuresdict_from_dataset

    def counting(input, *args, **kwargs):
        calls.append(len(input))
        return original(input, *args, **kwargs)

    monkeypatch.setattr(torch_fidelity.utils, "get_featuresdict_from_dataset", counting)
    return calls


def test_second_evaluation_reuses_the_cached_real_statistics(monkeypatch, fresh_stats_cache):
    calls = _count_real_extractions(monkeypatch)
    noise = UniformNoise((1, 8, 8))
    first = evaluate(noise, dataset="digits", samples=200)
    # the real side (200 test images), then the floors: 200 training images and 200 of noise
    assert calls == [200, 200, 200]
    files = sorted(p.name for p in (fresh_stats_cache / "fidelity").iterdir())
    assert files and all(f.startswith("ganzoo-digits-test-n200-data-") for f in files)
    weights_hash = first["extractor"].rsplit("-", 1)[1]
    assert all(f"-weights-{weights_hash}" in f and first["extractor"] in f for f in files)

    second = evaluate(noise, dataset="digits", samples=200)
    assert calls == [200, 200, 200]  # nothing recomputed: features and floors were cached
    assert second["fid"] == pytest.approx(first["fid"])
    assert second["floors"] == first["floors"]
    evaluate(noise, dataset="digits", samples=100)  # another size is another entry
    assert calls == [200, 200, 200, 100, 100, 100]


def test_retrained_classifier_never_reuses_stale_statistics(monkeypatch, fresh_stats_cache):
    noise = UniformNoise((1, 8, 8))
    first = evaluate(noise, dataset="digits", samples=100)
    trained = classifier_for("digits")
    # "Retrain" the classifier in place: same dataset, same file name, other weights.
    record = torch.load(trained.path, weights_only=True)
    record["state_dict"]["hidden.weight"] = record["state_dict"]["hidden.weight"] * 1.5
    torch.save(record, trained.path)
    calls = _count_real_extractions(monkeypatch)
    second = evaluate(noise, dataset="digits", samples=100)
    assert second["extractor"] != first["extractor"]  # the name carries the weights' hash
    assert calls == [100, 100, 100]  # the real side and floors recomputed, not read back
    assert second["fid"] != pytest.approx(first["fid"])
    names = {p.name for p in (fresh_stats_cache / "fidelity").iterdir()}
    assert any(first["extractor"] in n for n in names) and any(
        second["extractor"] in n for n in names
    )
    assert real_cache_name("mnist", "test", 10, "ab" * 32, "cd" * 32) != real_cache_name(
        "mnist", "test", 10, "ab" * 32, "ce" * 32
    )


@pytest.mark.slow
def test_classifier_is_trained_once_with_its_test_accuracy_and_loads_safely(monkeypatch, tmp_path):
    monkeypatch.setenv("GANZOO_CACHE_DIR", str(tmp_path / "cache"))
    messages: list[str] = []
    first = classifier_for("digits", log=messages.append)
    assert any("held-out test accuracy" in m for m in messages)
    assert first.test_accuracy >= MIN_TEST_ACCURACY["digits"]
    messages.clear()
    again = classifier_for("digits", log=messages.append)
    assert messages == [] and again == first  # from the cache, identical weights
    _, record = load_classifier(first.path)  # weights_only=True inside
    assert record["test_accuracy"] == first.test_accuracy and record["seed"] == 0
    assert first.path.parent == tmp_path / "cache" / "classifiers"


def test_classifier_below_its_threshold_is_refused(monkeypatch):
    monkeypatch.setitem(MIN_TEST_ACCURACY, "digits", 0.999)
    with pytest.raises(UsageError, match=r"test accuracy .*needs >= 0.999.*inception"):
        resolve_extractor("domain", dataset="digits")


@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 28, 28), (3, 32, 32), (3, 64, 64)])
def test_classifier_architecture_fits_each_image_size(shape):
    spec = architecture(shape, 10)
    assert spec["arch"] == ("lenet" if shape[1] == 28 else "cnn")
    features, logits = DomainClassifier(spec)(torch.zeros(2, *shape))
    assert features.shape == (2, 128) and logits.shape == (2, 10)


@pytest.mark.slow
def test_domain_extractor_works_end_to_end_on_32px_colour_images(tmp_path):
    """A labelled 3×32×32 dataset registered at run time: the classifier trains and evaluates."""
    from ganzoo.api.data import DataInfo, TensorSource

    def colours(root=None, download=False, split="train"):
        g = torch.Generator().manual_seed(0 if split == "train" else 1)
        labels = torch.randint(0, 4, (128,), generator=g)
        palette = torch.tensor([[1, -1, -1], [-1, 1, -1], [-1, -1, 1], [1, 1, -1]]).float()
        x = palette[labels][:, :, None, None] + 0.3 * torch.randn(128, 3, 32, 32, generator=g)
        return TensorSource(DataInfo("colours", (3, 32, 32), "image", 4), x.clamp(-1, 1), labels)

    class Plugin:
        @ganzoo.hookimpl
        def register_datasets(self, register):
            register("colours", colours, shape=(3, 32, 32), kind="image", num_classes=4)

    ganzoo.register_plugin(Plugin(), name="colours-test")
    try:
        test = colours(split="test").samples
        result = evaluate(ImageSampler(test), dataset="colours", samples=100)
        noise = evaluate(UniformNoise((3, 32, 32)), dataset="colours", samples=100)
    finally:
        ganzoo.unregister_plugin("colours-test")
    assert result["extractor"].startswith("domain-colours-")
    assert result["extractor_test_accuracy"] > 0.9
    assert 3.0 < result["classifier_score_mean"] <= 4.0  # four classes
    assert result["fid"] < noise["fid"] / 10


# --- the API, determinism and refusals -------------------------------------------------------


def test_evaluation_is_deterministic_under_a_seed_and_leaves_global_rng_alone():
    noise = UniformNoise((1, 8, 8))
    before = torch.get_rng_state()
    a = evaluate(noise, dataset="digits", samples=100, seed=5)
    assert torch.equal(torch.get_rng_state(), before)
    b = evaluate(noise, dataset="digits", samples=100, seed=5)
    c = evaluate(noise, dataset="digits", samples=100, seed=6)
    volatile = {"seconds", "created"}
    assert {k: v for k, v in a.items() if k not in volatile} == {
        k: v for k, v in b.items() if k not in volatile
    }
    assert a["fid"] != c["fid"]
    assert set(REQUIRED_KEYS) <= set(a) and a["step"] is None and a["split"] == "test"
    assert a["samples"] == 100 and a["dataset"] == "digits" and a["seconds"] >= 0
    assert math.isfinite(a["fid"]) and math.isfinite(a["kid_mean"])


def test_train_split_can_be_the_reference():
    result = evaluate(UniformNoise((1, 8, 8)), dataset="digits", samples=100, split="train")
    assert result["split"] == "train" and result["real_samples"] == 100


def test_vector_data_is_refused_with_a_clear_error():
    with pytest.raises(UsageError, match=r"defined for images.*'gaussian1d'"):
        evaluate(UniformNoise((1,)), dataset="gaussian1d", samples=100)


def test_unlabelled_images_cannot_have_a_domain_classifier(tmp_path):
    for i in range(4):
        Image.new("L", (8, 8), color=40 * i).save(tmp_path / f"{i}.png")
    with pytest.raises(UsageError, match=r"no class labels.*--feature-extractor inception"):
        evaluate(
            UniformNoise((1, 8, 8)),
            dataset="folder",
            data_dir=tmp_path,
            samples=10,
            dataset_options={"image_size": 8, "channels": 1},
        )


def test_bad_arguments_are_usage_errors():
    noise = UniformNoise((1, 8, 8))
    with pytest.raises(UsageError, match=r"--samples must be an integer >= 10, got 3"):
        evaluate(noise, dataset="digits", samples=3)
    with pytest.raises(UsageError, match=r"unknown feature extractor 'inceptoin' \(did you mean"):
        evaluate(noise, dataset="digits", samples=100, feature_extractor="inceptoin")
    with pytest.raises(UsageError, match="--split must be one of test, train"):
        evaluate(noise, dataset="digits", samples=100, split="validation")
    with pytest.raises(UsageError, match=r"shape \(1, 28, 28\)"):
        evaluate(UniformNoise((1, 28, 28)), dataset="digits", samples=100)


def test_results_are_saved_atomically_and_loaded_in_order(tmp_path):
    result = evaluate(UniformNoise((1, 8, 8)), dataset="digits", samples=100, step=7)
    later = {**result, "step": 20}
    assert save_result(tmp_path, later).name.startswith("step_00000020-domain-digits-")
    path = save_result(tmp_path, result)
    assert path == result_path(tmp_path, result) and path.parent == tmp_path / "eval"
    assert path.name.endswith("-n100-test-seed0.json") and result["extractor"] in path.name
    (tmp_path / "eval" / "broken.json").write_text("{not json")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = load_results(tmp_path)
    assert [r["step"] for r in loaded] == [7, 20] and loaded[0]["fid"] == result["fid"]
    assert any("broken.json" in str(w.message) for w in caught)
    with pytest.raises(ValueError, match="lacks fid"):
        save_result(tmp_path, {k: v for k, v in result.items() if k != "fid"})

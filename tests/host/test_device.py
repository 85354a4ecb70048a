"""Device selection, mixed precision and torch.compile.

CUDA paths run where a GPU is present and skip with a reason elsewhere; the CPU parts of
the same code (device choice, bf16/fp16 autocast, the loss scaler's checkpointed state) run
everywhere.
"""

from __future__ import annotations

import pytest
import torch

from ganzoo.api.errors import UsageError
from ganzoo.host.device import SMALL_MODEL_PARAMETERS, choose_amp, native_bf16, resolve_device
from ganzoo.runs.rundir import RunDir
from ganzoo.training.config import TrainConfig
from ganzoo.training.loop import resume, train

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")


@pytest.mark.parametrize(
    ("cuda", "mps", "expected"), [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")]
)
def test_auto_picks_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    assert resolve_device("auto").type == expected


def test_unavailable_device_is_a_usage_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(UsageError, match="--device cuda: CUDA is not available here"):
        resolve_device("cuda")
    with pytest.raises(UsageError, match="--device mps: MPS is not available here"):
        resolve_device("mps")


def test_amp_is_chosen_by_default_and_compile_is_off():
    assert TrainConfig().amp == "auto" and TrainConfig().compile is False


@pytest.mark.parametrize(
    ("requested", "amx", "parameters", "expected"),
    [
        ("auto", True, SMALL_MODEL_PARAMETERS, "bf16"),  # native bf16, a model worth it
        ("auto", True, SMALL_MODEL_PARAMETERS - 1, "none"),  # per-op overhead rules: no casts
        ("auto", False, 10**7, "none"),  # no bf16 matrix units: float32
        ("none", True, 10**7, "none"),  # the user's choice always wins
        ("fp16", False, 10, "fp16"),
    ],
)
def test_auto_precision_is_bf16_only_where_it_pays(
    monkeypatch, requested, amx, parameters, expected
):
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)
    assert choose_amp(requested, torch.device("cpu"), parameters) == expected


def test_only_a_cpu_with_amx_counts_as_native_bf16(monkeypatch):
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True)
    assert native_bf16(torch.device("cpu"))
    assert not native_bf16(torch.device("cuda"))  # unmeasured there: auto stays float32
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    assert not native_bf16(torch.device("cpu"))
    monkeypatch.delattr(torch.cpu, "_is_amx_tile_supported")  # an older torch: no probe
    assert not native_bf16(torch.device("cpu"))


@pytest.mark.parametrize(("amx", "expected"), [(True, "bf16"), (False, "none")])
def test_a_run_records_the_precision_auto_chose_and_resumes_in_it(
    monkeypatch, tmp_path, amx, expected
):
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)
    out = tmp_path / "r"
    # SNGAN is the digits model over SMALL_MODEL_PARAMETERS (1.3M; DCGAN there has 106k)
    train(TrainConfig(model="sngan", steps=1, batch_size=8, device="cpu", out=str(out)))
    assert RunDir(out).read_config()["config"]["amp"] == expected
    # on another machine the stored choice stands: a resume trains on as the run began
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: not amx)
    result = resume(out, steps=2)
    assert result.steps == 2 and RunDir(out).read_config()["config"]["amp"] == expected


def test_a_small_model_stays_in_float32_under_auto(monkeypatch, tmp_path):
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True)
    out = tmp_path / "r"
    train(TrainConfig(model="dcgan", steps=2, device="cpu", out=str(out)))  # 106k on digits
    assert RunDir(out).read_config()["config"]["amp"] == "none"


@pytest.mark.parametrize(
    ("model", "amp"), [("vanilla", "bf16"), ("dcgan", "fp16"), ("vae", "bf16")]
)
def test_mixed_precision_trains_on_cpu_and_checkpoints_the_scaler(tmp_path, model, amp):
    cfg = TrainConfig(
        model=model, steps=3, batch_size=16, amp=amp, device="cpu", out=str(tmp_path / "r")
    )
    result = train(cfg)
    assert all(torch.isfinite(torch.tensor(v)) for v in result.final.values())
    scaler = RunDir(result.run_dir).load_checkpoint()["trainer"]["scaler"]
    assert ("scale" in scaler) == (amp == "fp16")  # fp16 alone needs loss scaling


def test_unknown_amp_mode_is_refused(run_cli, tmp_path):
    result = run_cli("train", "--amp", "fp8", "--out", tmp_path / "x")
    assert result.exit_code == 2 and "--amp must be one of auto, none, bf16, fp16" in result.err


@needs_cuda
@pytest.mark.parametrize("amp", ["none", "bf16", "fp16"])
def test_cuda_training_with_amp(tmp_path, amp):
    cfg = TrainConfig(model="dcgan", steps=5, amp=amp, device="cuda", out=str(tmp_path / "r"))
    result = train(cfg)
    assert RunDir(result.run_dir).read_config()["resolved"]["device"].startswith("cuda")
    assert all(torch.isfinite(torch.tensor(v)) for v in result.final.values())


@needs_cuda
def test_cuda_training_with_compile_matches_eager_closely(tmp_path):
    def final(name, compile_):
        cfg = TrainConfig(steps=5, device="cuda", compile=compile_, out=str(tmp_path / name))
        return RunDir(train(cfg).run_dir).load_checkpoint()["model"]

    eager, compiled = final("eager", False), final("compiled", True)
    assert all(torch.allclose(eager[k], compiled[k], atol=1e-3) for k in eager)


# --- issue 14, item 5 ----------------------------------------------------------------------

QUIET = ["--model", "vanilla", "--dataset", "digits", "--batch-size", "32", "-q"]


def test_fp16_with_several_discriminator_steps_trains(tmp_path, run_cli):
    out = tmp_path / "run"
    result = run_cli(
        "train", *QUIET, "--amp", "fp16", "--d-steps", "2", "--steps", "4", "--device", "cpu",
        "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.err
    scaler = RunDir(out).load_checkpoint()["trainer"]["scaler"]
    # the scaler was updated once per optimizer step: 4 steps x (2 D + 1 G) = 12, none of
    # which overflowed, so the scale is still its initial 2**16
    assert scaler["_growth_tracker"] == 4 * (2 + 1)
    assert scaler["scale"] == 2.0**16


def test_sync_bn_off_cuda_is_one_clear_line(tmp_path, run_cli):
    result = run_cli("train", *QUIET, "--sync-bn", "--device", "cpu", "--out", tmp_path / "r")
    assert result.exit_code == 2 and "--sync-bn needs CUDA" in result.err
    assert "Traceback" not in result.err and not (tmp_path / "r").exists()

"""``--lr-d``: the discriminator's own learning rate (two time scales, Heusel et al. 2017)."""

from __future__ import annotations

import pytest
import torch

from ganzoo.api.errors import UsageError
from ganzoo.runs.rundir import RunDir
from ganzoo.training.config import TrainConfig, check
from ganzoo.training.loop import resume, train


def _optimiser_lrs(run) -> tuple[float, float]:
    """(G's, D's) learning rate in the run's newest checkpoint."""
    state = torch.load(RunDir(run).latest_checkpoint(), weights_only=False)
    trainer = state["trainer"]
    return (
        trainer["opt_g"]["param_groups"][0]["lr"],
        trainer["opt_d"]["param_groups"][0]["lr"],
    )


def _config(out, **changes) -> TrainConfig:
    settings = dict(model="vanilla", dataset="gaussian1d", steps=6, batch_size=32, seed=3)
    return TrainConfig(**{**settings, "out": str(out), **changes})


def test_d_steps_at_its_own_rate_and_the_run_records_it(tmp_path):
    train(_config(tmp_path / "ttur", lr=1e-4, lr_d=4e-4))
    assert _optimiser_lrs(tmp_path / "ttur") == (1e-4, 4e-4)
    config = RunDir(tmp_path / "ttur").read_config()["config"]
    assert (config["lr"], config["lr_d"]) == (1e-4, 4e-4)


def test_without_it_d_steps_at_gs_rate_and_the_run_says_which(tmp_path):
    train(_config(tmp_path / "one", lr=1e-4))
    assert _optimiser_lrs(tmp_path / "one") == (1e-4, 1e-4)
    assert RunDir(tmp_path / "one").read_config()["config"]["lr_d"] == 1e-4


def test_d_at_g_s_rate_is_the_plain_run_and_a_faster_d_moves_d(tmp_path):
    """One step: D updates first (at lr_d), then G against the updated D (at lr). lr_d equal
    to lr reproduces the run without lr_d exactly; a faster D ends elsewhere."""
    runs = {}
    for name, lr_d in (("plain", None), ("same", 1e-4), ("fast", 1e-3)):
        train(_config(tmp_path / name, lr=1e-4, lr_d=lr_d, steps=1))
        state = torch.load(RunDir(tmp_path / name).latest_checkpoint(), weights_only=False)
        runs[name] = state["model"]
    for key, value in runs["plain"].items():
        assert torch.equal(value, runs["same"][key]), key
    d_keys = [k for k in runs["plain"] if k.startswith("discriminator.")]
    assert d_keys and any(not torch.equal(runs["plain"][k], runs["fast"][k]) for k in d_keys)


def test_a_resumed_run_keeps_d_s_rate(tmp_path):
    train(_config(tmp_path / "run", lr=2e-4, lr_d=6e-4, steps=4))
    resume(tmp_path / "run", steps=8)
    assert _optimiser_lrs(tmp_path / "run") == (2e-4, 6e-4)
    assert RunDir.checkpoint_step(RunDir(tmp_path / "run").latest_checkpoint()) == 8


@pytest.mark.parametrize("value", [0, -1e-3, float("inf"), True])
def test_a_bad_rate_is_refused_by_name(value):
    with pytest.raises(UsageError, match="--lr-d must be a number > 0"):
        TrainConfig(lr_d=value).validate()


def test_a_model_without_a_discriminator_refuses_it():
    with pytest.raises(UsageError, match="vae \\(likelihood family\\) has no discriminator"):
        check(TrainConfig(model="vae", lr_d=1e-3))


def test_the_model_card_names_d_s_own_rate_and_only_when_it_differs(tmp_path, run_cli):
    train(_config(tmp_path / "ttur", lr=1e-4, lr_d=4e-4, steps=2))
    train(_config(tmp_path / "one", lr=1e-4, steps=2))
    cards = {}
    for name in ("ttur", "one"):
        result = run_cli("export", tmp_path / name, "--out", tmp_path / f"{name}-export")
        assert result.exit_code == 0, result.err
        cards[name] = (tmp_path / f"{name}-export" / "model_card.md").read_text()
    assert "| D's learning rate | 0.0004 |" in cards["ttur"]
    assert "D's learning rate" not in cards["one"]
    assert "| learning rate | 0.0001 |" in cards["one"]


def test_a_model_registers_its_papers_two_rates_and_an_option_wins(tmp_path):
    """InfoGAN's paper: G 1e-3, D 2e-4 (its appendix C.1); ``--lr-d`` overrides D's alone."""
    from ganzoo.training.config import resolve

    def resolved(**changes):
        config = TrainConfig(model="infogan", dataset="digits", out=str(tmp_path), **changes)
        return resolve(config, steps_per_epoch=10).config

    assert (resolved().lr, resolved().lr_d) == (1e-3, 2e-4)
    assert (resolved(lr_d=5e-4).lr, resolved(lr_d=5e-4).lr_d) == (1e-3, 5e-4)
    assert (resolved(lr=3e-4).lr, resolved(lr=3e-4).lr_d) == (3e-4, 2e-4)
    dcgan = resolve(TrainConfig(model="dcgan", out=str(tmp_path)), steps_per_epoch=10).config
    assert dcgan.lr_d == dcgan.lr  # one time scale where the model registers none


def test_a_stored_config_from_before_lr_d_resumes_at_one_rate(tmp_path):
    """A run recorded without ``lr_d`` trained D at ``lr``: resolving it again (as a resume
    does, without the model's defaults) keeps that, even for a model with two rates."""
    from ganzoo.training.config import resolve

    stored = TrainConfig(model="infogan", dataset="digits", lr=2e-4, out=str(tmp_path))
    again = resolve(stored, steps_per_epoch=10, model_defaults=False).config
    assert (again.lr, again.lr_d) == (2e-4, 2e-4)

"""D's regularisers: R1/R2 (Mescheder et al. 2018), GP (Gulrajani et al. 2017), lazy (StyleGAN2)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from ganzoo.host.plugins import get_registry
from ganzoo.training.regularise import build_regularisers, total_penalty

X = torch.tensor([[1.0, 2.0], [3.0, -1.0], [0.0, 0.5]])  # ‖x‖² = 5, 10, 0.25


class Quadratic(nn.Module):
    """l(x) = ½ Σ_i c_i (x_i - a_i)²: ∇l(x) = c ⊙ (x - a), zero at x = a."""

    def __init__(self, c: list[float], a: torch.Tensor | float = 0.0) -> None:
        super().__init__()
        self.c = nn.Parameter(torch.tensor(c))
        self.a = a

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * (self.c * (x - self.a) ** 2).sum(dim=1)


def reg(name: str, **options):
    (built,) = build_regularisers([name], options)
    return built


def test_the_regularisers_are_registered_with_their_papers():
    names = get_registry().names("regulariser")
    assert {"r1", "r2", "gp"} <= set(names)
    for name in ("r1", "r2", "gp"):
        assert "arxiv.org" in get_registry().get("regulariser", name).record.paper


def test_r1_equals_its_closed_form_on_a_quadratic_d():
    """l = ½ c‖x‖² (c = 2): ∇l = 2x, R1 = γ/2 · E‖2x‖² = γ/2 · 4 · mean(5, 10, 0.25)."""
    d = Quadratic([2.0, 2.0])
    r1 = reg("r1", gamma=3.0).penalty(d, X, torch.zeros_like(X), step=0)
    assert r1.item() == pytest.approx(1.5 * 4 * (5 + 10 + 0.25) / 3, rel=1e-6)
    r1.backward()  # trains D: dR1/dc_i = γ/2 · E[2 c_i x_i²]
    assert d.c.grad.tolist() == pytest.approx([1.5 * 2 * 2 * 10 / 3, 1.5 * 2 * 2 * 5.25 / 3])


def test_r1_is_zero_for_a_d_flat_on_the_real_data_and_r2_on_the_fake():
    real = torch.tensor([[1.0, 2.0]]).expand(4, 2)
    fake = torch.tensor([[3.0, -1.0]]).expand(4, 2)
    flat_on_real, flat_on_fake = Quadratic([1.0, 4.0], real[0]), Quadratic([1.0, 4.0], fake[0])
    assert reg("r1").penalty(flat_on_real, real, fake, 0).item() == 0.0
    assert reg("r2").penalty(flat_on_fake, real, fake, 0).item() == 0.0
    # the other batch is not flat: ∇ = c ⊙ (x - a) = (2, -12) or (-2, 12), ‖·‖² = 148
    assert reg("r2").penalty(flat_on_real, real, fake, 0).item() == pytest.approx(5 * 148)
    assert reg("r1").penalty(flat_on_fake, real, fake, 0).item() == pytest.approx(5 * 148)


def test_lazy_regularisation_is_every_k_updates_times_k():
    d = Quadratic([2.0, 2.0])
    r1 = reg("r1", gamma=3.0, every=4)
    full = reg("r1", gamma=3.0).penalty(d, X, X, 0).item()
    seen = [total_penalty([r1], d, X, X, step) for step in range(9)]
    assert [s is not None for s in seen] == [True, False, False, False] * 2 + [True]
    assert seen[4].item() == pytest.approx(4 * full)


def test_gp_regulariser_is_wgan_gps_penalty():
    from ganzoo.host.build import create_loss

    d = nn.Sequential(nn.Flatten(), nn.Linear(4, 1))
    real, fake = torch.randn(6, 1, 2, 2), torch.randn(6, 1, 2, 2)
    torch.manual_seed(1)
    expected = create_loss("wgan-gp", {"gp_weight": 5.0}).penalty(d, real, fake)
    torch.manual_seed(1)
    assert reg("gp", weight=5.0).penalty(d, real, fake, 0).item() == expected.item()


def test_options_reach_every_regulariser_that_takes_them_and_bad_ones_are_refused():
    from ganzoo.api.errors import UsageError

    r1, r2 = build_regularisers(["r1", "r2"], {"gamma": 0.5, "every": 2})
    assert (r1.gamma, r1.every, r2.gamma, r2.every) == (0.5, 2, 0.5, 2)
    with pytest.raises(UsageError, match="no regulariser of this run takes it"):
        build_regularisers(["r1"], {"weight": 1.0})
    with pytest.raises(UsageError, match=r"gamma .* must be a number >= 0"):
        build_regularisers(["r1"], {"gamma": -1})


def test_the_cli_trains_with_r1_and_records_it(run_cli, tmp_path):
    import json

    out = tmp_path / "run"
    result = run_cli("train", "--steps", "3", "--reg", "r1", "-R", "gamma=10", "-R", "every=2",
                     "--out", out, "-q")  # fmt: skip
    assert result.exit_code == 0, result.err
    config = json.loads((out / "config.json").read_text())["config"]
    assert (config["reg"], config["reg_options"]) == (["r1"], {"gamma": 10, "every": 2})
    bad = run_cli("train", "--steps", "3", "--reg", "r9", "--out", tmp_path / "bad", "-q")
    assert bad.exit_code != 0 and "unknown regulariser 'r9'" in bad.err
    assert "Traceback" not in bad.err and not (tmp_path / "bad").exists()


def test_a_lazy_regulariser_resumes_on_the_same_updates(tmp_path):
    """The D-update counter is checkpointed: a resumed run is the uninterrupted one."""
    from ganzoo.runs.rundir import RunDir
    from ganzoo.training.config import TrainConfig
    from ganzoo.training.loop import resume, train

    def config(name: str, steps: int) -> TrainConfig:
        return TrainConfig(steps=steps, batch_size=32, checkpoint_every=3, seed=5, d_steps=2,
                           reg=["r1"], reg_options={"gamma": 50.0, "every": 4},
                           out=str(tmp_path / name))  # fmt: skip

    train(config("straight", 6))
    train(config("stopped", 3))
    resume(tmp_path / "stopped", steps=6)
    a = RunDir.open(tmp_path / "straight").load_checkpoint()
    b = RunDir.open(tmp_path / "stopped").load_checkpoint()
    assert a["trainer"]["d_updates"] == b["trainer"]["d_updates"] == 12
    for key, value in a["model"].items():
        assert torch.equal(value, b["model"][key]), key

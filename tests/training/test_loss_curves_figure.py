"""The loss-curve figure: one question per panel, read against the lines the theory gives."""

from __future__ import annotations

import math

import pytest
import torch

from ganzoo.training import figures

RECORDS = [
    {
        "step": s,
        "d_loss": 1.2 + 0.1 / s,
        "g_loss": 0.8,
        "d_real": 0.6,
        "d_fake": 0.4,
        "d_grad_norm": 3.0 * s,
        "g_grad_norm": 60.0,
        "g_spread": 0.5,
        "event": "ignored",
    }
    for s in range(1, 6)
]


@pytest.fixture
def drawn(monkeypatch, tmp_path):
    """The figure ``plot_loss_curves`` saves, captured before it is closed."""
    captured = {}

    def keep(fig, path, layout=True):
        captured["fig"] = fig

    monkeypatch.setattr(figures, "save_figure", keep)

    def draw(records, equilibrium=None):
        figures.plot_loss_curves(records, tmp_path / "curves.png", equilibrium)
        axes = [ax for ax in captured["fig"].axes if ax.get_visible()]
        return {ax.get_title(): ax for ax in axes}

    return draw


def _labels(ax) -> list[str]:
    return [line.get_label() for line in ax.get_lines()]


def test_each_question_has_its_own_panel(drawn):
    panels = drawn(RECORDS)
    assert list(panels) == ["losses", "D(x) and D(G(z))", "gradient norms", "other statistics"]
    assert _labels(panels["losses"])[:2] == ["d_loss", "g_loss"]
    d_panel = _labels(panels["D(x) and D(G(z))"])
    assert d_panel[0].startswith("D(x)") and d_panel[1].startswith("D(G(z))")
    assert not any("grad" in label for label in d_panel)  # ‖∇G‖ of 60 no longer flattens D(x)
    assert panels["gradient norms"].get_yscale() == "log"
    assert _labels(panels["other statistics"]) == ["g_spread"]


def test_d_outputs_are_read_against_one_half(drawn):
    ax = drawn(RECORDS)["D(x) and D(G(z))"]
    half = [line for line in ax.get_lines() if line.get_label().startswith("½")]
    assert len(half) == 1 and set(half[0].get_ydata()) == {0.5}
    assert ax.get_ylim() == (0.0, 1.0)


def test_losses_are_read_against_their_equilibrium(drawn):
    ax = drawn(RECORDS, {"d_loss": math.log(4), "g_loss": math.log(2)})["losses"]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert "d_loss at equilibrium: log 4" in lines
    assert list(lines["d_loss at equilibrium: log 4"].get_ydata()) == pytest.approx(
        [math.log(4)] * 2
    )
    assert "g_loss at equilibrium: 0.693" in lines
    assert not any("equilibrium" in label for label in _labels(drawn(RECORDS)["losses"]))


def test_a_vae_run_gets_no_d_panels(drawn):
    vae = [{"step": s, "loss": 100.0 / s, "recon": 90.0, "kl": 10.0} for s in range(1, 4)]
    assert list(drawn(vae)) == ["losses", "other statistics"]


@pytest.mark.parametrize("name", ["MinimaxLoss", "NonSaturatingLoss"])
def test_declared_equilibria_are_the_losses_at_an_undecided_d(name):
    """D(x) = ½ everywhere means logits 0: each declared value is the loss evaluated there."""
    import ganzoo_losses.gan as gan

    loss = getattr(gan, name)()
    zeros = torch.zeros(16)
    assert loss.equilibrium["d_loss"] == pytest.approx(loss.discriminator_loss(zeros, zeros).item())
    assert loss.equilibrium["g_loss"] == pytest.approx(loss.generator_loss(zeros).item())


def test_the_saved_png_records_its_smallest_text(tmp_path):
    from PIL import Image

    from ganzoo.runs.plotting import MIN_FONT_KEY

    figures.plot_loss_curves(RECORDS, tmp_path / "curves.png", {"d_loss": math.log(4)})
    with Image.open(tmp_path / "curves.png") as image:
        smallest = float(image.info[MIN_FONT_KEY])
    assert smallest == pytest.approx(9 * 110 / 72, rel=0.01)  # the legends' 9 pt at 110 dpi

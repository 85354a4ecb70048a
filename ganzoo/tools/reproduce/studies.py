"""The studies ``ganzoo reproduce`` knows: what each trains, what its paper reported, what
it claims (torch-free: ``ganzoo reproduce --help`` lists them without importing torch).

A :class:`Study` is data: its datasets, its rows (a model and a loss, the options every run
of the row shares, and the search space of the paper's protocol at a CPU scale), the
published figures with the table they come from, and its claims, each a comparison of two
measured quantities that :mod:`ganzoo.tools.reproduce.verdicts` decides from the numbers.
Nothing here is a measurement; nothing here is a verdict.
"""

from __future__ import annotations

from typing import Any

from ganzoo.api.errors import UsageError, unknown_name_message
from ganzoo.tools.reproduce.study import (
    QUANTITIES,
    RELATIONS,
    Claim,
    PaperOnly,
    Relation,
    Row,
    Side,
    Study,
)

__all__ = [
    "DATASET_OPTIONS", "QUANTITIES", "RELATIONS", "STUDIES", "Claim", "PaperOnly", "Relation",
    "Row", "Side", "Study", "gan_space", "get_study", "vae_space",
]  # fmt: skip

#: Data options every row of a study trains with, by dataset: the GANs and the VAE see the
#: same images (dcgan would resize MNIST-like data to 32 px by itself, the VAE would not).
DATASET_OPTIONS: dict[str, dict[str, Any]] = {
    "mnist": {"image_size": 32},
    "fashion-mnist": {"image_size": 32},
}

LUCIC = "Lucic et al. 2018, Are GANs Created Equal? (NeurIPS), https://arxiv.org/abs/1711.10337"
LUCIC_TABLE = "Lucic et al. 2018, Table 2 (best FID of the large search; Inception features)"
DAI_WIPF = (
    "Dai & Wipf 2019, Diagnosing and Enhancing VAE Models (ICLR), https://arxiv.org/abs/1903.05789"
)
DAI_WIPF_TABLE = "Dai & Wipf 2019, Table 1, row 'VAE (cross-entr.)' (Inception features)"
SEED_NOTE = "the lecture note ganzoo grew from (seed/SEED.en.md), after Goodfellow et al. 2014"


def gan_space(loss: str | None = None) -> dict[str, dict[str, Any]]:
    """The search space of a GAN row, in the spirit of Lucic et al.'s (their Table 5: lr
    log-uniform, Adam's β1 and β2, D updates per G update, batch size; λ for WGAN-GP),
    narrowed to what a few hundred CPU steps can use."""
    space: dict[str, dict[str, Any]] = {
        "lr": {"type": "float", "low": 5e-5, "high": 2e-3, "log": True},
        "betas.0": {"type": "float", "low": 0.0, "high": 0.9},
        "betas.1": {"type": "float", "low": 0.9, "high": 0.999},
        "d_steps": {"type": "int", "low": 1, "high": 5},
        "batch_size": {"type": "categorical", "choices": [32, 64, 128]},
    }
    if loss == "wgan-gp":
        space["loss_options.gp_weight"] = {"type": "float", "low": 1.0, "high": 100.0, "log": True}
    return space


def vae_space() -> dict[str, dict[str, Any]]:
    """The VAE's search space: the same optimiser settings as a GAN's, no D to update."""
    space = gan_space()
    del space["d_steps"]
    space["lr"] = {"type": "float", "low": 1e-4, "high": 3e-3, "log": True}
    return space


# --- lucic2018 ------------------------------------------------------------------------------

#: Published best FIDs, MNIST and Fashion-MNIST, of Lucic et al. 2018's Table 2 (Dai & Wipf
#: 2019 reprint the same numbers in their Table 1).
_LUCIC_FIGURES: dict[str, dict[str, float]] = {
    "minimax": {"mnist": 9.8, "fashion-mnist": 29.6},
    "nonsat": {"mnist": 6.8, "fashion-mnist": 26.5},
    "lsgan": {"mnist": 7.8, "fashion-mnist": 30.7},
    "wgan-gp": {"mnist": 20.3, "fashion-mnist": 24.5},
}
_LABELS = {
    "minimax": "MM GAN",
    "nonsat": "NS GAN",
    "lsgan": "LSGAN",
    "wgan-gp": "WGAN-GP",
    "hinge": "hinge GAN",
    "rsgan": "RSGAN",
    "ragan": "RaGAN",
}


def _gan_row(loss: str, evaluate_during: bool = False, with_figures: bool = True) -> Row:
    """DCGAN with ``loss``; ``with_figures``: with Lucic et al.'s published FIDs beside it."""
    figures = _LUCIC_FIGURES.get(loss, {}) if with_figures else {}
    return Row(
        name=loss,
        label=_LABELS[loss],
        model="dcgan",
        loss=loss,
        space=gan_space(loss),
        paper=figures,
        source=LUCIC_TABLE if figures else None,
        evaluate_during=evaluate_during,
    )


_LUCIC_LOSSES = ("minimax", "nonsat", "lsgan", "wgan-gp", "hinge", "rsgan", "ragan")
#: Lucic et al.'s "no better than NS GAN" holds for a loss whose FID is not lower than NS
#: GAN's by more than this share of NS GAN's mean (their own Table 2 has WGAN at 6.7 against
#: NS GAN's 6.8 on MNIST: a difference they read as none).
LUCIC_MARGIN = 0.10

LUCIC2018 = Study(
    name="lucic2018",
    title="Are GANs Created Equal? (Lucic et al. 2018)",
    paper=LUCIC,
    protocol=(
        "The paper searched each loss's hyperparameters with the same budget (learning rate, "
        "Adam's β1 and β2, D updates per G update, batch size; λ for WGAN-GP) on one "
        "architecture, then re-ran the best setting with many random seeds and reported the "
        "best FID. ganzoo does the same at the budget you choose: --budget trials per loss "
        "(an Optuna TPE search on FID), then the best setting re-run with --seeds new seeds, "
        "on DCGAN (batch-norm D; the layer-norm critic WGAN-GP needs), at 32 px. Every "
        "loss's search starts from the same sampler seed, so its first trials try the same "
        "settings: a small budget compares the losses setting for setting. The budget is "
        "counted in trials of --steps generator updates, as the paper counted it; a setting "
        "with more D updates per G update spends more compute within it."
    ),
    datasets=("mnist", "fashion-mnist"),
    rows=tuple(_gan_row(loss) for loss in _LUCIC_LOSSES),
    claims=tuple(
        Claim(
            id=f"{loss}-not-better-than-nonsat",
            text=(
                "No loss consistently beats the non-saturating GAN at an equal budget: "
                f"{_LABELS[loss]}'s FID is not lower than NS GAN's (by more than "
                f"{LUCIC_MARGIN:.0%} of it) on every dataset."
            ),
            source=LUCIC + ", abstract and section 5",
            a=Side(loss),
            b=Side("nonsat"),
            relation="not_less",
            margin=LUCIC_MARGIN,
            across="some",
        )
        for loss in _LUCIC_LOSSES
        if loss != "nonsat"
    ),
    default_budget=10,
    default_steps=500,
    paper_only=(
        PaperOnly(
            "WGAN",
            {"mnist": 6.7, "fashion-mnist": 21.5},
            LUCIC_TABLE,
            "weight clipping is not in the zoo (WGAN-GP is)",
        ),
    ),
)

# --- seed -----------------------------------------------------------------------------------

_NOTE_LOSS = "the lecture note, 'Loss function' 2. (Goodfellow et al. 2014, section 3)"
_NOTE_FIGURE = "the lecture note, 'Distribution approximation' (Goodfellow et al. 2014, Fig. 1)"

SEED = Study(
    name="seed",
    title="The lecture note's claims (seed/SEED.en.md)",
    paper=SEED_NOTE + ", https://arxiv.org/abs/1406.2661",
    protocol=(
        "Each claim of the note, measured on DCGAN with the minimax and the non-saturating "
        "loss and on the VAE, each trained with --seeds seeds at the same budget (the zoo's "
        "defaults; --budget N searches each row first, as lucic2018 does). The statistics "
        "come from the runs' logs (D(x), D(G(z)), G's gradient norm) and from FID measured "
        "at each quarter of training and at the end."
    ),
    datasets=("mnist",),
    rows=(
        _gan_row("minimax", evaluate_during=True, with_figures=False),  # the note has no table
        _gan_row("nonsat", evaluate_during=True, with_figures=False),
        Row("vae", "VAE", "vae", "elbo", vae_space()),
    ),
    claims=(
        Claim(
            id="minimax-gradient-vanishes",
            text=(
                "Early in training D wins easily and log(1 - D(G(z))) is flat there: the "
                "minimax generator's gradient is smaller than the non-saturating one's."
            ),
            source=_NOTE_LOSS,
            a=Side("minimax", "g_grad_early"),
            b=Side("nonsat", "g_grad_early"),
            relation="less",
        ),
        Claim(
            id="nonsat-learns-better",
            text="Maximising log D(G(z)) learns better: the non-saturating GAN ends with a "
            "lower FID than the minimax GAN.",
            source=_NOTE_LOSS,
            a=Side("nonsat"),
            b=Side("minimax"),
            relation="less",
        ),
        Claim(
            id="p_g-approaches-p_data",
            text="Step after step p_g moves onto p_data: FID at the end of training is lower "
            "than a quarter of the way in.",
            source=_NOTE_FIGURE,
            a=Side("nonsat", "fid_last"),
            b=Side("nonsat", "fid_first"),
            relation="less",
            paired=True,
        ),
        Claim(
            id="d-approaches-half",
            text="D can tell real from fake less and less: D(x) and D(G(z)) come back towards "
            "½ (their distance from ½ in the last quarter is below its peak).",
            source=_NOTE_FIGURE,
            a=Side("nonsat", "d_dist_late"),
            b=Side("nonsat", "d_dist_peak"),
            relation="less",
            paired=True,
        ),
        Claim(
            id="gan-vs-vae",
            text="GAN vs VAE (the note sets them side by side; the usual reading of its "
            "pictures): the GAN's samples are closer to the data, a lower FID.",
            source="the lecture note, 'GAN vs VAE'",
            a=Side("nonsat"),
            b=Side("vae"),
            relation="less",
        ),
    ),
    default_budget=0,
    default_steps=500,
)

# --- dai-wipf2019 ---------------------------------------------------------------------------

_DAI_GANS = ("minimax", "nonsat", "lsgan", "wgan-gp")

DAI_WIPF2019 = Study(
    name="dai-wipf2019",
    title="The VAE against the GANs (Dai & Wipf 2019)",
    paper=DAI_WIPF,
    protocol=(
        "Dai & Wipf trained a VAE (cross-entropy likelihood) on the datasets of Lucic et al. "
        "and set its FID beside the GANs' best FIDs from Lucic et al.'s search. ganzoo trains "
        "the VAE (Bernoulli likelihood: the cross-entropy) and the four GANs with the same "
        "search budget and seeds, on the same data, measured by the same extractor."
    ),
    datasets=("mnist", "fashion-mnist"),
    rows=(
        *(_gan_row(loss) for loss in _DAI_GANS),
        Row(
            "vae",
            "VAE",
            "vae",
            "elbo",
            vae_space(),
            options={"model_options": {"likelihood": "bernoulli"}},
            paper={"mnist": 16.6, "fashion-mnist": 43.6},
            source=DAI_WIPF_TABLE,
        ),
    ),
    claims=tuple(
        Claim(
            id=f"vae-vs-{loss}",
            text=(
                f"The standard VAE's samples are worse than {_LABELS[loss]}'s, a higher FID "
                "(where the paper's own figures put the VAE ahead on a dataset, as WGAN-GP's "
                "20.3 against 16.6 on MNIST, that order is the claim there)."
            ),
            source=DAI_WIPF + ", Table 1",
            a=Side("vae"),
            b=Side(loss),
            relation="greater",
            follow_paper=True,
        )
        for loss in _DAI_GANS
    ),
    default_budget=10,
    default_steps=500,
)

#: Every study by name, the choices of ``ganzoo reproduce STUDY``.
STUDIES: dict[str, Study] = {s.name: s for s in (LUCIC2018, SEED, DAI_WIPF2019)}


def get_study(name: str) -> Study:
    """The study called ``name``; a :class:`UsageError` listing the valid ones otherwise."""
    if name not in STUDIES:
        raise UsageError(unknown_name_message("study", name, STUDIES))
    return STUDIES[name]

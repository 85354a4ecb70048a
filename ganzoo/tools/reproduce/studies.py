"""The studies ``ganzoo reproduce`` knows: what each trains, what its paper reported, what
it claims (torch-free: ``ganzoo reproduce --help`` lists them without importing torch).

A :class:`Study` is data: its datasets, its rows (a model and a loss, the options every run
of the row shares, and the search space of the paper's protocol at a CPU scale), the
published figures with the table they come from, and its claims, each a comparison of two
measured quantities that :mod:`ganzoo.tools.reproduce.verdicts` decides from the numbers.
Nothing here is a measurement; nothing here is a verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ganzoo.api.errors import UsageError, unknown_name_message

#: How a claim's two sides compare. ``less``/``greater``: side a is lower/higher than side
#: b; ``not_less``: side a is *not* lower than side b by more than the claim's margin (a
#: claim of "no better than", which a small study can support only with a margin).
Relation = Literal["less", "greater", "not_less"]
RELATIONS: tuple[str, ...] = ("less", "greater", "not_less")

#: What each measured quantity is (the per-seed values a claim compares), lower is better
#: for none of them in particular: the claim says which way it expects them to go.
QUANTITIES: dict[str, str] = {
    "fid": "FID of the finished run (the study's extractor and sample count)",
    "fid_first": "FID at the first in-training evaluation (a quarter of the way)",
    "fid_last": "FID at the last in-training evaluation (the end of training)",
    "g_grad_early": "G's gradient norm, mean over the first quarter of training",
    "d_fake_early": "D(G(z)), mean over the first quarter of training",
    "d_dist_peak": "distance of D(x) and D(G(z)) from ½, largest quarter-mean of the first "
    "three quarters",
    "d_dist_late": "distance of D(x) and D(G(z)) from ½, mean over the last quarter",
}

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


@dataclass(frozen=True)
class Row:
    """One configuration of a study: trained with the same budget as every other row."""

    name: str  # the row's key in tables, claims and folders
    label: str  # how the paper names it ("NS GAN")
    model: str
    loss: str
    space: Mapping[str, Mapping[str, Any]]  # searched TrainConfig options (dotted: nested)
    options: Mapping[str, Any] = field(default_factory=dict)  # fixed TrainConfig options
    paper: Mapping[str, float] = field(default_factory=dict)  # dataset -> published FID
    source: str | None = None  # the table ``paper`` comes from
    evaluate_during: bool = False  # FID at each quarter of training (fid_first, fid_last)

    def __post_init__(self) -> None:
        if self.paper and not self.source:
            raise ValueError(f"row {self.name}: published figures need their source")


@dataclass(frozen=True)
class PaperOnly:
    """A row of the paper's table that ganzoo does not train, shown beside with the reason."""

    label: str
    paper: Mapping[str, float]
    source: str
    why: str


@dataclass(frozen=True)
class Side:
    """One side of a claim: a quantity (see :data:`QUANTITIES`) measured on a row's seeds."""

    row: str
    quantity: str = "fid"


@dataclass(frozen=True)
class Claim:
    """A sentence of a paper, as a comparison of two measured sides.

    ``relation`` is what the paper says of ``a`` against ``b``. With ``follow_paper``, a
    dataset on which both rows have published figures takes its direction from them
    instead (``less`` where the paper's a is lower), so the claim is the paper's own order.
    ``paired``: both sides are measured on the same runs (one row, two moments). ``margin``
    (``not_less`` only) is the share of b's mean within which a counts as "no better".
    ``across``: a claim measured on several datasets holds when it holds on ``every`` one,
    or on ``some`` one (Lucic et al.'s "consistently better" is refuted by one dataset).
    """

    id: str
    text: str
    source: str
    a: Side
    b: Side
    relation: Relation
    margin: float = 0.0
    paired: bool = False
    follow_paper: bool = False
    across: Literal["every", "some"] = "every"

    def relation_on(self, dataset: str, rows: Mapping[str, Row]) -> Relation:
        """The relation to test on ``dataset`` (the paper's order there, with follow_paper)."""
        if self.follow_paper and self.relation != "not_less":
            pa, pb = rows[self.a.row].paper.get(dataset), rows[self.b.row].paper.get(dataset)
            if pa is not None and pb is not None and pa != pb:
                return "less" if pa < pb else "greater"
        return self.relation


@dataclass(frozen=True)
class Study:
    """A paper (or the lecture note) to reproduce: its rows, figures and claims."""

    name: str
    title: str
    paper: str  # the citation, with its address
    protocol: str  # how the paper measured, and what ganzoo does at a CPU scale
    datasets: tuple[str, ...]  # the paper's datasets, the default of --datasets
    rows: tuple[Row, ...]
    claims: tuple[Claim, ...]
    default_budget: int  # trials per row of the search (0: the zoo's defaults, no search)
    default_steps: int  # generator updates (or VAE steps) per run
    paper_only: tuple[PaperOnly, ...] = ()
    left_out: tuple[Row, ...] = ()  # the study's rows a run leaves out (--rows)

    def only(self, names: Sequence[str] | None) -> Study:
        """This study with only the rows ``names`` (in the study's order) and the claims
        that compare them; ``None`` or empty: every row.

        Rows are independent experiments (each its own search and re-runs), so a smaller
        study measures the rows it keeps exactly as the whole one would: a user short of
        time runs some of the rows, and the same folder takes the others later.
        """
        if isinstance(names, str):
            names = [names]
        if not names:
            return self
        known = [row.name for row in self.rows]
        for name in names:
            if name not in known:
                raise UsageError(unknown_name_message(f"{self.name} row", name, known))
        if len(set(names)) < len(names):
            raise UsageError(f"--rows names a row twice: {','.join(names)}")
        return replace(
            self,
            rows=tuple(row for row in self.rows if row.name in names),
            claims=tuple(c for c in self.claims if c.a.row in names and c.b.row in names),
            left_out=self.left_out + tuple(row for row in self.rows if row.name not in names),
        )

    def row(self, name: str) -> Row:
        """The row called ``name``."""
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(name)

    @property
    def rows_by_name(self) -> dict[str, Row]:
        """Rows keyed by name."""
        return {row.name: row for row in self.rows}


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

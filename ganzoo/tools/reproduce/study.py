"""What a study is, as data: its rows, the published figures beside them, its claims (each a
comparison of two measured sides), and how to keep some of its rows (torch-free).

:mod:`ganzoo.tools.reproduce.studies` defines the studies with these classes;
:mod:`ganzoo.tools.reproduce.verdicts` decides each claim from the numbers.
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

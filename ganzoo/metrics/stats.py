"""The numbers around a score: intervals, precision and recall, minimum sample counts, collapse.

Everything here works on features ganzoo has already extracted (generated ``N×D`` and real
``M×D``), so an interval or a health check costs no extra pass through the extractor.

- :func:`fid_from_features` is FID computed from the features with a nuclear norm instead of
  a matrix square root: ``tr sqrt(Σ₁Σ₂)`` is the sum of the singular values of ``A·Bᵀ``
  (``A``, ``B`` the centred features) over ``sqrt((N-1)(M-1))``, worked out on the smaller of
  ``N×M`` and ``D×D`` (after a QR). It equals torch-fidelity's FID (tested) and is cheap enough
  to repeat for :func:`bootstrap_fid`.
- :func:`precision_recall` is torch-fidelity 0.4's ``prc`` (Kynkäänniemi et al. 2019, k=3),
  called on the same features, in its chunked form.
- :func:`mode_collapse` reads a domain classifier's class histogram of the samples and their
  near-duplicate rate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch

BOOTSTRAP_ROUNDS = 100  # resamples of both sides: the 2.5/97.5 percentiles to a few per cent
LEVEL = 0.95  # of every interval ganzoo reports
PRC_NEIGHBOURHOOD = 3  # k of the k-NN balls, as in the paper and torch-fidelity
PRC_BATCH = 2048  # rows of the distance matrix held at once: memory stays O(batch × N)

#: Fewer samples than this (generated or real) and the metric's estimate is unreliable; a
#: warning says so. FID: the feature dimension, below which the covariance estimate is
#: singular and FID's bias dominates (2048 for Inception, 128 for a domain classifier).
#: KID: 100 (unbiased, but subsets under 50 give a spread as large as the differences sought).
#: Precision/recall: 1000 (with fewer the k-NN balls are wide and both drift towards 1).
#: IS: 1000 (ten splits of 100 images estimate the class marginal).
MIN_SAMPLES_KID = 100
MIN_SAMPLES_PRC = 1000
MIN_SAMPLES_IS = 1000
LABELS = {
    "fid": "FID",
    "kid": "KID",
    "precision_recall": "precision/recall (and density/coverage)",
    "inception_score": "IS (classifier score under a domain extractor)",
}

# Mode collapse: the classifier's predicted classes of the samples should cover the classes
# about as evenly as the data does. Alert when the histogram's normalised entropy is below
# ENTROPY_ALERT (0.6 of 10 classes: about 4 classes equally used) or one class holds over
# TOP_CLASS_ALERT of the samples, or when over NEAR_DUPLICATE_ALERT of the samples have a
# near twin (closer than the 1st percentile of real images' nearest-neighbour distances:
# real data scores ~0.01 by construction).
ENTROPY_ALERT = 0.6
TOP_CLASS_ALERT = 0.5
NEAR_DUPLICATE_ALERT = 0.25
NEAR_DUPLICATE_PERCENTILE = 0.01


def min_samples(feature_dim: int) -> dict[str, int]:
    """The minimum sample count of each metric for features of ``feature_dim`` dimensions."""
    return {
        "fid": int(feature_dim),
        "kid": MIN_SAMPLES_KID,
        "precision_recall": MIN_SAMPLES_PRC,
        "inception_score": MIN_SAMPLES_IS,
    }


def sample_warnings(samples: int, real_samples: int, feature_dim: int, isc: bool) -> list[str]:
    """One line per metric whose estimate is unreliable at these sample counts."""
    fewest = min(samples, real_samples)
    side = "generated" if samples <= real_samples else "real"
    lines = []
    for metric, need in min_samples(feature_dim).items():
        if metric == "inception_score":
            if not isc or samples >= need:
                continue
            fewest_here, side_here = samples, "generated"
        else:
            fewest_here, side_here = fewest, side
        if fewest_here < need:
            lines.append(
                f"{LABELS[metric]} on {fewest_here} {side_here} samples is unreliable "
                f"(needs >= {need}); use --samples {need} or more"
                + (" and a larger real split" if side_here == "real" else "")
            )
    return lines


def _nuclear_cross(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Sum of the singular values of ``a @ b.T`` for centred ``a`` (N×D), ``b`` (M×D)."""
    n, d = a.shape
    m = b.shape[0]
    if d < min(n, m):  # the D×D route: a = Qa·Ra, b = Qb·Rb, a·bᵀ = Qa (Ra Rbᵀ) Qbᵀ
        ra = torch.linalg.qr(a, mode="r").R
        rb = torch.linalg.qr(b, mode="r").R
        return torch.linalg.svdvals(ra @ rb.T).sum()
    return torch.linalg.svdvals(a @ b.T).sum()


def fid_from_features(fake: torch.Tensor, real: torch.Tensor) -> float:
    """FID between two feature sets (float64), without a matrix square root."""
    a, b = fake.double(), real.double()
    mu_a, mu_b = a.mean(0), b.mean(0)
    a, b = a - mu_a, b - mu_b
    n, m = a.shape[0], b.shape[0]
    trace_a = a.pow(2).sum() / (n - 1)
    trace_b = b.pow(2).sum() / (m - 1)
    cross = _nuclear_cross(a, b) / math.sqrt((n - 1) * (m - 1))
    return float((mu_a - mu_b).pow(2).sum() + trace_a + trace_b - 2 * cross)


def bootstrap_fid(
    fake: torch.Tensor,
    real: torch.Tensor,
    estimate: float,
    rounds: int = BOOTSTRAP_ROUNDS,
    seed: int = 0,
    level: float = LEVEL,
) -> tuple[float, float]:
    """A ``level`` bootstrap interval of FID, both sides resampled with replacement.

    It is the spread of FID at these sample counts, centred on the estimate: the
    percentiles of the resampled FIDs, moved by the distance from their median to the
    estimate. FID is biased upwards at finite counts, and a resample (which repeats
    images) more so, so the raw percentiles would sit above the estimate. The bias itself
    is common to every model measured at the same counts; the real-data floor shows its size.
    Clipped at 0, FID's lower bound.
    """
    g = torch.Generator().manual_seed(seed)
    a, b = fake.double(), real.double()
    values = []
    for _ in range(rounds):
        ia = torch.randint(len(a), (len(a),), generator=g)
        ib = torch.randint(len(b), (len(b),), generator=g)
        values.append(fid_from_features(a[ia], b[ib]))
    q = torch.tensor(values, dtype=torch.float64).quantile(
        torch.tensor([(1 - level) / 2, 0.5, (1 + level) / 2], dtype=torch.float64)
    )
    shift = estimate - float(q[1])
    return max(0.0, float(q[0]) + shift), max(0.0, float(q[2]) + shift)


def kid_interval(mean: float, std: float, level: float = LEVEL) -> tuple[float, float]:
    """KID's subset spread as an interval: ``mean ± z·std`` (z = 1.96 for 95%).

    ``std`` is the spread of KID over random subsets, i.e. of an estimate on one subset's
    sample count; it is not the (smaller) error of the mean over overlapping subsets.
    """
    z = _normal_quantile((1 + level) / 2)
    return mean - z * std, mean + z * std


def precision_recall(
    fake: torch.Tensor, real: torch.Tensor, k: int = PRC_NEIGHBOURHOOD
) -> dict[str, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019) by torch-fidelity's ``prc``.

    Precision: the share of generated samples inside some real sample's k-NN ball (fidelity);
    recall: the share of real samples inside some generated sample's ball (diversity).
    """
    from torch_fidelity.metric_prc import prc_features_to_metric

    out = prc_features_to_metric(
        fake.float(),
        real.float(),
        prc_neighborhood=k,
        prc_batch_size=PRC_BATCH,
        save_cpu_ram=True,  # the chunked form: never the whole N×M matrix at once
        verbose=False,
    )
    return {"precision": float(out["precision"]), "recall": float(out["recall"])}


def _nearest_distances(x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
    """Each row of ``x``'s distance to its nearest row of ``y`` (of ``x`` itself, excluding it)."""
    out = []
    other = x if y is None else y
    for start in range(0, len(x), PRC_BATCH):
        d = torch.cdist(x[start : start + PRC_BATCH].float(), other.float())
        if y is None:
            rows = torch.arange(d.shape[0])
            d[rows, rows + start] = float("inf")
        out.append(d.min(dim=1).values)
    return torch.cat(out)


def near_duplicate_rate(fake: torch.Tensor, real: torch.Tensor) -> float:
    """Share of generated samples with a near twin among the others.

    "Near" is closer than the 1st percentile of the real samples' nearest-neighbour
    distances; both sides are cut to the same count first (nearest neighbours come closer
    as a set grows). Real data scores about 0.01; a collapsed generator close to 1.
    """
    n = min(len(fake), len(real))
    if n < 2:
        return 0.0
    threshold = torch.quantile(_nearest_distances(real[:n]), NEAR_DUPLICATE_PERCENTILE)
    return float((_nearest_distances(fake[:n]) <= threshold).float().mean())


def class_histogram(logits: torch.Tensor) -> list[int]:
    """How many samples the classifier puts in each class."""
    return torch.bincount(logits.argmax(dim=1), minlength=logits.shape[1]).tolist()


def normalised_entropy(histogram: Sequence[int]) -> float:
    """Entropy of a histogram over log(classes): 1 for even use of every class, 0 for one."""
    counts = torch.tensor(histogram, dtype=torch.float64)
    if counts.sum() == 0 or len(counts) < 2:
        return 0.0
    p = counts / counts.sum()
    p = p[p > 0]
    return max(0.0, float(-(p * p.log()).sum() / math.log(len(counts))))


def mode_collapse(
    fake: torch.Tensor, real: torch.Tensor, fake_logits: torch.Tensor | None = None
) -> dict[str, Any]:
    """The health of a sample set: class histogram (with a classifier), near twins, an alert."""
    record: dict[str, Any] = {"near_duplicate_rate": near_duplicate_rate(fake, real)}
    reasons = []
    if fake_logits is not None:
        histogram = class_histogram(fake_logits)
        entropy = normalised_entropy(histogram)
        top = max(histogram) / max(1, sum(histogram))
        record.update(class_histogram=histogram, class_entropy=entropy, top_class_share=top)
        if entropy < ENTROPY_ALERT:
            reasons.append(f"class entropy {entropy:.2f} < {ENTROPY_ALERT}")
        if top > TOP_CLASS_ALERT:
            reasons.append(f"class {histogram.index(max(histogram))} holds {top:.0%} of samples")
    if record["near_duplicate_rate"] > NEAR_DUPLICATE_ALERT:
        reasons.append(
            f"{record['near_duplicate_rate']:.0%} of samples have a near twin "
            f"(> {NEAR_DUPLICATE_ALERT:.0%})"
        )
    record["mode_collapse"] = bool(reasons)
    record["reasons"] = reasons
    return record


def t_interval(values: Sequence[float], level: float = LEVEL) -> tuple[float, float]:
    """Mean and half-width of a Student-t ``level`` interval of ``values`` (seeds).

    The half-width is ``nan`` for a single value: one seed says nothing about the spread.
    """
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, float("nan")
    from scipy.stats import t

    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    return mean, float(t.ppf((1 + level) / 2, n - 1)) * sd / math.sqrt(n)


def _normal_quantile(p: float) -> float:
    return float(torch.distributions.Normal(0.0, 1.0).icdf(torch.tensor(p, dtype=torch.float64)))

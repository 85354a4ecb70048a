"""The classifier score, named for the classifier that gives it.

torch-fidelity's Inception Score reads the class probabilities of InceptionV3. Under a
*domain* extractor the same formula, exp E[KL(p(y|x) || p(y))], reads the probabilities of
ganzoo's small classifier of the dataset (a LeNet-like network on MNIST): it is not the
Inception Score and its values are not comparable with published IS. So:

- under ``inception``: JSON ``inception_score_mean``/``_std``, shown as **IS**;
- under a domain extractor: JSON ``classifier_score_mean``/``_std``, shown as
  **classifier score (domain IS)**.

    to_stored_names(result)       # rename a fresh domain result (and its floors) in place
    score_prefix(result)          # "classifier_score" or "inception_score"
    score_label(result)           # "classifier score (domain IS)" or "IS"
    score_of(result)              # (mean, std)

Result files written before the rename hold ``inception_score_*`` for every extractor;
:func:`to_stored_names` maps them too, so old files read like new ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

INCEPTION = "inception_score"
CLASSIFIER = "classifier_score"
LABELS = {INCEPTION: "IS", CLASSIFIER: "classifier score (domain IS)"}
SHORT_LABELS = {INCEPTION: "IS", CLASSIFIER: "clf. score"}  # where a column is narrow


def is_domain_extractor(name: str, kind: str | None) -> bool:
    """Whether an extractor is a domain classifier (its kind, else its name's prefix)."""
    if kind is not None:
        return kind == "domain"
    return str(name).startswith("domain-")


def is_domain(result: Mapping[str, Any]) -> bool:
    """Whether ``result`` was measured by a domain extractor (kind, else the name's prefix)."""
    return is_domain_extractor(str(result.get("extractor", "")), result.get("extractor_kind"))


def score_prefix(result: Mapping[str, Any]) -> str:
    """``classifier_score`` for a domain result, ``inception_score`` otherwise."""
    own = getattr(result, "score_prefix", None)  # an EvalResult knows its own
    if isinstance(own, str):
        return own
    if any(k.startswith(CLASSIFIER) for k in result):
        return CLASSIFIER
    return CLASSIFIER if is_domain(result) else INCEPTION


def score_label(result: Mapping[str, Any], short: bool = False) -> str:
    """How tables name the score of ``result``."""
    return (SHORT_LABELS if short else LABELS)[score_prefix(result)]


def score_of(result: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """(mean, std) of the score, whichever name it is stored under."""
    prefix = score_prefix(result)
    return result.get(f"{prefix}_mean"), result.get(f"{prefix}_std")


def _rename(record: dict[str, Any]) -> None:
    for key in [k for k in record if k.startswith(INCEPTION)]:
        record.setdefault(CLASSIFIER + key.removeprefix(INCEPTION), record.pop(key))


def to_stored_names(result: dict[str, Any]) -> dict[str, Any]:
    """``result`` with a domain extractor's ``inception_score_*`` keys (its own and its
    floors') renamed ``classifier_score_*``; an Inception result is left as it is."""
    if not is_domain(result):
        return result
    _rename(result)
    floors = result.get("floors")
    if isinstance(floors, dict):  # copies: an evaluator's cached floors stay as measured
        result["floors"] = {k: dict(v) if isinstance(v, dict) else v for k, v in floors.items()}
        for floor in result["floors"].values():
            if isinstance(floor, dict):
                _rename(floor)
    return result

"""Which stored results a comparison may reuse, and whether runs were measured alike."""

from __future__ import annotations

from typing import Any

from ganzoo.api.errors import UsageError
from ganzoo.metrics.results import EvalResult
from ganzoo.metrics.spec import EvalSpec
from ganzoo.runs.rundir import RunDir
from ganzoo.tools.compare.runs import RunRow


def check_same_provenance(rows: list[RunRow]) -> dict[str, Any]:
    """The provenance fields every row shares; a :class:`UsageError` naming the first that
    differs (see :data:`ganzoo.metrics.provenance.COMPARABLE`)."""
    from ganzoo.metrics.provenance import COMPARABLE, field_value, first_difference

    first = rows[0]
    for row in rows[1:]:
        name = first_difference(first.metrics.provenance, row.metrics.provenance)
        if name is not None:
            if name == "provenance":
                raise UsageError(
                    f"the results of {first.name} and {row.name} cannot be checked for "
                    "comparability: one was stored before ganzoo recorded provenance; "
                    "evaluate again (drop --no-eval)"
                )
            have = field_value(first.metrics.provenance, name)
            other = field_value(row.metrics.provenance, name)
            raise UsageError(
                f"the results of {first.name} and {row.name} differ in provenance field "
                f"{name} ({have!r} vs {other!r}); their numbers are not comparable"
            )
    record = first.metrics.provenance or {}
    shared = {
        k: record[k] for k in record if k.split(".")[0] in {c.split(".")[0] for c in COMPARABLE}
    }
    shared["versions"] = field_value(record, "versions")
    return shared


#: what a stored result must share with a comparison to be reused, beside the extractor
MATCHED_FIELDS = ("step", "split", "seed", "samples", "dataset", "dataset_options", "ema")


def wanted_fields(row: RunRow, spec: EvalSpec) -> dict[str, Any]:
    """The value of each of :data:`MATCHED_FIELDS` that ``row``'s result must have."""
    config = RunDir.open(row.path).read_config()["config"]
    return {
        "step": row.steps,
        "split": spec.split,
        "seed": spec.seed,
        "samples": spec.samples,
        "dataset": config["dataset"],
        "dataset_options": config.get("dataset_options") or {},
        "ema": bool(config.get("ema")),  # a run trained with --ema is measured with it
    }


def stored_result(
    results: list[EvalResult], wanted: dict[str, Any], extractor: Any
) -> tuple[EvalResult | None, str]:
    """The newest stored result measured exactly as ``wanted``, or why none is.

    A result is reused only when the checkpoint step, split, seed, sample count, dataset
    and its options all match, and the extractor is the same one (name and weights hash,
    so a retrained classifier or another weights file never reuses old numbers).
    ``extractor()`` gives the current extractor's full name; it is asked only when a
    stored result matches on everything else. Results stored before a field existed
    count as not matching it, except ``dataset_options``: every result in a run folder was
    measured on the run's own dataset options.
    """
    if not results:
        return None, "it has no stored results"
    nearest: tuple[int, str] = (len(MATCHED_FIELDS) + 2, "")
    for result in reversed(results):
        stored = {k: getattr(result, k) for k in MATCHED_FIELDS}
        if "dataset_options" in result.absent:  # measured on the run's own options
            stored["dataset_options"] = wanted["dataset_options"]
        stored["ema"] = bool(result.ema)
        different = [k for k in MATCHED_FIELDS if stored[k] != wanted[k]]
        if not different and result.extractor != extractor():
            different = ["extractor"]
        if not different:
            different = _provenance_differs(result)
        if not different:
            return result, ""
        if len(different) < nearest[0]:
            field_name = different[0]
            have = getattr(result, field_name, None)
            want = wanted.get(field_name) if field_name != "extractor" else extractor()
            if field_name.startswith("provenance"):
                have, want = _provenance_values(result, field_name)
            nearest = (len(different), f"its newest near match differs in {field_name}: "
                       f"{have!r} stored, {want!r} wanted")  # fmt: skip
    return None, nearest[1]


def _provenance_differs(result: EvalResult) -> list[str]:
    """``["provenance.<field>"]`` if ``result`` was computed by other code than this one's
    (or stored before provenance was recorded), else ``[]``."""
    from ganzoo.metrics.provenance import field_value, versions

    record = result.provenance
    if not isinstance(record, dict):
        return ["provenance"]
    now = versions()
    for name in ("ganzoo", "torch", "torch_fidelity"):
        if field_value(record, f"versions.{name}") != now[name]:
            return [f"provenance.versions.{name}"]
    return []


def _provenance_values(result: EvalResult, field_name: str) -> tuple[Any, Any]:
    """(stored, current) of a provenance field named by :func:`_provenance_differs`."""
    from ganzoo.metrics.provenance import field_value, versions

    if field_name == "provenance":
        return "none (stored before provenance was recorded)", "a provenance record"
    name = field_name.removeprefix("provenance.versions.")
    return field_value(result.provenance or {}, f"versions.{name}"), versions()[name]

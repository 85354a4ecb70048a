"""Compare finished runs fairly: same data, same extractor, same sample count.

    spec = EvalSpec(samples=1000, feature_extractor="domain")
    table = compare_runs(["runs/a", "runs/b"], spec)
    write_report(table, "runs/compare")

Every run is measured with the same metric settings (evaluating where a result is missing);
runs on different datasets, or stored numbers from different extractors or sample counts,
are refused rather than shown side by side.
"""

from __future__ import annotations

from pathlib import Path

from ganzoo.api.errors import UsageError
from ganzoo.metrics.numbers import format_mean_pm, format_number, format_pm
from ganzoo.metrics.results import EvalResult
from ganzoo.metrics.spec import EvalSpec
from ganzoo.runs.files import timestamped_folder
from ganzoo.runs.rundir import RunDir
from ganzoo.tools.compare.matching import (
    MATCHED_FIELDS,
    check_same_provenance,
    stored_result,
    wanted_fields,
)
from ganzoo.tools.compare.report import render_markdown, table_rows, write_report
from ganzoo.tools.compare.runs import (
    VARIANT_FIELDS,
    RunRow,
    check_same_dataset,
    describe_run,
    name_variants,
)
from ganzoo.tools.compare.seeds import (
    DIFFERENCE_RULE,
    SEED_METRICS,
    Comparison,
    SeedGroup,
    differences,
    seed_metrics,
)

__all__ = [
    "DIFFERENCE_RULE", "MATCHED_FIELDS", "SEED_METRICS", "VARIANT_FIELDS", "Comparison",
    "RunRow", "SeedGroup", "check_same_dataset", "check_same_provenance", "compare_runs",
    "default_report_dir", "describe_run", "differences", "format_mean_pm", "format_number",
    "format_pm", "render_markdown", "seed_metrics", "table_rows",
    "write_report",
]  # fmt: skip


def compare_runs(
    paths: list[str | Path],
    spec: EvalSpec | None = None,
    *,
    evaluate_missing: bool = True,
) -> Comparison:
    """Measure every run with one extractor and sample count; refuse what is not comparable.

    ``spec.dataset`` is left unset: each run is measured on its own dataset (which must be
    the same for all).
    """
    spec = (spec or EvalSpec()).validate()
    if len(paths) < 2:
        raise UsageError("compare needs at least two runs")
    if len({Path(p).resolve() for p in paths}) < len(paths):
        raise UsageError("the same run is named twice")
    from ganzoo.tools.checks import check_runs_usable

    check_runs_usable(paths, need_checkpoint=evaluate_missing)  # all, before measuring any
    rows = [describe_run(p) for p in paths]
    dataset = check_same_dataset(rows)
    name_variants(rows)
    extractor = _ExtractorName(rows[0], spec)
    for row in rows:
        row.metrics = _result_of(row, spec, extractor, evaluate_missing)
    extractor_names = {row.metrics.extractor for row in rows}
    if len(extractor_names) > 1:
        raise UsageError(
            "runs were measured by different extractors ("
            + ", ".join(sorted(extractor_names))
            + "); their numbers are not comparable"
        )
    shared = check_same_provenance(rows)
    floors = next((r.metrics.floors for r in rows if r.metrics.floors), {})
    return Comparison(rows, dataset, extractor_names.pop(), spec.samples, floors, shared)


class _ExtractorName:
    """The extractor's full name (with its weights hash), resolved once and only if asked."""

    def __init__(self, row: RunRow, spec: EvalSpec) -> None:
        self.row, self.spec, self.name = row, spec, None

    def __call__(self) -> str:
        if self.name is None:
            from ganzoo.metrics.extractors import resolve_extractor

            config = RunDir.open(self.row.path).read_config()["config"]
            self.name = resolve_extractor(
                self.spec.feature_extractor,
                dataset=config["dataset"],
                data_dir=self.spec.data_dir or config.get("data_dir"),
                dataset_options=config.get("dataset_options") or {},
                inception_weights=self.spec.inception_weights,
            ).name
        return self.name


def _result_of(
    row: RunRow, spec: EvalSpec, extractor: _ExtractorName, evaluate: bool
) -> EvalResult:
    """``row``'s stored result measured like ``spec``, else a new evaluation (if allowed)."""
    from ganzoo import metrics

    stored = metrics.load_results(row.path)
    result, differs = stored_result(stored, wanted_fields(row, spec), extractor)
    if result is not None:
        return result
    if not evaluate:
        raise UsageError(
            f"run {row.name} has no {spec.feature_extractor} result on {spec.samples} "
            f"samples measured like this comparison ({differs}); numbers measured "
            "differently are not comparable: drop --no-eval to measure it"
        )
    return metrics.evaluate_run(row.path, spec)


def default_report_dir(root: Path = Path("runs")) -> Path:
    """``runs/compare-<timestamp>``, never an existing folder."""
    return timestamped_folder(root, "compare")

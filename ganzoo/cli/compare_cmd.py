"""``ganzoo compare``: runs side by side on one metric, or train several configs and compare."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ganzoo.api.errors import UsageError
from ganzoo.cli.options import inception_weights_option
from ganzoo.metrics.spec import DEFAULT_EXTRACTOR, DEFAULT_SAMPLES, EXTRACTORS, EvalSpec


def parse_model_specs(specs: tuple[str, ...]) -> list[tuple[str, str | None]]:
    """``("vanilla:nonsat,dcgan:minimax", "vae")`` -> ``[("vanilla", "nonsat"), ...]``."""
    pairs: list[tuple[str, str | None]] = []
    for spec in specs:
        for item in filter(None, (s.strip() for s in spec.split(","))):
            model, _, loss = item.partition(":")
            if not model:
                raise UsageError(f"--models takes MODEL or MODEL:LOSS, got {item!r}")
            pairs.append((model, loss or None))
    return pairs


def parse_seeds(text: str | None) -> list[int]:
    """``"0,1,2"`` -> ``[0, 1, 2]``: at least two distinct integers >= 0."""
    if text is None:
        return []
    seeds = []
    for item in text.split(","):
        item = item.strip()
        if not item.isdigit():
            raise UsageError(
                f"--seeds takes comma-separated integers >= 0 (e.g. 0,1,2), got {text!r}"
            )
        seeds.append(int(item))
    if len(seeds) < 2 or len(set(seeds)) < len(seeds):
        raise UsageError(
            f"--seeds needs at least two different seeds for an interval, got {text!r}"
        )
    return seeds


@click.command("compare")
@click.argument("runs", nargs=-1, type=click.Path(file_okay=False))
@click.option(
    "--models",
    "model_specs",
    multiple=True,
    metavar="MODEL[:LOSS],...",
    help="Train these first (comma-separated or repeated), then compare.",
)
@click.option(
    "--dataset",
    "-d",
    default="digits",
    show_default=True,
    help="With --models: the shared dataset.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="With --models: where the dataset is.",
)
@click.option(
    "--steps", type=int, default=None, help="With --models: generator/optimizer updates per run."
)
@click.option(
    "--epochs", type=int, default=None, help="With --models: passes over the data per run."
)
@click.option(
    "--time-budget",
    type=float,
    default=None,
    help="With --models: seconds of training per run (equal CPU time, not equal steps).",
)
@click.option(
    "--batch-size",
    type=int,
    default=None,
    help="With --models [default: each model's for the dataset, as ganzoo train; else 64].",
)
@click.option(
    "--conditional",
    is_flag=True,
    help="With --models: train each class-conditional (and report its class accuracy).",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="With --models: the shared seed (and the sampling seed).",
)
@click.option(
    "--seeds",
    default=None,
    metavar="S,S,...",
    help="With --models: train each configuration once per seed and report mean ± 95% "
    "interval, marking differences the seeds do not support.",
)
@click.option(
    "--runs-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="With --models: where the runs go [default: the report folder].",
)
@click.option(
    "--samples",
    type=int,
    default=DEFAULT_SAMPLES,
    show_default=True,
    help="Generated samples per run for the metrics.",
)
@click.option(
    "--feature-extractor",
    default=DEFAULT_EXTRACTOR,
    show_default=True,
    help=f"One of {', '.join(EXTRACTORS)}: domain works offline.",
)
@inception_weights_option
@click.option(
    "--no-eval", is_flag=True, help="Use only metrics already stored in the runs; evaluate nothing."
)
@click.option(
    "--out",
    "-o",
    type=click.Path(),
    default=None,
    help="Report folder (must not exist) [default: runs/compare-<time>].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
def compare_command(
    runs: tuple[str, ...],
    model_specs: tuple[str, ...],
    dataset: str,
    data_dir: str | None,
    steps: int | None,
    epochs: int | None,
    time_budget: float | None,
    batch_size: int | None,
    conditional: bool,
    seed: int,
    seeds: str | None,
    runs_dir: str | None,
    samples: int,
    feature_extractor: str,
    inception_weights: str | None,
    no_eval: bool,
    out: str | None,
    as_json: bool,
) -> None:
    """Compare finished RUNS (same dataset) on IS, FID and KID with one extractor.

    \b
    Examples:
      ganzoo compare runs/a runs/b
      ganzoo compare --models vanilla:nonsat,dcgan:nonsat,dcgan:minimax,vae \\
          --steps 500
      ganzoo compare --models vanilla:nonsat,vanilla:minimax --steps 500 --seeds 0,1,2
    """
    from ganzoo.runs.rundir import RunDir
    from ganzoo.tools.compare import default_report_dir

    spec = EvalSpec(
        samples=samples, feature_extractor=feature_extractor,
        inception_weights=inception_weights, seed=seed,
    ).validate()  # fmt: skip
    pairs = parse_model_specs(model_specs)
    seed_list = parse_seeds(seeds)
    _check_invocation(runs, pairs, seed_list, conditional, no_eval)
    report_dir = Path(out) if out else default_report_dir()
    RunDir.check_new(report_dir)  # refuse before any training starts
    if pairs:
        _check_evaluation(spec, dataset)  # before any training, not after it

    train_first = None
    if pairs:  # train first, into the report folder unless --runs-dir says otherwise
        budget = {"steps": steps, "epochs": epochs, "time_budget": time_budget}
        root = Path(runs_dir) if runs_dir else report_dir / "runs"
        train_first = functools.partial(
            _train_all, pairs, dataset, data_dir, budget, batch_size, seed_list or [seed], root,
            conditional,
        )  # fmt: skip
    comparison, written = _compare_into(report_dir, runs, train_first, spec, no_eval)
    if as_json:
        import json

        click.echo(json.dumps(comparison.as_dict(), indent=2))
        return
    _print_table(comparison)
    click.echo(f"report: {written / 'report.md'}")


def _check_invocation(
    runs: tuple[str, ...],
    pairs: list[tuple[str, str | None]],
    seeds: list[int],
    conditional: bool,
    no_eval: bool,
) -> None:
    """Refuse combinations of RUNS and options that cannot go together."""
    if seeds and not pairs:
        raise UsageError(
            "--seeds trains with --models; runs given as RUNS are grouped by configuration "
            "whatever their seeds"
        )
    if pairs and runs:
        raise UsageError("give either RUNS or --models, not both")
    if not pairs and not runs:
        raise UsageError("give at least two RUNS, or --models to train and compare")
    if conditional and not pairs:
        raise UsageError("--conditional trains --models conditional; finished RUNS keep theirs")
    if pairs and no_eval:
        raise UsageError("--no-eval needs RUNS with stored results; runs --models trains have none")


def _compare_into(
    report_dir: Path,
    runs: tuple[str, ...],
    train_first: Callable[[], list[Path]] | None,
    spec: EvalSpec,
    no_eval: bool,
) -> tuple[Any, Path]:
    """Train (if asked), compare and write the report; a failure leaves no report folder."""
    created = not report_dir.exists()
    try:
        paths = train_first() if train_first is not None else [Path(r) for r in runs]
        from ganzoo.tools.compare import compare_runs, write_report

        comparison = compare_runs(paths, spec, evaluate_missing=not no_eval)
        return comparison, write_report(comparison, report_dir)
    except BaseException:
        if created and report_dir.exists():  # a half-made report must not block a rerun
            import shutil

            shutil.rmtree(report_dir)
        raise


def _check_evaluation(spec: EvalSpec, dataset: str) -> None:
    """What the evaluation after training needs: image data and, for Inception, weights."""
    from ganzoo.host.plugins import get_registry

    kind = get_registry().get("dataset", dataset).record.kind
    if kind not in (None, "image"):
        raise UsageError(
            f"IS, FID and KID are defined for images, but dataset {dataset!r} holds {kind} data"
        )
    if spec.feature_extractor == "inception":
        from ganzoo.metrics.inception import resolve_inception_weights

        resolve_inception_weights(spec.inception_weights)


def _train_all(
    pairs: list[tuple[str, str | None]],
    dataset: str,
    data_dir: str | None,
    budget: dict[str, float | None],
    batch_size: int | None,
    seeds: list[int],
    runs_dir: Path,
    conditional: bool = False,
) -> list[Path]:
    """Train each MODEL:LOSS with one dataset and budget, once per seed; names checked first."""
    from rich.console import Console

    from ganzoo.cli.progress import RichProgress
    from ganzoo.training.config import TrainConfig, check
    from ganzoo.training.loop import train

    configs = []
    for model, loss in pairs:
        config = TrainConfig(
            model=model, loss=loss, dataset=dataset, data_dir=data_dir, batch_size=batch_size,
            seed=seeds[0], conditional=conditional, **budget,
        ).validate()  # fmt: skip
        if conditional:
            check(config)  # a model that cannot condition is refused before any training
        configs.append(config)
    from ganzoo.host.build import choose_loss

    names = []
    for config in configs:  # check every name before training anything
        config.loss = choose_loss(config.model, config.loss)
        names.append(f"{config.model}-{config.loss}")
    if len(set(names)) < len(names):
        raise UsageError(f"--models names a configuration twice: {', '.join(names)}")
    import dataclasses

    paths = []
    for config, name in zip(configs, names, strict=True):
        for seed in seeds:
            run = dataclasses.replace(config, seed=seed)
            run.out = str(runs_dir / (f"{name}-seed{seed}" if len(seeds) > 1 else name))
            paths.append(train(run, RichProgress(Console(stderr=True))).run_dir)
    return paths


def _score_caption(comparison) -> str:
    """What the score column is, when a domain classifier gave it (headers may wrap)."""
    from ganzoo.metrics.scores import CLASSIFIER, score_prefix

    if score_prefix(comparison.rows[0].metrics) != CLASSIFIER:
        return ""
    return (
        "classifier score (domain IS): the Inception Score's formula on the domain "
        "classifier, not Inception. "
    )


def _print_table(comparison) -> None:
    import sys

    from rich.console import Console
    from rich.table import Table

    from ganzoo.tools.compare import differences, table_rows

    header, rows = table_rows(comparison)
    table = Table(
        title=f"{comparison.dataset}: {comparison.extractor}, {comparison.samples} samples",
        title_justify="left",
        caption=_score_caption(comparison)
        + "real data: real images of the other split measured like a model (the floor); "
        "noise: uniform noise (the ceiling). FID [95% bootstrap interval]; KID ± subset spread."
        + (" With seeds: mean ± 95% t-interval half-width." if comparison.seeded else ""),
        caption_justify="left",
    )
    for col in header:
        left = col in ("run", "model", "loss", "configuration", "seeds")
        table.add_column(col, justify="left" if left else "right")
    for row in rows:
        table.add_row(*row)
    console = Console(width=None if sys.stdout.isatty() else 160)
    console.print(table)
    if comparison.seeded:
        for d in differences(comparison.groups()):
            if not d["supported"]:
                other = d["b"] if d["better"] == d["a"] else d["a"]
                console.print(
                    f"{d['metric']}: {d['better']} vs {other}: not supported by the seeds' "
                    "95% intervals (they overlap)",
                    markup=False, highlight=False, soft_wrap=True,
                )  # fmt: skip
    err = Console(stderr=True)
    for w in sorted({w for r in comparison.rows for w in r.metrics.warnings or []}):
        err.print(f"warning: {w}", markup=False, highlight=False, soft_wrap=True)
    for r in comparison.rows:
        health = r.metrics.health or {}
        if health.get("mode_collapse"):
            err.print(
                f"warning: {r.name}: mode collapse: {'; '.join(health['reasons'])}",
                markup=False, highlight=False, soft_wrap=True,
            )  # fmt: skip

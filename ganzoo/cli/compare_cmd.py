"""``ganzoo compare``: runs side by side on one metric, or train several configs and compare."""

from __future__ import annotations

from pathlib import Path

import click

from ganzoo.errors import UsageError
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
@click.option("--batch-size", type=int, default=64, show_default=True, help="With --models.")
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
@click.option(
    "--inception-weights",
    type=click.Path(dir_okay=False),
    default=None,
    help="Local InceptionV3 weights (or GANZOO_INCEPTION_WEIGHTS).",
)
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
    batch_size: int,
    conditional: bool,
    seed: int,
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
      ganzoo compare --models vanilla:nonsat,dcgan:nonsat,dcgan:minimax,vae --steps 500
    """
    from ganzoo.compare import default_report_dir

    spec = EvalSpec(
        samples=samples,
        feature_extractor=feature_extractor,
        inception_weights=inception_weights,
        seed=seed,
    ).validate()
    pairs = parse_model_specs(model_specs)
    if pairs and runs:
        raise UsageError("give either RUNS or --models, not both")
    if not pairs and not runs:
        raise UsageError("give at least two RUNS, or --models to train and compare")
    if conditional and not pairs:
        raise UsageError("--conditional trains --models conditional; finished RUNS keep theirs")
    if pairs and no_eval:
        raise UsageError("--no-eval needs RUNS with stored results; runs --models trains have none")
    report_dir = Path(out) if out else default_report_dir()
    from ganzoo.rundir import RunDir

    RunDir.check_new(report_dir)  # refuse before any training starts
    if pairs:
        _check_evaluation(spec, dataset)  # before any training, not after it
    created = not report_dir.exists()
    try:
        paths = [Path(r) for r in runs]
        if pairs:
            budget = {"steps": steps, "epochs": epochs, "time_budget": time_budget}
            runs_root = Path(runs_dir) if runs_dir else report_dir / "runs"
            paths = _train_all(
                pairs, dataset, data_dir, budget, batch_size, seed, runs_root, conditional
            )

        from ganzoo.compare import compare_runs, write_report

        comparison = compare_runs(paths, spec, evaluate_missing=not no_eval)
        written = write_report(comparison, report_dir)
    except BaseException:
        if created and report_dir.exists():  # a half-made report must not block a rerun
            import shutil

            shutil.rmtree(report_dir)
        raise
    if as_json:
        import json

        click.echo(json.dumps(comparison.as_dict(), indent=2))
        return
    _print_table(comparison)
    click.echo(f"report: {written / 'report.md'}")


def _check_evaluation(spec: EvalSpec, dataset: str) -> None:
    """What the evaluation after training needs: image data and, for Inception, weights."""
    from ganzoo.plugins import get_registry

    kind = get_registry().get("dataset", dataset).meta.get("kind")
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
    batch_size: int,
    seed: int,
    runs_dir: Path,
    conditional: bool = False,
) -> list[Path]:
    """Train each MODEL:LOSS with one dataset, seed and budget; every name checked first."""
    from rich.console import Console

    from ganzoo.cli.progress import RichProgress
    from ganzoo.training.config import TrainConfig, check
    from ganzoo.training.loop import train

    configs = []
    for model, loss in pairs:
        config = TrainConfig(
            model=model, loss=loss, dataset=dataset, data_dir=data_dir, batch_size=batch_size,
            seed=seed, conditional=conditional, **budget,
        ).validate()  # fmt: skip
        if conditional:
            check(config)  # a model that cannot condition is refused before any training
        configs.append(config)
    from ganzoo.build import choose_loss

    names = []
    for config in configs:  # check every name before training anything
        config.loss = choose_loss(config.model, config.loss)
        names.append(f"{config.model}-{config.loss}")
    if len(set(names)) < len(names):
        raise UsageError(f"--models names a configuration twice: {', '.join(names)}")
    paths = []
    for config, name in zip(configs, names, strict=True):
        config.out = str(runs_dir / name)
        paths.append(train(config, RichProgress(Console(stderr=True))).run_dir)
    return paths


def _print_table(comparison) -> None:
    from rich.console import Console
    from rich.table import Table

    from ganzoo.compare import format_number, format_pm

    table = Table(
        title=f"{comparison.dataset}: {comparison.extractor}, {comparison.samples} samples",
        title_justify="left",
    )
    conditional = any(r.metrics.get("conditional") for r in comparison.rows)
    columns = ["run", "model", "loss", "IS ↑", "FID ↓", "KID ↓"]
    columns += ["class acc. ↑"] if conditional else []
    for col in (*columns, "steps", "time (s)", "params"):
        table.add_column(col, justify="right" if col not in ("run", "model", "loss") else "left")
    for r in comparison.rows:
        m = r.metrics
        accuracy = [format_number(m.get("conditional_accuracy"))] if conditional else []
        table.add_row(
            r.name, r.model, r.loss, format_pm(m, "inception_score"), format_number(m.get("fid")),
            format_pm(m, "kid"), *accuracy, str(r.steps), f"{r.seconds:.1f}",
            f"{r.parameters:,}",
        )  # fmt: skip
    import sys

    Console(width=None if sys.stdout.isatty() else 160).print(table)

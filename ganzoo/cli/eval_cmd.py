"""``ganzoo eval``: IS, FID and KID of a run, saved in the run folder (torch loads lazily)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from ganzoo.cli.options import inception_weights_option
from ganzoo.metrics.spec import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_EXTRACTOR,
    DEFAULT_SAMPLES,
    EXTRACTORS,
    SPLITS,
)

if TYPE_CHECKING:
    from ganzoo.metrics.results import EvalResult


@click.command("eval")
@click.argument("run_dir", metavar="RUN_DIR")
@click.option(
    "--samples",
    "-n",
    type=int,
    default=DEFAULT_SAMPLES,
    show_default=True,
    help="Generated images; the real side is a fixed subset of at most as many.",
)
@click.option(
    "--feature-extractor",
    "-f",
    default=DEFAULT_EXTRACTOR,
    show_default=True,
    help=f"One of {', '.join(EXTRACTORS)}: a classifier trained on the dataset (offline), or "
    "torch-fidelity's inception-v3-compat (as in papers; slow on CPU).",
)
@inception_weights_option
@click.option(
    "--split",
    type=click.Choice(SPLITS),
    default="test",
    show_default=True,
    help="The real images to compare with.",
)
@click.option("--batch-size", "-b", type=int, default=DEFAULT_BATCH_SIZE, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the samples.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where the dataset is [default: the run's --data-dir].",
)
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, mps or cuda:N.")
@click.option(
    "--no-ema", is_flag=True, help="Measure the raw generator of a run trained with --ema."
)
@click.option(
    "--memorisation/--no-memorisation",
    default=None,
    help="Measure how close the samples are to the run's training images against held-out "
    "test images (nearest neighbours in pixels) [default: when the run trained on a "
    "--data-fraction/--data-limit subset].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON for scripts.")
def eval_command(
    run_dir: str,
    samples: int,
    feature_extractor: str,
    inception_weights: str | None,
    split: str,
    batch_size: int,
    seed: int,
    data_dir: str | None,
    device: str,
    no_ema: bool,
    memorisation: bool | None,
    as_json: bool,
) -> None:
    """Measure RUN_DIR's newest checkpoint: IS (domain: classifier score), FID, KID and more.

    The result is saved in RUN_DIR/eval/ (one JSON per evaluation). Every number is shown
    with the feature extractor that produced it: numbers from different extractors are not
    comparable.

    \b
    Examples:
      ganzoo eval runs/dcgan-nonsat-mnist
      ganzoo eval runs/dcgan-nonsat-mnist --feature-extractor inception \\
          --samples 500 --inception-weights \\
          ../shared/data/inception/pt_inception-2015-12-05-fid-only.pth
    """
    from ganzoo.metrics.spec import EvalSpec
    from ganzoo.runs.rundir import RunDir

    RunDir.open(run_dir)
    spec = EvalSpec(
        samples=samples,
        feature_extractor=feature_extractor,
        split=split,
        data_dir=data_dir,
        inception_weights=inception_weights,
        batch_size=batch_size,
        seed=seed,
        memorisation=memorisation,
    ).validate()

    from rich.console import Console

    from ganzoo.metrics.evaluation import evaluate_run

    err = Console(stderr=True)
    result = evaluate_run(
        run_dir,
        spec,
        device=device,
        ema=not no_ema,
        log=lambda message: err.print(message, markup=False, highlight=False),
    )
    _render(result, run_dir, as_json, err)


def _render(result: EvalResult, run_dir: str, as_json: bool, err: Any) -> None:
    """The result as JSON or a table on stdout; warnings and where it was saved on stderr."""
    from rich.console import Console

    from ganzoo.metrics.results import health_text, result_path

    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, sort_keys=True))
    else:
        import sys

        Console(width=None if sys.stdout.isatty() else 140).print(result_table(result))
    alert = health_text(result)
    # too few samples, a collapsed model: one line each on stderr (also in the JSON)
    for line in [*(result.warnings or []), *([alert] if alert else [])]:
        err.print(f"warning: {line}", markup=False, highlight=False, soft_wrap=True)
    if not as_json:
        err.print(f"saved: {result_path(run_dir, result)}", markup=False, highlight=False)


def result_table(result: EvalResult) -> object:
    """One result: a table of scores, intervals, real-data floor and noise (extractor in the
    title), then notes on the extractor, the sample counts and how to read them."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from ganzoo.metrics.numbers import format_value
    from ganzoo.metrics.results import metric_rows

    r = result
    title = f"{r.run or ''}  step {r.step}"
    if r.model:
        title += f"  {r.model}+{r.loss}"
    title += f"  extractor {r.extractor}"
    table = Table(title=title.strip(), title_justify="left")
    table.add_column("metric", style="bold")
    table.add_column("value", justify="right")
    table.add_column("95% interval", justify="right")
    table.add_column("real data", justify="right")
    table.add_column("noise", justify="right")
    for row in metric_rows(r):
        table.add_row(*row)
    notes = _notes(r)
    if r.conditional:  # samples asked for class k, labelled k by the classifier
        table.add_row("class accuracy ↑", format_value(r.conditional_accuracy, digits=3))
        notes.append(_class_accuracy_note(r))
    if r.memorisation:  # nearest training image: samples against held-out real images
        m = r.memorisation
        table.add_row("memorisation ratio", format_value(m.get("ratio"), digits=3))
        notes.append(_memorisation_note(m))
    # the notes as a paragraph under the table: a caption would wrap to the table's width
    return Group(table, Text(" ".join(notes)))


def _notes(r: EvalResult) -> list[str]:
    """What the numbers under the table say: the extractor, the samples, the scale."""
    from ganzoo.metrics import scores

    notes = []
    if r.extractor_test_accuracy is not None:
        notes.append(
            f"{r.extractor}: domain classifier with held-out test accuracy "
            f"{r.extractor_test_accuracy:.4f}."
        )
    if r.score_note:
        notes.append(f"{r.score_note}.")
    if r.score_prefix == scores.CLASSIFIER:
        notes.append(
            "classifier score (domain IS): the Inception Score's formula on the domain "
            "classifier's class probabilities; not Inception, not comparable with published IS."
        )
    notes.append(
        f"{r.samples} generated vs {r.real_samples} real {r.dataset}/{r.split} images, "
        f"seed {r.seed}, {r.seconds:.1f}s. Numbers from different extractors are not comparable."
    )
    floors = r.floors or {}
    real = floors.get("real") or {}
    if real.get("samples"):
        notes.append(
            f"real data: {real['samples']} images of the {real.get('source', '?')} (what a "
            f"generator reproducing real images scores); noise: "
            f"{(floors.get('noise') or {}).get('samples', 0)} uniform-noise images."
        )
    if r.fid_interval:
        level = r.interval_level if r.interval_level is not None else 0.95
        notes.append(
            f"Intervals: {level:.0%}; FID by bootstrap "
            f"({r.fid_bootstrap_rounds} resamples), KID by its subset spread."
        )
    if r.fid_scaled is not None:
        notes.append(f"FID scaled 0 (real data) to 1 (noise): {r.fid_scaled:.3f}.")
    return notes


def _memorisation_note(m: dict[str, Any]) -> str:
    """How to read the memorisation row: what was compared, and the other two numbers."""
    subset = m.get("subset") or {}
    trained = (
        f"the run's {subset['images']} training images (of {subset['of']})"
        if subset
        else f"all {m['train_images']} training images"
    )
    return (
        f"Memorisation ({m['space']}): median distance of {m['samples']} samples to their "
        f"nearest of {trained}, over the same for {m['test_images']} images of the "
        f"{m['held_out']}; about 1 for new images, towards 0 for copies (real data: 1). "
        f"{m['closer_fraction']:.1%} of samples are closer to a training image than the "
        f"median test image (0.5 for new images); Z_U {m['z_u']:.1f} (below -3: copying)."
    )


def _class_accuracy_note(r: EvalResult) -> str:
    """Who judged the class accuracy, and its worst class."""
    note = "Class accuracy: the domain classifier"
    if r.conditional_classifier_test_accuracy is not None:
        note += f" (test accuracy {r.conditional_classifier_test_accuracy:.3f})"
    note += f", {r.conditional_samples_per_class} samples a class"
    per = r.conditional_accuracy_per_class
    if per:
        worst = min(range(len(per)), key=per.__getitem__)
        note += f"; worst class {worst}: {per[worst]:.3f}"
    return note + "."

"""``ganzoo reproduce STUDY``: a paper's comparison at your budget, with a verdict per claim."""

from __future__ import annotations

import inspect
from pathlib import Path

import click

from ganzoo.cli.options import inception_weights_option, split_names
from ganzoo.metrics.spec import DEFAULT_EXTRACTOR, DEFAULT_SAMPLES, EXTRACTORS
from ganzoo.tools.reproduce.studies import STUDIES


def _studies_help() -> str:
    """The help's list of studies, from the registry of studies."""
    listed = "; ".join(
        f"{s.name}, {s.title} (rows: {', '.join(r.name for r in s.rows)})" for s in STUDIES.values()
    )
    return f"STUDY is one of: {listed}."


@click.command("reproduce")
@click.argument("study")
@click.option(
    "--budget",
    type=int,
    default=None,
    help="Search trials per row, the same for every row (0: no search, the zoo's defaults) "
    "[default: 10; seed: 0].",
)
@click.option(
    "--seeds",
    type=int,
    default=3,
    show_default=True,
    help="Re-runs of each row's best setting (seeds 1..K), for the 95% intervals.",
)
@click.option(
    "--steps",
    type=int,
    default=None,
    help="Generator updates (VAE: steps) of every run [default: 500].",
)
@click.option(
    "--datasets",
    "datasets",
    multiple=True,
    metavar="NAME,...",
    help="The datasets to run on [default: the paper's, e.g. mnist,fashion-mnist].",
)
@click.option(
    "--rows",
    "rows",
    multiple=True,
    metavar="NAME,...",
    help="The study's rows to run (lucic2018: its losses) [default: every row]; the same "
    "folder takes the others later.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(),
    default=None,
    help="The study's folder: its settings, searches, runs and report; the same command "
    "continues it [default: runs/reproduce-STUDY].",
)
@click.option(
    "--feature-extractor",
    "--extractor",
    "extractor",
    default=DEFAULT_EXTRACTOR,
    show_default=True,
    help=f"FID's features, one of {', '.join(EXTRACTORS)}: domain works offline; inception "
    "is the papers' (and far slower on a CPU).",
)
@inception_weights_option
@click.option(
    "--samples",
    type=int,
    default=DEFAULT_SAMPLES,
    show_default=True,
    help="Generated samples per FID (the search's and the re-runs').",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where the datasets are (MNIST/raw, FashionMNIST/raw).",
)
@click.option("--download", is_flag=True, help="Fetch missing datasets (needs the internet).")
@click.option(
    "--workers",
    type=int,
    default=1,
    show_default=True,
    help="Rows trained at once: N processes, each taking whole rows (search, then re-runs) "
    "on its share of the cores; the same report as one.",
)
@click.option(
    "--storage",
    default=None,
    metavar="URL",
    help="The searches' Optuna storage [default: sqlite:///OUT/study.db].",
)
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or mps.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars, only the steps.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def reproduce_command(
    study: str,
    budget: int | None,
    seeds: int,
    steps: int | None,
    datasets: tuple[str, ...],
    rows: tuple[str, ...],
    out: str | None,
    extractor: str,
    inception_weights: str | None,
    samples: int,
    data_dir: str | None,
    download: bool,
    workers: int,
    storage: str | None,
    device: str,
    quiet: bool,
    as_json: bool,
) -> None:
    """Reproduce STUDY at the budget you choose: search every row with the same number of
    trials, re-run the best setting over seeds, write a report with 95% intervals, the
    paper's figures beside them, and a verdict per claim computed from the numbers.

    \b
    Examples:
      ganzoo reproduce seed --datasets digits --steps 300
      ganzoo reproduce lucic2018 --datasets mnist --budget 8 --out runs/lucic
      ganzoo reproduce lucic2018 --datasets mnist --rows nonsat,wgan-gp --budget 4
      ganzoo reproduce dai-wipf2019 --datasets mnist --data-dir ../shared/data
    """
    from rich.console import Console

    from ganzoo.cli.progress import RichProgress
    from ganzoo.tools.reproduce import ReproduceOptions, reproduce

    options = ReproduceOptions(
        study=study,
        out=Path(out) if out else None,
        budget=budget,
        seeds=seeds,
        steps=steps,
        datasets=tuple(split_names(datasets)) or None,
        rows=tuple(split_names(rows)) or None,
        extractor=extractor,
        samples=samples,
        inception_weights=inception_weights,
        data_dir=data_dir,
        download=download,
        workers=workers,
        storage=storage,
        device=device,
    )
    err = Console(stderr=True)

    def log(text: str) -> None:
        err.print(text, markup=False, highlight=False, soft_wrap=True)

    progress = None if quiet else (lambda: RichProgress(Console(stderr=True)))
    import shlex

    from ganzoo.cli.options import invocation

    command = shlex.join(["ganzoo", *invocation]) if invocation else None
    report = reproduce(options, progress=progress, log=log, command=command)
    if as_json:
        import json

        click.echo(json.dumps(report, indent=2))
        return
    _print_verdicts(report)
    _, resolved = options.resolved()
    click.echo(f"report: {Path(str(resolved.out)) / 'report.md'}")


reproduce_command.help = f"{inspect.cleandoc(reproduce_command.help or '')}\n\n{_studies_help()}"


def _print_verdicts(report: dict) -> None:
    import sys

    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 160)
    for d in report["datasets"]:
        table = Table(title=f"{d['dataset']}: FID by {d['extractor']}", title_justify="left")
        for col in ("row", "FID (mean ± 95%)", "paper (Inception)"):
            table.add_column(col, justify="left" if col == "row" else "right")
        for r in d["rows"]:
            fid = r["fid"]
            half = fid["half_width"]
            text = (
                "n/a"
                if fid["mean"] is None
                else f"{fid['mean']:.2f}" + ("" if half is None else f" ± {half:.2f}")
            )
            table.add_row(r["label"], text, "—" if r["paper"] is None else f"{r['paper']['fid']}")
        console.print(table)
    left_out = [r["label"] for r in report.get("left_out") or []]
    if left_out:
        console.print(f"rows left out (--rows): {', '.join(left_out)}", markup=False)
    if not report["claims"]:
        console.print("claims: none compares two of the rows run", markup=False)
        return
    table = Table(title="claims", title_justify="left")
    table.add_column("claim")
    table.add_column("verdict")
    for c in report["claims"]:
        table.add_row(c["id"], c["verdict"] or "not measured")
    console.print(table)

"""``ganzoo plot-dynamics``: the seed's figure of p_g approaching p_data while D(x) -> ½."""

from __future__ import annotations

from pathlib import Path

import click

from ganzoo.api.errors import UsageError


@click.command("plot-dynamics")
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option(
    "--panels",
    type=click.IntRange(1, 12),
    default=4,
    show_default=True,
    help="Snapshots to show, evenly spaced over training.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False),
    default=None,
    help="PNG to write [default: RUN_DIR/dynamics.png].",
)
def dynamics_command(run_dir: str, panels: int, out: str | None) -> None:
    """Plot p_data, p_g and D(x) at several moments of a 1-D run (Goodfellow et al. Fig. 1).

    \b
    Example:
      ganzoo train --model vanilla --dataset gaussian1d --epochs 20 --out runs/fig1
      ganzoo plot-dynamics runs/fig1
    """
    from ganzoo.runs.rundir import DYNAMICS, RunDir

    run = RunDir.open(run_dir)
    snapshots = run.read_jsonl(DYNAMICS)
    if not snapshots:
        dataset = run.read_config()["config"]["dataset"]
        raise UsageError(
            f"run {run.path} recorded no 1-D dynamics (dataset {dataset!r}); train on 1-D data "
            "such as gaussian1d to get them"
        )
    target = Path(out) if out else run.path / "dynamics.png"
    from ganzoo.training.figures import plot_dynamics

    plot_dynamics(snapshots, target, panels)
    click.echo(str(target))

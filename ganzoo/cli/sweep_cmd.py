"""``ganzoo sweep``: a hyperparameter sweep on optuna, each trial an ordinary run folder.

Torch and optuna load only when a sweep runs or is shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ganzoo.tools.sweep import SweepResult, SweepSpec

SHOW_OPTIONS = {"show", "as_json", "best", "folder", "storage", "study_name", "quiet"}


@click.command("sweep")
@click.argument("folder", required=False, type=click.Path(file_okay=False))
@click.option(
    "--config",
    "-c",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="TOML file: [space] (what to sweep) and [fixed] (what every trial shares).",
)
@click.option(
    "--space",
    "-S",
    "space_entries",
    multiple=True,
    metavar="KEY=SPEC",
    help="Sweep a train option: lr=float:1e-5:1e-2:log, d_steps=int:1:5, "
    "loss=choice:nonsat,hinge, model_options.width=int:32:128:32 (repeatable).",
)
@click.option(
    "--fixed",
    "-F",
    "fixed_entries",
    multiple=True,
    metavar="KEY=VALUE",
    help="A train option every trial shares: model=dcgan, batch_size=32 (repeatable).",
)
@click.option("--steps", type=int, default=None, help="Each trial's steps (as -F steps=N).")
@click.option(
    "--eval-every",
    type=int,
    default=None,
    help="Steps between a trial's evaluations, which feed the pruner [default: --steps].",
)
@click.option(
    "--eval-samples",
    type=int,
    default=None,
    help="Generated images per evaluation [default: train's].",
)
@click.option(
    "--trials",
    "-n",
    type=int,
    default=None,
    help="Trials to finish: complete, pruned or failed [default: the study's, to continue it].",
)
@click.option(
    "--objective",
    default=None,
    help="The metric each trial is scored by: fid, kid_mean, precision, ... [default: fid].",
)
@click.option(
    "--direction",
    type=click.Choice(["minimize", "maximize"]),
    default=None,
    help="[default: the metric's: minimize FID and KID, maximize precision, recall, scores].",
)
@click.option("--sampler", type=click.Choice(["tpe", "random"]), default="tpe", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="The sampler's seed.")
@click.option(
    "--storage",
    metavar="URL",
    default=None,
    help="The study's database, a SQLAlchemy URL (postgresql://..., mysql://...) that several "
    "machines share [default: sqlite:///FOLDER/study.db].",
)
@click.option("--study-name", default=None, help="[default: the folder's name].")
@click.option(
    "--workers",
    type=int,
    default=1,
    show_default=True,
    help="Run trials in this many processes, the cores split between them.",
)
@click.option(
    "--prune/--no-prune",
    default=True,
    show_default=True,
    help="Stop trials whose evaluations fall below the median of earlier trials' at that step.",
)
@click.option(
    "--prune-after",
    type=int,
    default=5,
    show_default=True,
    help="Trials to complete before the pruner stops any.",
)
@click.option(
    "--show", is_flag=True, help="Print the study's trials and the best one; run nothing."
)
@click.option("--json", "as_json", is_flag=True, help="Print the study as JSON.")
@click.option(
    "--best",
    is_flag=True,
    help="With --show: print only the best trial's run folder (for sample, eval, export).",
)
@click.option("--quiet", "-q", is_flag=True, help="No line per trial.")
@click.pass_context
def sweep_command(
    ctx: click.Context,
    folder: str | None,
    config_path: str | None,
    space_entries: tuple[str, ...],
    fixed_entries: tuple[str, ...],
    steps: int | None,
    eval_every: int | None,
    eval_samples: int | None,
    trials: int | None,
    objective: str | None,
    direction: str | None,
    sampler: str,
    seed: int,
    storage: str | None,
    study_name: str | None,
    workers: int,
    prune: bool,
    prune_after: int,
    show: bool,
    as_json: bool,
    best: bool,
    quiet: bool,
) -> None:
    """Sweep train options with optuna: each trial an ordinary run folder under FOLDER/trials.

    The study lives in FOLDER/study.db (or --storage); the same command after a kill
    continues it, and `ganzoo sweep FOLDER` alone continues it with its stored options.

    \b
    Examples:
      ganzoo sweep runs/sweep --config sweep.toml --trials 20
      ganzoo sweep runs/sweep -S lr=float:1e-5:1e-2:log -S d_steps=int:1:3 \\
          --steps 2000 --eval-every 500 --trials 20
      ganzoo sweep runs/sweep --workers 2
      ganzoo sweep --show runs/sweep
      ganzoo sample $(ganzoo sweep --show runs/sweep --best) --out best.png
    """
    from ganzoo.api.errors import UsageError

    if best and not show:
        raise UsageError("--best goes with --show: ganzoo sweep --show FOLDER --best")
    if show:
        _refuse_with_show(ctx)
        from ganzoo.tools.sweep import show_sweep

        result = show_sweep(folder, storage=storage, study_name=study_name)
        if best:
            if result.best is None:
                raise UsageError(f"study {result.study_name!r} has no complete trial yet")
            click.echo(str(result.best.run_dir))
            return
        _print(result, as_json)
        return
    if folder is None:
        raise UsageError("give the sweep FOLDER (its trials' run folders go under it)")
    spec = _spec(
        folder, config_path, space_entries, fixed_entries, steps, eval_every, trials, storage,
        study_name, objective, direction,
    )  # fmt: skip
    import dataclasses

    from ganzoo.tools.sweep import run_sweep

    spec = dataclasses.replace(
        spec,
        sampler=sampler,
        seed=seed,
        workers=workers,
        prune=prune,
        pruner_startup_trials=prune_after,
        eval_samples=eval_samples,
    )
    log = None if quiet else (lambda line: click.echo(line, err=True))
    _print(run_sweep(spec, log=log), as_json)


def _spec(
    folder: str,
    config_path: str | None,
    space_entries: tuple[str, ...],
    fixed_entries: tuple[str, ...],
    steps: int | None,
    eval_every: int | None,
    trials: int | None,
    storage: str | None,
    study_name: str | None,
    objective: str | None,
    direction: str | None,
) -> SweepSpec:
    """The spec the options ask for, on top of the study's own where they continue it."""
    from pathlib import Path

    from ganzoo.api.errors import UsageError
    from ganzoo.tools.sweep import SweepSpec, load_space, stored_spec
    from ganzoo.tools.sweep.reading import merge, parse_fixed_entry, parse_space_entry

    more_space = dict(parse_space_entry(e) for e in space_entries)
    more_fixed = dict(parse_fixed_entry(e) for e in fixed_entries)
    for key, value in (("steps", steps), ("eval_every", eval_every)):
        if value is not None:
            if key in more_fixed and more_fixed[key] != value:
                raise UsageError(f"{key} is given twice (-F and --{key.replace('_', '-')})")
            more_fixed[key] = value
    if config_path is not None:
        space, fixed = load_space(config_path)
        stored = None
    else:
        stored = stored_spec(folder, storage=storage, study_name=study_name)
        space, fixed = (stored.space, stored.fixed) if stored is not None else ({}, {})
    space, fixed = merge(space, fixed, more_space, more_fixed)
    if trials is None:
        if stored is None:
            raise UsageError("give --trials N: how many trials the sweep should finish")
        trials = stored.trials
    return SweepSpec(
        folder=Path(folder),
        space=space,
        fixed=fixed,
        trials=trials,
        objective=objective or (stored.objective if stored is not None else "fid"),
        direction=direction or (stored.direction if stored is not None and not objective else None),
        storage=storage,
        study_name=study_name,
    )


def _refuse_with_show(ctx: click.Context) -> None:
    from ganzoo.api.errors import UsageError

    source = click.core.ParameterSource.COMMANDLINE
    extra = [
        p.opts[0]
        for p in ctx.command.params
        if p.name not in SHOW_OPTIONS and ctx.get_parameter_source(p.name) == source
    ]
    if extra:
        raise UsageError(
            f"--show reads the study and runs nothing; {', '.join(extra)} cannot be given "
            "with it (only FOLDER, --storage, --study-name, --json, --best)"
        )


def _print(result: SweepResult, as_json: bool) -> None:
    """The trials as a table (or JSON) on stdout, and the best one."""
    import json
    import sys

    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"study {result.study_name} ({result.storage}): {result.finished} of "
        f"{result.wanted} trials finished, {result.objective} ({result.direction})",
        title_justify="left",
    )
    for column in ("#", "state", "params", result.objective, "run folder", "error"):
        table.add_column(column, overflow="fold")
    for t in result.trials:
        table.add_row(
            str(t.number),
            t.state,
            _params(t.params),
            "" if t.value is None else f"{t.value:.4g}",
            _where(t.run_dir),
            t.error or "",
        )
    console = Console(width=None if sys.stdout.isatty() else 160)
    console.print(table)
    best = result.best
    if best is None:
        console.print("best: none yet (no trial complete)", highlight=False)
    else:
        console.print(
            f"best: trial {best.number}, {result.objective} {best.value:.4g}, "
            f"{_params(best.params)}\nrun folder: {_where(best.run_dir)}",
            highlight=False,
            soft_wrap=True,
        )


def _params(params: dict) -> str:
    return ", ".join(
        f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items()
    )


def _where(path) -> str:
    """A run folder, relative to the working folder where it is below it."""
    from pathlib import Path

    if path is None:
        return ""
    here = Path.cwd()
    return str(path.relative_to(here)) if path.is_relative_to(here) else str(path)

"""``ganzoo export``: a run's generator as TorchScript, ONNX or safetensors, with a model card.

The logic lives in :mod:`ganzoo.tools.export`; this module checks the invocation (torch-free).
"""

from __future__ import annotations

from pathlib import Path

import click

FORMATS = ("torchscript", "onnx", "safetensors")


@click.command("export")
@click.argument("run_dir", metavar="RUN")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="torchscript",
    show_default=True,
    help="torchscript: needs torch only; onnx: any ONNX runtime (needs onnx, onnxscript); "
    "safetensors: weights + a generator.py that rebuilds the network (needs safetensors).",
)
@click.option(
    "--out",
    "-o",
    default=None,
    metavar="DIR",
    help="The export folder [default: RUN-NAME-FORMAT in the current folder].",
)
@click.option(
    "--checkpoint",
    default=None,
    metavar="STEP|FILE|latest",
    help="The checkpoint to export [default: the newest of a finished run].",
)
@click.option(
    "--no-ema", is_flag=True, help="Export the raw generator of a run trained with --ema."
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of the card's samples and checks."
)
@click.option("--overwrite", is_flag=True, help="Replace an existing export in --out.")
def export_command(
    run_dir: str,
    fmt: str,
    out: str | None,
    checkpoint: str | None,
    no_ema: bool,
    seed: int,
    overwrite: bool,
) -> None:
    """Export RUN's generator (its moving average if kept) to use without ganzoo.

    The folder holds the network (generator.pt, generator.onnx, or generator.safetensors
    with generator.py), config.json (inputs, output, provenance), model_card.md (data,
    training, metrics, how to load it) and samples.png. The written file is loaded back
    and checked against ganzoo's own samples before the folder is kept.

    \b
    Examples:
      ganzoo export runs/first-gan --out first-gan-ts
      ganzoo export runs/first-gan --format onnx --out first-gan-onnx
      ganzoo export runs/first-gan --format safetensors --out first-gan-st
    """
    from ganzoo.api.errors import UsageError

    if not 0 <= seed < 2**63:
        raise UsageError(f"--seed must be an integer in [0, 2**63), got {seed}")
    from ganzoo.runs.rundir import RunDir

    run = RunDir.open(run_dir)
    run.read_config()
    target = Path(out) if out is not None else Path(f"{run.path.resolve().name}-{fmt}")

    from ganzoo.tools.export import export_run

    config = export_run(
        run.path,
        target,
        fmt,
        checkpoint=checkpoint,
        ema=not no_ema,
        seed=seed,
        overwrite=overwrite,
    )
    check = config["verification"]
    diff = check.get("max_abs_diff")
    how = "not run back" if diff is None else ("bit-exact" if diff == 0 else f"max |Δ| {diff:.2g}")
    weights = "EMA generator" if config["ema"] else "generator"
    click.echo(
        f"exported {run.path} step {config['step']} ({weights}) as {fmt}; "
        f"checked on {check['codes']} codes: {how}",
        err=True,
    )
    click.echo(str(target))

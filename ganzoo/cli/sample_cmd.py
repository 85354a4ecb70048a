"""``ganzoo sample``: images from a trained run, as a grid, PNG files, tensors or a latent walk.

The logic lives in :mod:`ganzoo.tools.sampling`; this module checks the invocation (torch-free)
and writes nothing until every check has passed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ganzoo.api.errors import UsageError

if TYPE_CHECKING:
    from ganzoo.tools.sampling.codes import CodeSpec

FORMATS = ("grid", "png", "pt", "npz")
SUFFIXES = {"grid": ".png", "pt": ".pt", "npz": ".npz"}
FILE_SUFFIXES = (".png", ".pt", ".npz", ".gif", ".jpg", ".jpeg")


def resolve_format(fmt: str | None, out: str | None, run_name: str, walk: bool) -> tuple[str, Path]:
    """``--format`` and ``--out`` made explicit: each inferred from the other, or checked."""
    if out is not None:
        path = Path(out)
        suffix = path.suffix.lower()
        if fmt is None:
            fmt = {".png": "grid", ".pt": "pt", ".npz": "npz"}.get(suffix)
            if fmt is None:
                raise UsageError(
                    f"cannot tell the format of --out {out}: end it in .png (a grid), .pt or "
                    ".npz, or give --format png to write one PNG per image into that folder"
                )
        elif fmt == "png":
            if suffix in FILE_SUFFIXES:
                raise UsageError(
                    f"--format png writes one PNG per image into a folder, but --out {out} "
                    "names a file; for one grid image use --format grid"
                )
        elif suffix != SUFFIXES[fmt]:
            raise UsageError(
                f"--format {fmt} writes a {SUFFIXES[fmt]} file, but --out {out} "
                f"ends in {suffix or 'no extension'}"
            )
    else:
        fmt = fmt or "grid"
        stem = f"{run_name}-{'walk' if walk else 'samples'}"
        path = Path(stem + SUFFIXES.get(fmt, ""))
    if walk and fmt == "png":
        raise UsageError(
            "--interpolate writes a grid and an animated GIF (--out FILE.png) or the "
            "tensors (.pt, .npz), not a folder of PNGs"
        )
    return fmt, path


@click.command("sample")
@click.argument("run_dir", metavar="RUN")
@click.option(
    "--n",
    "-n",
    "n",
    type=int,
    default=None,
    help="Images to draw [default: 64]; with --interpolate, walks, one per grid row [default: 8].",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the codes: the same seed gives the same files.",
)
@click.option(
    "--out",
    "-o",
    default=None,
    metavar="PATH",
    help="FILE.png (a grid), FILE.pt, FILE.npz, or a folder with --format png "
    "[default: RUN-NAME-samples.png in the current folder].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="grid: one PNG; png: one PNG per image in --out (for torch-fidelity or "
    "clean-fid); pt/npz: uint8 images with their codes [default: from --out].",
)
@click.option(
    "--nrow",
    type=int,
    default=None,
    help="Images per grid row [default: about square; the classes for a conditional model].",
)
@click.option(
    "--class",
    "class_",
    type=int,
    default=None,
    metavar="K",
    help="Class-conditional runs: draw class K only [default: every class, one per row].",
)
@click.option(
    "--interpolate",
    type=int,
    default=None,
    metavar="STEPS",
    help="Latent walks of STEPS images between two codes: a grid (a walk per row) "
    "and an animated GIF beside it.",
)
@click.option(
    "--code",
    "code",
    default=None,
    metavar="NAME[=LO..HI[:STEPS]]",
    help="InfoGAN-style runs: a grid whose columns vary latent code NAME (c1=0..9, "
    "c2=-2..2) while each row holds its noise and the other codes; --n rows [default: 10].",
)
@click.option(
    "--checkpoint",
    default=None,
    metavar="STEP|FILE|latest",
    help="The checkpoint to sample [default: the newest of a finished run; an "
    "unfinished run needs it named].",
)
@click.option("--no-ema", is_flag=True, help="The raw generator of a run trained with --ema.")
@click.option(
    "--device",
    default="cpu",
    show_default=True,
    help="auto, cpu, cuda, mps or cuda:N; codes are drawn on the CPU either way.",
)
@click.option(
    "--batch-size",
    "-b",
    type=int,
    default=256,
    show_default=True,
    help="Codes per forward pass (the codes do not depend on it).",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing --out.")
def sample_command(
    run_dir: str,
    n: int | None,
    seed: int,
    out: str | None,
    fmt: str | None,
    nrow: int | None,
    class_: int | None,
    interpolate: int | None,
    code: str | None,
    checkpoint: str | None,
    no_ema: bool,
    device: str,
    batch_size: int,
    overwrite: bool,
) -> None:
    """Draw images from RUN's newest checkpoint (the generator's moving average if kept).

    Deterministic: the same seed gives byte-identical files. A .pt or .npz file holds
    `images` (uint8, N×C×H×W), the latent codes `z` and, for a conditional model, `labels`:
    an exported generator fed those codes gives the same images.

    \b
    Examples:
      ganzoo sample runs/first-gan --out grid.png
      ganzoo sample runs/first-gan --n 1000 --format png --out fakes/
      ganzoo sample runs/first-gan --interpolate 10 --n 8 --out walk.png
      ganzoo sample runs/cond-gan --class 3 --out threes.png
      ganzoo sample runs/infogan --code c1=0..9 --out digits-by-code.png
    """
    _check_ints(n=n, nrow=nrow, interpolate=interpolate, batch_size=batch_size, seed=seed)
    if interpolate is not None and nrow is not None:
        raise UsageError("--nrow does not apply to --interpolate: each walk is one grid row")
    spec = _code_spec(code, interpolate, nrow, class_)
    if n is None:
        n = 8 if interpolate is not None else 10 if spec is not None else 64
    from ganzoo.runs.rundir import RunDir
    from ganzoo.tools.sampling import check_output

    run = RunDir.open(run_dir)
    walk = interpolate is not None
    fmt, path = resolve_format(fmt, out, run.path.resolve().name, walk)
    check_output(run.path, run.read_config()["data"], fmt, path, walk, overwrite)
    from ganzoo.tools.sampling import Sampler, write_samples, write_walk

    sampler = Sampler(run.path, checkpoint=checkpoint, ema=not no_ema, device=device)
    sampler.check_class(class_)
    if walk:
        samples = sampler.walk(n, interpolate, seed, class_, batch_size)
        written = write_walk(samples, path, fmt)
        what = f"{n} walk(s) of {interpolate} images"
    elif spec is not None:
        samples = sampler.vary(spec, n, seed, batch_size)
        columns = samples.images.shape[0] // n
        written = write_samples(samples, path, fmt, columns)
        what = f"{n} row(s) of {columns} values of code {spec.name}"
    else:
        samples = sampler.sample(n, seed, class_, batch_size)
        written = write_samples(samples, path, fmt, nrow, sampler.num_classes)
        what = f"{n} image(s)" if sampler.is_image else f"{n} sample(s)"
    weights = "EMA generator" if sampler.uses_ema else "generator"
    klass = f", class {class_}" if class_ is not None else ""
    click.echo(
        f"{what} from {run.path} step {sampler.step} ({weights}, seed {seed}{klass})", err=True
    )
    for item in written:
        click.echo(str(item))


def _code_spec(
    code: str | None, interpolate: int | None, nrow: int | None, class_: int | None
) -> CodeSpec | None:
    """``--code``'s spec, parsed, once the options it excludes are known to be absent."""
    if code is None:
        return None
    for given, option in ((interpolate, "--interpolate"), (nrow, "--nrow"), (class_, "--class")):
        if given is not None:
            raise UsageError(
                f"--code does not combine with {option}: each row holds its noise and codes, "
                "and the columns take the code's values"
            )
    from ganzoo.tools.sampling.codes import CodeSpec

    return CodeSpec.parse(code)


def _check_ints(**values: int | None) -> None:
    lowest = {"n": 1, "nrow": 1, "interpolate": 2, "batch_size": 1, "seed": 0}
    for name, value in values.items():
        if value is None:
            continue
        option = "--" + name.replace("_", "-")
        if name == "seed" and not 0 <= value < 2**63:
            raise UsageError(f"--seed must be an integer in [0, 2**63), got {value}")
        if value < lowest[name]:
            what = " (the images of a walk)" if name == "interpolate" else ""
            raise UsageError(f"{option} must be an integer >= {lowest[name]}{what}, got {value}")

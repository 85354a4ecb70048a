"""Bad input, one table: every command refuses a bad invocation the same way.

Each row is one invocation that must exit non-zero with one line on stderr (plugin warnings
aside), no traceback, no new folder, and a finished run that stays byte-identical. The run
(``ganzoo train --steps 20``) is made once for the module, with doctored copies of it. Rows
that give ``code=2`` must exit with exactly that code (a usage error). After the table, the
refusals that need a plugin or an absent MNIST.
"""

from __future__ import annotations

import json
import pickle
import shutil
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
import torch

import ganzoo
from ganzoo.cli import cli
from tests.helpers import cli_ok, tree_hash

CPU_ONLY = not torch.cuda.is_available()


class Payload:
    """Unpickling this runs code: it creates the file named by ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@dataclass(frozen=True)
class World:
    """The module's finished run, its doctored copies, and the paths the rows name."""

    root: Path
    run: Path
    pristine: Path
    run_hash: str
    cache: Path  # a cache whose statistics file is doctored
    marker: Path  # created if anything unpickles a payload

    def fill(self, arg: str, tmp_path: Path) -> str:
        return arg.format(
            run=self.run,
            new=tmp_path / "new",
            root=self.root,
            marker=self.marker,
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    root = tmp_path_factory.mktemp("bad-input")
    run = root / "run"
    marker = root / "marker"
    with pytest.MonkeyPatch.context() as mp:
        cache = root / "cache"
        mp.setenv("GANZOO_CACHE_DIR", str(cache))
        cli_ok("train", "--steps", "20", "--out", run, "-q")
        # an InfoGAN run, for --code's refusals (its codes: c1 categorical 0..9, c2 and c3)
        cli_ok("train", "--model", "infogan", "--steps", "2", "--out", root / "info", "-q")
        # a sweep of one trial, for the refusals of continuing a study with other options
        cli_ok(
            "sweep", root / "sweep", "-S", "lr=float:0.001:0.01", "--steps", "2",
            "--trials", "1", "--eval-samples", "10", "-q",
        )  # fmt: skip
        # The doctored statistics cache of item 4: the file ganzoo would read, as a payload.
        from ganzoo.metrics import EvalSpec, realstats
        from ganzoo.metrics.fidelity import Evaluator

        evaluator = Evaluator(EvalSpec("digits", samples=50))
        path = realstats.cache_path(evaluator.cache_name, evaluator.extractor.fidelity_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(Payload(marker)))
    pristine = Path(shutil.copytree(run, root / "pristine"))

    def copy(name: str) -> Path:
        return Path(shutil.copytree(pristine, root / name))

    # config.json: valid JSON without the "config" key
    stored = json.loads((pristine / "config.json").read_text())
    (copy("no-config-key") / "config.json").write_text(
        json.dumps({k: v for k, v in stored.items() if k != "config"})
    )
    # a run on a training subset whose images the dataset no longer gives (another hash)
    other = copy("other-subset")
    doctored = {**stored, "config": {**stored["config"], "data_limit": 700}}
    doctored["subset"] = {"data_limit": 700, "images": 700, "index_sha256": "0" * 64}
    (other / "config.json").write_text(json.dumps(doctored))
    (copy("not-json") / "config.json").write_text("{ this is not json")
    shutil.rmtree(copy("no-checkpoint") / "checkpoints")
    corrupt = copy("corrupt-checkpoint")
    for ckpt in (corrupt / "checkpoints").glob("step_*.pt"):
        ckpt.write_bytes(ckpt.read_bytes()[:100])
    pickled = copy("pickled-checkpoint")
    for ckpt in (pickled / "checkpoints").glob("step_*.pt"):
        ckpt.write_bytes(pickle.dumps(Payload(marker)))
    (copy("unfinished") / "summary.json").unlink()
    for ckpt in (copy("diverged") / "checkpoints").glob("step_*.pt"):
        state = torch.load(ckpt, weights_only=True)
        state["model"]["generator.0.weight"].fill_(float("nan"))
        torch.save(state, ckpt)
    copy("twin")
    (root / "not-a-run").mkdir()
    (root / "not-a-run" / "notes.txt").write_text("not a run")
    (root / "a-file").write_text("a file")
    flat = root / "flat-images"  # images, but no class sub-folders: no labels
    flat.mkdir()
    for i in range(4):
        (flat / f"img{i}.png").write_bytes(_png())
    (root / "payload.pth").write_bytes(pickle.dumps(Payload(marker)))
    study = root / "study"  # a reproduce folder made with other settings
    study.mkdir()
    settings = {"study": "seed", "budget": 0, "seeds": [1, 2, 3], "steps": 5, "samples": 1000,
                "datasets": ["digits"], "extractor": "domain", "storage": None}  # fmt: skip
    (study / "study.json").write_text(json.dumps(settings))
    return World(root, run, pristine, tree_hash(run), cache, marker)


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buffer, format="png")
    return buffer.getvalue()


R = "{run}"
NEW = "{new}"
ROOT = "{root}"


def row(args: str, message: str, *marks, cache: bool = False, code: int | None = None) -> object:
    """``ganzoo ARGS`` must fail with ``message`` (and exit ``code``, where given)."""
    return pytest.param(args.split(), message, cache, code, id=args, marks=marks)


cpu_only = pytest.mark.skipif(not CPU_ONLY, reason="needs a machine without CUDA")

ROWS = [
    # --- train: names ---------------------------------------------------------------------
    row(
        "train --model vanila --out {new}",
        "unknown model 'vanila' (did you mean 'vanilla'?); valid models:",
        code=2,
    ),
    row(
        "train --loss nonsatt --out {new}",
        "unknown loss 'nonsatt' (did you mean 'nonsat'?)",
        code=2,
    ),
    row(
        "train --dataset mnits --out {new}",
        "unknown dataset 'mnits' (did you mean 'mnist'?)",
        code=2,
    ),
    row("train --dataset imagenet --out {new}", "valid datasets:", code=2),
    row("train --frobnicate", "No such option '--frobnicate'. (see 'ganzoo train --help')", code=2),
    row("nonsense", "No such command 'nonsense'", code=2),
    row("train --model vae --loss minimax --out {new}", "minimax"),
    row("train --model infogan -M categorical=1 --out {new}", "categorical must be 0 (no code)"),
    row("train --model infogan -M info_weight=-1 --out {new}", "info_weight must be a finite"),
    # --- train: numbers -------------------------------------------------------------------
    row("train --lr -1 --out {new}", "--lr must be a number > 0, got -1.0"),
    row("train --lr inf --out {new}", "--lr must be a number > 0"),
    row("train --lr 0 --out {new}", "--lr must be a number > 0, got 0.0", code=2),
    row("train --lr abc --out {new}", "'abc' is not a valid float", code=2),
    row("train --lr-d 0 --out {new}", "--lr-d must be a number > 0, got 0.0"),
    row("train --lr-d -4e-4 --out {new}", "--lr-d must be a number > 0, got -0.0004"),
    row(
        "train --model vae --lr-d 1e-3 --out {new}",
        "--lr-d sets the discriminator's learning rate; vae (likelihood family) has no "
        "discriminator: use --lr",
    ),
    row("train --batch-size 0 --out {new}", "--batch-size must be an integer >= 1, got 0", code=2),
    row("train --batch-size -5 --out {new}", "--batch-size must be an integer >= 1", code=2),
    row(
        "train --batch-size 5000 --steps 1 --out {new}",
        "needs more samples than dataset 'digits' has (1438)",
        code=2,
    ),
    row("train --steps 0 --out {new}", "--steps must be an integer >= 1, got 0", code=2),
    row("train --epochs -1 --out {new}", "--epochs must be an integer >= 1", code=2),
    row("train --steps 1.5 --out {new}", "'1.5' is not a valid integer"),
    row("train --seed -1 --out {new}", "--seed must be an integer in [0, 2**63), got -1"),
    row("train --betas -0.1 0.9 --out {new}", "--betas must be two numbers in [0, 1)"),
    row("train --betas 0.5 1.0 --out {new}", "--betas must be two numbers in [0, 1)"),
    row("train --out {new} --betas 0.5", "--betas"),
    row("train --d-steps 0 --out {new}", "--d-steps must be an integer >= 1", code=2),
    row("train --latent-dim 0 --out {new}", "--latent-dim must be an integer >= 1"),
    row("train --time-budget 0 --out {new}", "--time-budget must be a number of seconds > 0"),
    row("train --time-budget nan --out {new}", "--time-budget must be a number of seconds > 0"),
    row("train --log-every 0 --out {new}", "--log-every must be an integer >= 1"),
    row("train --keep-checkpoints 0 --out {new}", "--keep-checkpoints must be an integer >= 1"),
    row("train --checkpoint-every 0 --out {new}", "--checkpoint-every must be an integer >= 1"),
    row("train --eval-every 0 --out {new}", "--eval-every must be an integer >= 1"),
    row("train --eval-every 5 --eval-samples 3 --out {new}", "--eval-samples must be"),
    row("train --eval-every 5 --feature-extractor nope --out {new}", "feature extractor 'nope'"),
    row("train --nproc 0 --out {new}", "--nproc must be an integer >= 1"),
    row("train --threads 0 --out {new}", "--threads must be an integer >= 1, got 0"),
    row("train --ema 1.5 --out {new}", "--ema must be a decay in [0, 1) (0: off), got 1.5"),
    row("train --sample-every 0 --out {new}", "--sample-every must be an integer >= 1"),
    row(
        "train --eval-every 5 --feature-extractor inception --inception-weights "
        "{root}/missing.pth --out {new}",
        "missing.pth (from --inception-weights) does not exist",
    ),
    # --- train: device, precision, options ------------------------------------------------
    row("train --device tpu --out {new}", "--device must be one of auto, cpu, cuda, mps", code=2),
    row("train --device cuda:x --out {new}", "--device must be one of"),
    row("train --device cuda --out {new}", "CUDA is not available here", cpu_only),
    row("train --amp fp32 --out {new}", "--amp must be one of auto, none, bf16, fp16, got 'fp32'"),
    row("train --sync-bn --steps 2 --out {new}", "--sync-bn"),
    row("train -M nope=1 --out {new}", "model 'vanilla' has no option 'nope'; valid options:"),
    row("train -L nope=1 --out {new}", "loss 'nonsat' has no option 'nope'"),
    row("train -D nope=1 --out {new}", "dataset 'digits' has no option 'nope'"),
    row("train -L novalue --out {new}", "--loss-option takes KEY=VALUE"),
    row("train --reg nope --out {new}", "unknown regulariser 'nope'; valid regularisers: gp"),
    row("train --reg r1,r1 --out {new}", "--reg names r1 more than once"),
    row("train -R novalue --out {new}", "--reg-option takes KEY=VALUE"),
    row("train --reg r1 -R nope=1 --out {new}", "-R nope: no regulariser of this run takes it"),
    row(
        "train --augment colr,translation --out {new}",
        "unknown augmentation 'colr' (did you mean 'color'?); valid augmentations: color, "
        "cutout, translation",
        code=2,
    ),
    row("train --augment cutout,cutout --out {new}", "--augment names cutout more than once"),
    row(
        "train --augment color --dataset ring2d --out {new}",
        "--augment color transforms image data; dataset 'ring2d' is vector data",
    ),
    row(
        "train --augment color --model vae --out {new}",
        "--augment color augments the training of adversarial models; model 'vae' is likelihood",
    ),
    row("train -A novalue --out {new}", "--augment-option takes KEY=VALUE"),
    row("train -A shift=0.2 --out {new}", "-A shift: no augmentation of this run takes it"),
    row(
        "train --augment translation -A shift=2 --out {new}",
        "augmentation 'translation': shift must be a number in [0, 1], got 2",
    ),
    # --- train: the training subset (--data-fraction / --data-limit / --data-seed) ----------
    row("train --data-fraction 0 --out {new}", "--data-fraction must be a number in (0, 1], got 0"),
    row("train --data-fraction -0.5 --out {new}", "--data-fraction must be a number in (0, 1]"),
    row("train --data-fraction 1.5 --out {new}", "--data-fraction must be a number in (0, 1]"),
    row("train --data-fraction nan --out {new}", "--data-fraction must be a number in (0, 1]"),
    row(
        "train --data-fraction 0.0001 --out {new}",
        "--data-fraction 0.0001 of the 1438 training images of 'digits' keeps none",
    ),
    row("train --data-limit 0 --out {new}", "--data-limit must be an integer >= 1, got 0"),
    row(
        "train --data-limit 1439 --out {new}",
        "--data-limit 1439 is more than the 1438 training images of 'digits'; use at most 1438",
    ),
    row("train --data-limit 600 --data-fraction 0.1 --out {new}", "not both"),
    row("train --data-seed -1 --out {new}", "--data-seed must be an integer in [0, 2**32)"),
    row(
        "train --data-limit 40 --out {new}",
        "needs more samples than dataset 'digits' has (40 in the training subset)",
    ),
    row("train -M novalue --steps 1 --out {new}", "--model-option takes KEY=VALUE", code=2),
    row(
        "train -M dropout=1.5 --steps 1 --out {new}",
        "model 'vanilla': dropout must be in [0, 1)",
        code=2,
    ),
    # --- train --conditional: labels the data lacks, models that cannot use them ---------
    row("train --conditional --dataset gaussian1d --out {new}", "dataset 'gaussian1d' has none"),
    row("train --conditional --model vae --out {new}", "model 'vae' cannot train with --cond"),
    row(
        "train --conditional --model infogan --out {new}",
        "model 'infogan' cannot train with --conditional (its categorical code c1 plays the "
        "label's role",
    ),
    row(
        "train --conditional --dataset folder --data-dir {root}/flat-images -D image_size=8 "
        "--steps 2 --batch-size 2 --out {new}",
        "dataset 'folder' has none",
    ),
    row("train -M acgan=true --out {new}", "acgan=true needs labels: train with --conditional"),
    row("train --conditional -M aux_weight=-1 --out {new}", "aux_weight must be >= 0"),
    row("train -M num_classes=3 --out {new}", "num_classes is not an option"),
    # --- train: the run folder -------------------------------------------------------------
    row("train --steps 1 --out {run}", "is not empty; choose a new folder", code=2),
    row("train --steps 1 --out {root}/a-file", "is a file, not a folder", code=2),
    row("train --steps 1 --out /proc/ganzoo-run", "cannot create run folder /proc/ganzoo-run"),
    row("train --steps 1 --out {root}/a-file/run", "cannot create run folder"),
    row("train --steps 1 --overwrite --out {root}/not-a-run", "is not a ganzoo run"),
    # --overwrite with each kind of bad option: the run it would replace stays untouched
    row("train --overwrite --model vanila --out {run}", "unknown model 'vanila'"),
    row(
        "train --overwrite --data-dir /nonexistent --dataset mnist --out {run}",
        "mnist not found in /nonexistent",
    ),
    row("train --overwrite --lr -1 --out {run}", "--lr must be a number > 0"),
    row(
        "train --overwrite --device cuda --out {run}",
        "CUDA is not available here",
        cpu_only,
    ),
    row(
        "train --overwrite --eval-every 5 --feature-extractor nope --out {run}",
        "feature extractor 'nope'",
    ),
    # --- train --resume --------------------------------------------------------------------
    row("train --resume {root}/nowhere", "is not a folder"),
    row("train --resume {root}/not-a-run", "is not a ganzoo run (no config.json)"),
    row("train --resume {run}", "already reached step 20 of 20"),
    row("train --resume {run} --tensorboard", "--tensorboard cannot change"),
    row("train --resume {run} --lr 1", "--lr cannot change"),
    row("train --resume {run} --conditional", "--conditional cannot change"),
    row("train --resume {run} --steps 40 --augment color", "--augment cannot change"),
    row("train --resume {run} --steps 40 --data-fraction 0.5", "--data-fraction cannot change"),
    row("train --resume {run} --steps 40 --data-seed 1", "--data-seed cannot change"),
    row(
        "train --resume {run} --steps 40 --nproc 2",
        "this run was trained by 1 process(es); resume it with the same number (now 2)",
        code=2,
    ),
    row(
        "train --resume {root}/other-subset --steps 40",
        "trained on a subset of the data that its dataset no longer gives",
    ),
    row("train --resume {run} --steps 0", "--steps must be an integer >= 1"),
    row("train --resume {run} --steps 40 --device tpu", "--device must be one of"),
    row("train --resume {root}/no-config-key --steps 40", "is malformed: it has no 'config' key"),
    row("train --resume {root}/not-json --steps 40", "cannot read"),
    row("train --resume {root}/no-checkpoint --steps 40", "has no checkpoint to resume from"),
    row("train --resume {root}/corrupt-checkpoint --steps 40", "truncated or corrupt"),
    row("train --resume {root}/pickled-checkpoint --steps 40", "pickled code or objects"),
    # --- eval -------------------------------------------------------------------------------
    row("eval {root}/nowhere", "is not a folder"),
    row("eval {root}/not-a-run", "is not a ganzoo run (no config.json)"),
    row("eval {root}/no-config-key", "is malformed: it has no 'config' key"),
    row("eval {run} --feature-extractor nope", "unknown feature extractor 'nope'"),
    row("eval {run} --samples 3", "--samples must be an integer >= 10, got 3"),
    row("eval {run} --batch-size 0", "--batch-size must be an integer >= 1"),
    row("eval {run} --split validation", "'validation' is not one of"),
    row("eval {run} --device tpu", "--device must be one of"),
    row("eval {run} --seed -1 --samples 10", "--seed must be an integer in [0, 2**63)"),
    row(
        "eval {run} --feature-extractor inception --inception-weights {root}/missing.pth",
        "missing.pth (from --inception-weights) does not exist",
    ),
    row(
        "eval {run} --feature-extractor inception --inception-weights {root}/payload.pth",
        "refusing Inception weights",
    ),
    row("eval {root}/no-checkpoint", "has no checkpoint to evaluate"),
    row("eval {root}/corrupt-checkpoint", "truncated or corrupt"),
    row("eval {root}/pickled-checkpoint", "pickled code or objects"),
    row("eval {run} --samples 50", "refusing the statistics cache", cache=True),
    # --- compare ----------------------------------------------------------------------------
    row("compare --out {new}", "give at least two RUNS"),
    row("compare {run} --out {new}", "compare needs at least two runs"),
    row("compare {run} {run} --out {new}", "the same run is named twice"),
    row("compare {run} {root}/twin --feature-extractor nope --out {new}", "'nope'"),
    row("compare {run} {root}/twin --samples 3 --out {new}", "--samples must be an integer >= 10"),
    row("compare {run} {root}/unfinished --out {new}", "has not finished (no summary.json)"),
    row("compare {run} {root}/no-config-key --out {new}", "is malformed: it has no 'config'"),
    row("compare {run} {root}/twin --out {run}", "is not empty"),
    row("compare {run} --models vanilla --out {new}", "give either RUNS or --models, not both"),
    row(
        "compare {run} {root}/twin --feature-extractor inception --inception-weights "
        "{root}/missing.pth --out {new}",
        "missing.pth (from --inception-weights) does not exist",
    ),
    # --- compare --models -----------------------------------------------------------------
    row("compare --models vanila --steps 2 --out {new}", "unknown model 'vanila'"),
    row("compare --models vanilla:nonsatt --steps 2 --out {new}", "unknown loss 'nonsatt'"),
    row("compare --models vanilla,vanila --steps 2 --out {new}", "unknown model 'vanila'"),
    row("compare --models vanilla,vanilla --steps 2 --out {new}", "names a configuration twice"),
    row("compare --models :nonsat --steps 2 --out {new}", "--models takes MODEL or MODEL:LOSS"),
    row("compare --models vanilla --steps 0 --out {new}", "--steps must be an integer >= 1"),
    row("compare --models vanilla --epochs 0 --out {new}", "--epochs must be an integer >= 1"),
    row("compare --models vanilla --time-budget 0 --out {new}", "--time-budget must be a number"),
    row("compare --models vanilla --batch-size 0 --out {new}", "--batch-size must be an integer"),
    row(
        "compare --models vanilla --seed -1 --out {new}", "--seed must be an integer in [0, 2**63)"
    ),
    row("compare --models vanilla --dataset nope --steps 2 --out {new}", "unknown dataset 'nope'"),
    row(
        "compare --models vanilla --dataset mnist --data-dir /nonexistent --steps 2 --out {new}",
        "mnist not found in /nonexistent",
    ),
    row(
        "compare --models vanilla --steps 2 --runs-dir {root}/a-file/runs --out {new}",
        "cannot create run folder",
    ),
    row("compare --models vanilla --steps 2 --samples 3 --out {new}", "--samples must be"),
    row(
        "compare --models vanilla,vae --conditional --steps 2 --out {new}",
        "model 'vae' cannot train with --conditional",
    ),
    row("compare {run} {root}/twin --conditional --out {new}", "--conditional trains --models"),
    row("compare --models vanilla --seeds 0,x --steps 2 --out {new}", "--seeds takes comma-sep"),
    row("compare --models vanilla --seeds 0 --steps 2 --out {new}", "at least two different"),
    row("compare --models vanilla --seeds 1,1 --steps 2 --out {new}", "at least two different"),
    row("compare {run} {root}/twin --seeds 0,1 --out {new}", "--seeds trains with --models"),
    # --- plot-dynamics ----------------------------------------------------------------------
    row("plot-dynamics {root}/nowhere", "is not a folder"),
    row("plot-dynamics {run}", "recorded no 1-D dynamics (dataset 'digits')"),
    row("plot-dynamics {root}/no-config-key", "is malformed: it has no 'config' key"),
    row("plot-dynamics {run} --panels 0", "--panels"),
    # --- sample -----------------------------------------------------------------------------
    row("sample {root}/nowhere", "is not a folder"),
    row("sample {root}/not-a-run", "is not a ganzoo run (no config.json)"),
    row("sample {root}/no-config-key", "is malformed: it has no 'config' key"),
    row("sample {root}/no-checkpoint --out {new}/x.png", "has no checkpoint"),
    row("sample {root}/corrupt-checkpoint --out {new}/x.png", "truncated or corrupt"),
    row("sample {root}/pickled-checkpoint --out {new}/x.png", "pickled code or objects"),
    row("sample {root}/diverged --out {new}/x.png", "non-finite weights (generator.0.weight"),
    row("sample {root}/unfinished --out {new}/x.png", "has not finished (no summary.json)"),
    row("sample {run} --checkpoint 15 --out {new}/x.png", "--checkpoint 15: no such checkpoint"),
    row("sample {run} --checkpoint {root}/a-file --out {new}/x.png", "cannot load checkpoint"),
    row("sample {run} --class 3 --out {new}/x.png", "--class needs a class-conditional model"),
    row("sample {run} --n 0 --out {new}/x.png", "--n must be an integer >= 1, got 0"),
    row("sample {run} --interpolate 1 --out {new}/x.png", "--interpolate must be an integer >= 2"),
    row("sample {run} --nrow 0 --out {new}/x.png", "--nrow must be an integer >= 1"),
    row("sample {run} --interpolate 4 --nrow 2 --out {new}/x.png", "--nrow does not apply"),
    row("sample {run} --batch-size 0 --out {new}/x.png", "--batch-size must be an integer >= 1"),
    row("sample {run} --seed -1 --out {new}/x.png", "--seed must be an integer in [0, 2**63)"),
    row("sample {run} --format gif --out {new}/x.gif", "'gif' is not one of"),
    row("sample {run} --format pt --out {new}/x.png", "--format pt writes a .pt file"),
    row("sample {run} --format png --out {new}/x.png", "--format png writes one PNG per image"),
    row("sample {run} --out {new}/x.gif", "cannot tell the format of --out"),
    row("sample {run} --interpolate 4 --format png --out {new}", "--interpolate writes a grid"),
    row("sample {run} --out {root}/a-file/x.png", "a-file is a file, not a folder"),
    row("sample {run} --format png --out {root}/a-file", "a-file is a file, not a folder"),
    row("sample {run} --out /proc/ganzoo-samples.png", "cannot write --out /proc/ganzoo-samples"),
    row("sample {run} --out {run}/samples/epoch_0001.png", "exists; pass --overwrite"),
    row("sample {run} --format png --out {run} --overwrite", "is a ganzoo run"),
    row(
        "sample {run} --format png --out {root}/not-a-run --overwrite",
        "holds files that are not PNG files",
    ),
    row("sample {run} --device tpu --out {new}/x.png", "--device must be one of"),
    row("sample {run} --code c1 --out {new}/x.png", "--code needs a model with named latent"),
    row("sample {run} --code c1=0-9 --out {new}/x.png", "--code c1=0-9: expected NAME, NAME="),
    row(
        "sample {root}/info --code c9 --out {new}/x.png",
        "no code 'c9'; this model's codes: c1 (categorical, 0..9), c2 (continuous, prior -1..1)",
    ),
    row("sample {root}/info --code c1=0..12 --out {new}/x.png", "c1 takes whole values in 0..9"),
    row("sample {root}/info --code c2=2..-2 --out {new}/x.png", "LO must be below HI"),
    row("sample {root}/info --code c1=0..9:4 --out {new}/x.png", "c1 is categorical"),
    row("sample {root}/info --code c1 --nrow 5 --out {new}/x.png", "--code does not combine"),
    row("sample {root}/info --code c1 --out {root}/info/config.json", "cannot tell the format"),
    # --- export -----------------------------------------------------------------------------
    row("export {root}/nowhere", "is not a folder"),
    row("export {root}/not-a-run --out {new}", "is not a ganzoo run (no config.json)"),
    row("export {root}/no-config-key --out {new}", "is malformed: it has no 'config' key"),
    row("export {run} --format keras --out {new}", "'keras' is not one of"),
    row("export {root}/no-checkpoint --out {new}", "has no checkpoint"),
    row("export {root}/pickled-checkpoint --out {new}", "pickled code or objects"),
    row("export {root}/diverged --out {new}", "non-finite weights"),
    row("export {root}/unfinished --out {new}", "has not finished (no summary.json)"),
    row("export {run} --checkpoint 99 --out {new}", "--checkpoint 99: no such checkpoint"),
    row("export {run} --seed -1 --out {new}", "--seed must be an integer in [0, 2**63)"),
    row("export {run} --out {run} --overwrite", "is a ganzoo run"),
    row("export {run} --out {root}/not-a-run", "is not empty; pass --overwrite"),
    row(
        "export {run} --out {root}/not-a-run --overwrite",
        "holds files that are not a ganzoo export",
    ),
    row("export {run} --out {root}/a-file", "a-file is a file, not a folder"),
    row("export {run} --out {root}/a-file/sub", "a-file is a file, not a folder"),
    row("export {run} --out /proc/ganzoo-export", "cannot write --out /proc/ganzoo-export"),
    # --- reproduce ----------------------------------------------------------------------------
    row(
        "reproduce lucic --out {new}",
        "unknown study 'lucic' (did you mean 'lucic2018'?); valid studies: dai-wipf2019, "
        "lucic2018, seed",
        code=2,
    ),
    row("reproduce seed --budget -1 --out {new}", "--budget must be an integer >= 0, got -1"),
    row("reproduce seed --seeds 1 --out {new}", "--seeds must be an integer >= 2 (an interval"),
    row("reproduce seed --steps 0 --out {new}", "--steps must be an integer >= 1, got 0"),
    row("reproduce seed --datasets mnits --out {new}", "unknown dataset 'mnits' (did you mean"),
    row("reproduce seed --datasets ring2d --out {new}", "FID is defined for images, but 'ring2d'"),
    row("reproduce seed --datasets digits,digits --out {new}", "--datasets names a dataset twice"),
    row(
        "reproduce lucic2018 --rows hinj --out {new}",
        "unknown lucic2018 row 'hinj' (did you mean 'hinge'?); valid lucic2018 rows: hinge,",
        code=2,
    ),
    row("reproduce seed --rows vae,vae --out {new}", "--rows names a row twice: vae,vae"),
    row("reproduce seed --datasets digits --out {root}/a-file", "a-file is a file, not a folder"),
    row(
        "reproduce seed --datasets digits --out {run}",
        "is not empty and holds no reproduce study (study.json); choose a new folder",
    ),
    row(
        "reproduce seed --datasets digits --out {root}/study",
        "holds a seed study made with steps=5, not 500; the same command continues it",
    ),
    row("reproduce seed --extractor nope --out {new}", "unknown feature extractor 'nope'"),
    row(
        "reproduce seed --datasets digits --extractor inception --inception-weights "
        "{root}/missing.pth --out {new}",
        "missing.pth (from --inception-weights) does not exist",
    ),
    row("reproduce seed --samples 3 --out {new}", "--samples must be an integer >= 10, got 3"),
    row(
        "reproduce lucic2018 --data-dir /nonexistent --out {new}",
        "mnist not found in /nonexistent",
    ),
    row(  # Fashion-MNIST's files are absent: the study names it and how to leave it out
        "reproduce lucic2018 --datasets fashion-mnist --data-dir {root} --out {new}",
        "fashion-mnist not found in",
    ),
    row("reproduce seed --workers 0 --out {new}", "--workers must be an integer >= 1, got 0"),
    row("reproduce seed --storage nope --out {new}", "--storage must be a database URL"),
    row("reproduce seed --device tpu --out {new}", "--device must be one of auto, cpu, cuda"),
    # --- sweep: the space, the options, the storage, continuing a study --------------------
    row("sweep {new}/s -S lrr=float:0.1:1 --steps 9 -n 2", "unknown search space option 'lrr'"),
    row("sweep {new}/s -S lr=uniform:0.1:1 --steps 9 -n 2", "--space takes KEY=SPEC", code=2),
    row("sweep {new}/s -S lr=float:1:0.1 --steps 9 -n 2", "low (1) must not exceed high"),
    row("sweep {new}/s -S batch_size=float:8:64 --steps 9 -n 2", "takes an integer"),
    row("sweep {new}/s -S model=choice:vanilla,vanila --steps 9 -n 2", "model='vanila' is"),
    row("sweep {new}/s -S model_options.widht=int:8:16 --steps 9 -n 2", "no option 'widht'"),
    row("sweep {new}/s --steps 9 -n 2", "the search space is empty", code=2),
    row("sweep {new}/s -S lr=float:0.1:1 -F stepz=3 -n 2", "unknown fixed option 'stepz'"),
    row("sweep {new}/s -S lr=float:0.1:1 -F steps -n 2", "--fixed takes KEY=VALUE"),
    row("sweep {new}/s -S lr=float:0.1:1 -n 2", "fix eval_every (--eval-every N) or steps"),
    row("sweep {new}/s -S lr=float:0.1:1 --steps 0 -n 2", "--steps must be an integer >= 1"),
    row("sweep {new}/s -S lr=float:0.1:1 --eval-every 0 -n 2", "--eval-every must be an"),
    row("sweep {new}/s -S lr=float:0.1:1 --steps 9 --eval-samples 5 -n 2", ">= 10, got 5"),
    row("sweep {new}/s -S lr=float:0.1:1 --steps 9", "give --trials N", code=2),
    row("sweep {new}/s -S lr=float:0.1:1 --steps 9 --trials 0", "--trials must be an integer"),
    row("sweep {new}/s -S lr=float:0.1:1 --steps 9 -n 2 --objective fdi", "(did you mean 'fid'"),
    row("sweep {new}/s -S lr=float:0.1:1 --steps 9 -n 2 --objective kid_std", "give --direction"),
    row("sweep {new}/s -S lr=float:0.1:1 --steps 9 -n 2 --direction up", "'up' is not one of"),
    row("sweep {new}/s -S lr=float:0.1:1 --steps 9 -n 2 --sampler grid", "'grid' is not one of"),
    row("sweep {new}/s -S lr=float:0.1:1 --steps 9 -n 2 --seed -1", "--seed must be an integer"),
    row("sweep {new}/s -S lr=float:0.1:1 --steps 9 -n 2 --workers 0", "--workers must be an"),
    row("sweep {new}/s -S lr=float:0.1:1 --steps 9 -n 2 --prune-after -1", "--prune-after must"),
    row("sweep {new}/s --config {root}/nope.toml -n 2", "nope.toml: no such file"),
    row("sweep {new}/s --config {root}/not-a-run/notes.txt -n 2", "is not valid TOML"),
    row("sweep {new}/s -S lr=float:0.1:1 --steps 9 -n 2 --storage nosuchdb://h/d", "Can't load"),
    row(
        "sweep {new}/s -S lr=float:0.1:1 --steps 9 -n 2 --storage sqlite:////nonexistent/s.db",
        "cannot open --storage sqlite:////nonexistent/s.db: (sqlite3.OperationalError) unable",
    ),
    row("sweep -S lr=float:0.1:1 --steps 9 -n 2", "give the sweep FOLDER", code=2),
    row("sweep {run} -S lr=float:0.1:1 --steps 9 -n 2", "holds files and is not a sweep"),
    row("sweep {root}/a-file -S lr=float:0.1:1 --steps 9 -n 2", "is a file"),
    row("sweep {root}/sweep -S lr=float:0.001:0.1", "another search space (differs in lr)"),
    row("sweep {root}/sweep --steps 3", "another set of fixed options (differs in steps)"),
    row("sweep {root}/sweep --objective kid_mean", "sweeps objective 'fid', not 'kid_mean'"),
    row("sweep {root}/sweep --study-name other", "belongs to study 'sweep', not 'other'"),
    row(
        "sweep {root}/sweep --storage sqlite:///{root}/other.db",
        "belongs to storage its study.db, not sqlite:///",
    ),
    row("sweep --show {root}/not-a-run", "is not a sweep folder (no sweep.json)"),
    row("sweep --show {root}/sweep --trials 3", "--show reads the study and runs nothing"),
    row("sweep --show", "--show needs a sweep FOLDER, or --storage URL and --study-name"),
    row("sweep {root}/sweep --best", "--best goes with --show", code=2),
    row(
        "sweep --show --storage sqlite:///{root}/sweep/study.db --study-name nope",
        "no study 'nope' in sqlite:///",
    ),
    # --- list, plugin -----------------------------------------------------------------------
    row("list modles", "'modles' is not one of", code=2),
    row("list models --frobnicate", "No such option '--frobnicate'"),
    row("plugin new Bad! --dir {new}", "Bad!"),
    row("plugin new vanilla --dir {new}", "a model named 'vanilla' is already registered"),
    row("plugin new gans --kind loss --dir {new}", "a plugin named 'gans' is already installed"),
    row("plugin new fine --kind gizmo --dir {new}", "'gizmo' is not one of"),
    row("plugin new fine --dir {root}/a-file/sub", "cannot create"),
    row("plugin new fine --dir /proc/ganzoo-plugins", "cannot create"),
    row("plugin list --frobnicate", "No such option '--frobnicate'"),
    row("plugin list extra", "unexpected extra argument"),
]


@pytest.fixture
def restore(world):
    """After each row: if the run changed, put the pristine one back (the row still fails)."""
    yield
    if tree_hash(world.run) != world.run_hash:
        shutil.rmtree(world.run, ignore_errors=True)
        shutil.copytree(world.pristine, world.run)


@pytest.mark.parametrize(("args", "message", "doctored_cache", "code"), ROWS)
def test_bad_invocation(
    world, restore, run_cli, tmp_path, monkeypatch, args, message, doctored_cache, code
):
    monkeypatch.chdir(tmp_path)  # a default folder (runs/...) would show up here
    if doctored_cache:
        monkeypatch.setenv("GANZOO_CACHE_DIR", str(world.cache))
    world_hash = tree_hash(world.root)
    result = run_cli(*(world.fill(a, tmp_path) for a in args))
    assert result.exit_code != 0, result.err
    assert code is None or result.exit_code == code, result.err
    assert "Traceback" not in result.err
    lines = [line for line in result.err.strip().splitlines() if not line.startswith("Warning: ")]
    assert len(lines) == 1, result.err
    assert lines[0].startswith("Error: ")
    assert message in lines[0]
    assert tree_hash(world.run) == world.run_hash, "the finished run was changed"
    assert not (tmp_path / "new").exists(), "a refused command created its folder"
    assert not (tmp_path / "runs").exists(), "a refused command created a default folder"
    assert not world.marker.exists(), "a pickle payload ran"
    # nothing else either: the working folder stays empty, every file of the world as it was
    assert not list(tmp_path.iterdir()), "a refused command wrote into the working folder"
    assert tree_hash(world.root) == world_hash, "a refused command changed a file or folder"


#: Options no row gives a bad value, and why: flags (no value to get wrong) aside.
NO_BAD_VALUE = {
    ("eval", "--data-dir"): "digits, the table's data, has no files to look for",
    ("list", "--pattern"): "every pattern is valid: one that matches nothing lists nothing",
    ("plot-dynamics", "--out"): "needs a run of 1-D data, which the table's world lacks",
}


def _commands() -> dict[str, click.Command]:
    """Every command of the CLI by its full name (``plugin new``), groups walked."""
    found: dict[str, click.Command] = {}

    def walk(group: click.Group, prefix: str) -> None:
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                walk(command, f"{prefix}{name} ")
            else:
                found[prefix + name] = command

    walk(cli, "")
    return found


def test_the_table_covers_every_command_and_every_option_that_takes_a_value():
    assert len(ROWS) == 279  # say so here when a row is added or removed
    args = [p.values[0] for p in ROWS]
    for name, command in _commands().items():
        words = name.split()
        rows = [a for a in args if a[: len(words)] == words]
        assert rows, f"no row runs `ganzoo {name}`"
        for option in command.params:
            if not isinstance(option, click.Option) or option.is_flag or option.count:
                continue
            if (name, option.opts[0]) in NO_BAD_VALUE:
                continue
            assert any(o in a for a in rows for o in option.opts), (
                f"no row gives `ganzoo {name}` a bad {option.opts[0]}"
            )
    for also in ("train --resume", "compare --models"):  # the second modes of two commands
        assert any(" ".join(a).startswith(also) for a in args), also


# --- refusals that need a plugin, or MNIST absent ------------------------------------------


class IncompatiblePlugin:
    @ganzoo.hookimpl
    def register_models(self, register):
        register("images-only", "tests.cli.test_bad_input:images_only", description="test")


def images_only(info, latent_dim=None):
    raise ganzoo.IncompatibleDataError(
        f"model 'images-only' needs C×H×W images; dataset {info.name!r} has shape {info.shape}"
    )


def test_model_that_cannot_be_built_for_the_data_says_why(run_cli, tmp_path):
    name = ganzoo.register_plugin(IncompatiblePlugin(), name="incompatible-test")
    try:
        result = run_cli(
            "train", "--model", "images-only", "--dataset", "gaussian1d", "--out", tmp_path / "x"
        )
    finally:
        ganzoo.unregister_plugin(name)
    assert result.exit_code == 2
    assert "needs C×H×W images; dataset 'gaussian1d' has shape (1,)" in result.err
    assert not (tmp_path / "x").exists()


def test_missing_mnist_says_where_and_how(run_cli, tmp_path):
    result = run_cli("train", "--dataset", "mnist", "--data-dir", tmp_path, "--out", tmp_path / "r")
    assert result.exit_code == 2
    assert f"mnist not found in {tmp_path}/MNIST/raw" in result.err
    assert "--download" in result.err and "--data-dir" in result.err
    assert "Traceback" not in result.err

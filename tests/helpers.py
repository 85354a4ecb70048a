"""Plain helpers the tests share (fixtures live in ``conftest.py``): no test module imports
another test module; what two of them need is here."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import random
import re
import subprocess
import sys
import sysconfig
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

import ganzoo
from ganzoo.api.models import GAN
from ganzoo.runs.rundir import RunDir

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SHARED_DATA = ROOT.parent / "shared" / "data"


# --- running ganzoo ------------------------------------------------------------------------


def cli_ok(*args: object) -> None:
    """Run ``ganzoo ARGS`` in-process and expect success (for module-scoped fixtures, where
    conftest's ``run_cli`` is unavailable)."""
    from ganzoo.cli import main

    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        assert exc.code in (0, None), f"ganzoo {' '.join(map(str, args))} exited {exc.code}"


def ganzoo_cmd(*args: object) -> list[str]:
    """The command line of a real ``ganzoo`` process."""
    return [sys.executable, "-m", "ganzoo", *map(str, args)]


def ganzoo_process(*args: object, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``ganzoo ARGS`` as a real process; its exit code and real stderr, as a user sees."""
    return subprocess.run(ganzoo_cmd(*args), capture_output=True, text=True, timeout=timeout)


def run_ok(*args: object) -> subprocess.CompletedProcess:
    """:func:`ganzoo_process` that must succeed."""
    proc = ganzoo_process(*args)
    assert proc.returncode == 0, proc.stderr
    return proc


# --- files and environments ----------------------------------------------------------


def tree_hash(root: Path) -> str:
    """A hash of every file's path and bytes under ``root``."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        h.update(str(path.relative_to(root)).encode())
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


def write_distribution(
    site: Path, dist: str, source: str, entry: str | None = None, version: str = "1.0"
) -> tuple[str, str]:
    """Write package ``dist`` (``ganzoo-x`` -> ``ganzoo_x``) and its ``.dist-info`` with a
    ``ganzoo`` entry point (``x`` unless told) into ``site``; returns (entry, module)."""
    entry = entry or dist.removeprefix("ganzoo-")
    module = dist.replace("-", "_")
    (site / module).mkdir(parents=True)
    (site / module / "__init__.py").write_text(textwrap.dedent(source))
    info = site / f"{module}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[ganzoo]\n{entry} = {module}\n")
    return entry, module


def layered_venv(path: Path) -> Path:
    """A virtual environment that also sees this one's packages; returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    here = sysconfig.get_paths()["purelib"]
    (Path(site) / "_ganzoo_test_parent.pth").write_text(f"import site; site.addsitedir({here!r})\n")
    return python


# --- runs: kill, compare, diverge ---------------------------------------------------------

DETERMINISTIC = ("step", "epoch", "images", "d_loss", "g_loss", "d_real", "d_fake")


def logged_lines(run_dir: Path) -> int:
    path = run_dir / "metrics.jsonl"
    return path.read_text().count("\n") if path.exists() else 0


def start_and_kill(cmd: list[str], out: Path, rng: random.Random) -> bool:
    """Start ``cmd``; once it has logged a few more lines, SIGKILL it at a random moment.

    Returns False if the process finished before it could be killed.
    """
    before = logged_lines(out)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    wanted = before + rng.randint(1, 4)
    while logged_lines(out) < wanted and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, 0.3))
    if proc.poll() is not None:
        return False
    proc.kill()
    proc.wait()
    return True


def assert_same_weights(a: Path, b: Path) -> None:
    """Runs ``a`` and ``b`` end with equal raw weights and equal moving averages."""
    ca, cb = RunDir(a).load_checkpoint(), RunDir(b).load_checkpoint()
    wa, wb = ca["model"], cb["model"]
    assert wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa), "weights differ"
    assert (ca.get("ema") is None) == (cb.get("ema") is None), "one run has a moving average"
    if ca.get("ema") is not None:
        ea, eb = ca["ema"]["weights"], cb["ema"]["weights"]
        assert ea.keys() == eb.keys() and all(torch.equal(ea[k], eb[k]) for k in ea), "EMA differs"
        assert int(ca["ema"]["n_averaged"]) == int(cb["ema"]["n_averaged"])


def _differences(a: object, b: object, where: str = "") -> list[str]:
    """Where two nested states (dicts, lists, tensors, numbers) differ, bit for bit."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        same = isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and torch.equal(a, b)
        return [] if same else [where or "."]
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{where}: keys {sorted(map(str, a))} != {sorted(map(str, b))}"]
        return [d for k in a for d in _differences(a[k], b[k], f"{where}/{k}")]
    if isinstance(a, list | tuple) and isinstance(b, list | tuple) and len(a) == len(b):
        pairs = enumerate(zip(a, b, strict=True))
        return [d for i, (x, y) in pairs for d in _differences(x, y, f"{where}/{i}")]
    return [] if a == b else [where or "."]


def assert_same_run(a: Path, b: Path) -> None:
    """Runs ``a`` and ``b`` ended alike: raw weights, the moving average, the optimisers'
    and the augmentations' states, the random generators, every logged statistic."""
    assert_same_weights(a, b)
    ca, cb = RunDir(a).load_checkpoint(), RunDir(b).load_checkpoint()
    # trainer: Adam's moments and steps, the loss scaler, D's update count, augmentation state
    assert not (diff := _differences(ca["trainer"], cb["trainer"])), f"trainer state: {diff}"
    # the state the next step would draw from: a resumed run that went on would not differ
    assert not (diff := _differences(ca["rng"], cb["rng"])), f"random state: {diff}"
    # the data's position (the seconds spent waiting for it are a measurement)
    sa, sb = ({k: v for k, v in c["stream"].items() if k != "wait_seconds"} for c in (ca, cb))
    assert not (diff := _differences(sa, sb)), f"data position: {diff}"
    # log lines only: events (a health alert, say) carry no statistics; wall time differs
    ma = [r for r in RunDir(a).read_metrics() if "event" not in r]
    mb = [r for r in RunDir(b).read_metrics() if "event" not in r]
    assert all(set(DETERMINISTIC) <= r.keys() for r in ma + mb)
    assert [{k: v for k, v in r.items() if k != "time"} for r in ma] == [
        {k: v for k, v in r.items() if k != "time"} for r in mb
    ]


class NaNLoss:
    """Registers ``nan-at-5``: a non-saturating loss whose G loss is NaN from call 5 on."""

    @ganzoo.hookimpl
    def register_losses(self, register):
        register("nan-at-5", "tests.helpers:nan_loss", description="NaN", family="adversarial")


def nan_loss():
    from ganzoo_losses.gan import NonSaturatingLoss

    class NaNAt5(NonSaturatingLoss):
        calls = 0

        def generator_loss(self, fake_logits):
            NaNAt5.calls += 1
            loss = super().generator_loss(fake_logits)
            return loss * float("nan") if NaNAt5.calls >= 5 else loss

    return NaNAt5()


# --- models and samplers registered or built by tests ------------------------------------


class ImageSampler:
    """Stored images in [-1, 1] as a 'model': each call takes the next ones in a seeded order.

    Only ``sample`` is needed: anything that samples images is evaluated alike.
    """

    def __init__(self, images: torch.Tensor) -> None:
        self.images, self.order, self.cursor = images, None, 0

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        if self.order is None:
            self.order = torch.randperm(len(self.images), generator=generator)
        index = self.order[torch.arange(self.cursor, self.cursor + n) % len(self.images)]
        self.cursor += n
        return self.images[index]


class ConditionalGenerator(nn.Module):
    """z and a class embedding, concatenated, through a small MLP."""

    def __init__(self, latent_dim: int, num_classes: int, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.embed = nn.Embedding(num_classes, 8)
        dim = int(np.prod(shape))
        self.net = nn.Sequential(
            nn.Linear(latent_dim + 8, 32),
            nn.ReLU(),
            nn.Linear(32, dim),
            nn.Tanh(),
            nn.Unflatten(1, shape),
        )

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if labels is None:  # ganzoo's unconditional trainer calls G(z)
            labels = torch.zeros(z.shape[0], dtype=torch.long, device=z.device)
        return self.net(torch.cat([z, self.embed(labels)], dim=1))


class LabelledDiscriminator(nn.Module):
    """D(x, labels): the sample and a one-hot label, concatenated, through a small MLP."""

    def __init__(self, dim: int, num_classes: int) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.net = nn.Sequential(nn.Linear(dim + num_classes, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        one_hot = nn.functional.one_hot(labels, self.num_classes).to(x.dtype)
        return self.net(torch.cat([x.flatten(1), one_hot], dim=1))


def build_conditional(info, latent_dim=None, num_classes=None):
    """A conditional GAN of ganzoo's contract: ``num_classes`` set for ``--conditional`` runs."""
    if num_classes is None:
        raise ValueError("cgan-test trains only with --conditional")
    latent_dim = latent_dim or 6
    return GAN(
        ConditionalGenerator(latent_dim, num_classes, info.shape),
        LabelledDiscriminator(info.dim, num_classes),
        latent_dim,
        info,
        num_classes=num_classes,
    )


class ConditionalPlugin:
    @ganzoo.hookimpl
    def register_models(self, register):
        register(
            "cgan-test",
            build_conditional,
            family="adversarial",
            description="test cGAN",
            conditional=True,
        )


# --- documentation pages --------------------------------------------------------------


def _scaled(n: str) -> str:
    return str(max(1, int(n) // 100))


#: ``ganzoo`` option -> (option it becomes, new value from the old) in ``bash`` blocks.
TINY: dict[str, tuple[str, Callable[[str], str]]] = {
    "--steps": ("--steps", _scaled),  # 1500 -> 15; order kept, so --resume can extend
    "--epochs": ("--steps", lambda n: n),  # one step per epoch
    "--checkpoint-every": ("--checkpoint-every", _scaled),
    "--log-every": ("--log-every", _scaled),
    "--eval-every": ("--eval-every", _scaled),
    "--samples": ("--samples", lambda n: str(min(int(n), 10))),
    "--eval-samples": ("--eval-samples", lambda n: str(min(int(n), 10))),
    "--time-budget": ("--time-budget", lambda t: str(min(float(t), 2.0))),
}
TINY_ENV = "DOCS_TEST_TINY"  # the ganzoo shim rewrites budgets unless this is "0"


def tiny_args(args: list[str]) -> list[str]:
    """``args`` of a ``ganzoo`` command with the budgets of :data:`TINY`."""
    out, it = [], iter(args)
    for arg in it:
        key, eq, value = arg.partition("=")
        if key in TINY and key.startswith("--"):
            new, scale = TINY[key]
            out += [new, scale(value if eq else next(it))]
        else:
            out.append(arg)
    return out


FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+)(?P<info>[^`\n]*)$")


@dataclass
class Block:
    lang: str
    title: str | None
    text: str
    line: int  # 1-based line of the opening fence


def blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a Markdown page, in order."""
    found, lines, i = [], path.read_text(encoding="utf-8").splitlines(), 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        info, indent, fence, start = m["info"].strip(), len(m["indent"]), m["fence"], i
        lang = info.split()[0] if info else ""
        title = re.search(r'title="([^"]*)"', info)
        body = []
        i += 1
        while i < len(lines) and lines[i].strip() != fence:
            body.append(lines[i][indent:])
            i += 1
        found.append(Block(lang, title and title[1], "\n".join(body) + "\n", start + 1))
        i += 1
    return found


def commands(text: str) -> list[str]:
    """Shell commands of a block: continuation lines joined, blanks and comments dropped."""
    joined = re.sub(r"\s*\\\n\s*", " ", text)
    return [c for c in (line.strip() for line in joined.splitlines()) if c and c[0] != "#"]


def figures_module():
    spec = importlib.util.spec_from_file_location("docs_figures", DOCS / "_scripts/figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_ganzoo(args: list[str]) -> None:
    """The ``ganzoo`` of shell commands in tests: :data:`TINY` budgets unless told not to."""
    from ganzoo.cli import main

    main(tiny_args(args) if os.environ.get(TINY_ENV, "1") != "0" else args)

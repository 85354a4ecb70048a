"""The layers of docs/architecture.md: enforced, documented truly, and old paths still work."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path

import pytest

from ganzoo._moved import MOVED

ROOT = Path(__file__).resolve().parents[1]


def _contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def test_import_linter_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert f"Contracts: {len(_contracts())} kept, 0 broken." in result.stdout


def test_a_planted_upward_import_breaks_the_layers(tmp_path):
    """The contract can fail: a copy of the package where the API imports a tool is refused."""
    import shutil

    copy = tmp_path / "src"
    shutil.copytree(ROOT / "ganzoo", copy / "ganzoo", ignore=shutil.ignore_patterns("__pycache__"))
    for plugin in ("ganzoo_gans", "ganzoo_losses", "ganzoo_datasets", "ganzoo_vae"):
        shutil.copytree(ROOT / "plugins" / plugin, copy / plugin)
    paths = copy / "ganzoo" / "api" / "paths.py"
    paths.write_text(paths.read_text() + "\n\ndef _bad():\n    from ganzoo.tools import sampling\n")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--config", str(tmp_path / "pyproject.toml"), "--no-cache"],
        cwd=copy,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0
    assert "ganzoo.api.paths -> ganzoo.tools.sampling" in result.stdout


def test_the_architecture_page_lists_the_enforced_layers():
    layers = next(c for c in _contracts() if c["type"] == "layers")["layers"]
    page = (ROOT / "docs" / "architecture.md").read_text()
    listed = re.findall(r"^\d+\. (.+)$", page.split("<!-- layers:")[1], flags=re.M)
    assert [item.replace("`", "") for item in listed] == layers
    for layer in layers:
        for package in layer.split(" | "):
            folder = ROOT / package.replace(".", "/")
            assert (folder / "__init__.py").exists(), f"{package} is on the page but not a package"
            assert f"{folder.relative_to(ROOT)}/" in page, f"{package} missing from the tree"


def test_the_top_of_the_package_holds_only_layers():
    top = sorted(p.name for p in (ROOT / "ganzoo").iterdir() if p.suffix == ".py")
    assert top == ["__init__.py", "__main__.py", "_moved.py"]


@pytest.mark.parametrize("old", sorted(MOVED))
def test_each_old_import_path_is_the_module_at_its_new_home(old):
    import importlib

    sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(old)
    assert module is importlib.import_module(MOVED[old])
    assert any(
        issubclass(w.category, DeprecationWarning) and MOVED[old] in str(w.message) for w in caught
    )


def test_load_run_model_is_still_found_in_ganzoo_build():
    sys.modules.pop("ganzoo.build", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from ganzoo.build import load_run_model
    from ganzoo.runs.loading import load_run_model as new

    assert load_run_model is new


OLD_STYLE_PLUGIN = '''
    """A third party's plugin written against ganzoo 0.1's import paths."""
    import ganzoo

    @ganzoo.hookimpl
    def register_models(register):
        register("oldgan", "ganzoo_oldstyle.model:build", family="adversarial")

    @ganzoo.hookimpl
    def register_losses(register):
        register("oldloss", "ganzoo_oldstyle.model:OldLoss", family="adversarial")
'''
OLD_STYLE_MODEL = """
import torch.nn.functional as F
from torch import nn

from ganzoo.data import DataInfo
from ganzoo.errors import IncompatibleDataError
from ganzoo.losses import AdversarialLoss
from ganzoo.models import GAN


def build(data_info: DataInfo, latent_dim=None, hidden: int = 32):
    if len(data_info.shape) != 3:
        raise IncompatibleDataError("oldgan needs images")
    dim = 1
    for s in data_info.shape:
        dim *= s
    z = latent_dim or 8
    g = nn.Sequential(nn.Linear(z, hidden), nn.ReLU(), nn.Linear(hidden, dim), nn.Tanh(),
                      nn.Unflatten(1, tuple(data_info.shape)))
    d = nn.Sequential(nn.Flatten(), nn.Linear(dim, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 1))
    return GAN(g, d, z, data_info)


class OldLoss(AdversarialLoss):
    def discriminator_loss(self, real_logits, fake_logits):
        return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()

    def generator_loss(self, fake_logits):
        return F.softplus(-fake_logits).mean()
"""


def test_a_plugin_written_against_the_old_paths_installs_lists_and_trains(
    install_dist, run_cli, tmp_path
):
    for name in list(sys.modules):
        if name in MOVED:
            sys.modules.pop(name)
    install_dist("ganzoo-oldstyle", OLD_STYLE_PLUGIN)
    site = Path(sys.path[0])
    (site / "ganzoo_oldstyle" / "model.py").write_text(OLD_STYLE_MODEL)
    listed = run_cli("list", "--json")
    assert listed.exit_code == 0, listed.err
    assert '"oldgan"' in listed.out and '"oldloss"' in listed.out
    out = tmp_path / "run"
    with pytest.warns(DeprecationWarning, match=r"ganzoo\.models moved to ganzoo\.api\.models"):
        result = run_cli(
            "train", "--model", "oldgan", "--loss", "oldloss", "--steps", "20", "--out", str(out)
        )
    assert result.exit_code == 0, result.err
    assert (out / "config.json").exists() and list((out / "checkpoints").glob("*.pt"))

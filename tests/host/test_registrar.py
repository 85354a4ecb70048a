"""The ``register`` callback: descriptions from docstrings without importing the factory's
module, and unknown names that say when a disabled plugin may provide them."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from ganzoo.host.registrar import factory_summary
from tests.conftest import write_distribution

PLUGIN = """
from ganzoo.api import hookimpl


@hookimpl
def register_models(register):
    register("heavy", "ganzoo_heavy.model:build", family="adversarial")
"""
HEAVY = '''
"""A model module that imports torch at the top, as most do."""

import torch


def build(info, latent_dim=None):
    """A heavy GAN, described by its docstring.

    More text that is not the description.
    """
    raise NotImplementedError


class Factory:
    class Nested:
        def make(self):
            """Nested docstrings are found too."""
'''


def _install_heavy(site: Path) -> None:
    write_distribution(site, "ganzoo-heavy", PLUGIN)
    (site / "ganzoo_heavy" / "model.py").write_text(textwrap.dedent(HEAVY))


def test_an_import_path_factory_is_described_by_its_docstring_without_importing_it(tmp_path):
    site = tmp_path / "site"
    _install_heavy(site)
    probe = (
        "import sys\nfrom ganzoo.cli import main\n"
        "try:\n    main(['list', 'models'])\nexcept SystemExit:\n    pass\n"
        "print('TORCH-LOADED' if 'torch' in sys.modules else 'TORCH-FREE', file=sys.stderr)\n"
        "print('MODULE-LOADED' if 'ganzoo_heavy.model' in sys.modules else 'MODULE-FREE', "
        "file=sys.stderr)\n"
    )
    env = dict(os.environ, COLUMNS="200")
    env["PYTHONPATH"] = os.pathsep.join([str(site), *sys.path[1:]])
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env=env
    )
    assert "TORCH-FREE" in proc.stderr and "MODULE-FREE" in proc.stderr, proc.stderr
    assert "heavy" in proc.stdout
    assert "A heavy GAN, described by its docstring." in proc.stdout
    assert "More text" not in proc.stdout


def test_summaries_read_from_source(tmp_path, monkeypatch):
    site = tmp_path / "site"
    _install_heavy(site)
    monkeypatch.syspath_prepend(str(site))
    assert factory_summary("ganzoo_heavy.model:build") == "A heavy GAN, described by its docstring."
    assert factory_summary("ganzoo_heavy.model:Factory.Nested.make") == (
        "Nested docstrings are found too."
    )
    assert "ganzoo_heavy.model" not in sys.modules
    assert factory_summary("ganzoo_heavy.model:missing") == ""
    assert factory_summary("no_such_package.module:build") == ""
    assert factory_summary(lambda: None) == ""
    assert factory_summary(factory_summary).startswith("The first line of a factory")


def test_an_unknown_model_says_a_disabled_plugin_may_provide_it(run_cli, tmp_path):
    result = run_cli(
        "--disable-plugin", "gans", "train", "--model", "vanilla", "--dataset", "gaussian1d",
        "--steps", "2", "--out", tmp_path / "run",
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.err.strip().splitlines()[-1] == (
        "Error: unknown model 'vanilla'; valid models: vae; note: disabled plugins (gans) "
        "may provide it"
    )


def test_without_disabled_plugins_there_is_no_note(run_cli, tmp_path):
    result = run_cli("train", "--model", "vanila", "--steps", "2", "--out", tmp_path / "r")
    assert result.exit_code == 2
    assert "did you mean 'vanilla'" in result.err and "disabled" not in result.err

"""``ganzoo plugin new`` and the life of a third-party package: write, install, list, train,
test, uninstall.

The end-to-end test installs into a throwaway virtual environment layered on this one (it
sees every package installed here, through a ``.pth`` file), never into this environment
itself: other test sessions sharing the environment never see the package come and go.
pip runs offline: ``--no-index --no-deps --no-build-isolation``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib

import pytest

from ganzoo.tools.scaffold import KINDS
from tests.helpers import layered_venv, tree_hash

# --- `ganzoo plugin new` ----------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_plugin_new_writes_a_ready_package(run_cli, tmp_path, kind):
    result = run_cli("plugin", "new", "my-thing", "--kind", kind, "--dir", tmp_path)
    assert result.exit_code == 0, result.err
    root = tmp_path / "ganzoo-my-thing"
    module = {"model": "model", "loss": "loss", "dataset": "dataset"}[kind]
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert files == sorted(
        [
            ".gitignore",
            "README.md",
            "pyproject.toml",
            "ganzoo_my_thing/__init__.py",
            f"ganzoo_my_thing/{module}.py",
            "tests/test_ganzoo_my_thing.py",
        ]
    )
    project = tomllib.loads((root / "pyproject.toml").read_text())
    assert project["build-system"]["build-backend"] == "hatchling.build"
    assert project["project"]["name"] == "ganzoo-my-thing"
    assert project["project"]["entry-points"]["ganzoo"] == {"my-thing": "ganzoo_my_thing"}
    hook = (root / "ganzoo_my_thing" / "__init__.py").read_text()
    assert "from ganzoo.api import hookimpl" in hook and "@hookimpl" in hook
    assert f'"ganzoo_my_thing.{module}:' in hook
    assert "import torch" not in hook  # registered by import path: `ganzoo list` stays light
    assert "from ganzoo.testing import" in (root / "tests/test_ganzoo_my_thing.py").read_text()
    assert f"ganzoo train --{kind} my-thing" in (root / "README.md").read_text()
    assert "cd " in result.out and "pip install -e ." in result.out


def test_generated_code_passes_its_own_linter(run_cli, tmp_path):
    for kind in KINDS:
        assert run_cli("plugin", "new", f"lint-{kind}", "--kind", kind, "--dir", tmp_path)
    for root in sorted(tmp_path.iterdir()):
        for args in (["check", "."], ["format", "--check", "."]):
            proc = subprocess.run(
                [sys.executable, "-m", "ruff", *args, "--no-cache"],
                cwd=root,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert proc.returncode == 0, f"{root.name}: {proc.stdout}{proc.stderr}"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["My GAN"], "invalid plugin name 'My GAN': use lowercase letters and digits"),
        (["9lives"], "invalid plugin name '9lives'"),
        (["a--b"], "invalid plugin name 'a--b'"),
        (["ganzoo-"], "invalid plugin name 'ganzoo-'"),
        (["x" * 41], "at most 40 characters"),
        (["vanilla"], "a model named 'vanilla' is already registered by ganzoo 0.1.0"),
        (["hinge", "--kind", "loss"], "a loss named 'hinge' is already registered by ganzoo"),
        (["gans", "--kind", "dataset"], "a plugin named 'gans' is already installed (ganzoo)"),
        (["x", "--kind", "sampler"], "Invalid value for '--kind' / '-k': 'sampler' is not one of"),
    ],
)
def test_plugin_new_refuses_bad_names_in_one_line(run_cli, tmp_path, args, message):
    result = run_cli("plugin", "new", *args, "--dir", tmp_path / "out")
    assert result.exit_code == 2
    assert result.err.count("\n") == 1 and result.err.startswith("Error: ")
    assert message in result.err
    assert not (tmp_path / "out").exists()


def test_plugin_new_never_overwrites_a_folder(run_cli, tmp_path):
    existing = tmp_path / "ganzoo-mine"
    existing.mkdir()
    (existing / "notes.txt").write_text("keep me")
    before = tree_hash(tmp_path)
    result = run_cli("plugin", "new", "mine", "--dir", tmp_path)
    assert result.exit_code == 2
    assert f"Error: {existing} already exists; remove it or choose another --dir" in result.err
    assert tree_hash(tmp_path) == before


def test_plugin_new_fills_an_empty_folder_and_drops_a_ganzoo_prefix(run_cli, tmp_path):
    (tmp_path / "ganzoo-mine").mkdir()
    result = run_cli("plugin", "new", "ganzoo-mine", "--dir", tmp_path)
    assert result.exit_code == 0, result.err
    assert (tmp_path / "ganzoo-mine" / "ganzoo_mine" / "model.py").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["ganzoo-mine"]  # no temporary left over


TORCH_PROBE = (
    "import sys\n"
    "from ganzoo.cli import main\n"
    "try:\n    main(sys.argv[1:])\n"
    "except SystemExit as e:\n    code = e.code\n"
    "print('TORCH-LOADED' if 'torch' in sys.modules else 'TORCH-FREE', code, file=sys.stderr)\n"
)


@pytest.mark.parametrize(
    "args", [["plugin", "--help"], ["plugin", "list", "--all"], ["plugin", "new", "x", "--dir"]]
)
def test_plugin_commands_do_not_import_torch(tmp_path, args):
    args = [*args, str(tmp_path)] if args[-1] == "--dir" else args
    proc = subprocess.run(
        [sys.executable, "-c", TORCH_PROBE, *args], capture_output=True, text=True, timeout=120
    )
    assert "TORCH-FREE 0" in proc.stderr, proc.stderr


# --- the life of a package, end to end ----------------------------------------------------


def run(*args, cwd=None, timeout=300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "GANZOO_DISABLE_PLUGINS"}
    proc = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, env=env, timeout=timeout
    )
    assert proc.returncode == 0, f"{' '.join(map(str, args))}\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.mark.slow
def test_scaffolded_packages_install_list_train_pass_their_tests_and_uninstall(run_cli, tmp_path):
    for kind in KINDS:
        assert run_cli("plugin", "new", f"kit-{kind}", "--kind", kind, "--dir", tmp_path).out
    packages = [tmp_path / f"ganzoo-kit-{kind}" for kind in KINDS]
    python = layered_venv(tmp_path / "venv")
    pip = [sys.executable, "-m", "pip", "--python", python, "--no-input"]
    editable = [arg for package in packages for arg in ("-e", package)]
    dists = [f"ganzoo-kit-{kind}" for kind in KINDS]
    try:
        run(*pip, "install", "--no-index", "--no-deps", "--no-build-isolation", *editable)

        listed = json.loads(run(python, "-m", "ganzoo", "list", "--json").stdout)
        mine = {(c["kind"], c["name"]): c["distribution"] for c in listed["components"]}
        assert mine[("model", "kit-model")] == "ganzoo-kit-model"
        assert mine[("loss", "kit-loss")] == "ganzoo-kit-loss"
        assert mine[("dataset", "kit-dataset")] == "ganzoo-kit-dataset"
        assert listed["problems"] == []

        out = tmp_path / "run"
        run(
            python, "-m", "ganzoo", "train", "--model", "kit-model", "--loss", "kit-loss",
            "--dataset", "kit-dataset", "--steps", "3", "--batch-size", "32", "--out", out, "-q",
        )  # fmt: skip
        config = json.loads((out / "config.json").read_text())["config"]
        assert (config["model"], config["loss"], config["dataset"]) == (
            "kit-model",
            "kit-loss",
            "kit-dataset",
        )

        tested = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *packages)
        assert "11 passed" in tested.stdout and "failed" not in tested.stdout, tested.stdout
    finally:
        subprocess.run([*pip, "uninstall", "-y", *dists], capture_output=True, timeout=120)
    after = json.loads(run(python, "-m", "ganzoo", "list", "--json").stdout)
    assert not [c for c in after["components"] if c["name"].startswith("kit-")]
    assert after["problems"] == []

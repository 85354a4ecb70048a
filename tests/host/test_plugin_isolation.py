"""Isolation: every way a plugin can break leaves ganzoo working and is reported once.

Each test installs small fake distributions (a package and its ``.dist-info`` with a
``ganzoo`` entry point) into a temporary folder on ``sys.path``: real entry points, real
distribution names, no pip, no network.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

import ganzoo
from ganzoo.api.hooks import CONTRACT_VERSION
from tests.helpers import write_distribution

BROKEN_IMPORT = "raise ImportError('no module named torch_magic')"
HOOK_RAISES = """
import ganzoo

@ganzoo.hookimpl
def register_models(register):
    register("half-registered", "ganzoo_gans.vanilla:build")
    raise RuntimeError("model zoo offline")
"""


def plugin(hooks: str) -> str:
    return "import ganzoo\n\n" + textwrap.dedent(hooks)


def flat(text: str) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(text.split())


def problems() -> list[str]:
    return [str(p) for p in ganzoo.get_registry(refresh=True).problems]


def train_ok(run_cli, tmp_path, *args: str):
    result = run_cli(*args, "train", "--steps", "2", "--out", tmp_path / "run", "-q")
    assert result.exit_code == 0, result.err
    return result


# --- each failure mode: ganzoo keeps working, the problem is reported once ----------------


FAILURES = {
    "import error": (BROKEN_IMPORT, "failed to load: ImportError: no module named torch_magic"),
    "hook raises": (HOOK_RAISES, "register_models raised RuntimeError: model zoo offline"),
    "bad name": (
        plugin("@ganzoo.hookimpl\ndef register_models(register):\n    register('Bad!', 'a:b')"),
        "invalid model name 'Bad!'",
    ),
    "bad family": (
        plugin(
            "@ganzoo.hookimpl\ndef register_losses(register):\n"
            "    register('telepathy', 'a:b', family='telepathic')"
        ),
        "family must be one of adversarial, likelihood, got 'telepathic'",
    ),
    "bad factory": (
        plugin("@ganzoo.hookimpl\ndef register_datasets(register):\n    register('d', 42)"),
        "factory must be a callable or a 'module:attribute' string, got 42",
    ),
    "unknown hook": (
        plugin("@ganzoo.hookimpl\ndef register_model(register):\n    pass"),
        "implements 'register_model', which is not a hook of ganzoo's plugin contract "
        f"version {CONTRACT_VERSION} (did you mean 'register_models'?); ignored",
    ),
    "wrong hook arguments": (
        plugin("@ganzoo.hookimpl\ndef register_models(register, zoo):\n    pass"),
        "failed to load: PluginValidationError",
    ),
    "no hooks": ("X = 1", "implements no ganzoo hook (use @ganzoo.hookimpl)"),
}


@pytest.mark.parametrize("source,reason", FAILURES.values(), ids=FAILURES.keys())
def test_broken_plugin_is_reported_once_and_ganzoo_keeps_working(
    install_dist, run_cli, tmp_path, source, reason
):
    install_dist("ganzoo-broken", source, version="0.3")
    found = problems()
    assert len(found) == 1, found
    assert found[0].startswith("plugin 'broken' (distribution ganzoo-broken): ")
    assert reason in found[0]

    listed = run_cli("list")
    assert listed.exit_code == 0 and "vanilla" in listed.out
    assert (listed.out + listed.err).count("ganzoo-broken") == 1
    data = json.loads(run_cli("list", "--json").out)
    assert [p["distribution"] for p in data["problems"]] == ["ganzoo-broken"]

    trained = train_ok(run_cli, tmp_path)
    warnings = [line for line in trained.err.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1 and "ganzoo-broken" in warnings[0] and reason in warnings[0]


def test_a_hook_that_raises_keeps_nothing_it_registered(install_dist):
    install_dist("ganzoo-broken", HOOK_RAISES)
    assert "half-registered" not in ganzoo.list_models()
    assert "vanilla" in ganzoo.list_models()


def test_reasons_are_one_line(install_dist):
    install_dist("ganzoo-broken", "raise ImportError('first line\\n   second line')")
    assert problems() == [
        "plugin 'broken' (distribution ganzoo-broken): failed to load: ImportError: "
        "first line second line"
    ]


# --- contract breaks found when a component is built ------------------------------------

BUILD_BREAKS = plugin(
    """
    @ganzoo.hookimpl
    def register_models(register):
        register("no-sample", "ganzoo_broken:no_sample")

    @ganzoo.hookimpl
    def register_losses(register):
        register("half-loss", "ganzoo_broken:HalfLoss")

    @ganzoo.hookimpl
    def register_datasets(register):
        register("just-a-list", "ganzoo_broken:just_a_list", shape=(2,))

    class HalfLoss:
        family = "adversarial"

        def discriminator_loss(self, real, fake):
            return real.mean()

    def just_a_list(root, download=False, split="train"):
        return [1, 2, 3]

    def no_sample(info, latent_dim=None):
        import torch

        return torch.nn.Linear(2, 2)
    """
)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--model", "no-sample"],
            "model 'no-sample' from ganzoo-broken 1.0 was registered as adversarial but built "
            "a Linear of family None",
        ),
        (
            ["--loss", "half-loss"],
            "loss 'half-loss' from ganzoo-broken 1.0 broke the plugin contract: its factory "
            "returned a HalfLoss, which lacks 'generator_loss', 'penalty'",
        ),
        (
            ["--dataset", "just-a-list"],
            "dataset 'just-a-list' from ganzoo-broken 1.0 broke the plugin contract: its "
            "factory returned a list, which lacks 'info', 'epoch', 'batches_per_epoch', 'to'",
        ),
    ],
)
def test_contract_break_at_build_time_is_one_clear_line(
    install_dist, run_cli, tmp_path, args, message
):
    install_dist("ganzoo-broken", BUILD_BREAKS)
    result = run_cli("train", *args, "--steps", "1", "--out", tmp_path / "run")
    assert result.exit_code == 1
    assert result.err.strip().splitlines() == [f"Error: {message}"]
    assert not (tmp_path / "run").exists()


# --- name collisions name both distributions --------------------------------------------

CLAIMS_HINGE = plugin(
    "@ganzoo.hookimpl\ndef register_losses(register):\n"
    "    register('hingeish', 'ganzoo_losses.hinge:HingeLoss', family='adversarial')"
)


def test_a_name_two_distributions_register_goes_to_the_first_by_name(install_dist, run_cli):
    install_dist("ganzoo-zeta", CLAIMS_HINGE, version="2.0")  # installed first, sorts last
    install_dist("ganzoo-alpha", CLAIMS_HINGE, version="1.0")
    assert ganzoo.get_registry(refresh=True).get("loss", "hingeish").provider.distribution == (
        "ganzoo-alpha"
    )
    assert problems() == [
        "plugin 'zeta' (distribution ganzoo-zeta): loss 'hingeish' is already registered by "
        "ganzoo-alpha 1.0 (plugin 'alpha'); kept that one, skipped this one"
    ]
    result = run_cli("list", "losses")
    assert result.exit_code == 0
    assert flat(result.err).count("already registered") == 1


def test_an_entry_point_name_two_distributions_use_is_reported(install_dist):
    install_dist("ganzoo-one", CLAIMS_HINGE, entry="shared")
    install_dist("ganzoo-two", CLAIMS_HINGE.replace("hingeish", "other"), entry="shared")
    assert problems() == [
        "plugin 'shared' (distribution ganzoo-two): plugin name 'shared' is taken by "
        "ganzoo-one 1.0; skipped"
    ]
    assert "hingeish" in ganzoo.list_losses() and "other" not in ganzoo.list_losses()


def test_ganzoo_keeps_its_own_names_whatever_the_path_order(tmp_path):
    """In a fresh process, with the intruder's folder first on sys.path."""
    site = tmp_path / "site"
    intruder = plugin(
        "@ganzoo.hookimpl\ndef register_models(register):\n"
        "    register('vanilla', 'torch.nn:Linear', description='not the real one')"
    )
    write_distribution(site, "ganzoo-intruder", intruder, entry="aaa", version="6.6")
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("GANZOO_DISABLE_PLUGINS", None)
    proc = subprocess.run(
        [sys.executable, "-m", "ganzoo", "list", "models", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    vanilla = next(c for c in data["components"] if c["name"] == "vanilla")
    assert vanilla["distribution"] == "ganzoo" and vanilla["plugin"] == "gans"
    [problem] = data["problems"]
    assert problem["distribution"] == "ganzoo-intruder"
    assert "already registered by ganzoo 0.1.0 (plugin 'gans')" in problem["reason"]


# --- turning a plugin off ---------------------------------------------------------------

TRAPPED = """
import pathlib, os
pathlib.Path(os.environ["GANZOO_TEST_TRAP"]).write_text("imported")
raise ImportError("should never have been imported")
"""


@pytest.mark.parametrize("how", ["option", "option-by-distribution", "environment"])
def test_a_disabled_plugin_is_never_imported(install_dist, run_cli, tmp_path, monkeypatch, how):
    trap = tmp_path / "trap"
    monkeypatch.setenv("GANZOO_TEST_TRAP", str(trap))
    install_dist("ganzoo-trapped", TRAPPED)
    args = {
        "option": ["--disable-plugin", "trapped"],
        "option-by-distribution": ["--disable-plugin=ganzoo-trapped"],
        "environment": [],
    }[how]
    if how == "environment":
        monkeypatch.setenv("GANZOO_DISABLE_PLUGINS", "vae, trapped")
    result = train_ok(run_cli, tmp_path, *args)
    assert "Warning" not in result.err
    assert not trap.exists()
    listed = json.loads(run_cli(*args, "plugin", "list", "--json").out)
    assert [(p["name"], p["status"]) for p in listed] == [("trapped", "disabled")]


def test_a_plugin_turned_back_on_loads(install_dist, monkeypatch):
    install_dist("ganzoo-late", CLAIMS_HINGE)
    monkeypatch.setenv("GANZOO_DISABLE_PLUGINS", "late")
    assert "hingeish" not in ganzoo.get_registry(refresh=True).names("loss")
    monkeypatch.delenv("GANZOO_DISABLE_PLUGINS")
    assert "hingeish" in ganzoo.get_registry(refresh=True).names("loss")


def test_disabling_an_unknown_plugin_says_so(run_cli):
    result = run_cli("--disable-plugin", "gnas", "list", "models")
    assert result.exit_code == 0
    out = flat(result.err)
    assert "plugin 'gnas': cannot disable: no plugin or distribution has this name" in out
    assert "known plugins: datasets, gans, losses" in out


# --- commands from plugins ----------------------------------------------------------------

COMMANDS = plugin(
    """
    import click

    @ganzoo.hookimpl
    def register_commands(cli):
        @cli.command()
        def hello():
            "Say hello."
            click.echo("hello from a plugin")

        @cli.command("train")
        def hijack():
            click.echo("hijacked")
    """
)


def test_plugin_commands_work_but_never_replace_ganzoo_s_own(install_dist, run_cli, tmp_path):
    install_dist("ganzoo-chatty", COMMANDS)
    assert run_cli("hello").out == "hello from a plugin\n"
    result = train_ok(run_cli, tmp_path)
    assert "hijacked" not in result.out
    assert result.err.count("command 'train' is already provided by ganzoo itself") == 1


def test_a_command_hook_that_raises_adds_nothing(install_dist, run_cli):
    install_dist(
        "ganzoo-clumsy",
        COMMANDS.replace('click.echo("hijacked")', 'click.echo("hijacked")\n    1 / 0'),
    )
    result = run_cli("hello")
    assert result.exit_code == 2 and "No such command 'hello'" in result.err
    listed = run_cli("list", "models")
    assert listed.exit_code == 0
    assert flat(listed.err).count("register_commands raised ZeroDivisionError") == 1


# --- `ganzoo plugin list` -----------------------------------------------------------------


def test_plugin_list_shows_distribution_version_status_and_hooks(install_dist, run_cli):
    install_dist("ganzoo-good", CLAIMS_HINGE, version="1.4")
    install_dist("ganzoo-broken", BROKEN_IMPORT)
    data = json.loads(run_cli("plugin", "list", "--json").out)
    assert data == [
        {
            "name": "broken",
            "distribution": "ganzoo-broken",
            "version": "1.0",
            "status": "failed",
            "hooks": [],
            "components": {},
            "problems": ["failed to load: ImportError: no module named torch_magic"],
        },
        {
            "name": "good",
            "distribution": "ganzoo-good",
            "version": "1.4",
            "status": "loaded",
            "hooks": ["register_losses"],
            "components": {"loss": ["hingeish"]},
            "problems": [],
        },
    ]
    table = run_cli("plugin", "list")
    assert table.exit_code == 0 and "ganzoo-good" in table.out and "failed" in table.out
    every = json.loads(run_cli("plugin", "list", "--all", "--json").out)
    assert {"gans", "losses", "datasets"} <= {p["name"] for p in every}

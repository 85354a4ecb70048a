"""The registry: entry-point discovery, run-time plugins, isolation, names."""

from __future__ import annotations

import pytest

import ganzoo
from ganzoo.api.errors import UnknownNameError


def test_first_party_plugins_come_through_entry_points():
    registry = ganzoo.get_registry()
    vanilla = registry.get("model", "vanilla")
    assert vanilla.provider.plugin == "gans"
    assert vanilla.provider.distribution == "ganzoo"
    assert {"minimax", "nonsat"} <= set(ganzoo.list_losses())
    assert {"digits", "gaussian1d", "ring2d", "mnist", "fashion-mnist", "cifar10", "folder"} <= set(
        ganzoo.list_datasets()
    )


def test_core_imports_no_plugin():
    import pathlib

    core = pathlib.Path(ganzoo.__file__).parent
    for path in core.rglob("*.py"):
        text = path.read_text()
        assert "ganzoo_gans" not in text and "ganzoo_losses" not in text, path
        assert "ganzoo_datasets" not in text, path


def test_unknown_name_suggests_close_matches():
    with pytest.raises(UnknownNameError) as info:
        ganzoo.get_registry().get("model", "vanila")
    message = str(info.value)
    assert "did you mean 'vanilla'" in message
    assert "valid models:" in message and "vanilla" in message


def test_patterns_filter_and_validate_whole_names():
    assert ganzoo.list_datasets("*mnist") == ["fashion-mnist", "mnist"]
    assert ganzoo.list_losses(["mini*", "nonsat"]) == ["minimax", "nonsat"]
    assert ("model", "vanilla.bogus") not in ganzoo.get_registry()


class RuntimePlugin:
    @ganzoo.hookimpl
    def register_models(self, register):
        register("tiny-runtime", lambda info, latent_dim=None: None, description="a test model")

    @ganzoo.hookimpl
    def register_losses(self, register):
        register("vanilla-copy", "ganzoo_losses.gan:NonSaturatingLoss", description="dup")


def test_plugin_registered_at_run_time_is_found():
    name = ganzoo.register_plugin(RuntimePlugin(), name="runtime-test")
    try:
        component = ganzoo.get_registry().get("model", "tiny-runtime")
        assert component.description == "a test model"
        assert component.provider.distribution is None
        assert "vanilla-copy" in ganzoo.list_losses()
    finally:
        ganzoo.unregister_plugin(name)
    assert "tiny-runtime" not in ganzoo.list_models()


GOOD_PLUGIN = """
import ganzoo

@ganzoo.hookimpl
def register_losses(register):
    register("fake-loss", "ganzoo_losses.gan:MinimaxLoss", description="from an installed dist")
"""


def test_plugin_installed_through_entry_point_is_found(install_dist):
    install_dist("ganzoo-fake", GOOD_PLUGIN, version="1.2.3")
    registry = ganzoo.get_registry(refresh=True)
    component = registry.get("loss", "fake-loss")
    assert component.provider.distribution == "ganzoo-fake"
    assert component.provider.version == "1.2.3"
    assert registry.get("model", "vanilla")  # the built-ins are still there


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("raise ImportError('no module named torch_magic')", "failed to load: ImportError"),
        (
            "import ganzoo\n@ganzoo.hookimpl\ndef register_models(register):\n    1 / 0\n",
            "register_models raised ZeroDivisionError",
        ),
        (
            "import ganzoo\n@ganzoo.hookimpl\ndef register_models(register):\n"
            "    register('vanilla', 'x:y')\n",
            "already registered by ganzoo",
        ),
        (
            "import ganzoo\n@ganzoo.hookimpl\ndef register_models(register):\n"
            "    register('Bad Name!', 'x:y')\n",
            "invalid model name",
        ),
        (
            "import ganzoo\n@ganzoo.hookimpl\ndef register_losses(register):\n"
            "    register('weird', 'x:y', family='telepathic')\n",
            "family must be one of",
        ),
    ],
)
def test_broken_plugin_is_reported_and_skipped(install_dist, run_cli, source, reason):
    install_dist("ganzoo-fake", source, version="1.2.3")
    registry = ganzoo.get_registry(refresh=True)
    problems = [str(p) for p in registry.problems]
    assert len(problems) == 1, problems
    assert "ganzoo-fake" in problems[0] and reason in problems[0]
    assert registry.get("model", "vanilla")  # everything else still works
    result = run_cli("list", "--json")
    assert result.exit_code == 0
    assert reason in result.out
    assert result.err.count("ganzoo-fake") <= 1  # reported once at most


def test_disabled_plugin_is_not_loaded(run_cli, monkeypatch, plugin_host):
    monkeypatch.setenv("GANZOO_DISABLE_PLUGINS", "losses")
    plugin_host.invalidate()
    assert not {"minimax", "nonsat"} & set(ganzoo.list_losses())  # vae's elbo remains
    result = run_cli("train", "--loss", "nonsat", "--steps", "1")
    assert result.exit_code == 2
    assert "unknown loss 'nonsat'" in result.err

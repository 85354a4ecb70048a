"""``config.json``: it names each component's plugin, distribution and version (issue 14,
item 8), and a malformed one is refused in one line naming the file and the key, by the
library and by every command that reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ganzoo
from ganzoo.api.errors import GanzooError
from ganzoo.host.plugins import CORE_DISTRIBUTION
from ganzoo.runs.rundir import RunDir
from tests.helpers import tree_hash

# --- item 8: config.json names each component's distribution and version --------------------

THIRD_PARTY = """
import ganzoo

@ganzoo.hookimpl
def register_models(register):
    register("thirdgan", "ganzoo_gans.vanilla:build", family="adversarial")

@ganzoo.hookimpl
def register_losses(register):
    register("thirdloss", "ganzoo_losses.gan:NonSaturatingLoss", family="adversarial")
"""


def _core(name: str, plugin: str) -> dict:
    return {
        "name": name,
        "plugin": plugin,
        "distribution": CORE_DISTRIBUTION,
        "version": ganzoo.__version__,
        "registered_at_run_time": False,
        "provider": f"{CORE_DISTRIBUTION} {ganzoo.__version__}",
    }


def test_config_json_names_a_third_party_distribution_and_its_version(
    install_dist, run_cli, tmp_path
):
    entry = install_dist("ganzoo-thirdparty", THIRD_PARTY, version="3.1.4")
    out = tmp_path / "run"
    result = run_cli(
        "train", "--model", "thirdgan", "--loss", "thirdloss", "--steps", "2", "--out", out, "-q"
    )
    assert result.exit_code == 0, result.err
    stored = json.loads((out / "config.json").read_text())
    third = {
        "plugin": entry,
        "distribution": "ganzoo-thirdparty",
        "version": "3.1.4",
        "registered_at_run_time": False,
        "provider": "ganzoo-thirdparty 3.1.4",
    }
    assert stored["components"] == {
        "model": {"name": "thirdgan", **third},
        "loss": {"name": "thirdloss", **third},
        "dataset": _core("digits", "datasets"),
    }
    assert stored["distributions"] == {
        CORE_DISTRIBUTION: ganzoo.__version__,
        "ganzoo-thirdparty": "3.1.4",
    }
    assert RunDir(out).read_config()["components"] == stored["components"]


def test_config_json_of_first_party_components(run_cli, tmp_path):
    out = tmp_path / "run"
    result = run_cli("train", "--steps", "2", "--out", out, "-q")
    assert result.exit_code == 0, result.err
    stored = json.loads((out / "config.json").read_text())
    assert stored["components"] == {
        "model": _core("vanilla", "gans"),
        "loss": _core("nonsat", "losses"),
        "dataset": _core("digits", "datasets"),
    }
    assert stored["distributions"] == {CORE_DISTRIBUTION: ganzoo.__version__}


class RuntimeLoss:
    @ganzoo.hookimpl
    def register_losses(self, register):
        register("runtime-loss", "ganzoo_losses.gan:NonSaturatingLoss", family="adversarial")


def test_config_json_says_a_component_was_registered_at_run_time(run_cli, tmp_path):
    name = ganzoo.register_plugin(RuntimeLoss(), name="runtime-test")
    out = tmp_path / "run"
    try:
        result = run_cli("train", "--loss", "runtime-loss", "--steps", "2", "--out", out, "-q")
    finally:
        ganzoo.unregister_plugin(name)
    assert result.exit_code == 0, result.err
    stored = json.loads((out / "config.json").read_text())
    assert stored["components"]["loss"] == {
        "name": "runtime-loss",
        "plugin": "runtime-test",
        "distribution": None,
        "version": None,
        "registered_at_run_time": True,
        "provider": "runtime-test (registered at run time)",
    }
    assert stored["distributions"] == {CORE_DISTRIBUTION: ganzoo.__version__}


# --- read_config: a malformed config.json is one line naming the file and the key -----------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"data": {}}, "it has no 'config' key"),
        ({"config": {"model": "vanilla", "loss": "nonsat", "dataset": "digits"}}, "no 'data'"),
        ({"config": [], "data": {}}, "'config' must be an object, got a list"),
        ({"config": {"loss": "nonsat", "dataset": "digits"}, "data": {}}, "no 'model' name"),
        ([1, 2], "expected a JSON object, got a list"),
    ],
)
def test_malformed_config_json_is_one_line_naming_file_and_key(tmp_path, content, message):
    (tmp_path / "config.json").write_text(json.dumps(content))
    with pytest.raises(GanzooError) as info:
        RunDir.open(tmp_path).read_config()
    text = str(info.value)
    assert text.startswith(f"{tmp_path / 'config.json'} is malformed: ") and message in text
    assert "\n" not in text


@pytest.fixture
def old_run(tmp_path, run_cli) -> Path:
    out = tmp_path / "old"
    result = run_cli("train", "--steps", "6", "--batch-size", "32", "--out", out, "-q")
    assert result.exit_code == 0, result.err
    return out


@pytest.mark.parametrize("command", [["train", "--resume"], ["eval"], ["plot-dynamics"]])
def test_a_config_json_without_its_config_is_one_clear_line(old_run, run_cli, command):
    (old_run / "config.json").write_text('{"something": "else"}')
    before = tree_hash(old_run)
    result = run_cli(*command, old_run)
    assert result.exit_code != 0, result.err
    assert "config.json is malformed: it has no 'config' key" in result.err
    assert len([line for line in result.err.splitlines() if line.strip()]) == 1
    assert "Traceback" not in result.err and tree_hash(old_run) == before


def test_config_json_records_the_augmentations_in_order_and_who_provides_each(run_cli, tmp_path):
    out = tmp_path / "run"
    args = ["--steps", "2", "--augment", "cutout,color", "-A", "size=0.25", "--out", out, "-q"]
    result = run_cli("train", *args)
    assert result.exit_code == 0, result.err
    stored = json.loads((out / "config.json").read_text())
    assert stored["config"]["augment"] == ["cutout", "color"]
    assert stored["config"]["augment_options"] == {"size": 0.25}
    assert stored["components"]["augmentation:cutout"] == _core("cutout", "gans")
    assert stored["components"]["augmentation:color"] == _core("color", "gans")

"""A doctored cache runs no code, files get the user's permissions, runs name their plugins.

Issue 14, items 4, 7 and 8.
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest

from ganzoo.paths import cache_dir

TRAIN = ["train", "--steps", "4", "--batch-size", "32", "-q"]


class Payload:
    """A pickle that creates a marker file when it is loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_doctored_statistics_cache_is_refused_and_never_runs(tmp_path, run_cli):
    run = tmp_path / "run"
    assert run_cli(*TRAIN, "--out", run).exit_code == 0
    assert run_cli("eval", run, "--samples", "20").exit_code == 0  # the cache now exists
    cached = sorted((cache_dir() / "fidelity").glob("ganzoo-digits-*stat-fid*.pt"))
    assert cached
    marker = tmp_path / "pwned"
    for path in cached:
        path.write_bytes(pickle.dumps(Payload(marker)))
    result = run_cli("eval", run, "--samples", "20")
    assert result.exit_code == 2, result.err
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1 and "statistics cache file" in lines[0] and "delete it" in lines[0]
    assert "Traceback" not in result.err
    assert not marker.exists()


def test_a_torch_file_with_code_is_refused_too(tmp_path, run_cli):
    import torch

    run = tmp_path / "run"
    assert run_cli(*TRAIN, "--out", run).exit_code == 0
    assert run_cli("eval", run, "--samples", "20").exit_code == 0
    marker = tmp_path / "pwned"
    for path in sorted((cache_dir() / "fidelity").glob("ganzoo-digits-*.pt")):
        torch.save({"mu": Payload(marker)}, path)
    result = run_cli("eval", run, "--samples", "20")
    assert result.exit_code == 2 and "could execute code" in result.err
    assert not marker.exists()


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664)])
def test_files_get_the_permissions_of_a_plain_open(tmp_path, run_cli, umask, mode):
    old = os.umask(umask)
    try:
        run = tmp_path / "run"
        assert run_cli(*TRAIN, "--out", run).exit_code == 0
        assert run_cli("eval", run, "--samples", "20").exit_code == 0
    finally:
        os.umask(old)
    files = [p for p in [*run.rglob("*"), *cache_dir().rglob("*")] if p.is_file()]
    files = [p for p in files if p.name != ".lock"]
    assert len(files) > 5
    wrong = {
        str(p): oct(p.stat().st_mode & 0o777) for p in files if p.stat().st_mode & 0o777 != mode
    }
    assert not wrong


def test_config_json_names_the_distribution_of_every_component(tmp_path, run_cli):
    run = tmp_path / "run"
    assert run_cli(*TRAIN, "--out", run).exit_code == 0
    components = json.loads((run / "config.json").read_text())["components"]
    assert [c["kind"] for c in components] == ["model", "loss", "dataset"]
    assert all(c["distribution"] == "ganzoo" and c["version"] for c in components)
    assert {c["plugin"] for c in components} == {"gans", "losses", "datasets"}


def test_a_run_time_plugin_is_recorded_as_not_installed(tmp_path, run_cli):
    import ganzoo

    class Plugin:
        @ganzoo.hookimpl
        def register_losses(self, register):
            register("nonsat-copy", "ganzoo_losses.gan:NonSaturatingLoss", family="adversarial")

    name = ganzoo.register_plugin(Plugin(), name="copy-plugin")
    try:
        run = tmp_path / "run"
        assert run_cli(*TRAIN, "--loss", "nonsat-copy", "--out", run).exit_code == 0
    finally:
        ganzoo.unregister_plugin(name)
    loss = json.loads((run / "config.json").read_text())["components"][1]
    assert loss == {
        "kind": "loss", "name": "nonsat-copy", "plugin": "copy-plugin", "distribution": None,
        "version": None, "installed": False,
    }  # fmt: skip

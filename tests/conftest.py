"""Shared fixtures: run the CLI in-process, locate ../shared/data, isolate the cache and the
plugins, install fake distributions, build layered virtual environments."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import ganzoo
from ganzoo.cli import cli, main
from ganzoo.host.plugins import PluginHost, use_host
from tests.helpers import SHARED_DATA, ConditionalPlugin, cli_ok, write_distribution


@dataclass
class CliResult:
    exit_code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys):
    """Run ``ganzoo ARGS`` in-process through the real entry point; return code and output."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def plugin_host() -> Iterator[PluginHost]:
    """A fresh :class:`PluginHost`, the default one for the test: nothing leaks between tests."""
    with use_host(PluginHost()) as host:
        yield host


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory, monkeypatch, plugin_host):
    """Caches in a temp dir; plugins (disabled, installed, problems) in a fresh host."""
    monkeypatch.setenv("GANZOO_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("GANZOO_DISABLE_PLUGINS", raising=False)


@pytest.fixture(scope="session")
def _shared_cache_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.getbasetemp() / "ganzoo-metrics-cache"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def shared_cache(_isolated, _shared_cache_dir, monkeypatch) -> Path:
    """One cache for the whole session, so each domain classifier is trained once."""
    monkeypatch.setenv("GANZOO_CACHE_DIR", str(_shared_cache_dir))
    return _shared_cache_dir


@pytest.fixture
def install_dist(tmp_path, monkeypatch, plugin_host) -> Iterator[Callable[..., None]]:
    """``install_dist(dist, source, entry=..., version=...)`` installs a fake distribution and
    returns its entry-point name.

    A real package and ``.dist-info`` in a temporary folder on ``sys.path``: real entry points
    and distribution names, no pip, no network. The test's fresh plugin host sees it; the
    commands a plugin adds to the CLI are gone after the test.
    """
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    commands = dict(cli.commands)
    modules: list[str] = []

    def install(dist: str, source: str, entry: str | None = None, version: str = "1.0") -> str:
        entry, module = write_distribution(site, dist, source, entry, version)
        modules.append(module)
        plugin_host.rescan()
        return entry

    yield install
    for module in modules:
        sys.modules.pop(module, None)
    cli.commands.clear()
    cli.commands.update(commands)


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data`` with MNIST, or skip."""
    if not (SHARED_DATA / "MNIST" / "raw" / "train-images-idx3-ubyte").exists():
        pytest.skip(f"real MNIST not found at {SHARED_DATA} (../shared/data is absent here)")
    return SHARED_DATA


@pytest.fixture
def conditional_run(tmp_path) -> Path:
    """A run of ``cgan-test``, a tiny class-conditional GAN registered at run time."""
    ganzoo.register_plugin(ConditionalPlugin(), name="cgan-test")
    path = tmp_path / "cgan"
    cli_ok("train", "--model", "cgan-test", "--conditional", "--steps", "5", "--out", path, "-q")
    return path

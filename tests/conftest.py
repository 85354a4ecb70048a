"""Shared fixtures: run the CLI in-process, locate ../shared/data, isolate the cache."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest

import ganzoo.plugins
from ganzoo.cli import main

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


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


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory, monkeypatch):
    """Caches in a temp dir; plugins disabled by a test do not leak into the next one."""
    monkeypatch.setenv("GANZOO_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("GANZOO_DISABLE_PLUGINS", raising=False)
    yield
    ganzoo.plugins._disabled = frozenset()
    ganzoo.plugins._registry = None


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data`` with MNIST, or skip."""
    if not (SHARED_DATA / "MNIST" / "raw" / "train-images-idx3-ubyte").exists():
        pytest.skip(f"real MNIST not found at {SHARED_DATA} (../shared/data is absent here)")
    return SHARED_DATA


def tree_hash(root: Path) -> str:
    """A hash of every file's path and bytes under ``root``."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        h.update(str(path.relative_to(root)).encode())
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()

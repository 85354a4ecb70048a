"""``ganzoo compare`` checks every run before measuring any (ganzoo.tools.checks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ganzoo.api.errors import UsageError
from ganzoo.runs.rundir import RunDir
from ganzoo.tools.checks import check_run_usable
from tests.helpers import tree_hash


@pytest.fixture
def two_runs(tmp_path) -> tuple[Path, Path]:
    from ganzoo.training.config import TrainConfig
    from ganzoo.training.loop import train

    runs = []
    for name in ("good", "broken"):
        config = TrainConfig(model="vanilla", steps=3, batch_size=16, out=str(tmp_path / name))
        runs.append(train(config).run_dir)
    return runs[0], runs[1]


def truncate_checkpoints(run: Path) -> None:
    for checkpoint in RunDir(run).checkpoints():
        data = checkpoint.read_bytes()
        checkpoint.write_bytes(data[: len(data) // 3])


def test_compare_refuses_a_broken_run_before_measuring_any(two_runs, run_cli, tmp_path):
    good, broken = two_runs
    truncate_checkpoints(broken)
    before = tree_hash(good), tree_hash(broken)
    result = run_cli("compare", good, broken, "--samples", "100", "--out", tmp_path / "r")
    assert result.exit_code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and str(broken) in lines[0] and "truncated or corrupt" in lines[0]
    assert "Traceback" not in result.err
    assert (tree_hash(good), tree_hash(broken)) == before  # nothing measured, nothing stored
    assert not (good / "eval").exists() and not (tmp_path / "r").exists()


def test_check_run_usable_names_what_is_wrong(two_runs):
    good, broken = two_runs
    check_run_usable(good)  # a sound run passes
    (broken / "summary.json").unlink()
    with pytest.raises(UsageError, match="has not finished"):
        check_run_usable(broken)
    for checkpoint in RunDir(good).checkpoints():
        checkpoint.unlink()
    check_run_usable(good, need_checkpoint=False)  # stored results suffice
    with pytest.raises(UsageError, match="has no checkpoint"):
        check_run_usable(good)

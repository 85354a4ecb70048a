"""The garbage collector of a program run: off while it builds, frozen and back on after."""

from __future__ import annotations

import gc

import pytest

from ganzoo.cli import _command
from ganzoo.host import collector


@pytest.fixture(autouse=True)
def _restored():
    yield
    gc.unfreeze()  # the frozen objects go back to the collector: nothing leaks out
    gc.enable()


def test_a_program_run_defers_collection_until_built():
    with collector.deferred(program=True):
        assert not gc.isenabled()
        collector.built()
        assert gc.isenabled() and gc.get_freeze_count() > 0
    assert gc.isenabled()


def test_the_collector_is_back_on_after_a_failure_before_the_run_was_built():
    with pytest.raises(RuntimeError), collector.deferred(program=True):
        raise RuntimeError("a bad option")
    assert gc.isenabled()


def test_called_from_python_the_collector_is_left_alone():
    with collector.deferred(program=False):
        assert gc.isenabled()
        collector.built()
    assert gc.isenabled() and gc.get_freeze_count() == 0


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["train", "--model", "vanilla"], "train"),
        (["--disable-plugin", "train", "eval", "runs/x"], "eval"),
        (["--disable-plugin=x", "train"], "train"),
        (["--help"], None),
    ],
)
def test_the_command_is_read_past_the_group_options(argv, command):
    assert _command(argv) == command

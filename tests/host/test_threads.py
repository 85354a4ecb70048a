"""CPU threads are chosen, recorded and given back (issue 15, item 5)."""

from __future__ import annotations

import json

import torch

from ganzoo.host.device import SMALL_MODEL_PARAMETERS, choose_threads, cores_available


def test_small_models_take_one_thread_and_large_ones_their_share_of_the_cores():
    cores = cores_available()
    assert choose_threads(None, SMALL_MODEL_PARAMETERS - 1) == 1
    assert choose_threads(None, SMALL_MODEL_PARAMETERS) == cores
    assert choose_threads(None, 10 * SMALL_MODEL_PARAMETERS, processes=cores) == 1
    assert choose_threads(None, 10 * SMALL_MODEL_PARAMETERS, processes=10 * cores) == 1
    assert choose_threads(3, 10) == 3  # --threads wins


def test_a_run_records_its_threads_and_gives_the_callers_back(tmp_path, run_cli):
    before = torch.get_num_threads()
    out = tmp_path / "run"
    result = run_cli("train", "--steps", "3", "--batch-size", "32", "--threads", "1", "--out", out)
    assert result.exit_code == 0, result.err
    assert json.loads((out / "config.json").read_text())["resolved"]["threads"] == 1
    assert torch.get_num_threads() == before


def test_threads_must_be_positive_and_cannot_change_on_resume(tmp_path, run_cli):
    bad = run_cli("train", "--steps", "3", "--threads", "0", "--out", tmp_path / "x")
    assert bad.exit_code == 2 and "--threads must be an integer >= 1" in bad.err
    assert not (tmp_path / "x").exists()
    out = tmp_path / "run"
    assert run_cli("train", "--steps", "3", "--batch-size", "32", "--out", out).exit_code == 0
    again = run_cli("train", "--resume", out, "--steps", "5", "--threads", "2")
    assert again.exit_code == 2 and "--threads" in again.err

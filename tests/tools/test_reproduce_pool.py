"""``ganzoo.tools.reproduce.pool``: each worker's share of the cores, and a row held by one
process is left to it."""

from __future__ import annotations

import dataclasses
import json

from ganzoo.tools.reproduce.options import ReproduceOptions
from ganzoo.tools.reproduce.pool import claimed, core_share, from_payload, to_payload


def test_each_worker_gets_its_own_share_of_the_cores():
    assert [core_share(i, 2, [0, 1]) for i in range(2)] == [{0}, {1}]
    assert [core_share(i, 2, [0, 1, 2, 3]) for i in range(2)] == [{0, 2}, {1, 3}]
    assert core_share(0, 1, [0, 1]) == {0, 1}  # one worker: every core
    assert [core_share(i, 3, [4, 5]) for i in range(3)] == [{4}, {5}, {4}]  # more than cores


def test_a_row_held_by_one_claim_is_refused_to_another_and_free_after(tmp_path):
    with claimed(tmp_path, "digits", "nonsat") as first:
        assert first
        with claimed(tmp_path, "digits", "nonsat") as second:  # another open file: refused
            assert not second
        with claimed(tmp_path, "digits", "minimax") as other_row:
            assert other_row
    with claimed(tmp_path, "digits", "nonsat") as again:
        assert again


def test_workers_get_the_commands_options_and_rows_through_json(tmp_path):
    study, options = ReproduceOptions(
        "lucic2018", out=tmp_path, rows=("wgan-gp", "nonsat"), datasets=("mnist",), workers=2
    ).resolved()
    sent = from_payload(json.loads(json.dumps(to_payload(options, study))))
    # every option, and the rows the command's study holds, in its order
    assert sent == dataclasses.replace(options, rows=("nonsat", "wgan-gp"))
    assert [r.name for r in sent.study_rows().rows] == ["nonsat", "wgan-gp"]
    _, whole = ReproduceOptions("seed", out=tmp_path).resolved()
    assert from_payload(json.loads(json.dumps(to_payload(whole, whole.study_rows())))) == whole

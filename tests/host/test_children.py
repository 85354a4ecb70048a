"""``ganzoo.host.children``: a command's worker processes, and a worker's error as one line."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ganzoo.api.errors import GanzooError
from ganzoo.host.children import run_children
from ganzoo.tools.reproduce.options import ReproduceOptions


def _payload(tmp_path: Path, study: str) -> dict:
    options = ReproduceOptions(study, out=tmp_path, budget=0, steps=1, datasets=("digits",))
    given = {**dataclasses.asdict(options), "out": str(tmp_path), "datasets": ["digits"]}
    return {"options": given, "log": True}


def test_a_workers_error_reaches_the_command_as_its_first_line(tmp_path):
    started = []
    with pytest.raises(GanzooError) as caught:
        run_children(
            "ganzoo.tools.reproduce.pool",
            _payload(tmp_path, "no-such-study"),
            [{}, {}],
            started=lambda index, pid: started.append((index, pid)),
        )
    message = str(caught.value)
    assert "no-such-study" in message and "lucic2018" in message  # names the valid ones
    assert "\n" not in message and "Traceback" not in message
    assert [index for index, _ in started] == [0, 1] and len({pid for _, pid in started}) == 2

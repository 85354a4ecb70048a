"""The few-images tutorial shows the recorded small-data study, or says it is not recorded.

The table and grids come from ``benchmarks/bench_small_data.py --record``; where no record
exists the page says so instead of showing numbers (``docs/_scripts/small_data.py``).
"""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from tests.helpers import DOCS, ROOT

PAGE = DOCS / "tutorials" / "few-images.md"


def _module(name: str, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def small_data(tmp_path, monkeypatch):
    """The docs' renderer, reading its record from ``tmp_path``."""
    module = _module("docs_small_data", DOCS / "_scripts" / "small_data.py")
    monkeypatch.setattr(module, "RESULTS", tmp_path)
    monkeypatch.setattr(module, "RECORD", tmp_path / "small-data.json")
    return module


def test_without_a_record_the_page_says_so_and_shows_no_numbers(small_data):
    text = small_data.render(PAGE.read_text())
    assert "<!-- small-data:" not in text
    assert '!!! warning "Not recorded yet"' in text
    assert small_data.RECORD_COMMAND in text
    table = text.split("## The recorded study")[1]
    assert "±" not in table and "| yes |" not in table


@pytest.mark.usefixtures("shared_cache")
def test_a_recorded_quick_study_fills_the_table_and_grids(small_data, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    bench = _module("bench_small_data", ROOT / "benchmarks" / "bench_small_data.py")
    args = ["--quick", "--steps", "2", "--seeds", "1", "--samples", "20", "--record", tmp_path]
    figures = bench.main([str(a) for a in args])
    assert json.loads((tmp_path / "small-data.json").read_text()) == json.loads(
        json.dumps(figures, default=str)
    )
    text = small_data.render(PAGE.read_text())
    assert "Not recorded yet" not in text
    plain, augmented = figures["cells"]
    assert (plain["augment"], augmented["augment"]) == (False, True)
    assert plain["images"] == 360 and plain["runs"][0]["train_images"] == 360
    for c in figures["cells"]:
        fid, ratio = c["fid"]["mean"], c["ratio"]["mean"]
        row = f"(360) | {'yes' if c['augment'] else 'no'} | {fid:.2f} | {ratio:.2f} |"
        assert row in text
    sites = [site for site, _ in small_data.grid_files()]
    assert sites == [
        "figures/small-data/digits-0.25-diffaug.png",
        "figures/small-data/digits-0.25-plain.png",
    ]
    for site in sites:
        assert f"(../{site})" in text
    sys.modules.pop("bench_zoo", None)


def _cell(dataset, fraction, augment, fid, half, ratio, z_u):
    return {"dataset": dataset, "fraction": fraction, "augment": augment, "images": 600,
            "fid": {"mean": fid, "ci95": half}, "ratio": {"mean": ratio, "ci95": 0.01},
            "z_u": {"mean": z_u, "ci95": 1.0}}  # fmt: skip


def test_the_reading_follows_the_numbers_of_the_table(small_data):
    """Each pair's verdict comes from its intervals; copying from the page's thresholds."""
    cells = [
        _cell("mnist", 0.01, False, 2.0, 0.1, 1.1, 40.0),
        _cell("mnist", 0.01, True, 1.5, 0.1, 1.2, 30.0),  # below: lowered
        _cell("mnist", 0.1, False, 2.0, 0.1, 1.1, 40.0),
        _cell("mnist", 0.1, True, 2.5, 0.1, 1.1, 40.0),  # above: raised
        _cell("digits", 1.0, False, 1.0, 0.3, 1.05, 5.0),
        _cell("digits", 1.0, True, 1.2, 0.3, 1.02, 5.0),  # across: chance
    ]
    text = small_data.reading({"cells": cells, "steps": 1000})
    assert "MNIST (32 px) at 1% (600 images): DiffAugment lowered FID (2.00 without" in text
    assert "MNIST (32 px) at 10% (600 images): DiffAugment raised FID" in text
    assert "digits (8×8) at 100% (600 images): DiffAugment changed FID by less than chance" in text
    assert "No cell copies its training images: NN ratios from 1.02 to 1.20" in text
    cells[1] = _cell("mnist", 0.01, True, 1.5, 0.1, 0.4, -12.0)
    text = small_data.reading({"cells": cells, "steps": 1000})
    assert (
        "Copying (NN ratio under 0.9, Z_U under −3): MNIST (32 px) at 1% with DiffAugment." in text
    )

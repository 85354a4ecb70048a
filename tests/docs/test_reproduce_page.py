"""The reproduce page (docs/reproduce.md): the studies from the registry, a recorded report
rendered as ganzoo wrote it, and plainly nothing where none is recorded."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from ganzoo.tools.reproduce.report import build_report, write_report
from ganzoo.tools.reproduce.studies import LUCIC2018
from tests.tools.test_reproduce_report import SETTINGS, lucic_fids, measured

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGE = DOCS / "reproduce.md"


def page_module():
    spec = importlib.util.spec_from_file_location(
        "docs_reproduce", DOCS / "_scripts" / "reproduce.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def recorded_study(root: Path, tmp: Path, trained_at: str | None = None, **changes) -> Path:
    """A finished lucic2018 folder made from constructed numbers, recorded under ``root``."""
    study = tmp / "study"
    study.mkdir()
    report = build_report(
        LUCIC2018, SETTINGS, measured(LUCIC2018, lucic_fids([5.0, 5.1, 4.9]), study), study
    )
    report["command"] = "ganzoo reproduce lucic2018 --datasets mnist --budget 4"
    write_report(report | changes, study)
    (study / "study.json").write_text(json.dumps(SETTINGS))
    return page_module().record(study, root, trained_at=trained_at)


def test_the_page_is_in_the_nav_and_rendered_by_the_docs_hook():
    assert "Reproducing papers: reproduce.md" in (DOCS.parent / "mkdocs.yml").read_text()
    assert "reproduce.render(" in (DOCS / "_scripts" / "hooks.py").read_text()


def test_the_studies_come_from_the_registry_and_nothing_unrecorded_is_shown(tmp_path):
    page = page_module().render(PAGE.read_text(), root=tmp_path)
    assert "<!-- reproduce:" not in page
    nonsat = next(
        line for line in page.splitlines() if line.startswith("| NS GAN | `dcgan+nonsat`")
    )
    assert nonsat.endswith("| 6.8 | 26.5 |")  # Lucic et al. 2018, Table 2
    vae = [line for line in page.splitlines() if line.startswith("| VAE | `vae+elbo`")]
    assert vae[-1].endswith("| 16.6 | 43.6 |")  # Dai & Wipf 2019, Table 1
    assert "Lucic et al. 2018, Table 2" in page and "Dai & Wipf 2019, Table 1" in page
    for claim in LUCIC2018.claims:
        assert f"`{claim.id}`" in page
    assert page.count('!!! warning "Not recorded yet"') == 3
    assert "reproduced" not in page.split("## Recorded runs")[1].replace("not recorded", "")


def test_a_recorded_report_is_shown_with_its_figures_and_verdicts(tmp_path):
    target = recorded_study(tmp_path / "recorded", tmp_path)
    assert sorted(p.name for p in target.iterdir()) == [
        "fid-mnist.png", "record.json", "report.json", "study.json",
    ]  # fmt: skip
    record = json.loads((target / "record.json").read_text())
    assert record["command"].startswith("ganzoo reproduce lucic2018") and "machine" in record
    module = page_module()
    page = module.render(PAGE.read_text(), root=tmp_path / "recorded")
    lucic = page.split("### `lucic2018` on a CPU")[1].split("### `seed` on a CPU")[0]
    assert lucic.startswith("\n\nRecorded ")
    assert "| NS GAN (dcgan+nonsat) | d_steps=2, lr=0.0003 (4 trials) | 10.10 ± 0.25 " in lucic
    assert "**not reproduced** — No loss consistently beats" in lucic  # hinge: 5 against 10
    assert "](figures/reproduce/lucic2018/fid-mnist.png)" in lucic
    assert "The extractor differs from the paper's" in lucic
    assert page.count('!!! warning "Not recorded yet"') == 2  # seed and dai-wipf2019
    files = module.figure_files(tmp_path / "recorded")
    assert files == [("figures/reproduce/lucic2018/fid-mnist.png", target / "fid-mnist.png")]


def test_the_recorders_reading_is_shown_under_its_report_only(tmp_path):
    module = page_module()
    target = recorded_study(tmp_path / "recorded", tmp_path)
    page = module.render(PAGE.read_text(), root=tmp_path / "recorded")
    assert "Reading this run" not in page
    (target / "reading.txt").write_text("NS GAN leads by **1.5** here.\n")
    page = module.render(PAGE.read_text(), root=tmp_path / "recorded")
    lucic = page.split("### `lucic2018` on a CPU")[1].split("### `seed` on a CPU")[0]
    assert "#### Reading this run\n\nNS GAN leads by **1.5** here.\n" in lucic
    assert lucic.index("How the verdicts are computed") < lucic.index("Reading this run")


def test_a_study_trained_at_another_commit_says_both(tmp_path):
    module = page_module()
    target = recorded_study(tmp_path / "recorded", tmp_path, trained_at="0123456789abcdef")
    record = json.loads((target / "record.json").read_text())
    assert record["trained_at"] == "0123456789abcdef" != record["commit"]
    page = module.render(PAGE.read_text(), root=tmp_path / "recorded")
    made = page.split("### `lucic2018` on a CPU")[1].split("\n\n")[1]
    assert f"commit `{record['commit'][:10]}`" in made  # the report's (with local changes?)
    assert made.endswith("; its runs were trained at commit `0123456789`.")
    (tmp_path / "x").mkdir()
    same = recorded_study(tmp_path / "again", tmp_path / "x")  # one commit: said once
    text = module.render(PAGE.read_text(), root=tmp_path / "again")
    assert json.loads((same / "record.json").read_text())["trained_at"] == record["commit"]
    assert "trained at commit" not in text


def test_a_recording_of_something_ganzoo_no_longer_trains_fails_the_build(tmp_path):
    target = recorded_study(tmp_path / "recorded", tmp_path)
    report = json.loads((target / "report.json").read_text())
    report["datasets"][0]["rows"][0]["loss"] = "retired-loss"
    (target / "report.json").write_text(json.dumps(report))
    with pytest.raises(RuntimeError, match="loss 'retired-loss', which ganzoo no longer"):
        page_module().render(PAGE.read_text(), root=tmp_path / "recorded")
    report["format"] = 99
    (target / "report.json").write_text(json.dumps(report))
    with pytest.raises(RuntimeError, match="report format 99"):
        page_module().render(PAGE.read_text(), root=tmp_path / "recorded")

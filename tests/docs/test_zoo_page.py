"""The model zoo page (docs/zoo.md) and ``ganzoo list``'s paper column, from the registry."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from ganzoo.host.plugins import get_registry

DOCS = Path(__file__).resolve().parents[2] / "docs"


def zoo_module():
    spec = importlib.util.spec_from_file_location("docs_zoo", DOCS / "_scripts" / "zoo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_zoo_page_lists_every_model_loss_regulariser_and_augmentation_with_its_paper():
    page = zoo_module().render((DOCS / "zoo.md").read_text())
    assert "<!-- zoo:" not in page
    registry = get_registry()
    for kind in ("model", "loss", "regulariser", "augmentation"):
        for c in registry.components(kind):
            row = next(line for line in page.splitlines() if line.startswith(f"| `{c.name}` |"))
            url = c.record.paper.split()[-1]
            assert f"]({url})" in row, (kind, c.name)
    sngan = next(line for line in page.splitlines() if line.startswith("| `sngan` |"))
    assert "`loss='hinge'`" in sngan and "`betas=(0.0, 0.9)`" in sngan and "`d_steps=5`" in sngan
    assert "`width=128`" in sngan
    translation = next(line for line in page.splitlines() if line.startswith("| `translation` |"))
    assert "`shift=0.125`" in translation and "2006.10738" in translation


def _row(page: str, name: str) -> str:
    """The registry table's row of component ``name`` (none: a StopIteration)."""
    return next(line for line in page.splitlines() if line.startswith(f"| `{name}` |"))


def test_the_zoo_page_shows_infogan_and_diffaugment_with_their_papers():
    """Issue 24.5: the new components appear by name, each citing its paper."""
    page = zoo_module().render((DOCS / "zoo.md").read_text())
    infogan = _row(page, "infogan")
    assert "[Chen et al. 2016](https://arxiv.org/abs/1606.03657)" in infogan
    assert "`categorical=10`" in infogan and "`continuous=2`" in infogan
    for name in ("color", "translation", "cutout"):
        assert "[Zhao et al. 2020](https://arxiv.org/abs/2006.10738)" in _row(page, name), name


def test_the_zoo_page_is_in_the_nav_and_rendered_by_the_docs_hook():
    assert "Model zoo: zoo.md" in (DOCS.parent / "mkdocs.yml").read_text()
    assert "zoo.render(" in (DOCS / "_scripts" / "hooks.py").read_text()


def test_list_shows_each_components_paper(run_cli):
    result = run_cli("list", "--json")
    assert result.exit_code == 0, result.err
    papers = {(c["kind"], c["name"]): c["paper"] for c in json.loads(result.out)["components"]}
    assert "1802.05957" in papers[("model", "sngan")]
    assert "1801.04406" in papers[("regulariser", "r1")]
    table = run_cli("list", "regularisers")
    assert "paper" in table.out and "arXiv:1801.04406" in table.out.replace("\n", "")
    for name in ("color", "translation", "cutout"):
        assert "2006.10738" in papers[("augmentation", name)]
    table = run_cli("list", "augmentations")
    assert table.exit_code == 0 and "augmentations" in table.out
    assert all(f"│ {name} " in table.out for name in ("color", "translation", "cutout"))


def recorded(rows: list[tuple[str, str, list[str]]]) -> dict:
    """A bench_zoo.py result in its printed shape, two seeds a row."""
    runs = [
        {"resolved": {"model": model, "loss": loss, "reg": reg}, "fid": 1.0 + seed}
        for model, loss, reg in rows
        for seed in (0, 1)
    ]
    return {
        "steps": 500, "batch_size": 64, "seeds": 2, "samples": 1000, "date": "2026-12-06",
        "machine": "x86_64, 2 CPU cores", "threads": 2, "torch": "2.x", "command": "bench",
        "rows": [
            {"dataset": "digits", "row": f"{model}+{loss}", "runs": runs[2 * i : 2 * i + 2],
             "images_per_s": 1234.5, "fid": {"mean": 1.5, "ci95": 6.35},
             "precision": {"mean": 0.5, "ci95": None}, "recall": {"mean": 0.25, "ci95": 0.01}}
            for i, (model, loss, _) in enumerate(rows)
        ],
    }  # fmt: skip


def test_the_measured_tables_show_each_recorded_row_with_its_interval(tmp_path, monkeypatch):
    zoo = zoo_module()
    (tmp_path / "zoo-digits.json").write_text(
        json.dumps(recorded([("dcgan", "nonsat", ["r1"]), ("sngan", "hinge", [])]))
    )
    monkeypatch.setattr(zoo, "RESULTS", tmp_path)
    page = zoo.render("<!-- zoo: measured -->")
    assert "### digits (8×8)" in page and "`bench`" in page and "2 seeds" in page
    row = next(line for line in page.splitlines() if line.startswith("| `dcgan+nonsat` |"))
    assert row == "| `dcgan+nonsat` | 1.50 ± 6.35 | 0.50 / 0.25 | — / — | 1,234 |"
    assert any(line.startswith("| `sngan+hinge` |") for line in page.splitlines())


def test_a_recorded_row_of_an_unregistered_component_fails_the_build(tmp_path, monkeypatch):
    zoo = zoo_module()
    monkeypatch.setattr(zoo, "RESULTS", tmp_path)
    (tmp_path / "zoo-digits.json").write_text(json.dumps(recorded([("dcgan", "nonsat", ["r9"])])))
    with pytest.raises(RuntimeError, match=r"\('regulariser', 'r9'\).*record the benchmark again"):
        zoo.render("<!-- zoo: measured -->")
    (tmp_path / "zoo-digits.json").unlink()
    with pytest.raises(RuntimeError, match="no recorded zoo benchmark"):
        zoo.render("<!-- zoo: measured -->")


def test_the_papers_order_is_read_from_the_table_itself():
    zoo = zoo_module()

    def row(name: str, mean: float, half: float | None) -> dict:
        return {"row": name, "fid": {"mean": mean, "ci95": half}}

    lines = zoo.papers_order(
        [row("dcgan+nonsat", 1.0, 0.1), row("sngan+hinge", 0.5, 0.1),
         row("dcgan+wgan-gp", 2.0, 0.5), row("dcgan-sn+hinge", 0.95, 0.2)]
    )  # fmt: skip
    sngan, wgan, sn = lines
    assert "`sngan+hinge` 0.50 ± 0.10" in sngan and "intervals do not overlap" in sngan
    assert "does **not** agree" in wgan
    assert "agrees, but the 95% intervals overlap" in sn
    assert zoo.papers_order([row("dcgan+nonsat", 1.0, None)]) == []

"""The registry of studies: every row trainable, every published figure with its source,
every claim about rows and quantities the study measures."""

from __future__ import annotations

import dataclasses
import json

import pytest

from ganzoo.api.errors import UsageError
from ganzoo.host.plugins import get_registry
from ganzoo.tools.reproduce.options import ReproduceOptions
from ganzoo.tools.reproduce.protocol import check_folder
from ganzoo.tools.reproduce.runs import apply_params, base_config
from ganzoo.tools.reproduce.studies import (
    DAI_WIPF2019,
    LUCIC2018,
    QUANTITIES,
    RELATIONS,
    SEED,
    STUDIES,
    Row,
    get_study,
)
from ganzoo.training.config import TrainConfig

TYPES = {"float", "int", "categorical"}


def test_the_three_studies_of_the_issue():
    assert set(STUDIES) == {"lucic2018", "seed", "dai-wipf2019"}
    assert get_study("seed") is SEED


def test_unknown_study_lists_the_valid_ones():
    with pytest.raises(UsageError, match=r"did you mean 'lucic2018'.*valid studies: dai-wipf"):
        get_study("lucic")


@pytest.mark.parametrize("study", STUDIES.values(), ids=list(STUDIES))
def test_every_row_names_a_registered_model_and_loss(study):
    registry = get_registry()
    for row in study.rows:
        assert registry.get("model", row.model).name == row.model
        loss = registry.get("loss", row.loss)
        assert loss.record.family == registry.get("model", row.model).record.family, row.name
    assert len({r.name for r in study.rows}) == len(study.rows)


@pytest.mark.parametrize("study", STUDIES.values(), ids=list(STUDIES))
def test_every_published_figure_names_its_source(study):
    for row in study.rows:
        if row.paper:
            assert row.source and "Table" in row.source, row.name
    for other in study.paper_only:
        assert other.source and other.why and other.paper
    assert study.paper.startswith(("Lucic", "Dai", "the lecture note")) and "http" in study.paper
    with pytest.raises(ValueError, match="need their source"):
        Row("x", "X", "dcgan", "nonsat", {}, paper={"mnist": 1.0})


@pytest.mark.parametrize("study", STUDIES.values(), ids=list(STUDIES))
def test_every_claim_compares_rows_and_quantities_of_its_study(study):
    names = {r.name for r in study.rows}
    assert study.claims
    for claim in study.claims:
        assert {claim.a.row, claim.b.row} <= names, claim.id
        assert {claim.a.quantity, claim.b.quantity} <= set(QUANTITIES), claim.id
        assert claim.relation in RELATIONS and claim.across in ("every", "some")
        assert claim.text and claim.source
        if claim.paired:  # two moments of the same runs
            assert claim.a.row == claim.b.row
        if claim.a.quantity.startswith("fid_"):  # measured during training
            assert study.row(claim.a.row).evaluate_during
    assert len({c.id for c in study.claims}) == len(study.claims)


@pytest.mark.parametrize("study", STUDIES.values(), ids=list(STUDIES))
def test_search_spaces_set_train_config_options(study):
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    for row in study.rows:
        for key, spec in row.space.items():
            assert key.split(".")[0] in fields, key
            assert spec["type"] in TYPES
            if spec["type"] == "categorical":
                assert spec["choices"]
            else:
                assert spec["low"] < spec["high"]
        config = TrainConfig(**apply_params(base_config(row, "mnist", _options()), _mid(row)))
        config.validate()  # a setting drawn from the space is a valid configuration


def _options() -> ReproduceOptions:
    return ReproduceOptions("seed", steps=100)


def _mid(row: Row) -> dict:
    out = {}
    for key, spec in row.space.items():
        if spec["type"] == "categorical":
            out[key] = spec["choices"][0]
        elif spec["type"] == "int":
            out[key] = (spec["low"] + spec["high"]) // 2
        else:
            out[key] = (spec["low"] + spec["high"]) / 2
    return out


def test_lucic2018_has_every_loss_of_the_zoo_on_dcgan_and_the_papers_figures():
    registry = get_registry()
    adversarial = {c.name for c in registry.components("loss") if c.record.family == "adversarial"}
    rows = LUCIC2018.rows_by_name
    assert {"minimax", "nonsat", "lsgan", "wgan-gp", "hinge"} <= set(rows)
    assert adversarial <= set(rows), "a loss of the zoo is missing from lucic2018"
    assert {r.model for r in LUCIC2018.rows} == {"dcgan"}  # one architecture
    assert LUCIC2018.datasets == ("mnist", "fashion-mnist")
    # Lucic et al. 2018, Table 2: best FID, MNIST / Fashion-MNIST
    published = {"nonsat": (6.8, 26.5), "minimax": (9.8, 29.6), "lsgan": (7.8, 30.7),
                 "wgan-gp": (20.3, 24.5)}  # fmt: skip
    for name, (mnist, fashion) in published.items():
        assert dict(rows[name].paper) == {"mnist": mnist, "fashion-mnist": fashion}
    wgan = {p.label: p for p in LUCIC2018.paper_only}["WGAN"]
    assert dict(wgan.paper) == {"mnist": 6.7, "fashion-mnist": 21.5}
    assert "loss_options.gp_weight" in rows["wgan-gp"].space
    # WGAN-GP's critic: dcgan registers the layer-norm D a per-sample critic needs
    assert registry.get("model", "dcgan").meta["critic_options"] == {"d_norm": "layer"}
    claims = {c.b.row for c in LUCIC2018.claims} | {c.a.row for c in LUCIC2018.claims}
    assert claims == set(rows)  # every loss is set against NS GAN


def test_only_keeps_the_named_rows_in_the_studys_order_and_the_claims_on_them():
    part = LUCIC2018.only(["wgan-gp", "nonsat"])
    assert [r.name for r in part.rows] == ["nonsat", "wgan-gp"]
    assert [c.id for c in part.claims] == ["wgan-gp-not-better-than-nonsat"]
    assert [r.name for r in part.left_out] == ["minimax", "lsgan", "hinge", "rsgan", "ragan"]
    assert part.row("nonsat") is LUCIC2018.row("nonsat")  # the same rows, not copies
    assert LUCIC2018.only(None) is LUCIC2018 and LUCIC2018.only(()) is LUCIC2018
    assert LUCIC2018.left_out == ()


def test_only_refuses_a_row_the_study_lacks_or_names_twice():
    with pytest.raises(UsageError, match=r"unknown lucic2018 row 'hinj' \(did you mean 'hinge'"):
        LUCIC2018.only(["hinj"])
    with pytest.raises(UsageError, match="valid seed rows: minimax, nonsat, vae"):
        SEED.only(["lsgan"])
    with pytest.raises(UsageError, match="--rows names a row twice: nonsat,nonsat"):
        LUCIC2018.only(["nonsat", "nonsat"])


def test_only_takes_one_name_as_a_row_and_keeps_what_was_left_out_before():
    assert [r.name for r in LUCIC2018.only("hinge").rows] == ["hinge"]  # not h, i, n, g, e
    twice = LUCIC2018.only(["nonsat", "hinge", "lsgan"]).only(["hinge"])
    assert [r.name for r in twice.rows] == ["hinge"]
    assert {r.name for r in twice.left_out} == set(LUCIC2018.rows_by_name) - {"hinge"}


def test_the_rows_run_are_recorded_and_a_folder_takes_other_rows(tmp_path):
    study, opts = ReproduceOptions("lucic2018", rows=("nonsat",), out=tmp_path).resolved()
    assert [r.name for r in study.rows] == ["nonsat"]
    assert opts.settings(study)["rows"] == ["nonsat"]
    (tmp_path / "study.json").write_text(json.dumps(opts.settings(study)))
    other, more = ReproduceOptions("lucic2018", rows=("hinge", "lsgan"), out=tmp_path).resolved()
    check_folder(more, other)  # other rows: the same protocol, accepted
    fewer, steps = ReproduceOptions("lucic2018", rows=("nonsat",), out=tmp_path, steps=7).resolved()
    with pytest.raises(UsageError, match="made with steps=500, not 7"):
        check_folder(steps, fewer)  # another protocol: refused


def test_dai_wipf2019_sets_the_vae_against_the_gans_with_its_figures():
    rows = DAI_WIPF2019.rows_by_name
    assert dict(rows["vae"].paper) == {"mnist": 16.6, "fashion-mnist": 43.6}
    assert "Dai & Wipf 2019, Table 1" in rows["vae"].source
    assert rows["vae"].options["model_options"] == {"likelihood": "bernoulli"}  # cross-entropy
    assert {c.a.row for c in DAI_WIPF2019.claims} == {"vae"}
    assert {c.b.row for c in DAI_WIPF2019.claims} == set(rows) - {"vae"}


def test_seed_measures_the_notes_claims():
    ids = {c.id for c in SEED.claims}
    assert ids == {
        "minimax-gradient-vanishes",
        "nonsat-learns-better",
        "p_g-approaches-p_data",
        "d-approaches-half",
        "gan-vs-vae",
    }
    assert SEED.default_budget == 0  # the zoo's defaults unless --budget asks for a search

"""What ``register`` accepts is one typed record per kind; an unknown keyword breaks only
the plugin that gave it, in one line with a suggestion and the valid keywords."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import ganzoo
from ganzoo.api.errors import PluginError
from ganzoo.api.records import (
    RECORDS,
    DatasetRecord,
    LossRecord,
    ModelRecord,
    RegulariserRecord,
    keywords,
    make_record,
)

TYPO = """
from ganzoo.api import hookimpl


@hookimpl
def register_models(register):
    register("typo-gan", "ganzoo_gans.vanilla:build", description="t", conditonal=True)
"""
GOOD = """
from ganzoo.api import hookimpl


@hookimpl
def register_models(register):
    register("good-gan", "ganzoo_gans.vanilla:build", description="t", conditional=True)
"""
REG_TYPO = """
from ganzoo.api import hookimpl


@hookimpl
def register_regularisers(register):
    register("typo-reg", "ganzoo_losses.penalties:R1", description="t", per_sample_crtic=True)
"""


def test_every_keyword_first_party_plugins_give_is_a_typed_field():
    registry = ganzoo.get_registry()
    assert not [p for p in registry.problems if "unknown keyword" in p.reason]
    vanilla = registry.get("model", "vanilla").record
    assert isinstance(vanilla, ModelRecord)
    assert vanilla.conditional is True and vanilla.lr == 1e-3
    assert vanilla.data_kinds == ("image", "vector") and "1406.2661" in vanilla.paper
    dcgan = registry.get("model", "dcgan").record
    assert dcgan.dataset_options["mnist"] == {"image_size": 32}
    digits = registry.get("dataset", "digits").record
    assert isinstance(digits, DatasetRecord)
    assert (digits.shape, digits.kind, digits.num_classes, digits.offline) == (
        (1, 8, 8),
        "image",
        10,
        True,
    )
    assert digits.epochs == 250
    assert isinstance(registry.get("loss", "hinge").record, LossRecord)
    sngan = registry.get("model", "sngan").record
    assert (sngan.loss, sngan.betas, sngan.d_steps) == ("hinge", (0.0, 0.9), 5)
    assert dcgan.critic_options == {"d_norm": "layer"}
    assert registry.get("loss", "wgan-gp").record.per_sample_critic is True
    gp = registry.get("regulariser", "gp").record
    assert isinstance(gp, RegulariserRecord) and gp.per_sample_critic is True


def test_an_unknown_keyword_names_the_component_a_suggestion_and_the_valid_ones():
    with pytest.raises(PluginError) as info:
        make_record("model", "x", {"conditonal": True})
    text = str(info.value)
    assert text.startswith(
        "unknown keyword 'conditonal' for model 'x' (did you mean 'conditional'?)"
    )
    assert "; valid: " in text and all(k in text for k in keywords("model"))
    with pytest.raises(PluginError, match="unknown keyword 'shape' for loss 'y'"):
        make_record("loss", "y", {"shape": (2,)})


@pytest.mark.parametrize(
    ("kind", "given", "message"),
    [
        ("model", {"conditional": "yes"}, "conditional='yes' is invalid; expected True or False"),
        ("model", {"lr": -1.0}, "lr=-1.0 is invalid; expected a positive number"),
        ("model", {"lr_d": 0}, "lr_d=0 is invalid; expected a positive number"),
        ("model", {"lr_d": True}, "lr_d=True is invalid; expected a positive number"),
        ("model", {"conditional_refusal": 3}, "conditional_refusal=3 is invalid; expected a"),
        (  # a reason to refuse what the model accepts
            "model",
            {"conditional": True, "conditional_refusal": "no labels"},
            "conditional_refusal='no labels' is invalid; expected a reason .* without conditional",
        ),
        ("model", {"d_steps": 0}, "d_steps=0 is invalid; expected an integer >= 1"),
        ("model", {"betas": (0.5,)}, r"betas=\(0.5,\) is invalid"),
        ("model", {"betas": ("a", 0.9)}, r"betas=\('a', 0.9\) is invalid; expected two in"),
        ("model", {"dataset_settings": {"digits": 128}}, "dataset_settings=.* expected a dict"),
        (  # a setting ganzoo does not take per dataset: the valid ones named
            "model",
            {"dataset_settings": {"digits": {"batch": 128}}},
            r"dataset_settings\['digits'\] names 'batch'; valid settings: lr, lr_d, betas, "
            "d_steps, batch_size",
        ),
        (
            "model",
            {"dataset_settings": {"digits": {"batch_size": 0}}},
            r"dataset_settings\['digits'\]\['batch_size'\]=0 is invalid; expected an integer",
        ),
        (
            "model",
            {"dataset_settings": {"mnist": {"lr": None}}},
            r"dataset_settings\['mnist'\]\['lr'\]=None is invalid; expected a positive number",
        ),
        ("regulariser", {"per_sample_critic": "yes"}, "per_sample_critic='yes' is invalid"),
        ("augmentation", {"data_kinds": "image"}, "data_kinds='image' is invalid"),
        ("augmentation", {"data_kinds": ()}, r"data_kinds=\(\) is invalid"),
        ("dataset", {"num_classes": 2.5}, "num_classes=2.5 is invalid; expected an integer"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused(kind, given, message):
    with pytest.raises(PluginError, match=message):
        make_record(kind, "x", given)


def test_json_shows_the_keywords_given_and_nothing_else():
    record = make_record("model", "x", {"lr": 0.01, "description": "d"})
    assert record.meta() == {"lr": 0.01}
    assert make_record("dataset", "d", {"shape": [1, 2]}).shape == (1, 2)


def test_each_kind_names_its_hook_and_plural():
    assert {kind: (r.hook, r.plural) for kind, r in RECORDS.items()} == {
        "model": ("register_models", "models"),
        "loss": ("register_losses", "losses"),
        "regulariser": ("register_regularisers", "regularisers"),
        "augmentation": ("register_augmentations", "augmentations"),
        "dataset": ("register_datasets", "datasets"),
    }


def test_a_typo_in_a_regulariser_breaks_only_that_plugin(install_dist, run_cli):
    install_dist("ganzoo-regtypo", REG_TYPO)
    listed = run_cli("list", "regularisers")
    assert listed.exit_code == 0
    assert "r1" in listed.out and "typo-reg" not in listed.out
    assert "unknown keyword 'per_sample_crtic' for regulariser 'typo-reg' (did you mean " in (
        listed.err
    )


def test_a_typo_breaks_only_that_plugin(install_dist, run_cli):
    install_dist("ganzoo-typo", TYPO)
    install_dist("ganzoo-good", GOOD)
    listed = run_cli("list", "models")
    assert listed.exit_code == 0
    assert "good-gan" in listed.out and "typo-gan" not in listed.out
    lines = [line for line in listed.err.splitlines() if "typo" in line]
    assert len(lines) == 1
    assert (
        "unknown keyword 'conditonal' for model 'typo-gan' (did you mean 'conditional'?)"
        in (lines[0])
    )
    plugins = {p["name"]: p for p in json.loads(run_cli("plugin", "list", "--json").out)}
    assert plugins["typo"]["status"] == "broken" and plugins["typo"]["components"] == {}
    assert plugins["good"]["status"] == "loaded"
    assert plugins["good"]["components"] == {"model": ["good-gan"]}


def test_records_are_torch_free():
    code = "import sys, ganzoo.api.records; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

"""A sweep's search space: TOML and command-line entries, checked against TrainConfig before
any trial runs (no training here)."""

from __future__ import annotations

import pytest

from ganzoo.api.errors import UsageError
from ganzoo.tools.sweep import load_space
from ganzoo.tools.sweep.reading import merge, parse_fixed_entry, parse_space_entry
from ganzoo.tools.sweep.space import check_space
from ganzoo.tools.sweep.trials import check_trials, corners, suggest, trial_config

TOML = """
[fixed]
model = "vanilla"
steps = 30
betas = [0.5, 0.99]
[fixed.model_options]
hidden_dim = 64

[space]
lr = { type = "float", low = 1e-5, high = 1e-2, log = true }
d_steps = { type = "int", low = 1, high = 3 }
loss = ["nonsat", "hinge"]
reg = ["r1", "r1,r2"]
"betas.0" = { type = "float", low = 0.0, high = 0.9 }
[space.reg_options]
gamma = { type = "categorical", choices = [1.0, 10.0] }
"""


def test_a_toml_space_is_read_checked_and_normalised(tmp_path):
    path = tmp_path / "sweep.toml"
    path.write_text(TOML)
    space, fixed = load_space(path)
    assert space["lr"] == {"type": "float", "low": 1e-5, "high": 1e-2, "log": True, "step": None}
    assert space["d_steps"] == {"type": "int", "low": 1, "high": 3, "log": False, "step": None}
    assert space["loss"] == {"type": "categorical", "choices": ["nonsat", "hinge"]}
    assert space["reg"]["choices"] == ["r1", "r1,r2"]
    assert space["reg_options.gamma"]["choices"] == [1.0, 10.0]
    assert fixed == {
        "model": "vanilla",
        "steps": 30,
        "betas": [0.5, 0.99],
        "model_options": {"hidden_dim": 64},
    }
    check_trials(space, fixed)  # every corner is a config ganzoo train accepts


def test_command_line_entries_parse_and_win_over_the_file():
    assert parse_space_entry("lr=float:1e-5:1e-2:log") == (
        "lr",
        {"type": "float", "low": 1e-5, "high": 1e-2, "log": True},
    )
    assert parse_space_entry("batch_size=int:16:128:16") == (
        "batch_size",
        {"type": "int", "low": 16, "high": 128, "step": 16},
    )
    assert parse_space_entry("loss=choice:nonsat,hinge") == (
        "loss",
        {"type": "categorical", "choices": ["nonsat", "hinge"]},
    )
    assert parse_fixed_entry("model_options.hidden_dim=32") == ("model_options.hidden_dim", 32)
    space, fixed = merge(
        {"lr": {"type": "float", "low": 0.1, "high": 1.0}, "d_steps": [1, 2]},
        {"steps": 10, "model_options": {"hidden_dim": 8}},
        {"model_options.hidden_dim": [16, 32]},
        {"d_steps": 2},
    )
    assert set(space) == {"lr", "model_options.hidden_dim"}
    assert fixed == {"steps": 10, "model_options": {}, "d_steps": 2}


@pytest.mark.parametrize(
    ("space", "fixed", "message"),
    [
        ({}, {}, "the search space is empty"),
        ({"lrr": [0.1]}, {}, "unknown search space option 'lrr' (did you mean 'lr'?)"),
        ({"lrr": [0.1]}, {}, "valid search space options: amp, augment"),
        ({"out": ["a"]}, {}, "out cannot be swept"),
        ({"betas": [0.5]}, {}, "sweep betas one element at a time: betas.0 and betas.1"),
        ({"model_options": [1]}, {}, "sweep model_options one key at a time"),
        ({"lr": ["fast"]}, {}, "search space lr takes a number, got 'fast'"),
        ({"batch_size": {"type": "float", "low": 8, "high": 64}}, {}, "takes an integer"),
        ({"model": {"type": "int", "low": 1, "high": 2}}, {}, "use a list of choices"),
        ({"lr": {"type": "uniform", "low": 0.1, "high": 1}}, {}, "type must be one of float"),
        ({"lr": {"type": "float", "low": 0.1, "hi": 1}}, {}, "unknown key 'hi' for type float"),
        ({"lr": {"type": "float", "low": 1.0, "high": 0.1}}, {}, "low (1.0) must not exceed"),
        ({"lr": {"type": "float", "low": 0.0, "high": 1, "log": True}}, {}, "needs low > 0"),
        (
            {"lr": {"type": "float", "low": 0.1, "high": 1, "log": True, "step": 0.1}},
            {},
            "log and step",
        ),
        ({"lr": {"type": "float", "low": "a", "high": 1}}, {}, "low must be a number, got 'a'"),
        ({"d_steps": {"type": "int", "low": 1.5, "high": 3}}, {}, "low must be an integer"),
        ({"loss": []}, {}, "choices must be a non-empty list"),
        ({"loss": ["nonsat", "nonsat"]}, {}, "choices repeat"),
        ({"lr": [0.1]}, {"lr": 0.2}, "lr is both in the search space and fixed"),
        ({"lr": [0.1]}, {"stepz": 3}, "unknown fixed option 'stepz' (did you mean 'steps'"),
        ({"lr": [0.1]}, {"steps": "many"}, "fixed option steps takes an integer, got 'many'"),
        ({"lr": [0.1]}, {"out": "x"}, "each trial's run folder is set by the sweep"),
    ],
)
def test_a_bad_space_is_refused_in_one_line_naming_the_key(space, fixed, message):
    with pytest.raises(UsageError) as caught:
        check_space(space, fixed)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("space", "fixed", "message"),
    [
        ({"model": ["vanilla", "vanila"]}, {}, "search space model='vanila' is refused"),
        ({"loss": ["nonsat", "elbo"]}, {}, "search space loss='elbo' is refused"),
        ({"model_options.widht": [8]}, {}, "has no option 'widht'; valid options:"),
        ({"model_options.hidden_dim": ["wide"]}, {}, "option hidden_dim expects int, got 'wide'"),
        # a key only one of the models takes: found with the other model at the base values
        ({"model": ["vanilla", "dcgan"], "model_options.hidden_dim": [8]}, {}, "model='dcgan'"),
        ({"reg_options.gamma": [1.0]}, {}, "no regulariser of this run takes it"),
        ({"batch_size": {"type": "int", "low": 0, "high": 8}}, {}, "--batch-size must be"),
        ({"lr": [0.1]}, {"model": "nope"}, "unknown model 'nope'"),
    ],
)
def test_every_corner_of_the_space_is_checked_as_train_checks_it(space, fixed, message):
    space, fixed = check_space(space, fixed)
    with pytest.raises(UsageError) as caught:
        check_trials(space, fixed)
    assert message in str(caught.value)


def test_corners_vary_one_option_at_a_time_from_the_first_values():
    space, _ = check_space(
        {"lr": {"type": "float", "low": 0.1, "high": 0.2}, "loss": ["a", "b"]}, {}
    )
    assert list(corners(space)) == [
        (None, {"lr": 0.1, "loss": "a"}),
        ("lr", {"lr": 0.2, "loss": "a"}),
        ("loss", {"lr": 0.1, "loss": "b"}),
    ]


class FixedTrial:
    """What suggest asks of an optuna trial, answering the low ends and first choices."""

    def suggest_float(self, name, low, high, log=False, step=None):
        return low

    def suggest_int(self, name, low, high, step=1, log=False):
        return high

    def suggest_categorical(self, name, choices):
        return choices[-1]


def test_a_trials_values_become_its_train_config(tmp_path):
    space, fixed = check_space(
        {
            "lr": {"type": "float", "low": 0.001, "high": 0.01},
            "d_steps": {"type": "int", "low": 1, "high": 2},
            "reg": ["", "r1,r2"],
            "betas.1": [0.9],
            "model_options.hidden_dim": [16, 32],
        },
        {"steps": 10, "betas": [0.0, 0.99]},
    )
    params = suggest(FixedTrial(), space)
    config = trial_config(fixed, params, tmp_path / "t", threads=1)
    assert (config.lr, config.d_steps, config.reg) == (0.001, 2, ["r1", "r2"])
    assert config.betas == (0.0, 0.9) and config.model_options == {"hidden_dim": 32}
    assert (config.out, config.threads, config.steps) == (str(tmp_path / "t"), 1, 10)
    # betas.1 alone: betas.0 is the model's own (vanilla registers none: ganzoo's 0.5)
    config = trial_config({}, {"betas.1": 0.9}, tmp_path / "u")
    assert config.betas == (0.5, 0.9)

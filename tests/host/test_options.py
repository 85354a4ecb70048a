"""``-M/-L/-D KEY=VALUE`` values are checked against the factory's parameter annotations."""

from __future__ import annotations

from typing import Literal

import pytest

from ganzoo.api.errors import UsageError
from ganzoo.host.options import check_options


def factory(
    info,
    latent_dim=None,
    width: int = 64,
    dropout: float | None = None,
    acgan: bool = False,
    arch: str = "auto",
    sizes: tuple[int, ...] = (8,),
    pair: tuple[float, float] = (0.5, 0.9),
    names: list[str] | None = None,
    mode: Literal["a", "b"] = "a",
    anything=None,
):
    """A factory with one parameter of each annotation the check understands."""


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"width": 32}, {"width": 32}),
        ({"dropout": 1}, {"dropout": 1}),  # an int is a float
        ({"dropout": None}, {"dropout": None}),
        ({"acgan": True}, {"acgan": True}),
        ({"arch": 128}, {"arch": "128"}),  # typed as a number, meant as text
        ({"sizes": [4, 8]}, {"sizes": (4, 8)}),
        ({"pair": [0.0, 0.99]}, {"pair": (0.0, 0.99)}),
        ({"names": ("x", "y")}, {"names": ["x", "y"]}),
        ({"mode": "b"}, {"mode": "b"}),
        ({"anything": {"a": 1}}, {"anything": {"a": 1}}),
    ],
)
def test_fitting_values_pass_converted_to_the_annotation(given, expected):
    assert check_options("model 'm'", factory, given) == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"width": True}, "model 'm' option width expects int, got True"),
        ({"width": 1.5}, "model 'm' option width expects int, got 1.5"),
        ({"dropout": "high"}, "model 'm' option dropout expects float, got 'high'"),
        ({"acgan": 1}, "model 'm' option acgan expects bool, got 1"),
        ({"sizes": 8}, "model 'm' option sizes expects tuple[int, ...], got 8"),
        ({"pair": (1.0,)}, "model 'm' option pair expects tuple[float, float], got (1.0,)"),
        ({"mode": "c"}, "model 'm' option mode expects one of 'a', 'b', got 'c'"),
    ],
)
def test_a_value_that_does_not_fit_is_one_line_saying_what_was_expected(given, message):
    with pytest.raises(UsageError) as info:
        check_options("model 'm'", factory, given)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-M", "hidden_dim=true"], "model 'vanilla' option hidden_dim expects int, got True"),
        (["-L", "gp_weight=strong"], "loss 'wgan-gp' option gp_weight expects float, got 'strong'"),
    ],
)
def test_train_refuses_a_mistyped_option_before_anything_runs(run_cli, tmp_path, args, message):
    out = tmp_path / "run"
    result = run_cli(
        "train", "--model", "vanilla", "--dataset", "gaussian1d", "--loss", "wgan-gp",
        *args, "--steps", "2", "--out", out, "-q",
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.err.strip() == f"Error: {message}"
    assert not (out / "checkpoint.pt").exists()


def partly_resolvable(info, width: int = 64, source: Unknown = None):  # noqa: F821
    """``Unknown`` is imported only for type checkers: the other options are still checked."""


def test_an_unresolvable_annotation_leaves_the_others_checked():
    partly_resolvable.__annotations__ = {"width": "int", "source": "Unknown"}
    assert check_options("model 'p'", partly_resolvable, {"source": object})["source"] is object
    with pytest.raises(UsageError, match="option width expects int, got 'wide'"):
        check_options("model 'p'", partly_resolvable, {"width": "wide"})

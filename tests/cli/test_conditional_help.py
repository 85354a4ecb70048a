"""``ganzoo train --help`` lists the conditional models the registry holds, a plugin's too."""

from __future__ import annotations

import ganzoo
from ganzoo.cli.registry_help import conditional_model_names


class Models:
    @ganzoo.hookimpl
    def register_models(self, register):
        register("cond-thing", "ganzoo_gans.vanilla:build", description="t", conditional=True)
        register("plain-thing", "ganzoo_gans.vanilla:build", description="t")


def conditional_help(text: str) -> str:
    """The --conditional option's help, its wrapped lines joined."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("--conditional"))
    end = next(i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("-"))
    return " ".join(" ".join(lines[start:end]).split())


def test_the_conditional_help_lists_registered_conditional_models(run_cli):
    name = ganzoo.register_plugin(Models(), name="help-models")
    try:
        assert conditional_model_names() == ["cond-thing", "dcgan", "sngan", "vanilla"]
        result = run_cli("train", "--help")
    finally:
        ganzoo.unregister_plugin(name)
    assert result.exit_code == 0
    line = conditional_help(result.out)
    assert "cond-thing, dcgan, sngan, vanilla" in line
    assert "plain-thing" not in line and "vae" not in line

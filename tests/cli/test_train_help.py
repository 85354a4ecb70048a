"""``ganzoo train --help`` reads the defaults it states from the registry (issue 22, point 6)."""

from __future__ import annotations

import dataclasses

from ganzoo.host.plugins import get_registry
from ganzoo.host.registry import Registry


def test_epochs_help_states_the_epochs_digits_registers(run_cli):
    registered = get_registry().get("dataset", "digits").record.epochs
    text = " ".join(run_cli("train", "--help").out.split())
    assert f"the dataset's ({registered} for digits), else 30" in text


def test_epochs_help_follows_the_registry_not_a_copy(run_cli, monkeypatch):
    original = Registry.get

    def with_77_epochs(self, kind, name):
        component = original(self, kind, name)
        if (kind, name) == ("dataset", "digits"):
            record = dataclasses.replace(component.record, epochs=77)
            return dataclasses.replace(component, record=record)
        return component

    monkeypatch.setattr(Registry, "get", with_77_epochs)
    text = " ".join(run_cli("train", "--help").out.split())
    assert "(77 for digits)" in text

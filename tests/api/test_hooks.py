"""One contract version; the old version lists are gone (one answers, deprecated)."""

from __future__ import annotations

import warnings

import pytest
import torch

import ganzoo
import ganzoo.api.hooks as hooks
import ganzoo.api.losses as losses
from ganzoo.api.losses import AdversarialLoss
from ganzoo.host.build import create_loss


def test_there_is_one_contract_version_and_no_version_lists():
    assert hooks.CONTRACT_VERSION == 2
    assert not hasattr(losses, "LOSS_CONTRACTS")
    assert not hasattr(losses, "loss_contract")
    assert not hasattr(AdversarialLoss, "contract")
    assert "SUPPORTED_CONTRACTS" not in vars(hooks)


def test_the_old_supported_contracts_still_answers_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match="test CONTRACT_VERSION >= N"):
        supported = hooks.SUPPORTED_CONTRACTS
    assert 2 in supported and 1 in supported


class DeclaredTwo(AdversarialLoss):
    contract = 2  # an old marker on a loss that does not name real_logits

    def discriminator_loss(self, real_logits, fake_logits):
        return (fake_logits - real_logits).mean()

    def generator_loss(self, fake_logits, real=None):
        return -fake_logits.mean()


class Old:
    @ganzoo.hookimpl
    def register_losses(self, register):
        register("declared-two", DeclaredTwo, description="t")


def test_a_marker_the_signature_contradicts_is_named_in_the_warning():
    ganzoo.register_plugin(Old(), name="old")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loss = create_loss("declared-two")
    texts = [str(w.message) for w in caught if w.category is DeprecationWarning]
    assert any("gets no real logits: name a parameter real_logits" in t for t in texts), texts
    assert loss.generator_loss(torch.ones(2)).item() == -1.0

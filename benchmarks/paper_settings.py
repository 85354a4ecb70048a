"""The papers' optimiser settings that some benchmarks pin, whatever ganzoo's defaults become.

A benchmark that compares ganzoo with a hand-written loop step for step, or whose recorded
figures the docs show, names its training settings instead of taking the model's: ganzoo's
DCGAN trains MNIST with its own settings since the time-to-quality study (four D updates of
128 images at lr 1.77e-3), while these benchmarks were made, and stay, at Radford et al.'s.
"""

from __future__ import annotations

#: Radford et al. 2015's Adam (lr 2e-4, beta1 0.5) with one D update per G update
RADFORD: dict[str, object] = {"lr": 2e-4, "betas": (0.5, 0.999), "d_steps": 1}

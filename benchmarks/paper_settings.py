"""The papers' optimiser settings that some benchmarks pin, whatever a model registers.

A benchmark that compares ganzoo with a hand-written loop step for step, or whose recorded
figures the docs show, names its training settings instead of taking the model's: a model
may register other settings for a dataset (``dataset_settings``), and those figures were
made, and stay, at Radford et al.'s. (DCGAN's own are Radford's on every dataset; a faster
MNIST setting was measured and not adopted: benchmarks/README.md, "Over four seeds".)

The same holds for precision: ganzoo's ``--amp auto`` trains in bfloat16 on a CPU with AMX,
and these benchmarks' figures were made, and compare, in float32 (:data:`FLOAT32`).
"""

from __future__ import annotations

from typing import Any

#: Radford et al. 2015's Adam (lr 2e-4, beta1 0.5) with one D update per G update
RADFORD: dict[str, Any] = {"lr": 2e-4, "betas": (0.5, 0.999), "d_steps": 1}

#: float32 training, as the hand-written loops and the recorded figures (no autocast)
FLOAT32: dict[str, Any] = {"amp": "none"}

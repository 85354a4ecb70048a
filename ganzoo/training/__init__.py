"""Training: configuration, the loop, one trainer per model family, and run figures.

``ganzoo.training.config`` is torch-free (the CLI imports it to build ``--help``); the rest
imports torch.
"""

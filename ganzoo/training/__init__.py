"""Training: the configuration, the session, the loop, and one trainer per model family.

    config.py      what the user asked (TrainConfig) and what it resolves to (ResolvedRun)
    session.py     a run in progress: built components, counters, checkpoints, config record
    loop.py        the loop: steps, logs, figures, checkpoints, evaluations, signals
    trainer.py     the Trainer protocol every family's step logic implements
    adversarial.py, likelihood.py   the two families' trainers
    state.py, distributed.py, precision.py, figures.py   what the loop leans on

``ganzoo.training.config`` is torch-free (the CLI imports it to build ``--help``); the rest
imports torch.
"""

"""Training: the configuration, the session, the loop, and one trainer per model family.

    config.py      what the user asked (TrainConfig) and what it resolves to (ResolvedRun)
    defaults.py    what a run takes from its model (and the dataset) when the user sets nothing
    session.py     a run in progress: built components, counters, checkpoints, config record
    loop.py        train() and resume(): checks, the run folder, the checkpoint to resume from,
                   torchrun restarts
    steps.py       the steps to the run's end: logs, figures, checkpoints, evaluations, signals
    records.py     what the steps write as they go: log lines, grids, snapshots, alerts
    result.py      what a run returns (TrainResult), and the on_eval hook
    trainer.py     the Trainer protocol every family's step logic implements
    adversarial.py, likelihood.py   the two families' trainers
    regularise.py, augment.py, critic.py, ema.py   what an adversarial step adds to D and G
    health.py, state.py, signals.py, restart.py   the run's guards: health, resumable state,
                   signals, torchrun restarts
    distributed.py, precision.py, figures.py, progress.py, tensorboard.py   what the loop
                   leans on

``ganzoo.training.config`` is torch-free (the CLI imports it to build ``--help``); the rest
imports torch.
"""

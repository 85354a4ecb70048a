"""The run folder: the one place that names its files and parses checkpoint steps.

rundir.py     ``RunDir``: config, logs, checkpoints, atomic writes, ``weights_only`` loads
loading.py    rebuild a finished run's model from its folder
outputs.py    where ``sample`` and ``export`` write: checked first, written atomically
plotting.py   matplotlib, headless, every figure written atomically
"""

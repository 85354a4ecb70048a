"""The run folder: the one place that names its files and parses checkpoint steps.

rundir.py     ``RunDir``: config, logs, checkpoints, the lock, ``weights_only`` loads
files.py      atomic writes, the umask, an exclusive folder lock, a new timestamped folder
loading.py    rebuild a finished run's model from its folder
outputs.py    where ``sample`` and ``export`` write: checked first, written atomically
plotting.py   matplotlib, headless, every figure written atomically
"""

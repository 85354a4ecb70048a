"""The machinery that hosts plugins: discovery, the registry, families, building by name.

    plugins.py    the plugin host: entry points, one try per plugin, disabling, commands
    registry.py   components by kind and name (``Component``), and the problems met
    families.py   model families (adversarial, likelihood) and what each trains with
    build.py      ``create_model``, ``create_loss``, ``load_dataset``: names to objects
    resolve.py    one run's names resolved once, into built components and their family
    device.py     devices, seeds and threads
    collector.py  the garbage collector of a ganzoo process: off while it builds
    children.py   a command's worker processes: started with a payload, waited for, errors

Plugins never import this package: their API is :mod:`ganzoo.api`.
"""

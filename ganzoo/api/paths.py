"""Where ganzoo keeps data and caches by default (torch-free)."""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "GANZOO_DATA_DIR"
CACHE_ENV = "GANZOO_CACHE_DIR"


def default_data_dir() -> Path:
    """``$GANZOO_DATA_DIR``, else ``~/.cache/ganzoo/data``: where datasets are looked for."""
    return Path(os.environ.get(DATA_ENV) or cache_dir() / "data").expanduser()


def cache_dir() -> Path:
    """``$GANZOO_CACHE_DIR``, else ``$XDG_CACHE_HOME/ganzoo`` (``~/.cache/ganzoo``)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(xdg).expanduser() / "ganzoo"

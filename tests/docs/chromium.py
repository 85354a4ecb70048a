"""Debian's Chromium driven by Playwright's Python API, for the ``browser`` tests.

No browser download: Playwright launches the system ``chromium`` (``apt-get install
chromium``). A test skips, saying what is missing, where either is absent.
"""

from __future__ import annotations

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def need(condition: bool, reason: str) -> None:
    """Skip the test with ``reason`` unless ``condition`` holds."""
    if not condition:
        pytest.skip(reason)

"""docs/sweeps.md's dashboard command, in a real browser: ``optuna-dashboard`` on a sweep's
study database, its page read in headless Chromium (Debian's, through Playwright: no
browser download), as tests/docs/test_site_in_browser.py reads the site.

The study is made as ``ganzoo sweep`` makes one (its record, trials with values, one pruned
with its evaluations, one failed with its error), without training. Run it with
``pytest -m browser``; it skips, saying what is missing, without Chromium, Playwright or
optuna-dashboard (``pip install -e ".[dashboard]"``).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ganzoo.tools.sweep import show_sweep
from ganzoo.tools.sweep.spec import SweepSpec
from ganzoo.tools.sweep.study import create_or_load, make_record, open_storage, quiet_optuna
from tests.docs.chromium import need

STUDY = "dashboard-sweep"
VALUES = [3.0, 1.5, 2.25]

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def study_db(tmp_path) -> Path:
    """A sweep's study in ``tmp_path/sweep/study.db``: three complete trials, one pruned,
    one failed."""
    import optuna
    from optuna.distributions import FloatDistribution

    folder = tmp_path / "sweep"
    folder.mkdir()
    url = f"sqlite:///{folder / 'study.db'}"
    space = {"lr": {"type": "float", "low": 1e-4, "high": 1e-2, "log": True, "step": None}}
    spec = SweepSpec(folder, space, {"steps": 20, "eval_every": 10}, trials=5)
    study = create_or_load(open_storage(url), STUDY, make_record(spec, spec.fixed, "minimize"), url)
    lr = {"lr": FloatDistribution(1e-4, 1e-2, log=True)}
    with quiet_optuna():
        for i, value in enumerate(VALUES):
            study.add_trial(
                optuna.trial.create_trial(
                    params={"lr": 1e-3 * (i + 1)}, distributions=lr, value=value
                )
            )
        pruned = optuna.trial.create_trial(
            state=optuna.trial.TrialState.PRUNED,
            params={"lr": 5e-3},
            distributions=lr,
            intermediate_values={10: 9.0},
        )
        study.add_trial(pruned)
        failed = optuna.trial.create_trial(
            state=optuna.trial.TrialState.FAIL,
            params={"lr": 6e-3},
            distributions=lr,
            user_attrs={"error": "diverged at step 7"},
        )
        study.add_trial(failed)
    return folder / "study.db"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dashboard(study_db) -> Iterator[str]:
    """``optuna-dashboard sqlite:///.../study.db`` (the page's command) on a free port."""
    pytest.importorskip("optuna_dashboard", reason="pip install -e '.[dashboard]'")
    command = shutil.which("optuna-dashboard", path=str(Path(sys.executable).parent))
    need(command is not None, "no optuna-dashboard command beside this Python")
    port = _free_port()
    proc = subprocess.Popen(
        [command, f"sqlite:///{study_db}", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/studies", timeout=2).read()
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                assert time.time() < deadline, "optuna-dashboard did not answer in 60 s"
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_dashboard_shows_the_sweeps_study_and_its_trials(dashboard, browser, study_db):
    page = browser.new_page()
    page.goto(f"{dashboard}/dashboard", wait_until="load")
    page.get_by_text(STUDY).first.wait_for(timeout=30_000)
    assert "Direction: MINIMIZE" in page.inner_text("body")
    page.get_by_text(STUDY).first.click()  # the study's own page
    page.wait_for_url("**/studies/*", timeout=30_000)
    study_id = page.url.rstrip("/").split("/studies/")[1].split("/")[0]
    page.goto(f"{dashboard}/dashboard/studies/{study_id}/trials", wait_until="load")
    page.get_by_text("5 Trials").wait_for(timeout=30_000)
    body = page.inner_text("body")
    for state in ("Complete", "Pruned", "Fail"):
        assert state in body, state
    page.close()
    # the dashboard and ganzoo agree on the study
    result = show_sweep(storage=f"sqlite:///{study_db}", study_name=STUDY)
    assert result.best.value == min(VALUES) and result.finished == 5

"""``ganzoo --help``, ``ganzoo list`` and the ``--help`` of ``train``, ``sweep`` and
``reproduce`` never import torch (nor optuna, which only a sweep needs, and only when it
runs)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = (
    "import sys\n"
    "from ganzoo.cli import main\n"
    "try:\n    main(sys.argv[1:])\n"
    "except SystemExit as e:\n    code = e.code\n"
    "heavy = 'torch' in sys.modules or 'optuna' in sys.modules\n"
    "print('TORCH-LOADED' if heavy else 'TORCH-FREE', code, file=sys.stderr)\n"
)


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["list"],
        ["list", "--json"],
        ["train", "--help"],
        ["sweep", "--help"],
        ["reproduce", "--help"],
    ],
)
def test_command_does_not_import_torch(args):
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120
    )
    assert "TORCH-FREE 0" in proc.stderr, proc.stderr


def test_reproduce_help_lists_each_studys_rows(run_cli):
    from ganzoo.tools.reproduce.studies import STUDIES

    text = " ".join(run_cli("reproduce", "--help").out.split())  # unwrapped
    for study in STUDIES.values():
        rows = ", ".join(row.name for row in study.rows)
        assert f"(rows: {rows})" in text.replace("- ", "-"), study.name


def test_list_json_describes_every_component(run_cli):
    result = run_cli("list", "--json")
    data = json.loads(result.out)
    names = {(c["kind"], c["name"]) for c in data["components"]}
    assert {("model", "vanilla"), ("loss", "nonsat"), ("dataset", "digits")} <= names
    for c in data["components"]:
        assert c["description"] and c["distribution"] == "ganzoo" and c["version"]


def test_list_prints_tables(run_cli):
    result = run_cli("list")
    assert result.exit_code == 0
    for word in ("models", "losses", "datasets", "vanilla", "nonsat", "digits", "ganzoo 0.1.0"):
        assert word in result.out
    only = run_cli("list", "losses", "--pattern", "non*")
    assert "nonsat" in only.out and "minimax" not in only.out and "vanilla" not in only.out


def test_cheap_commands_do_not_import_tensorboard():
    import subprocess
    import sys

    code = (
        "import sys; from ganzoo.cli import main\n"
        "try: main(['--help'])\nexcept SystemExit: pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'tensorboard')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"

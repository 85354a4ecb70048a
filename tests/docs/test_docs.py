"""The documentation runs: every command and code block of every page, with small budgets.

How a page's fenced blocks are treated (``docs/docs-tests.md`` says the same for writers):

- ``bash``: each command runs in order from the page's own empty folder and must succeed.
  ``ganzoo`` commands get smaller budgets (:data:`TINY`); ``../shared/data`` means the
  shared data folder, and a page that needs it is skipped where it is absent.
- ``console``: each ``$ command`` runs verbatim (no budget change: keep them cheap), and
  the lines after it are its expected output (stdout, then stderr), matched with ``...``
  standing for anything and runs of whitespace equal. An expected ``Error:`` line means the
  command must fail; otherwise it must succeed. An output written as a placeholder
  (``<!-- docs-gen: KEY -->``: the build shows the real output there) is compared with
  ``OUTPUTS[KEY].pattern`` of ``docs/_scripts/figures.py``.
- ``pycon``: a doctest, in the page's namespace (``...`` matches anything; placeholders as in
  ``console``).
- ``python``: executed in the page's namespace. With ``title="PATH"`` it is written to PATH
  instead; with ``title="PATH (excerpt)"`` its lines must appear in PATH, in order.
- ``sh``: shown, never run; allowed only on :data:`SHOWN_ONLY` pages (installing ganzoo).
- anything else (``text``, ``toml``, ...): shown, not run, unless titled as above.

``ganzoo`` commands run in-process through the real entry point (torch loads once); other
commands run in ``bash``. A page that runs ``pip`` gets a throwaway virtual environment
layered on this one (it sees every package installed here), so installing a tutorial's
package never touches this environment; there every command runs in a subprocess.
"""

from __future__ import annotations

import doctest
import functools
import importlib.util
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import (
    DOCS,
    ROOT,
    SHARED_DATA,
    TINY_ENV,
    Block,
    blocks,
    commands,
    figures_module,
    layered_venv,
    tiny_args,
)

SHARED_DATA_IN_DOCS = "../shared/data"

#: Pages whose blocks are not run: the contract page's examples are excerpts of a plugin.
NOT_RUN = {"plugins.md"}
#: Pages that take more than about 10 s (MNIST and InceptionV3; a pip install; torchrun;
#: training and evaluating several models; sweeps of many trials; a reproduce study).
SLOW = {
    "concepts/reading-numbers.md",
    "distributed.md",
    "reproduce.md",
    "sweeps.md",
    "tutorials/conditional.md",
    "tutorials/dcgan-mnist.md",
    "tutorials/gan-vs-vae.md",
    "tutorials/plugin.md",
    "tutorials/sample-export.md",
}
#: Pages that may show ``sh`` blocks: installing ganzoo, running these tests and the build
#: (.ci/run runs those commands), torchrun across machines (tests/training/test_distributed.py
#: runs the one-machine form), and a sweep's database server and dashboard
#: (tests/tools/test_sweep_processes.py shares a study between folders,
#: tests/docs/test_optuna_dashboard.py serves the dashboard).
SHOWN_ONLY = {"installation.md", "docs-tests.md", "distributed.md", "sweeps.md"}


# --- reading pages -----------------------------------------------------------------------

PLACEHOLDER = re.compile(r"<!-- docs-gen: ([a-z0-9-]+) -->")


@functools.cache
def shown_outputs() -> dict:
    """The outputs the build generates for the pages (``figures.OUTPUTS``)."""
    return figures_module().OUTPUTS


def with_patterns(text: str) -> str:
    """A block with each placeholder output replaced by the pattern the tests accept."""
    return PLACEHOLDER.sub(lambda m: shown_outputs()[m[1]].pattern, text)


def console_session(text: str) -> list[tuple[str, str]]:
    """``(command, expected output)`` pairs of a ``console`` block."""
    session: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            session.append((line[2:].strip(), []))
        elif session:
            session[-1][1].append(line)
        elif line.strip():
            raise AssertionError(f"console block must start with '$ ': {line!r}")
    return [(cmd, "\n".join(out).strip() + "\n") for cmd, out in session]


def pages() -> list[str]:
    """The pages under test, relative to docs/."""
    return sorted(
        str(p.relative_to(DOCS))
        for p in DOCS.rglob("*.md")
        if str(p.relative_to(DOCS)) not in NOT_RUN and "_scripts" not in p.parts
    )


# --- running -------------------------------------------------------------------------------

SHELL_SYNTAX = re.compile(r"[|&;<>$`*()]|^\w+=")
CHECK = doctest.OutputChecker()
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@dataclass
class Result:
    code: int
    out: str
    err: str


class Page:
    """Runs one page's blocks from its own folder, in one Python namespace."""

    def __init__(self, name: str, folder: Path, capsys, env: dict[str, str]) -> None:
        self.name, self.folder, self.capsys, self.env = name, folder, capsys, env
        self.namespace: dict[str, object] = {"__name__": "__docs__"}
        self.isolated = False  # every command in a subprocess (a layered venv)
        self.shims = folder.parent / f"{folder.name}-bin"

    def where(self, block: Block) -> str:
        return f"docs/{self.name}:{block.line}"

    # the environment of shell commands
    def make_shims(self, python: str) -> None:
        self.shims.mkdir(exist_ok=True)
        shims = {
            "ganzoo": (
                f"#!{python}\nimport sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                "from tests.helpers import run_ganzoo\nrun_ganzoo(sys.argv[1:])\n"
            ),
        }
        if self.isolated:
            pip = f"{sys.executable} -m pip --python {python} --no-input"
            shims["pip"] = (
                "#!/bin/sh\n"
                'if [ "$1" = install ]; then shift; '
                f'exec {pip} install --no-index --no-deps --no-build-isolation "$@"; fi\n'
                f'exec {pip} "$@"\n'
            )
            shims["python"] = f'#!/bin/sh\nexec {python} "$@"\n'
            shims["pytest"] = f'#!/bin/sh\nexec {python} -m pytest -q -p no:cacheprovider "$@"\n'
        for name, text in shims.items():
            path = self.shims / name
            path.write_text(text)
            path.chmod(0o755)
        self.env["PATH"] = f"{self.shims}{os.pathsep}{self.env['PATH']}"

    def isolate(self) -> None:
        """A virtual environment that sees this one's packages, for ``pip install``."""
        if importlib.util.find_spec("hatchling") is None:
            pytest.skip(f"docs/{self.name} installs a package: needs hatchling in this venv")
        python = str(layered_venv(self.folder.parent / f"{self.folder.name}-venv"))
        self.isolated = True
        self.make_shims(python)

    def run(self, command: str, tiny: bool) -> Result:
        """One command line: ``ganzoo`` in-process where possible, else in ``bash``."""
        if SHARED_DATA_IN_DOCS in command:
            if not (SHARED_DATA / "MNIST" / "raw").is_dir():
                pytest.skip(f"docs/{self.name} needs MNIST in {SHARED_DATA} (absent here)")
            command = command.replace(SHARED_DATA_IN_DOCS, str(SHARED_DATA))
        if command.startswith("ganzoo ") and not self.isolated and not SHELL_SYNTAX.search(command):
            return self.run_in_process(shlex.split(command, comments=True)[1:], tiny)
        env = dict(self.env, **{TINY_ENV: "1" if tiny else "0"})
        proc = subprocess.run(
            ["bash", "-c", f"set -euo pipefail\n{command}"],
            cwd=self.folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def run_in_process(self, args: list[str], tiny: bool) -> Result:
        from ganzoo.cli import main

        self.capsys.readouterr()
        try:
            main(tiny_args(args) if tiny else args)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    # the blocks
    def bash(self, block: Block) -> None:
        for command in commands(block.text):
            result = self.run(command, tiny=True)
            assert result.code == 0, (
                f"{self.where(block)}: `{command}` exited with {result.code}\n"
                f"{result.out}\n{result.err}"
            )

    def console(self, block: Block) -> None:
        for command, want in console_session(with_patterns(block.text)):
            result = self.run(command, tiny=False)
            got = result.out + result.err
            should_fail = any(line.startswith("Error: ") for line in want.splitlines())
            assert (result.code != 0) == should_fail, (
                f"{self.where(block)}: `{command}` exited with {result.code}\n{got}"
            )
            assert CHECK.check_output(want, got, FLAGS), (
                f"{self.where(block)}: `{command}` printed\n{got}\nexpected\n{want}"
            )

    def pycon(self, block: Block) -> None:
        test = doctest.DocTestParser().get_doctest(
            with_patterns(block.text),
            self.namespace,
            self.where(block),
            str(DOCS / self.name),
            block.line,
        )
        report: list[str] = []
        runner = doctest.DocTestRunner(optionflags=FLAGS)
        runner.run(test, out=report.append, clear_globs=False)
        assert runner.failures == 0, "".join(report)

    def python(self, block: Block) -> None:
        code = compile(block.text, self.where(block), "exec")
        exec(code, self.namespace)

    def titled(self, block: Block) -> None:
        path, excerpt = block.title, block.title.endswith(" (excerpt)")
        target = self.folder / path.removesuffix(" (excerpt)")
        if not excerpt:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.text, encoding="utf-8")
            return
        assert target.is_file(), f"{self.where(block)}: {target.name} does not exist"
        remaining = iter(target.read_text(encoding="utf-8").splitlines())
        for line in filter(str.strip, block.text.splitlines()):
            assert any(line == have for have in remaining), (
                f"{self.where(block)}: {line!r} is not in {path} (in this order)"
            )


@pytest.fixture
def docs_env(shared_cache) -> dict[str, str]:
    """The session's one cache (as in tests/metrics/test_fidelity.py): classifiers train once."""
    env = {k: v for k, v in os.environ.items() if k != "GANZOO_DISABLE_PLUGINS"}
    env["OMP_NUM_THREADS"] = "1"
    return env


@pytest.fixture
def one_thread():
    """Tiny models train faster on one thread, and the machine is shared."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize(
    "name", [pytest.param(p, marks=[pytest.mark.slow] if p in SLOW else []) for p in pages()]
)
def test_page_runs(name, tmp_path, monkeypatch, capsys, docs_env, one_thread):
    page_blocks = blocks(DOCS / name)
    folder = tmp_path / "page"
    folder.mkdir()
    monkeypatch.chdir(folder)
    page = Page(name, folder, capsys, docs_env)
    shell = [c for b in page_blocks if b.lang in ("bash", "console") for c in commands(b.text)]
    if any(c.removeprefix("$ ").startswith("pip ") for c in shell):
        page.isolate()
    else:
        page.make_shims(sys.executable)
    for block in page_blocks:
        if block.title:
            page.titled(block)
        elif block.lang in ("bash", "console", "pycon", "python"):
            getattr(page, block.lang)(block)
        elif block.lang == "sh":
            assert name in SHOWN_ONLY, f"{page.where(block)}: `sh` blocks are never run"


# --- the figures' commands are the pages' commands ------------------------------------------


def test_every_command_behind_a_figure_is_shown_on_a_page():
    shown = {
        c
        for name in pages()
        for b in blocks(DOCS / name)
        if b.lang == "bash"
        for c in commands(b.text)
    }
    module = figures_module()
    recorded = [c for commands in module.CONDITIONAL_MNIST_COMMANDS.values() for c in commands]
    missing = [c for c in (*module.COMMANDS, *module.MNIST_COMMANDS, *recorded) if c not in shown]
    assert not missing, f"figures come from commands no page shows: {missing}"


def test_every_figure_and_placeholder_a_page_uses_is_generated():
    module = figures_module()
    made = {*module.COPIED, *module.COMPUTED, *module.RECORDED_COPIED, *module.CONDITIONAL_COPIED}
    source = (DOCS / "_scripts/figures.py").read_text()
    for name in pages():
        text = (DOCS / name).read_text()
        for figure in re.findall(r"figures/([\w.-]+\.png)", text):
            assert figure in made, f"docs/{name} shows figures/{figure}, which is never made"
        for placeholder in re.findall(r"<!-- docs-gen: ([a-z0-9-]+) -->", text):
            assert f'"{placeholder}":' in source, f"docs/{name}: no text {placeholder!r}"


def test_every_placeholder_output_is_one_the_build_makes_for_that_command():
    """A placeholder as a command's output: the build runs that very command on that page."""
    found = {}
    for name in pages():
        for block in blocks(DOCS / name):
            if block.lang not in ("console", "pycon"):
                continue
            command = None
            for line in block.text.splitlines():
                if line.startswith("$ "):
                    command = line[2:].strip()
                if m := PLACEHOLDER.fullmatch(line.strip()):
                    shown = shown_outputs().get(m[1])
                    assert shown is not None, f"docs/{name}: no OUTPUTS entry {m[1]!r}"
                    assert shown.page == name, f"docs/{name}: {m[1]!r} belongs to {shown.page}"
                    if block.lang == "console":
                        assert shown.command == command, (m[1], shown.command, command)
                    else:
                        assert shown.command is None, m[1]
                    found[m[1]] = name
    assert set(found) == set(shown_outputs()), set(shown_outputs()) - set(found)


def test_tiny_budgets_keep_the_order_of_steps():
    assert tiny_args(["train", "--steps", "1500", "--out", "x"]) == [
        "train",
        "--steps",
        "15",
        "--out",
        "x",
    ]
    assert tiny_args(["--samples=500", "--epochs", "5"]) == ["--samples", "10", "--steps", "5"]
    assert int(tiny_args(["--steps", "3000"])[1]) > int(tiny_args(["--steps", "1500"])[1])


def test_console_sessions_and_commands_are_parsed():
    text = "$ ganzoo x --y 1\nout\n...\n$ ls\n"
    assert console_session(text) == [("ganzoo x --y 1", "out\n...\n"), ("ls", "\n")]
    assert commands("# c\nganzoo a \\\n  --b 2\n\nls\n") == ["ganzoo a --b 2", "ls"]

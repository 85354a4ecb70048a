"""What a newcomer meets first: the README, the first pages, ``ganzoo list``, the API pages.

- ``ganzoo list`` prints plugin warnings on stderr, as every other command does, so its
  stdout is the table (or the JSON) alone.
- The README's and the pages' commands run in one folder, in reading order, without one
  meeting a run folder an earlier one made; the pages say to activate the venv first.
- Fig. 1's alt text says how many panels the figure has; the DCGAN tutorial shows a run
  recorded by its own commands, which the build checks still loads with today's code.
- No reST (``::`` literal blocks, Sphinx roles) reaches the rendered API reference.
"""

from __future__ import annotations

import ast
import html
import importlib.util
import json
import re
import shlex
import shutil
from pathlib import Path

import pytest

import ganzoo
from tests.helpers import DOCS, ROOT, blocks, commands, figures_module, tiny_args

# --- `ganzoo list`: warnings on stderr, stdout clean -------------------------------------


class RaisingPlugin:
    """A plugin whose hook fails: the registry goes on and reports one problem."""

    @ganzoo.hookimpl
    def register_models(self, register):
        raise RuntimeError("model zoo offline")


@pytest.fixture
def broken_plugin():
    name = ganzoo.register_plugin(RaisingPlugin(), name="newcomer-broken")
    yield name
    ganzoo.unregister_plugin(name)


def flat(text: str) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(text.split())


@pytest.mark.parametrize("args", [("list",), ("list", "models"), ("list", "-p", "van*")])
def test_list_prints_plugin_warnings_on_stderr_and_nothing_else_on_stdout(
    broken_plugin, run_cli, args
):
    result = run_cli(*args)
    assert result.exit_code == 0, result.err
    assert "vanilla" in result.out
    assert "Warning" not in result.out and "newcomer-broken" not in result.out
    assert "model zoo offline" not in flat(result.out)
    warnings = [line for line in result.err.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1, result.err
    assert "newcomer-broken" in flat(result.err) and "model zoo offline" in flat(result.err)


def test_list_warns_on_stderr_about_an_unknown_disabled_plugin(run_cli):
    result = run_cli("--disable-plugin", "gnas", "list", "losses")
    assert result.exit_code == 0
    assert "nonsat" in result.out and "gnas" not in result.out
    assert "Warning:" in result.err and "cannot disable" in flat(result.err)


def test_list_json_stdout_is_the_json_document_alone(broken_plugin, run_cli):
    result = run_cli("list", "--json")
    assert result.exit_code == 0
    data = json.loads(result.out)
    assert any("model zoo offline" in p["reason"] for p in data["problems"])


def test_list_and_other_commands_warn_alike(broken_plugin, run_cli):
    for args in (("list", "losses"), ("plugin", "list")):
        result = run_cli(*args)
        assert result.exit_code == 0, result.err
        assert "Warning:" not in result.out, args
        assert flat(result.err).count("model zoo offline") == 1, args


# --- README and pages: one folder, reading order ------------------------------------------

#: The order a newcomer reads them in: the README, the Home pages, then the tutorials.
READING_ORDER = (
    "README.md",
    "docs/index.md",
    "docs/installation.md",
    "docs/quickstart.md",
    "docs/tutorials/first-gan.md",
    "docs/tutorials/dcgan-mnist.md",
    "docs/tutorials/conditional.md",
    "docs/tutorials/gan-vs-vae.md",
    "docs/tutorials/plugin.md",
)


def shown_commands(path: Path) -> list[str]:
    """The shell commands of a page's ``bash``, ``sh`` and ``console`` blocks, in order."""
    found = []
    for block in blocks(path):
        if block.lang in ("bash", "sh"):
            found += commands(block.text)
        elif block.lang == "console":
            found += [c[2:] for c in commands(block.text) if c.startswith("$ ")]
    return found


def ganzoo_args(line: str) -> list[str] | None:
    """The arguments of a ``ganzoo`` command line (``.venv/bin/ganzoo`` too), else None."""
    args = shlex.split(line, comments=True)
    if not args or not args[0].endswith("ganzoo"):
        return None
    return args[1:]


def folder_written(line: str) -> str | None:
    """The run folder a ``ganzoo train`` or ``ganzoo compare`` line creates (``--out``)."""
    args = ganzoo_args(line)
    if not args or args[0] not in ("train", "compare") or "--resume" in args:
        return None
    for i, arg in enumerate(args):
        if arg == "--out" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--out="):
            return arg.partition("=")[2]
    return None


def test_readme_and_pages_never_write_a_run_folder_another_one_made():
    """Run one after the other from one folder, no page meets a folder an earlier one made.

    Within one page a folder may come back: an ``Error:`` example refused before it writes.
    """
    owner: dict[str, str] = {}
    for name in READING_ORDER:
        for line in shown_commands(ROOT / name):
            folder = folder_written(line)
            if folder is None:
                continue
            assert owner.setdefault(folder, name) == name, (
                f"{name}: `{line}` writes {folder}, which {owner[folder]} already made"
            )
    assert {"runs/first-gan", "runs/quickstart"} <= set(owner)  # the parsing found them


@pytest.mark.slow  # trains the digits classifier for the README's eval
def test_readme_then_the_first_tutorial_run_in_one_folder(tmp_path, monkeypatch, run_cli):
    """For real, with tiny budgets: the README's commands, then the first tutorial's."""
    monkeypatch.chdir(tmp_path)
    lines = [
        *shown_commands(ROOT / "README.md"),
        shown_commands(DOCS / "tutorials/first-gan.md")[0],
    ]
    ran = 0
    for line in lines:
        args = ganzoo_args(line)
        if args is None:
            continue  # pip, pytest, mkdocs
        if args[0] == "train" and "--steps" not in args:
            args += ["--steps", "300"]  # the README trains for the default 30 epochs
        if args[0] == "eval" and "--samples" not in args:
            args += ["--samples", "10"]
        result = run_cli(*tiny_args(args))
        assert result.exit_code == 0, f"`{line}` failed:\n{result.out}\n{result.err}"
        ran += 1
    assert ran == 5


def test_readme_calls_the_venv_s_programs_or_says_to_activate_it():
    readme = (ROOT / "README.md").read_text()
    assert "source .venv/bin/activate" in readme
    for line in shown_commands(ROOT / "README.md"):
        program = shlex.split(line)[0]
        assert program.startswith(".venv/bin/") or program == "python3", line


@pytest.mark.parametrize(
    "page", ["index.md", "installation.md", "quickstart.md", "tutorials/first-gan.md"]
)
def test_first_pages_say_to_activate_the_venv_before_the_first_bare_command(page):
    text = (DOCS / page).read_text()
    first = min(
        text.find(line[:24])  # a long command continues on further lines: its start
        for b in blocks(DOCS / page)
        if b.lang in ("bash", "console")
        for line in commands(b.text)
        if line.removeprefix("$ ").startswith("ganzoo ")
    )
    activate = text.find("source .venv/bin/activate")
    assert 0 <= activate < first, f"docs/{page}: no activation before the first ganzoo command"
    assert "command not found" in text[:first]


# --- figures ------------------------------------------------------------------------------

NUMBERS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
]


def test_fig1_alt_texts_say_how_many_panels_the_figure_has():
    module = figures_module()
    plot = next(c for c in module.COMMANDS if c.startswith("ganzoo plot-dynamics"))
    panels = int(shlex.split(plot)[shlex.split(plot).index("--panels") + 1])
    assert plot in (DOCS / "concepts/distributions.md").read_text()
    alts = [
        alt
        for page in ("concepts/distributions.md", "index.md")
        for alt in re.findall(
            r"!\[([^\]]*)\]\([./]*figures/dynamics\.png\)", (DOCS / page).read_text()
        )
    ]
    assert len(alts) == 2
    for alt in alts:
        assert f"{NUMBERS[panels]} panels" in alt.lower(), alt
    letters = "abcdefghijkl"[:panels]
    text = (DOCS / "concepts/distributions.md").read_text()
    assert f"({letters[0]}) to ({letters[-1]})" in text
    for letter in letters:
        assert f"**({letter}) step" in text or f"and ({letter}) step" in text, letter
    assert f"({'abcdefghijkl'[panels]})" not in text  # no panel the figure does not have
    assert set(module.FIG1_CLAIMS)  # the build checks the words against the figure


def test_dcgan_tutorial_shows_its_recorded_run_made_by_its_own_commands(tmp_path):
    """The page's commands are the recording's, and the recording loads with today's code."""
    module = figures_module()
    page = (DOCS / "tutorials/dcgan-mnist.md").read_text()
    shown = {c for b in blocks(DOCS / "tutorials/dcgan-mnist.md") for c in commands(b.text)}
    for line in module.MNIST_COMMANDS:
        assert line in shown, line
    record = json.loads((module.RECORDED / "dcgan-mnist" / "record.json").read_text())
    assert record["commands"] == list(module.MNIST_COMMANDS)
    texts = module.dcgan_mnist_texts(tmp_path)  # the build's checks, and its texts
    placeholders = set(re.findall(r"<!-- docs-gen: (dcgan-mnist-[a-z-]+) -->", page))
    assert len(placeholders) >= 5
    assert placeholders <= set(texts) | set(module.OUTPUTS)
    assert record["commit"][:12] in texts["dcgan-mnist-run"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(module.RECORDED_COPIED)
    assert "…" not in page


def test_a_recording_the_current_code_cannot_read_fails_the_build_clearly(tmp_path, monkeypatch):
    module = figures_module()
    copy = tmp_path / "dcgan-mnist"
    shutil.copytree(module.RECORDED / "dcgan-mnist", copy)
    monkeypatch.setattr(module, "RECORDED", tmp_path)
    module.load_recording("dcgan-mnist", module.MNIST_COMMANDS)  # as recorded: loads
    result = sorted((copy / "eval").glob("*.json"))[0]
    data = json.loads(result.read_text())
    del data["fid"]  # a result in a format this ganzoo does not read
    result.write_text(json.dumps(data))
    with pytest.raises(RuntimeError, match=r"record_runs\.py dcgan-mnist"):
        module.load_recording("dcgan-mnist", module.MNIST_COMMANDS)
    with pytest.raises(RuntimeError, match="the page now shows"):
        module.load_recording("dcgan-mnist", (*module.MNIST_COMMANDS, "ganzoo list"))


# --- the API reference reads as Markdown ---------------------------------------------------


def griffe_roles():
    path = DOCS / "_scripts/griffe_roles.py"
    spec = importlib.util.spec_from_file_location("docs_griffe_roles", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def docstrings() -> list[tuple[str, str]]:
    found = []
    for top in ("ganzoo", "plugins"):
        for path in sorted((ROOT / top).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            nodes = [tree, *ast.walk(tree)]
            for node in nodes:
                if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef):
                    doc = ast.get_docstring(node, clean=True)
                    if doc:
                        found.append((f"{path.relative_to(ROOT)}:{getattr(node, 'name', '')}", doc))
    return found


def test_no_rest_markup_survives_the_api_reference_s_docstring_rewrite():
    markdown = griffe_roles().markdown
    leftovers = []
    for where, doc in docstrings():
        text = markdown(doc)
        prose = re.sub(r"```.*?```", "", text, flags=re.S)
        for line in prose.splitlines():
            if line.rstrip().endswith("::") or re.search(r":(class|func|meth|mod|attr):`", line):
                leftovers.append(f"{where}: {line.strip()}")
    assert not leftovers, leftovers


def test_literal_blocks_become_fenced_code():
    markdown = griffe_roles().markdown
    assert markdown("Layout::\n\n    RUN/\n      a.json\n\nAfter.") == (
        "Layout:\n\n```text\nRUN/\n  a.json\n```\n\nAfter."
    )
    assert markdown("Run ::\n\n    x = 1\n") == "Run\n\n```python\nx = 1\n```"
    assert markdown("Keep a::b and text::\nnot a block") == "Keep a::b and text::\nnot a block"


def test_rendered_api_pages_show_no_rest():
    site = ROOT / "site" / "reference" / "api"
    if not site.is_dir():
        pytest.skip("site/ not built here (mkdocs build --strict makes it)")
    for page in sorted(site.glob("*/index.html")):
        body = re.sub(r"<pre.*?</pre>|<code.*?</code>", "", page.read_text(), flags=re.S)
        text = html.unescape(re.sub(r"<[^>]+>", "", body))
        for pattern in (r"\w::(\s|$)", r":(class|func|meth|mod|param|raises):"):
            assert not re.search(pattern, text), (page, re.search(pattern, text))

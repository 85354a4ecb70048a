"""MkDocs hooks (``hooks:`` in ``mkdocs.yml``): ganzoo's own figures and texts in the pages.

Before the build, ``figures.py`` beside this file makes (or finds cached) the figures and
texts for the current source. The figures join the site as ``figures/NAME.png``, and each
``<!-- docs-gen: name -->`` placeholder in a page becomes the generated text ``name``.

The model zoo page's tables (``<!-- zoo: models -->``, ...) are generated from the registry
by ``zoo.py`` beside this file; the few-images tutorial's recorded study
(``<!-- small-data: table -->``, its grids) by ``small_data.py``; the reproduce page's
studies and recorded reports (``<!-- reproduce: study NAME -->``, ``recorded NAME``) by
``reproduce.py``.

Also: the examples in a command's help, which click keeps verbatim after a ``\\b`` line,
become code blocks in the CLI reference (mkdocs-click passes them on as prose).
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

PLACEHOLDER = re.compile(r"<!-- docs-gen: ([a-z0-9-]+) -->")
_spec = importlib.util.spec_from_file_location(
    "ganzoo_docs_figures", Path(__file__).with_name("figures.py")
)
figures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(figures)
_zoo_spec = importlib.util.spec_from_file_location(
    "ganzoo_docs_zoo", Path(__file__).with_name("zoo.py")
)
zoo = importlib.util.module_from_spec(_zoo_spec)
_zoo_spec.loader.exec_module(zoo)
_small_spec = importlib.util.spec_from_file_location(
    "ganzoo_docs_small_data", Path(__file__).with_name("small_data.py")
)
small_data = importlib.util.module_from_spec(_small_spec)
_small_spec.loader.exec_module(small_data)
_reproduce_spec = importlib.util.spec_from_file_location(
    "ganzoo_docs_reproduce", Path(__file__).with_name("reproduce.py")
)
reproduce = importlib.util.module_from_spec(_reproduce_spec)
_reproduce_spec.loader.exec_module(reproduce)

_texts: dict[str, str] = {}


#: In the CLI reference, a paragraph "Label:" followed by indented lines: the examples of a
#: command's help, which click prints verbatim (its ``\\b`` marker) and mkdocs-click leaves as
#: one run-on paragraph.
VERBATIM = re.compile(r"<p>([A-Z][^<\n]*:)\n((?:  [^\n]*(?:\n|(?=</p>)))+)</p>")


def _verbatim(match: re.Match[str]) -> str:
    lines = [line[2:] for line in match[2].rstrip("\n").split("\n")]
    return f"<p>{match[1]}</p>\n<pre><code>" + "\n".join(lines) + "</code></pre>"


def on_files(files: Any, config: Any) -> Any:
    """Add the generated figures to the site as ``figures/NAME.png`` (and animations, .gif)."""
    folder = figures.ensure_generated()
    _texts.clear()
    _texts.update(json.loads((folder / "texts.json").read_text()))
    for path in sorted(
        [*(folder / "figures").glob("*.png"), *(folder / "figures").glob("*.gif")]
    ):
        files.append(
            File.generated(config, f"figures/{path.name}", abs_src_path=str(path))
        )
    for site_path, path in small_data.grid_files():  # the recorded few-images study
        files.append(File.generated(config, site_path, abs_src_path=str(path)))
    for site_path, path in reproduce.figure_files():  # recorded reproduce studies
        files.append(File.generated(config, site_path, abs_src_path=str(path)))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Replace ``<!-- docs-gen: name -->`` (a lowercase name) with the generated text."""

    def text(match: re.Match[str]) -> str:
        if match[1] not in _texts:
            raise PluginError(
                f"{page.file.src_uri}: unknown placeholder {match[1]!r}"
            )
        return _texts[match[1]]

    return reproduce.render(
        small_data.render(zoo.render(PLACEHOLDER.sub(text, markdown)))
    )


#: A generated figure in a page's HTML.
FIGURE = re.compile(r'<img [^>]*src="(?P<src>[^"]*figures/[^"]+\.png)"[^>]*>')


def _linked(html: str) -> str:
    """Every figure links to itself at full size (a page may show it scaled down)."""
    out, last = [], 0
    for match in FIGURE.finditer(html):
        before = html[: match.start()]
        inside_link = before.rfind("<a ") > before.rfind("</a>")
        out.append(html[last : match.start()])
        tag = match.group(0)
        out.append(tag if inside_link else f'<a href="{match["src"]}">{tag}</a>')
        last = match.end()
    return "".join(out) + html[last:]


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    """Figures link to full size; the CLI reference shows its examples as code."""
    html = _linked(html)
    if page.file.src_uri != "reference/cli.md":
        return html
    return VERBATIM.sub(_verbatim, html)

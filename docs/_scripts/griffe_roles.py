"""A griffe extension for the API reference: reST in docstrings becomes Markdown.

ganzoo's docstrings follow pytest and pluggy, in reST, which reads well in ``help()``;
mkdocstrings renders Markdown, where two reST constructs would show literally:

- Sphinx roles: ``:class:`ganzoo.api.losses.AdversarialLoss```, ``:func:`train```.
  ``:role:`~a.b.C``` becomes ```C``` and ``:role:`a.b.C``` becomes ```a.b.C```.
- Literal blocks: a paragraph ending in ``::`` and the indented block after it. As Sphinx
  does, ``Layout::`` shows as ``Layout:`` (a lone ``::`` disappears), and the block becomes
  a fenced code block: ``python`` where it parses as Python, else ``text``.
"""

from __future__ import annotations

import ast
import re
import textwrap
from typing import Any

import griffe

ROLE = re.compile(
    r":(?:py:)?(?:class|func|meth|mod|attr|data|exc|obj|const):`(~?)([^`]+)`"
)


def plain(text: str) -> str:
    """``text`` with every Sphinx cross-reference role turned into inline code."""

    def code(match: re.Match[str]) -> str:
        tilde, target = match.groups()
        return f"`{target.rsplit('.', 1)[-1] if tilde else target}`"

    return ROLE.sub(code, text)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _language(code: str) -> str:
    try:
        ast.parse(code)
    except SyntaxError:
        return "text"
    return "python"


def literal_blocks(text: str) -> str:
    """``text`` with each reST literal block (``para::`` + indented lines) fenced Markdown."""
    lines, out, i = text.split("\n"), [], 0
    while i < len(lines):
        line = lines[i]
        if not line.rstrip().endswith("::") or line.strip().startswith(">>>"):
            out.append(line)
            i += 1
            continue
        base = _indent(line)
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        end = j
        while end < len(lines) and (
            not lines[end].strip() or _indent(lines[end]) > base
        ):
            end += 1
        body = lines[j:end]
        while body and not body[-1].strip():
            body.pop()
        if (
            j == i + 1 or not body
        ):  # not a literal block after all: keep the line as it is
            out.append(line)
            i += 1
            continue
        head = line.rstrip()[:-2].rstrip()
        if head.strip():  # "Layout::" -> "Layout:"; "text ::" -> "text"
            out.append(head + ("" if line.rstrip()[:-2].endswith(" ") else ":"))
            out.append("")
        code = textwrap.dedent("\n".join(body))
        pad = " " * base
        out.append(f"{pad}```{_language(code)}")
        out += [(pad + c) if c.strip() else "" for c in code.split("\n")]
        out.append(f"{pad}```")
        if end < len(lines):
            out.append("")
        i = end
    return "\n".join(out)


def markdown(text: str) -> str:
    """A reST docstring's text as mkdocstrings should render it."""
    return literal_blocks(plain(text))


class SphinxRoles(griffe.Extension):
    """Rewrite roles and literal blocks in every docstring once the object tree is complete."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown(obj.docstring.value)

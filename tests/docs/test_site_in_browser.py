"""The built site, read in a real browser (headless Chromium at 1280 px) as a newcomer would.

Each page of ``site/`` is served on 127.0.0.1 and rendered by Debian's Chromium through
Playwright's Python API (no browser download). A page fails when

- a code block is wider than its box (the reader sees a cut-off command),
- a table is wider than its box (columns hidden behind a scroll bar),
- a figure is shown at less than 60% of its natural width without a link to full size,
- text inside a figure renders under 7.5 px (its PNG records its smallest text size, see
  :data:`ganzoo.runs.plotting.MIN_FONT_KEY`; the page's scaling shrinks it).

Run it after a build: ``mkdocs build --strict && pytest -m browser`` (marked ``browser``:
the default run comes before the site is built). It skips, saying which is missing, where
the site or Chromium is not there; ``.ci/run`` builds the site and installs Chromium first.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from ganzoo.runs.plotting import MIN_FONT_KEY
from tests.docs.chromium import need

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "site"
WIDTH, HEIGHT = 1280, 900
MIN_SHOWN_SHARE = 0.6
MIN_TEXT_PX = 7.5

pytestmark = [pytest.mark.slow, pytest.mark.browser]

#: What the browser reports of a page: overflowing code and tables, and every figure.
MEASURE = """() => {
  const article = document.querySelector('article') || document.body;
  const longest = (text) => text.split('\\n').reduce((a, b) => (b.length > a.length ? b : a), '');
  const code = [...article.querySelectorAll('pre > code')]
    .filter((c) => c.scrollWidth > c.clientWidth + 1)
    .map((c) => longest(c.innerText).slice(0, 90));
  const tables = [...article.querySelectorAll('.md-typeset__table, .md-typeset__scrollwrap')]
    .filter((t) => t.scrollWidth > t.clientWidth + 1)
    .map((t) => (t.querySelector('th') || t).innerText.slice(0, 60));
  const figures = [...article.querySelectorAll('img')].map((img) => {
    const link = img.closest('a[href]');
    return {
      src: img.currentSrc || img.src,
      natural: img.naturalWidth,
      shown: img.getBoundingClientRect().width,
      linked: !!link && link.href === (img.currentSrc || img.src),
    };
  });
  return {code, tables, figures};
}"""


def _pages() -> list[Path]:
    if not (SITE / "index.html").exists():
        return []
    return sorted(p for p in SITE.rglob("index.html") if "assets" not in p.parts)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    need(bool(_pages()), "site/ not built here (mkdocs build --strict makes it)")
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """No request log on the test's output."""


def _local_file(url: str) -> Path:
    return SITE / unquote(urlparse(url).path).lstrip("/")


def _figure_problems(figures: list[dict]) -> list[str]:
    from PIL import Image

    problems = []
    for fig in figures:
        if not fig["natural"] or not fig["src"].endswith(".png"):
            continue
        share = fig["shown"] / fig["natural"]
        name = Path(urlparse(fig["src"]).path).name
        if share < MIN_SHOWN_SHARE and not fig["linked"]:
            problems.append(f"figure {name} shown at {share:.0%} of its width, no link to it")
        with Image.open(_local_file(fig["src"])) as image:
            smallest = image.info.get(MIN_FONT_KEY)
        if smallest is not None and float(smallest) * min(share, 1.0) < MIN_TEXT_PX:
            shown_px = float(smallest) * share
            problems.append(f"figure {name}: its smallest text renders at {shown_px:.1f} px")
    return problems


def test_every_page_fits_its_boxes_and_shows_legible_figures(server, browser):
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    problems: list[str] = []
    pages = _pages()
    for path in pages:
        rel = path.parent.relative_to(SITE).as_posix()
        page.goto(f"{server}/" + ("" if rel == "." else f"{rel}/"), wait_until="load")
        found = page.evaluate(MEASURE)
        where = "(home)" if rel == "." else rel
        problems += [f"{where}: code wider than its box: {line!r}" for line in found["code"]]
        problems += [f"{where}: table wider than its box: {head!r}" for head in found["tables"]]
        problems += [f"{where}: {p}" for p in _figure_problems(found["figures"])]
    page.close()
    assert len(pages) > 20, f"only {len(pages)} pages in site/"
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)

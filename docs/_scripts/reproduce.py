"""The reproduce page's studies and recorded runs, from ganzoo's registry of studies and
from recorded reports: nothing on the page is typed in by hand.

``docs/reproduce.md`` holds ``<!-- reproduce: study NAME -->`` (the study's rows, the
paper's figures with their sources, its claims: from ``ganzoo.tools.reproduce.studies``)
and ``<!-- reproduce: recorded NAME -->`` (the recorded report of ``ganzoo reproduce NAME``,
rendered by the same function that wrote its ``report.md``, its figures joining the site as
``figures/reproduce/NAME/*.png``). Where a study has not been recorded, the placeholder
becomes a note saying so and how to record it: the page never shows a number nobody
measured. A recorded row whose model or loss ganzoo no longer registers fails the build.

Recording, once a study has run (hours on a CPU)::

    ganzoo reproduce lucic2018 --datasets mnist --data-dir ../shared/data --budget 8 \\
        --seeds 3 --steps 500 --out runs/lucic2018
    python docs/_scripts/reproduce.py record runs/lucic2018

keeps ``report.json``, ``study.json`` and the figures in
``docs/_recorded/reproduce-NAME/``, with ``record.json`` (the commit, whether the tree had
local changes, the date and the machine). The runs themselves stay in the study's folder.
A ``reading.txt`` written beside them afterwards (Markdown: what the recorder read in the
numbers, what differs from the paper) is shown under the report; a new recording replaces
the folder, and with it a reading of other numbers.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RECORDED = ROOT / "docs" / "_recorded"
PLACEHOLDER = re.compile(r"<!-- reproduce: (study|recorded) ([a-z0-9-]+) -->")
#: what a recording keeps (and the figures, fid-*.png); not report.md: a Markdown file under
#: docs/ would be a page of the site, and the page renders report.json itself
KEPT = ("report.json", "study.json")
#: the recorder's reading of a recorded run (Markdown in a .txt: not a page of the site)
READING = "reading.txt"


def folder(study: str, root: Path | None = None) -> Path:
    """Where the recorded report of ``study`` is kept."""
    return (root or RECORDED) / f"reproduce-{study}"


def recorded(study: str, root: Path | None = None) -> dict[str, Any] | None:
    """The recorded report of ``study`` (with its ``record.json`` as ``"record"``), or None."""
    path = folder(study, root) / "report.json"
    if not path.is_file():
        return None
    report = json.loads(path.read_text())
    record = path.with_name("record.json")
    report["record"] = json.loads(record.read_text()) if record.is_file() else {}
    return report


def figure_files(root: Path | None = None) -> list[tuple[str, Path]]:
    """(site path, file) of every recorded study's figures."""
    found = []
    for path in sorted((root or RECORDED).glob("reproduce-*/fid-*.png")):
        study = path.parent.name.removeprefix("reproduce-")
        found.append((f"figures/reproduce/{study}/{path.name}", path))
    return found


def study_text(name: str) -> str:
    """A study as the registry defines it: protocol, rows, the paper's figures, claims."""
    from ganzoo.tools.reproduce.report import DATASET_NAMES
    from ganzoo.tools.reproduce.studies import get_study

    study = get_study(name)
    datasets = study.datasets
    header = " | ".join(f"paper's FID, {DATASET_NAMES.get(d, d)}" for d in datasets)
    lines = [
        f"*{study.paper}*",
        "",
        study.protocol,
        "",
        f"Defaults: `--budget {study.default_budget}`, `--steps {study.default_steps}`, "
        f"`--datasets {','.join(datasets)}`.",
        "",
        f"| row | model + loss | searched | {header} |",
        "|---|---|---|" + "---|" * len(datasets),
    ]
    for row in study.rows:
        figures = " | ".join(
            f"{row.paper[d]}" if d in row.paper else "—" for d in datasets
        )
        searched = ", ".join(f"`{k}`" for k in row.space)
        lines.append(
            f"| {row.label} | `{row.model}+{row.loss}` | {searched} | {figures} |"
        )
    for other in study.paper_only:
        figures = " | ".join(f"{other.paper.get(d, '—')}" for d in datasets)
        lines.append(
            f"| {other.label} | not trained: {other.why} | — | {figures} |"
        )
    sources = sorted(
        {row.source for row in study.rows if row.source}
        | {o.source for o in study.paper_only}
    )
    if sources:
        lines += ["", "The paper's figures: " + "; ".join(sources) + "."]
    lines += ["", "Its claims, each decided from the measured numbers:", ""]
    for claim in study.claims:
        lines.append(f"- `{claim.id}`: {claim.text} *({claim.source})*")
    return "\n".join(lines) + "\n"


def check_registered(report: dict[str, Any]) -> None:
    """Refuse a recorded report that shows a model or loss ganzoo no longer registers."""
    from ganzoo.host.plugins import get_registry

    registry = get_registry()
    known = {
        (kind, c.name)
        for kind in ("model", "loss")
        for c in registry.components(kind)
    }
    for d in report["datasets"]:
        for row in d["rows"]:
            for kind in ("model", "loss"):
                if (kind, row[kind]) not in known:
                    raise RuntimeError(
                        f"recorded {report['study']} shows {kind} {row[kind]!r}, which ganzoo "
                        "no longer registers: record the study again"
                    )


def recorded_text(name: str, root: Path | None = None) -> str:
    """The recorded report of ``name``, or a note that there is none."""
    from ganzoo.tools.reproduce.report import FORMAT, render_lines

    report = recorded(name, root)
    if report is None:
        return (
            '!!! warning "Not recorded yet"\n'
            f"    No run of `ganzoo reproduce {name}` has been recorded for these pages, so "
            "its table,\n    figures and verdicts are missing rather than made up. Run the "
            "study, then record it\n    with `python docs/_scripts/reproduce.py record "
            "FOLDER`; the next build shows it.\n"
        )
    if report.get("format") != FORMAT:
        raise RuntimeError(
            f"recorded {name}: report format {report.get('format')!r}, this ganzoo reads "
            f"{FORMAT}: record the study again"
        )
    check_registered(report)
    record = report.get("record") or {}
    machine = record.get("machine") or {}
    where = ", ".join(str(machine[k]) for k in ("cpu", "gpu") if machine.get(k))
    made = [
        f"Recorded {record.get('date', report['created'])}"
        + (f" on {where}" if where else "")
        + (f", commit `{record['commit'][:10]}`" if record.get("commit") else "")
        + (" (with local changes)" if record.get("local_changes") else "")
        + (
            f"; its runs were trained at commit `{record['trained_at'][:10]}`"
            if record.get("trained_at")
            and record["trained_at"] != record.get("commit")
            else ""
        )
        + ".",
        "",
    ]
    lines = render_lines(
        report, title=False, level=4, figures_at=f"figures/reproduce/{name}/"
    )
    reading = folder(name, root) / READING
    if reading.is_file():
        lines += ["#### Reading this run", "", reading.read_text().strip(), ""]
    return "\n".join(made + lines) + "\n"


def render(markdown: str, root: Path | None = None) -> str:
    """``markdown`` with each ``<!-- reproduce: ... -->`` replaced (module docstring)."""
    return PLACEHOLDER.sub(
        lambda m: (
            study_text(m[2]) if m[1] == "study" else recorded_text(m[2], root)
        ),
        markdown,
    )


def record(
    study_folder: Path, root: Path | None = None, trained_at: str | None = None
) -> Path:
    """Keep a finished study's report, settings and figures under ``docs/_recorded``.

    ``trained_at``: the commit the runs were trained at, where it is not the one that wrote
    the report (a long study continued by a later ganzoo: its record says both).
    """
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from record_runs import git, machine

    report_path = study_folder / "report.json"
    if not report_path.is_file():
        raise SystemExit(
            f"{study_folder} holds no report.json: run the study to its end first"
        )
    report = json.loads(report_path.read_text())
    target = folder(report["study"], root)
    staged = target.with_name(target.name + ".new")
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    for name in KEPT:
        shutil.copyfile(study_folder / name, staged / name)
    for figure in sorted(study_folder.glob("fid-*.png")):
        shutil.copyfile(figure, staged / figure.name)
    meta = {
        "study": report["study"],
        "command": report.get("command"),
        "folder": str(study_folder),
        "commit": git("rev-parse", "HEAD"),
        "trained_at": trained_at or git("rev-parse", "HEAD"),
        "local_changes": bool(
            git("status", "--porcelain", "--", "ganzoo", "plugins")
        ),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "training_seconds": report.get("training_seconds"),
    }
    (staged / "record.json").write_text(json.dumps(meta, indent=2) + "\n")
    shutil.rmtree(target, ignore_errors=True)
    staged.rename(target)
    return target


def main(argv: list[str] | None = None) -> None:
    """``record FOLDER``: keep a finished study's report for the docs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    keep = sub.add_parser(
        "record", help="keep a finished study's report for these pages"
    )
    keep.add_argument("folder", type=Path)
    keep.add_argument(
        "--trained-at",
        metavar="COMMIT",
        help="the commit the runs were trained at, if not this one",
    )
    args = parser.parse_args(argv)
    target = record(args.folder, trained_at=args.trained_at)
    print(f"recorded {args.folder} in {target}")


if __name__ == "__main__":
    main()

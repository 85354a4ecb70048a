"""Worker processes of one command: ``ganzoo sweep --workers N``, ``ganzoo reproduce --workers N``.

The command starts N ``python -m MODULE`` children, hands each the same JSON payload on its
stdin and waits for all of them; a child that fails prints its one-line error on stdout and
exits non-zero, and the command raises the first such line. A child ends with the command
that started it (a SIGKILL leaves no cleanup to run), and on Ctrl-C every child gets the
terminal's SIGINT too: the command waits for them to save their runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from ganzoo.api.errors import GanzooError

ENV_INDEX = "GANZOO_WORKER"  # a child's index, 0..N-1
SAVE_SECONDS = 120  # how long Ctrl-C waits for each child to save its run


def run_children(
    module: str,
    payload: dict[str, Any],
    envs: Sequence[dict[str, str]],
    pass_fds: Sequence[int] = (),
    started: Callable[[int, int], None] | None = None,
) -> None:
    """Run one ``python -m module`` per entry of ``envs`` (extra environment variables;
    :data:`ENV_INDEX` is set to its index), each reading ``payload``; wait for all.

    ``pass_fds`` stay open in every child (a folder lock a child keeps held);
    ``started(index, pid)`` is called as each one starts.

    :raises GanzooError: a child's error line (the first), or its exit code.
    """
    text = json.dumps(payload)
    children = []
    for index, extra in enumerate(envs):
        child = subprocess.Popen(
            [sys.executable, "-m", module],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=dict(os.environ, **extra, **{ENV_INDEX: str(index)}),
            pass_fds=tuple(pass_fds),
        )
        assert child.stdin is not None
        child.stdin.write(text)
        child.stdin.close()
        children.append(child)
        if started is not None:
            started(index, child.pid)
    errors: list[str] = []
    try:
        for child in children:
            out = child.stdout.read() if child.stdout is not None else ""
            child.wait()
            if child.returncode != 0:
                errors.append(out.strip() or f"worker pid {child.pid} exited {child.returncode}")
    except KeyboardInterrupt:  # the children got the terminal's SIGINT too: let them save
        for child in children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=SAVE_SECONDS)
        raise
    if errors:
        raise GanzooError(errors[0])


def exit_with_parent() -> None:
    """End this process when the command that started it dies (SIGKILL leaves no cleanup)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(137)

    threading.Thread(target=watch, daemon=True).start()


def child_main(work: Callable[[dict[str, Any], int, Callable[[str], None]], None]) -> int:
    """The body of a child: read the payload, run ``work(payload, index, log)``, return the
    exit code (a :class:`GanzooError` printed as one line on stdout; Ctrl-C 130).

    ``log`` prints ``[worker I] LINE`` to stderr (the command's own) where the payload's
    ``"log"`` is true, and nothing otherwise.
    """
    exit_with_parent()
    payload = json.loads(sys.stdin.read())
    index = int(os.environ[ENV_INDEX])

    def log(line: str) -> None:
        if payload.get("log"):
            print(f"[worker {index}] {line}", file=sys.stderr, flush=True)

    try:
        work(payload, index, log)
    except GanzooError as exc:
        print(" ".join(str(exc).split()), flush=True)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return 0

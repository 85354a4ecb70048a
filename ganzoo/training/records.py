"""What the loop writes as it goes: log lines, sample grids, 1-D snapshots, collapse alerts,
and the divergence check that guards each of them."""

from __future__ import annotations

from typing import Any

import torch

from ganzoo.api.errors import GanzooError
from ganzoo.runs.rundir import DYNAMICS
from ganzoo.training import distributed
from ganzoo.training.figures import save_samples
from ganzoo.training.progress import Progress
from ganzoo.training.session import Session
from ganzoo.training.state import DivergenceGuard, non_finite_parameters


class Diverged(GanzooError):
    """A loss or a weight became NaN or infinite; the last good checkpoint is kept."""

    exit_code = 3


def due(step: int, every: int | None, last: bool = False) -> bool:
    """Whether a periodic action (logging, checkpoints, ...) runs at ``step``."""
    return last or (every is not None and step % every == 0)


def watch_collapse(s: Session, progress: Progress, alert: str | None, source: str) -> None:
    """Warn once when a mode-collapse alert starts (and note when it ends) in the progress
    output and ``metrics.jsonl``, rather than at every log line while it lasts."""
    was = source in s.alerts
    if alert and not was:
        s.alerts.add(source)
        progress.message(f"warning: step {s.step}: {alert}")
        s.run.append_metrics(
            {"step": s.step, "event": "mode_collapse", "source": source, "alert": alert}
        )
    elif not alert and was:
        s.alerts.discard(source)
        s.run.append_metrics({"step": s.step, "event": "mode_collapse_ended", "source": source})


def log_line(s: Session, elapsed: float) -> None:
    means = distributed.mean_across_ranks(s.window, s.env).div(s.since_log)
    s.final = dict(zip(s.keys, means.tolist(), strict=True))
    s.window, s.since_log = None, 0
    if s.env.is_main:
        s.run.append_metrics(
            {
                "step": s.step,
                "epoch": s.epoch_of(s.step),
                "images": s.images,
                "time": round(elapsed, 4),
                **s.final,
            }
        )


def dynamics_grid(data: Any, points: int = 200) -> torch.Tensor | None:
    """For 1-D data, the x grid of the distribution figure: the data's range ± 3 std."""
    samples = getattr(data, "samples", None)
    if data.info.dim != 1 or samples is None:
        return None
    x = samples.reshape(-1).float().cpu()
    spread = 3 * x.std().item()
    return torch.linspace(x.min().item() - spread, x.max().item() + spread, points)


def figures(s: Session, epoch: int, grid: torch.Tensor | None) -> None:
    with s.sampling():
        path = s.run.path / "samples" / f"epoch_{epoch:04d}.png"
        save_samples(s.model, s.data, path, s.config.seed)
    if s.board is not None and path.exists():
        s.board.image(s.step, path)
    if grid is not None:
        snapshot(s, epoch, grid)


def snapshot(s: Session, epoch: int, grid: torch.Tensor) -> None:
    """Record p_data, p_g and D(x) on the grid: a panel of the seed's distribution figure."""
    from ganzoo.metrics.theory import snapshot_1d

    with s.sampling():
        snapshot = snapshot_1d(s.model, s.data, grid, seed=s.config.seed)
    s.run.append_jsonl(DYNAMICS, {"step": s.step, "epoch": epoch, **snapshot})


def stop_if_diverged(s: Session, guard: DivergenceGuard) -> None:
    if s.env.enabled:  # a bad step seen on any rank stops every rank
        both = distributed.max_across_ranks(torch.stack([guard.first_bad, guard.bad_key]), s.env)
        guard.first_bad, guard.bad_key = both[0], both[1]
    found = guard.check()
    bad_nets = [] if found else non_finite_parameters(s.model)
    if not found and not bad_nets:
        return
    if found:
        step, key = found
        what = f"{key} became non-finite at step {step}"
        network = s.plan.family.network_of(key)
    else:
        step, key, network = s.step, None, ", ".join(bad_nets)
        what = f"weights of the {network} became non-finite by step {step}"
    if s.env.is_main:
        s.run.append_metrics(
            {"step": step, "event": "diverged", "network": network, "statistic": key}
        )
    latest = s.run.latest_checkpoint()
    kept = f"last good checkpoint kept: {latest}" if latest else "no checkpoint was written"
    raise Diverged(f"training diverged: {what} ({network}); {kept}; try a lower --lr")

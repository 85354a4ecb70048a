"""What a worker that torchrun restarted does with the run folder its job began.

``torchrun --max-restarts N`` runs the same command line again after a worker died; without
this the new workers would meet their own run folder and refuse it (``--out`` exists).
:func:`after_restart` tells :func:`ganzoo.training.loop.train` to resume it, replace it or
return its result, and never touches a folder another job started.
"""

from __future__ import annotations

from dataclasses import dataclass

from ganzoo.api.errors import GanzooError
from ganzoo.runs.rundir import RunDir
from ganzoo.training import distributed
from ganzoo.training.config import TrainConfig
from ganzoo.training.distributed import DistEnv
from ganzoo.training.result import TrainResult

__all__ = ["Restart", "after_restart"]


@dataclass
class Restart:
    """What a restarted worker does with the run folder its job began (see train)."""

    action: str  # "resume", "replace" or "finished"
    message: str
    result: TrainResult | None = None


def after_restart(config: TrainConfig, env: DistEnv) -> Restart | None:
    """Under a torchrun restart, the run in ``config.out`` that this job started, if any.

    torchrun runs the same command line again after a worker died; without this it would
    meet its own run folder and refuse it. A folder counts as this job's only if its
    ``config.json`` records the same torchrun job name (``TORCHELASTIC_RUN_ID``), so a
    restart never resumes or deletes someone else's run. Rank 0 reads the folder and every
    rank follows its answer, so that all take the same path.
    """
    if env.restart == 0 or not config.out or env.job is None:
        return None

    def decide() -> Restart | None:
        run = RunDir(str(config.out))
        try:
            job = RunDir.open(run.path).read_config().get("environment", {}).get("torchrun_job")
        except GanzooError:  # not a run folder (yet): nothing of this job's to continue
            return None
        if job != env.job:
            return None
        summary = run.read_summary()
        if summary:
            result = TrainResult(run.path, summary["steps"], summary["seconds"], summary["final"])
            return Restart("finished", f"{run.path} had finished", result)
        if run.latest_checkpoint() is not None:
            return Restart("resume", f"continuing {run.path} from its newest checkpoint")
        return Restart("replace", f"starting {run.path} again (it had no checkpoint yet)")

    return distributed.broadcast_object(distributed.on_main(decide, env), env)

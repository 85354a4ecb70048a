"""The real side of an evaluation, cached as plain arrays: nothing in the cache is unpickled.

torch-fidelity's own cache stores features and statistics with ``torch.save`` and reads them
back with ``torch.load(..., weights_only=False)``: a doctored file in the cache folder would
run its code during ``ganzoo eval``. ganzoo therefore never hands torch-fidelity a cache
(``cache=False``); it keeps the real side's features (for KID) and FID statistics itself, in
one numpy ``.npz`` per real side and extractor under ``<cache dir>/fidelity``, read with
``allow_pickle=False``. A file that holds pickled data, or is not a readable ``.npz``, is
refused with a message that names it; it is never "repaired" silently.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ganzoo.api.errors import GanzooError
from ganzoo.api.paths import cache_dir
from ganzoo.runs.files import atomic_path

FORMAT = 1  # stored in the file; a file of another format is recomputed


@dataclass(frozen=True)
class RealSide:
    """What the metrics need of the real images: KID features and FID statistics."""

    kid_features: torch.Tensor  # N×D float, as torch-fidelity's extractor returns them
    fid_stats: dict[str, np.ndarray]  # {"mu": D, "sigma": D×D}, as fid_features_to_statistics


def cache_path(cache_name: str, extractor_name: str) -> Path:
    """``<cache dir>/fidelity/<cache name>-<extractor name>.npz``."""
    return cache_dir() / "fidelity" / f"{cache_name}-{extractor_name}.npz"


def _keys(kid_layer: str, fid_layer: str) -> dict[str, str]:
    return {
        "kid": f"features-{kid_layer}",
        "mu": f"stat-fid-{fid_layer}-mu",
        "sigma": f"stat-fid-{fid_layer}-sigma",
    }


def load(path: Path, kid_layer: str, fid_layer: str) -> RealSide | None:
    """The cached real side at ``path``; ``None`` if absent or of another format or layers.

    Raises :class:`GanzooError` (one line, naming the file) if the file holds pickled data
    or is not a readable ``.npz``.
    """
    if not path.exists():
        return None
    try:
        data = np.load(path, allow_pickle=False)
        if not isinstance(data, np.lib.npyio.NpzFile):  # a bare .npy array
            raise GanzooError(_refusal(path, "it is a single array, not a ganzoo statistics file"))
        with data:
            arrays = {name: data[name] for name in data.files}
    except ValueError as exc:  # numpy would have to unpickle: pickled data or object arrays
        why = "it is not a plain array file, and unpickling it could run code"
        raise GanzooError(_refusal(path, why)) from exc
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise GanzooError(_refusal(path, f"it is truncated or corrupt ({_first(exc)})")) from exc
    keys = _keys(kid_layer, fid_layer)
    fmt = arrays.get("format")
    if (
        fmt is None
        or fmt.shape != ()
        or int(fmt) != FORMAT
        or any(k not in arrays for k in keys.values())
    ):
        return None  # written by another ganzoo version or for other layers: recompute
    kid, mu, sigma = (arrays[keys[k]] for k in ("kid", "mu", "sigma"))
    if kid.ndim != 2 or mu.ndim != 1 or sigma.shape != (len(mu), len(mu)):
        raise GanzooError(_refusal(path, "its arrays have inconsistent shapes"))
    if any(a.dtype.kind != "f" for a in (kid, mu, sigma)):
        raise GanzooError(_refusal(path, "its arrays are not floating point"))
    return RealSide(torch.from_numpy(kid), {"mu": mu, "sigma": sigma})


def save(path: Path, real: RealSide, kid_layer: str, fid_layer: str) -> None:
    """Store ``real`` at ``path`` atomically (plain arrays only)."""
    keys = _keys(kid_layer, fid_layer)
    arrays = {
        "format": np.array(FORMAT),
        keys["kid"]: real.kid_features.detach().cpu().numpy(),
        keys["mu"]: np.asarray(real.fid_stats["mu"]),
        keys["sigma"]: np.asarray(real.fid_stats["sigma"]),
    }
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, **arrays)


def _refusal(path: Path, why: str) -> str:
    return (
        f"refusing the statistics cache {path}: {why}; delete the file and evaluate again "
        "(ganzoo recomputes it)"
    )


def _first(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def floor_path(cache_name: str, extractor_name: str, kind: str, samples: int) -> Path:
    """``<cache dir>/floors/<cache name>-<extractor>-floor-<kind>-n<samples>.npz``.

    Beside, not inside, the real sides' folder: each holds one kind of file.
    """
    return cache_dir() / "floors" / f"{cache_name}-{extractor_name}-floor-{kind}-n{samples}.npz"


def load_floor(path: Path) -> dict[str, float | str | None] | None:
    """A cached floor (real-vs-real or noise): metric name -> value; ``None`` if absent.

    Read with ``allow_pickle=False`` like the real side; a doctored file is refused in one
    line naming it. ``nan`` stands for a metric that was unavailable (``None``).
    """
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except ValueError as exc:
        why = "it is not a plain array file, and unpickling it could run code"
        raise GanzooError(_refusal(path, why)) from exc
    except (OSError, EOFError, zipfile.BadZipFile, AttributeError) as exc:
        raise GanzooError(_refusal(path, f"it is truncated or corrupt ({_first(exc)})")) from exc
    fmt = arrays.pop("format", None)
    if fmt is None or fmt.shape != () or int(fmt) != FORMAT:
        return None
    out: dict[str, float | str | None] = {}
    for key, value in arrays.items():
        if value.shape != ():
            raise GanzooError(_refusal(path, f"{key} is not a single value"))
        if value.dtype.kind == "U":
            out[key] = str(value)
        elif value.dtype.kind in "fi":
            out[key] = None if np.isnan(value) else float(value)
        else:
            raise GanzooError(_refusal(path, f"{key} is not a number or text"))
    return out


def save_floor(path: Path, values: dict[str, float | str | None]) -> None:
    """Store a floor's values at ``path`` atomically (plain scalars only)."""
    arrays = {"format": np.array(FORMAT)}
    for key, value in values.items():
        arrays[key] = (
            np.array(value)
            if isinstance(value, str)
            else np.array(np.nan if value is None else float(value))
        )
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, **arrays)

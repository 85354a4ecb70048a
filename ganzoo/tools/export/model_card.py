"""An export's ``model_card.md``: what the network is, its data, training, metrics, loading."""

from __future__ import annotations

import warnings
from typing import Any

from ganzoo.api.errors import GanzooError
from ganzoo.metrics.numbers import format_stat, format_value
from ganzoo.tools.export.card_code import loading_code, set_code, takes_code_inputs, z_code

CARD_SAMPLES = 64  # images in samples.png


def model_card(sampler: Any, config: dict[str, Any]) -> str:
    """``model_card.md``: what the network is, its data, training, metrics and how to load it."""
    lines = [
        *_summary_section(config),
        *_data_section(config),
        *_training_section(config),
        "## Metrics",
        "",
        *_metrics_section(sampler, config),
        "",
    ]
    if sampler.is_image:
        lines += _samples_section(config)
    lines += ["## How to load it", "", *_loading_section(config), ""]
    if config.get("latent_codes"):
        lines += _codes_section(config)
    lines += _limitations_section(config)
    return "\n".join(lines)


def _summary_section(config: dict[str, Any]) -> list[str]:
    """The title, what the network is, and the table of its inputs, output and checks."""
    run = config["run"]
    registry_loss = _component("loss", run["config"].get("loss"))
    weights = (
        f"the exponential moving average of its generator (decay {config['ema_decay']})"
        if config["ema"]
        else "its raw generator weights"
    )
    inputs = ", ".join(
        f"`{i['name']}` {i['dtype']} ({', '.join(map(str, i['shape']))})" for i in config["inputs"]
    )
    out = config["output"]
    return [
        f"# {run['name']}: {config['model']} ({config['loss']}) on {config['dataset']}",
        "",
        f"A generative model exported by ganzoo {config['versions']['ganzoo']} from the run "
        f"`{run['name']}`, checkpoint `{config['checkpoint']}` (step {config['step']}), with "
        f"{weights}. It maps latent codes to {out['kind']} samples and needs only PyTorch"
        + (" (and onnxruntime)" if config["format"] == "onnx" else "")
        + " to run: no ganzoo.",
        "",
        "| | |",
        "|---|---|",
        f"| model | `{config['model']}`: {config['model_description']}"
        + (f" ([paper]({config['paper']}))" if config.get("paper") else "")
        + " |",
        f"| family | {config['family']} |",
        f"| objective | `{config['loss']}`"
        + (f": {registry_loss.description}" if registry_loss else "")
        + " |",
        f"| input | {inputs}; {_prior_line(config)} |",
        f"| output | `{out['name']}` {out['dtype']} ({', '.join(map(str, out['shape']))})"
        + (" in [-1, 1]" if out["range"] else "")
        + " |",
        f"| parameters | {config['parameters']:,} |",
        f"| format | {config['format']} (`{config['file']}`) |",
        f"| checked | {_verification_line(config)} |",
        "",
    ]


def _data_section(config: dict[str, Any]) -> list[str]:
    """The dataset, its shape and classes, and what ``labels`` chooses."""
    rc = config["run"]["config"]
    data = config["run"].get("data") or {}
    registry_dataset = _component("dataset", rc.get("dataset"))
    return [
        "## Data",
        "",
        f"Dataset `{config['dataset']}`"
        + (f": {registry_dataset.description}" if registry_dataset else "")
        + f" Samples of shape {tuple(data.get('shape') or ())}, kind {data.get('kind')}"
        + (f", {data['num_classes']} classes" if data.get("num_classes") is not None else "")
        + (f", options {rc.get('dataset_options')}" if rc.get("dataset_options") else "")
        + "; trained on its `train` split."
        + (
            f" Class-conditional: `labels` in 0..{config['num_classes'] - 1} chooses the class."
            if config["num_classes"] is not None
            else ""
        ),
        "",
    ]


def _training_section(config: dict[str, Any]) -> list[str]:
    """The settings the run trained with, and its final statistics."""
    run = config["run"]
    rc = run["config"]
    summary = run.get("summary") or {}
    resolved = run.get("resolved") or {}
    lines = ["## Training", "", "| setting | value |", "|---|---|"]
    for key, value in (
        ("steps done", summary.get("steps", config["step"])),
        ("stopped by", summary.get("stopped_by", "not finished")),
        ("epochs", format_stat(summary.get("epochs"))),
        ("batch size", rc.get("batch_size")),
        ("learning rate", rc.get("lr")),
        ("D's learning rate", _own_lr_d(rc)),
        ("betas", rc.get("betas")),
        ("D steps per G step", rc.get("d_steps") if _has_discriminator(config) else None),
        ("latent dim", config["latent_dim"]),
        ("model options", rc.get("model_options") or None),
        ("loss options", rc.get("loss_options") or None),
        ("EMA decay", config["ema_decay"]),
        ("seed", rc.get("seed")),
        ("device", resolved.get("device")),
        ("seconds", format_stat(summary.get("seconds"))),
    ):
        if value is not None:
            lines.append(f"| {key} | {value} |")
    final = summary.get("final") or {}
    if final:
        lines += [
            "",
            "Final training statistics: "
            + ", ".join(f"{k} {format_stat(v)}" for k, v in sorted(final.items()))
            + ".",
        ]
    return [
        *lines,
        "",
        "The run's full configuration, data description and provenance are in `config.json`, "
        "under `run`.",
        "",
    ]


def _has_discriminator(config: dict[str, Any]) -> bool:
    """Whether the run's family trains D steps (its trainer runs ``--d-steps``)."""
    from ganzoo.host.families import get_family

    try:
        return "discriminator" in get_family(config["family"]).model_networks
    except GanzooError:
        return False


def _samples_section(config: dict[str, Any]) -> list[str]:
    """The grid of samples the export wrote."""
    return [
        "## Samples",
        "",
        f"{CARD_SAMPLES} samples from the exported network, seed {config['seed']}"
        + (", one class per row" if config["num_classes"] is not None else "")
        + ":",
        "",
        f"![{CARD_SAMPLES} samples](samples.png)",
        "",
    ]


def _limitations_section(config: dict[str, Any]) -> list[str]:
    """What the card does not promise."""
    steps = (config["run"].get("summary") or {}).get("steps", config["step"])
    return [
        "## Limitations",
        "",
        f"Trained for {steps} steps; judge its samples above "
        "and the metrics with their extractor before relying on it. Numbers from different "
        "feature extractors are not comparable. The model reproduces its training data's "
        "biases; its licence is that of the data and of the code you trained it with.",
        "",
    ]


def _component(kind: str, name: str | None) -> Any:
    from ganzoo.host.plugins import get_registry

    try:
        return get_registry().get(kind, name) if name else None
    except GanzooError:
        return None


def _verification_line(config: dict[str, Any]) -> str:
    v = config.get("verification") or {}
    if v.get("max_abs_diff") is None:
        return v.get("note", "not run back")
    diff = v["max_abs_diff"]
    how = "bit-exact" if diff == 0 else f"largest absolute difference {diff:.2g}"
    return f"loaded back and run on {v['codes']} codes: {how} against PyTorch"


def _metrics_section(sampler: Any, config: dict[str, Any]) -> list[str]:
    from ganzoo.metrics.results import load_results

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = load_results(sampler.run.path)
    if not results:
        return [
            "No evaluation is stored with the run. Measure it with "
            f"`ganzoo eval {config['run']['path']}`, then export again.",
        ]
    lines = [
        "Stored evaluations of the run (`ganzoo eval`); the row of the exported checkpoint "
        "is marked. Each number is only comparable with numbers of the same extractor and "
        "sample count. The score is the Inception Score (IS) under the inception extractor; "
        "under a domain extractor it is the same formula on the dataset's own classifier "
        "(classifier score, domain IS), not comparable with published IS.",
        "",
        "| step | extractor | generated vs real | split | weights | score | FID | KID |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        mark = " (exported)" if r.step == config["step"] else ""
        weights = "EMA" if r.ema else "raw"
        real = r.real_samples if r.real_samples is not None else "?"
        lines.append(
            f"| {r.step}{mark} | {r.extractor} | {r.samples} vs {real} | {r.split} | "
            f"{weights} | {format_value(*r.score, 3)} ({r.score_label}) | "
            f"{format_value(r.fid, digits=3)} | {format_value(r.kid_mean, r.kid_std)} |"
        )
    return lines


#: images in [-1, 1] to pixels, as the card's code writes it (ganzoo.api.data.to_uint8)
def _loading_section(config: dict[str, Any]) -> list[str]:
    """How to load the file without ganzoo: what it needs, then code that runs."""
    conditional = config["num_classes"] is not None
    note, code = loading_code(config)
    return [
        note,
        "",
        "```python",
        code.rstrip("\n"),
        "```",
        "",
        _codes_note(config)
        if takes_code_inputs(config)
        else "`z` must be drawn from the prior above; `ganzoo sample "
        f"{config['run']['path']} --format pt` saves the codes `z`"
        + (" and `labels`" if conditional else "")
        + " with the images, and this network maps those codes to the same images.",
    ]


def _prior_line(config: dict[str, Any]) -> str:
    """What the latent input is drawn from, for the summary's input row."""
    if takes_code_inputs(config):
        return f"noise ~ {config['latent_noise']['prior']}; the codes: see Latent codes below"
    if config.get("latent_codes"):
        return "z = noise and latent codes, laid out as in Latent codes below"
    return f"z ~ {config['latent_prior']}"


def _codes_note(config: dict[str, Any]) -> str:
    """How a ``z`` saved by ``ganzoo sample`` splits into this network's inputs."""
    slices = [f"z[:, {a}:{b}]" for a, b in config["latent_noise"]["slices"]]
    noise = slices[0] if len(slices) == 1 else f"torch.cat([{', '.join(slices)}], 1)"
    parts = [f"`noise` = {noise}"]
    for code in config["latent_codes"]:
        start, stop = code["offset"], code["offset"] + code["size"]
        if code["kind"] == "categorical":
            parts.append(f"`{code['name']}` = z[:, {start}:{stop}].argmax(1)")
        else:
            parts.append(f"`{code['name']}` = z[:, {start}]")
    return (
        f"`ganzoo sample {config['run']['path']} --format pt` (and `--code`) saves the codes "
        f"`z` with the images; split each into this network's inputs ({'; '.join(parts)}) "
        "and it gives the same images."
    )


def _codes_section(config: dict[str, Any]) -> list[str]:
    """The latent codes: what each holds, where it sits in ``z``, and how to set one."""
    codes = config["latent_codes"]
    lines = [
        "## Latent codes",
        "",
        f"The generator's `z` ({config['latent_dim']} entries) is noise and {len(codes)} "
        "named codes that training tied to factors of the data (`ganzoo sample --code` varies "
        "one and holds the rest). Each is drawn from its prior unless you set it:",
        "",
        "| code | kind | values | prior | entries of z |",
        "|---|---|---|---|---|",
    ]
    for c in codes:
        values = f"0..{c['values'][1]}" if c["kind"] == "categorical" else "any number"
        last = c["offset"] + c["size"] - 1
        entries = f"{c['offset']}..{last}" if c["size"] > 1 else str(last)
        lines.append(f"| `{c['name']}` | {c['kind']} | {values} | {c['prior']} | {entries} |")
    noise = config["latent_noise"]
    slices = ", ".join(f"{a}..{b - 1}" if b - a > 1 else str(a) for a, b in noise["slices"])
    lines += [f"| noise | | | {noise['prior']} | {slices} |", ""]
    first = set_code(config)
    how = (
        f"one-hot: entry {first['offset']} + k is 1, the other {first['size'] - 1} of its entries 0"
        if first["kind"] == "categorical"
        else f"the number itself, at entry {first['offset']}"
    )
    inputs = (
        "This network takes the noise and each code as inputs of their own and builds `z` "
        "itself (a categorical code as its class index, int64; a continuous one as its "
        "value, float32; one per image), as in the code above. "
        if takes_code_inputs(config)
        else ""
    )
    lines += [
        f"{inputs}In `z` itself, as `ganzoo sample --format pt` saves it, `{first['name']}` = k "
        f"is {how}. This builds such a `z` (`config.json` holds the same layout under "
        "`latent_codes` and `latent_noise`):",
        "",
        "```python",
        z_code(config, first).rstrip("\n"),
        "```",
        "",
    ]
    return lines


def _own_lr_d(rc: dict) -> float | None:
    """D's learning rate where it differs from G's (two time scales), else None (no row)."""
    lr_d = rc.get("lr_d")
    return lr_d if lr_d is not None and lr_d != rc.get("lr") else None

#!/usr/bin/env bash
# The GPU checks of issue 28.5, one command on a CUDA machine, within 8 minutes (BUDGET below;
# a step that would run past it fails):
#
#     bash benchmarks/gpu_check.sh          # from anywhere; PYTHON=/path/to/python to choose
#
# ganzoo must be installed in that Python (pip install -e . plugins/*, as for the tests).
# Each step prints one line of figures, or "gpu_check: FAILED: ..." and stops (exit 1).
# Steps: the device and versions; --device auto and cuda:0 (and a bad index refused);
# --amp bf16; --amp fp16 (the scaler's state in the checkpoint); --compile; torchrun with one
# process (ganzoo's launcher path) and a one-rank NCCL group around ganzoo's DCGAN; DCGAN
# images/s of ganzoo against the hand-written loop (benchmarks/bench_throughput.py).
#
# With one GPU, ganzoo's own collectives (DDP's all-reduce, the stop flags, replicas_identical)
# do not run: a one-process job is one plain process in ganzoo, and NCCL refuses two ranks on
# one device. They need two GPUs: torchrun --standalone --nproc-per-node 2 -m ganzoo train ...
# Nothing in the test suite, the docs or the build depends on this script.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
OUT=$(mktemp -d "${TMPDIR:-/tmp}/gpu_check.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
# DCGAN on the bundled digits (no download, no data folder): short, but every path runs
TRAIN=(-m ganzoo train --model dcgan --loss nonsat --dataset digits --steps 300
       --batch-size 64 --log-every 100 -q)

BUDGET=470  # seconds for the whole script: every step's limit is cut to what is left of it

fail() { echo "gpu_check: FAILED: $*" >&2; exit 1; }
within() {  # within SECONDS: the smaller of SECONDS and what is left of the budget
  local left=$((BUDGET - SECONDS))
  ((left > 0)) || fail "out of its ${BUDGET}-second budget"
  echo $(($1 < left ? $1 : left))
}
quiet() {  # quiet LOG SECONDS COMMAND...: run within SECONDS, output in LOG (shown on failure)
  local log=$1 limit; limit=$(within "$2") || exit 1; shift 2
  timeout "$limit" "$@" >"$log" 2>&1 || { local code=$?; tail -n 20 "$log" >&2; return "$code"; }
}

# --- 0. the machine ---------------------------------------------------------------------
"$PY" - <<'EOF' || exit 1
import sys
try:
    import torch
    from ganzoo.host.plugins import get_registry
    get_registry().get("model", "dcgan")  # the first-party plugins are installed
except Exception as exc:
    sys.exit(f"gpu_check: FAILED: ganzoo is not installed in {sys.executable} "
             f"(pip install -e . plugins/*): {exc}")
if not torch.cuda.is_available():
    sys.exit(f"gpu_check: FAILED: no CUDA device here (torch {torch.__version__}, built for "
             f"CUDA {torch.version.cuda}); this script checks the GPU paths only")
p = torch.cuda.get_device_properties(0)
print(f"device: {p.name}, {p.total_memory / 2**30:.0f} GiB, compute capability "
      f"{p.major}.{p.minor}, {torch.cuda.device_count()} GPU(s); torch {torch.__version__}, "
      f"CUDA {torch.version.cuda}, NCCL {torch.cuda.nccl.version()}, "
      f"bf16 {torch.cuda.is_bf16_supported()}")
EOF

report() {  # report LABEL RUN [EXPECTED DEVICE]: one line of figures from a finished run
  "$PY" - "$@" <<'EOF'
import json, math, sys
label, run = sys.argv[1], sys.argv[2]
expected = sys.argv[3] if len(sys.argv) > 3 else "cuda"
config = json.load(open(f"{run}/config.json"))
summary = json.load(open(f"{run}/summary.json"))
device, final = config["resolved"]["device"], summary["final"]
if not device.startswith(expected):
    sys.exit(f"gpu_check: FAILED: {label}: trained on {device}, expected {expected}")
bad = sorted(k for k, v in final.items() if not math.isfinite(v))
if bad:
    sys.exit(f"gpu_check: FAILED: {label}: non-finite {', '.join(bad)}")
print(f"{label:24} {device:7} {summary['steps']} steps {summary['images_per_second']:9.0f} "
      f"images/s  {summary['seconds']:6.1f} s  d_loss {final['d_loss']:.3f}  "
      f"g_loss {final['g_loss']:.3f}  D(x) {final['d_real']:.2f}  D(G(z)) {final['d_fake']:.2f}")
EOF
}

train() {  # train LABEL SECONDS [OPTIONS]: ganzoo train into $OUT/LABEL, within SECONDS
  local label=$1 limit=$2; shift 2
  quiet "$OUT/$label.log" "$limit" "$PY" "${TRAIN[@]}" --out "$OUT/$label" "$@" \
    || fail "$label: ganzoo train exited $? (options: $*)"
}

# --- 1. device selection ----------------------------------------------------------------
train auto 120 --device auto && report "--device auto" "$OUT/auto"
train cuda0 120 --device cuda:0 && report "--device cuda:0" "$OUT/cuda0" cuda:0
bad=$("$PY" -m ganzoo train --model dcgan --device cuda:99 --out "$OUT/bad" 2>&1) && code=0 || code=$?
[[ $code == 2 && $(wc -l <<<"$bad") == 1 && ! -e $OUT/bad ]] \
  || fail "--device cuda:99: expected one line and exit 2, got exit $code: $bad"
echo "--device cuda:99          refused in one line (exit 2): $bad"

# --- 2. mixed precision -----------------------------------------------------------------
train bf16 120 --amp bf16 && report "--amp bf16" "$OUT/bf16"
train fp16 120 --amp fp16 && report "--amp fp16" "$OUT/fp16"
"$PY" - "$OUT/fp16" <<'EOF'
import sys
from ganzoo.runs.rundir import RunDir
scaler = RunDir(sys.argv[1]).load_checkpoint()["trainer"]["scaler"]
if not scaler or "scale" not in scaler:
    sys.exit(f"gpu_check: FAILED: --amp fp16: no gradient-scaler state in the checkpoint: {scaler}")
print(f"--amp fp16 scaler         scale {float(scaler['scale']):.0f}, growth tracker "
      f"{int(scaler.get('_growth_tracker', 0))} (saved in every checkpoint)")
EOF

# --- 3. torch.compile -------------------------------------------------------------------
train compile 300 --compile && report "--compile" "$OUT/compile"

# --- 4. torchrun, one process -----------------------------------------------------------
quiet "$OUT/torchrun.log" 120 "$PY" -m torch.distributed.run --standalone --nproc-per-node 1 \
    "${TRAIN[@]}" --out "$OUT/torchrun" || fail "torchrun --nproc-per-node 1: exited $?"
report "torchrun, 1 process" "$OUT/torchrun"
cat > "$OUT/nccl.py" <<'EOF'
import os, time
import torch
import torch.distributed as dist
from torch import nn
from ganzoo.host.build import create_model, load_dataset

rank = int(os.environ["LOCAL_RANK"])
device = torch.device("cuda", rank)
torch.cuda.set_device(device)
dist.init_process_group("nccl", device_id=device)
data = load_dataset("digits", None)
model = create_model("dcgan", data.info, None, {}).to(device)
ddp = nn.parallel.DistributedDataParallel(model.discriminator, device_ids=[rank])
x = torch.randn(64, *data.info.shape, device=device)
ddp(x).mean().backward()  # DDP's all-reduce of D's gradients, through NCCL
flat = torch.ones(2**24, device=device)
torch.cuda.synchronize()
start = time.perf_counter()
for _ in range(10):
    dist.all_reduce(flat)
torch.cuda.synchronize()
seconds = (time.perf_counter() - start) / 10
assert torch.all(flat == 1), "a one-rank all-reduce changed its input"
dist.barrier()
dist.destroy_process_group()
print(f"NCCL, 1 rank              DDP step on ganzoo's DCGAN D ok; all-reduce of 64 MiB "
      f"{seconds * 1e3:.2f} ms; NCCL {torch.cuda.nccl.version()}")
EOF
quiet "$OUT/nccl.log" 120 "$PY" -m torch.distributed.run --standalone --nproc-per-node 1 \
    "$OUT/nccl.py" || fail "a one-rank NCCL group: exited $?"
grep '^NCCL' "$OUT/nccl.log"

# --- 5. DCGAN images/s: ganzoo against the hand-written loop -----------------------------
limit=$(within 240) || exit 1
timeout "$limit" "$PY" benchmarks/bench_throughput.py --device cuda --models dcgan --steps 300 \
    --repeats 2 >"$OUT/throughput.json" 2>"$OUT/throughput.log" \
  || { code=$?; tail -n 20 "$OUT/throughput.log" >&2; fail "bench_throughput.py exited $code"; }
"$PY" - "$OUT/throughput.json" <<'EOF'
import json, sys
figures = json.load(open(sys.argv[1]))
for row in figures["rows"]:
    print(f"DCGAN batch {row['batch']:<4} on {figures['dataset']:6} ganzoo "
          f"{row['ganzoo_images_per_s']:8.0f} images/s, plain loop "
          f"{row['plain_images_per_s']:8.0f} images/s, ganzoo/plain {row['ratio']:.2f}")
EOF
echo "gpu_check: all steps passed"

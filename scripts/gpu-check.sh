#!/usr/bin/env bash
# Measures Aoun on an NVIDIA GPU against the CPU of the same machine, in one go of a few minutes:
# `aoun bench llm`, `aoun bench turn` and `aoun bench session`, each with `--device cuda` and with
# `--device cpu`, and writes one JSON file with both: tokens per second, each stage's median and
# p95, what each engine really ran on, and the GPU's peak memory (nvidia-smi, sampled every 200 ms
# during the CUDA runs). Runs offline.
#
# Usage: scripts/gpu-check.sh [--aoun PATH] [--models DIR] [--out FILE]
#                             [--repeats N] [--turns N] [--session-turns N]
#   --aoun PATH         the aoun program (default: `aoun` on PATH, else target/release/aoun)
#   --models DIR        the models folder (default: $AOUN_MODELS_DIR, else aoun's default folder)
#   --out FILE          the JSON written (default: gpu-check.json)
#   --repeats N         runs of `bench llm` (default 3)
#   --turns N           turns of `bench turn` (default 6)
#   --session-turns N   spoken questions of `bench session` (default 5; played in real time)
#
# A CUDA build is made with `cargo build --release -p aoun-cli --features cuda` (README, "GPU").
# Without nvidia-smi, or when it finds no GPU, the script says so in one line, skips the CUDA runs
# and writes the CPU figures; on a CPU build with a GPU present, the CUDA runs fail with aoun's own
# sentence, which the JSON keeps under `summary.errors`.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
aoun=""
models=""
out="gpu-check.json"
repeats=3
turns=6
session_turns=5
bench_timeout=240 # seconds a single bench may take before it is stopped

say() { printf 'gpu-check: %s\n' "$*" >&2; }
die() { printf 'gpu-check: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '8,15s/^# \{0,1\}//p' "$0"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --aoun | --models | --out | --repeats | --turns | --session-turns)
      [ $# -ge 2 ] || die "$1 needs a value; see --help."
      case "$1" in
        --aoun) aoun="$2" ;;
        --models) models="$2" ;;
        --out) out="$2" ;;
        --repeats) repeats="$2" ;;
        --turns) turns="$2" ;;
        --session-turns) session_turns="$2" ;;
      esac
      shift 2
      ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option $1; see --help." ;;
  esac
done
for n in "$repeats" "$turns" "$session_turns"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "--repeats, --turns and --session-turns take a whole number of 1 or more, not '$n'."
done

# The program.
if [ -z "$aoun" ]; then
  if command -v aoun >/dev/null 2>&1; then
    aoun="$(command -v aoun)"
  elif [ -x "$repo/target/release/aoun" ]; then
    aoun="$repo/target/release/aoun"
  else
    die "no aoun program found (not on PATH, no target/release/aoun); build it or pass --aoun PATH."
  fi
elif [[ "$aoun" != */* ]] && command -v "$aoun" >/dev/null 2>&1; then
  aoun="$(command -v "$aoun")"
fi
[ -f "$aoun" ] && [ -x "$aoun" ] || die "the aoun program $aoun does not exist or cannot be run; pass --aoun PATH."
aoun="$(cd "$(dirname "$aoun")" && pwd)/$(basename "$aoun")"

# The tool that reads and writes JSON.
json_tool="${GPU_CHECK_JSON_TOOL:-}"
if [ -z "$json_tool" ]; then
  if command -v python3 >/dev/null 2>&1; then json_tool=python3
  elif command -v jq >/dev/null 2>&1; then json_tool=jq
  else die "python3 or jq is needed to write the JSON; install one of them."
  fi
fi
case "$json_tool" in
  python3 | jq) command -v "$json_tool" >/dev/null 2>&1 || die "$json_tool is not installed." ;;
  *) die "GPU_CHECK_JSON_TOOL must be python3 or jq." ;;
esac

# Where the JSON goes: checked before minutes of measuring.
out_dir="$(dirname "$out")"
[ -d "$out_dir" ] && [ -w "$out_dir" ] || die "cannot write $out: its folder $out_dir does not exist or is read-only."

work="$(mktemp -d "${TMPDIR:-/tmp}/gpu-check.XXXXXX")"
sampler=""
cleanup() {
  if [ -n "$sampler" ]; then kill "$sampler" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

models_args=()
if [ -n "$models" ]; then
  [ -d "$models" ] || die "the models folder $models does not exist; install the models with \`aoun models fetch --models-dir $models\` or pass --models DIR."
  models="$(cd "$models" && pwd)"
  models_args=(--models-dir "$models")
fi

start_ns=$(date +%s%N)
started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
elapsed() { echo $((($(date +%s%N) - $1) / 1000000)); } # milliseconds since $1 (ns)

# The models the three benches load.
say "checking the models with $aoun"
if ! "$aoun" --json "${models_args[@]}" models status >"$work/models.json" 2>"$work/models.err"; then
  message=$(sed -n 's/^{"error":"\(.*\)"}$/\1/p' "$work/models.json" | head -1)
  [ -n "$message" ] || message=$(grep -v '^[[:space:]]*$' "$work/models.err" | tail -1 || true)
  die "aoun cannot open the models folder: ${message:-no reason given}."
fi
needed=(whisper-base smollm2-135m-instruct silero-vad)
case "$json_tool" in
  python3)
    missing=$(python3 - "$work/models.json" "${needed[@]}" <<'PY'
import json, sys
status = json.load(open(sys.argv[1]))
states = {m["id"]: m["state"] for m in status.get("models", [])}
print(" ".join(i for i in sys.argv[2:] if states.get(i) not in ("Installed", "Unverified")))
PY
)
    models_dir=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("models_dir",""))' "$work/models.json")
    ;;
  jq)
    missing=$(jq -r '(reduce (.models // [])[] as $m ({}; .[$m.id] = $m.state)) as $s
      | [$ARGS.positional[] | select(($s[.] // "") as $v | ($v != "Installed" and $v != "Unverified"))] | join(" ")' \
      "$work/models.json" --args "${needed[@]}")
    models_dir=$(jq -r '.models_dir // ""' "$work/models.json")
    ;;
esac
[ -z "$missing" ] || die "models missing or damaged in $models_dir: $missing; install them with \`aoun models fetch\` (add --models-dir DIR for another folder) or pass --models DIR."

# The sample questions of this repository, so that a program built elsewhere finds them.
wav_args=()
for wav in "$repo"/assets/samples/*.wav; do
  [ -f "$wav" ] && wav_args+=(--wav "$wav")
done

# `bench llm` takes --device only in builds that have it.
llm_device=0
if "$aoun" bench llm --help 2>/dev/null | grep -q -- '--device'; then llm_device=1; fi

# The GPU.
gpu=0
gpu_reason=""
if ! command -v nvidia-smi >/dev/null 2>&1; then
  gpu_reason="nvidia-smi is not installed"
elif ! nvidia-smi --query-gpu=index,name,driver_version,memory.total,memory.used \
  --format=csv,noheader,nounits >"$work/gpu.csv" 2>"$work/gpu.err"; then
  gpu_reason="nvidia-smi failed: $(cat "$work/gpu.err" "$work/gpu.csv" | grep -v '^[[:space:]]*$' | tail -1 | sed 's/[.[:space:]]*$//')"
elif [ ! -s "$work/gpu.csv" ]; then
  gpu_reason="nvidia-smi lists no GPU"
else
  gpu=1
  nvidia-smi 2>/dev/null | sed -n 's/.*CUDA Version: *\([0-9.]*\).*/\1/p' | head -1 >"$work/cuda-version" || true
fi
touch "$work/gpu.csv" "$work/cuda-version"
if [ "$gpu" = 1 ]; then
  say "GPU: $(cut -d, -f2 "$work/gpu.csv" | sed 's/^ *//' | paste -sd, -) (driver $(cut -d, -f3 "$work/gpu.csv" | head -1 | tr -d ' '))"
  devices=(cuda cpu)
else
  say "no NVIDIA GPU here ($gpu_reason): skipping the CUDA runs, measuring the CPU only."
  devices=(cpu)
fi

limit=()
if command -v timeout >/dev/null 2>&1; then limit=(timeout "$bench_timeout"); fi

# One bench on one device: its JSON on stdout, its messages on stderr, its exit code, its time,
# and on the GPU the memory nvidia-smi saw every 200 ms while it ran.
run_bench() {
  local device="$1" name="$2"
  shift 2
  local base="$work/$device-$name" rc=0 t0 ms message
  local device_args=(--device "$device")
  if [ "$name" = llm ] && [ "$llm_device" = 0 ]; then device_args=(); fi
  : >"$base.mem"
  if [ "$device" = cuda ] && [ "$gpu" = 1 ]; then
    nvidia-smi --query-gpu=index,memory.used --format=csv,noheader,nounits -lms 200 \
      >"$base.mem" 2>/dev/null &
    sampler=$!
  fi
  local extra=()
  if [ "$name" = turn ] && [ "${#wav_args[@]}" -gt 0 ]; then extra=("${wav_args[@]}"); fi
  say "$device: aoun bench $name ${device_args[*]:+${device_args[*]} }$*${extra[*]:+ (the $((${#extra[@]} / 2)) sample questions)}"
  t0=$(date +%s%N)
  "${limit[@]}" "$aoun" --json "${models_args[@]}" bench "$name" "${device_args[@]}" "$@" "${extra[@]}" \
    >"$base.json" 2>"$base.err" </dev/null || rc=$?
  ms=$(elapsed "$t0")
  sed -i 's/\x1b\[[0-9;]*m//g' "$base.err" # the log's colours
  if [ -n "$sampler" ]; then
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    sampler=""
  fi
  echo "$rc" >"$base.rc"
  echo "$ms" >"$base.ms"
  if [ "$rc" = 0 ]; then
    say "$device: bench $name done in $((ms / 1000)) s"
  else
    if [ "$rc" = 124 ]; then
      message="stopped after $bench_timeout s"
    else
      message=$(sed -n 's/^{"error":"\(.*\)"}$/\1/p' "$base.json" | head -1)
      [ -n "$message" ] || message=$(grep -v '^[[:space:]]*$' "$base.err" | tail -1 || true)
      [ -n "$message" ] || message="exit code $rc"
    fi
    say "$device: bench $name failed after $((ms / 1000)) s: $message"
  fi
}

for device in "${devices[@]}"; do
  if [ "$llm_device" = 0 ] && [ "$device" = cuda ]; then
    say "cuda: bench llm skipped: this aoun's bench llm has no --device option (it runs once, on the CPU)"
  else
    run_bench "$device" llm --repeats "$repeats"
  fi
  run_bench "$device" turn --turns "$turns"
  run_bench "$device" session --turns "$session_turns"
done

total_ms=$(elapsed "$start_ns")
export GC_WORK="$work" GC_GPU="$gpu" GC_GPU_REASON="$gpu_reason" GC_STARTED="$started_at" \
  GC_TOTAL_MS="$total_ms" GC_LLM_DEVICE="$llm_device" GC_REPEATS="$repeats" GC_TURNS="$turns" \
  GC_SESSION_TURNS="$session_turns" GC_TIMEOUT="$bench_timeout" GC_MODELS_DIR="$models_dir" \
  GC_OS="$(uname -srm)" GC_CORES="$(nproc 2>/dev/null || echo 0)" \
  GC_CPU="$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo 2>/dev/null | head -1)" \
  GC_MEM_KIB="$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo 2>/dev/null | head -1)" \
  GC_AOUN_VERSION="$("$aoun" --version 2>/dev/null || echo unknown)"
for device in cuda cpu; do
  for name in llm turn session; do
    for ext in json err rc ms mem; do
      [ -e "$work/$device-$name.$ext" ] || : >"$work/$device-$name.$ext"
    done
  done
done

say "writing $out"
case "$json_tool" in
  python3)
    python3 - "$out.tmp" <<'PY'
import json, math, os, sys

env = os.environ
work = env["GC_WORK"]
gpu_present = env["GC_GPU"] == "1"
llm_has_device = env["GC_LLM_DEVICE"] == "1"


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def r2(x):
    return math.floor(x * 100 + 0.5) / 100


def memory(path):
    """Highest memory.used per GPU index in an nvidia-smi CSV (index, MiB)."""
    peak = {}
    for line in read(path).splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) >= 2 and parts[-1].isdigit():
            peak[parts[0]] = max(peak.get(parts[0], 0), int(parts[-1]))
    return peak


def bench(device, name):
    base = os.path.join(work, f"{device}-{name}")
    rc_text = read(base + ".rc").strip()
    if not rc_text:
        return None, None
    rc = int(rc_text)
    try:
        value = json.loads(read(base + ".json"))
    except ValueError:
        value = None
    if rc == 0 and isinstance(value, dict):
        return value, None
    if rc == 124:
        error = f"stopped after {env['GC_TIMEOUT']} s"
    elif isinstance(value, dict) and value.get("error"):
        error = value["error"]
    else:
        lines = [l for l in read(base + ".err").splitlines() if l.strip()]
        error = lines[-1] if lines else f"exit code {rc}"
    stderr = [l for l in read(base + ".err").splitlines() if l.strip()][-5:]
    return {"error": error, "exit_code": rc, "stderr_tail": stderr}, error


gpus = []
for line in read(os.path.join(work, "gpu.csv")).splitlines():
    parts = [p.strip() for p in line.split(",")]
    if len(parts) >= 5:
        num = lambda s: int(s) if s.isdigit() else None
        gpus.append({"index": num(parts[0]), "name": parts[1], "driver": parts[2],
                     "memory_total_mib": num(parts[3]), "memory_used_at_start_mib": num(parts[4])})
idle = {str(g["index"]): g["memory_used_at_start_mib"] for g in gpus}
gpu = None
if gpu_present and gpus:
    gpu = {"name": gpus[0]["name"], "driver": gpus[0]["driver"],
           "cuda_version": read(os.path.join(work, "cuda-version")).strip() or None,
           "memory_total_mib": gpus[0]["memory_total_mib"], "count": len(gpus), "gpus": gpus}

devices = ["cuda", "cpu"] if gpu_present else ["cpu"]
notes, errors = [], {}
if not gpu_present:
    notes.append(f"no NVIDIA GPU ({env['GC_GPU_REASON']}): the CUDA runs were skipped")
if not llm_has_device:
    notes.append("this aoun's bench llm has no --device option and loads its model on the CPU: "
                 "it ran once, without --device, and its figures are under cpu")
sections = {}
for device in devices:
    section = {}
    wall = {}
    gpu_memory = {"idle_mib": idle} if device == "cuda" else None
    for name in ("llm", "turn", "session"):
        value, error = bench(device, name)
        section[name] = value
        if error:
            errors[f"{device}.{name}"] = error
        ms = read(os.path.join(work, f"{device}-{name}.ms")).strip()
        wall[name] = r2(int(ms) / 1000) if ms else None
        if gpu_memory is not None and value is not None and not error:
            peak = memory(os.path.join(work, f"{device}-{name}.mem"))
            gpu_memory[name] = {"peak_mib": peak, "above_idle_mib": {
                i: v - idle[i] for i, v in peak.items() if idle.get(i) is not None}}
    section["wall_seconds"] = wall
    if gpu_memory is not None:
        section["gpu_memory"] = gpu_memory
    sections[device] = section


def rate(device, which):
    llm = sections[device].get("llm") or {}
    stats = (llm.get("aoun_candle") or {}).get(which)
    return {"median": stats["median"], "p95": stats["p95"]} if isinstance(stats, dict) else None


def stages(device, name):
    value = sections[device].get(name) or {}
    table = value.get("stages" if name == "turn" else "aoun") or {}
    return {k: {"median": v["median"], "p95": v["p95"], "n": v.get("n")}
            for k, v in table.items() if isinstance(v, dict)}


def stage_table(name):
    per_device = {d: stages(d, name) for d in devices}
    names = sorted({k for table in per_device.values() for k in table})
    rows = {}
    for stage in names:
        row = {d: per_device[d].get(stage) for d in devices}
        cuda, cpu = row.get("cuda"), row.get("cpu")
        if cuda and cpu and cpu["median"]:
            row["cuda_over_cpu_median"] = r2(cuda["median"] / cpu["median"])
        rows[stage] = row
    return rows


def ran_on(device):
    found = {}
    for name in ("llm", "turn", "session"):
        value = sections[device].get(name)
        if value is None or "error" in value:
            found[name] = None
        elif "devices" in value:
            found[name] = value["devices"]
        elif "device" in value:
            found[name] = value["device"]
        elif name == "llm" and not llm_has_device:
            found[name] = {"language_model": "cpu (not reported; this bench llm has no --device)"}
        else:
            found[name] = None
            notes.append(f"bench {name} does not say which device each engine ran on")
    return found


llm_devices = devices if llm_has_device else ["cpu"]
summary = {
    "devices_compared": devices,
    "gpu": gpu["name"] if gpu else f"none ({env['GC_GPU_REASON']})",
    "llm_tok_s": {d: {"prompt": rate(d, "prompt_tok_s"), "generation": rate(d, "gen_tok_s")}
                  for d in llm_devices},
    "turn_ms": stage_table("turn"),
    "session_ms": stage_table("session"),
    "ran_on": {d: ran_on(d) for d in devices},
}
fell_back = []
for d in devices:
    if d == "cpu":
        continue
    for name, found in summary["ran_on"][d].items():
        if isinstance(found, dict):
            for engine, where in found.items():
                if where is not None and str(where).startswith("cpu"):
                    fell_back.append(f"{name}: {engine}")
summary["asked_for_cuda_but_ran_on_cpu"] = fell_back if "cuda" in devices else None
if "cuda" in devices:
    peaks = [(i, v) for name in ("llm", "turn", "session")
             for i, v in ((sections["cuda"]["gpu_memory"].get(name) or {}).get("peak_mib") or {}).items()]
    if peaks:
        index, peak = max(peaks, key=lambda p: p[1])
        summary["peak_gpu_memory_mib"] = {"gpu_index": int(index), "peak": peak,
                                          "idle": idle.get(index),
                                          "above_idle": peak - idle[index] if idle.get(index) is not None else None}
    else:
        summary["peak_gpu_memory_mib"] = None
    notes.append("GPU memory is nvidia-smi's memory.used for the whole card, sampled every 200 ms; "
                 "above_idle subtracts what was in use when the script started")
else:
    summary["peak_gpu_memory_mib"] = None
summary["errors"] = errors
summary["notes"] = list(dict.fromkeys(notes))

mem_kib = env.get("GC_MEM_KIB", "")
result = {
    "started_at": env["GC_STARTED"],
    "seconds": r2(int(env["GC_TOTAL_MS"]) / 1000),
    "machine": {
        "os": env["GC_OS"],
        "cpu": env["GC_CPU"] or None,
        "cores": int(env["GC_CORES"]) or None,
        "memory_mib": int(mem_kib) // 1024 if mem_kib.isdigit() else None,
        "aoun": env["GC_AOUN_VERSION"],
        "models_dir": env["GC_MODELS_DIR"] or None,
    },
    "settings": {"llm_repeats": int(env["GC_REPEATS"]), "turn_turns": int(env["GC_TURNS"]),
                 "session_turns": int(env["GC_SESSION_TURNS"]),
                 "bench_timeout_s": int(env["GC_TIMEOUT"])},
    "gpu": gpu,
    "cuda": sections.get("cuda"),
    "cpu": sections["cpu"],
    "summary": summary,
}
with open(sys.argv[1], "w", encoding="utf-8") as f:
    json.dump(result, f, indent=2, ensure_ascii=False)
    f.write("\n")
PY
    ;;
  jq)
    jq_args=(-n --arg gpu_present "$gpu" --arg gpu_reason "$gpu_reason" --arg llm_has_device "$llm_device"
      --rawfile gpu_csv "$work/gpu.csv" --rawfile cuda_version "$work/cuda-version")
    for device in cuda cpu; do
      for name in llm turn session; do
        for ext in json err rc ms mem; do
          jq_args+=(--rawfile "${device}_${name}_${ext}" "$work/$device-$name.$ext")
        done
      done
    done
    jq "${jq_args[@]}" '
      def r2: (. * 100 + 0.5 | floor) / 100;
      def lines: split("\n") | map(select(test("\\S")));
      def csv: lines | map(split(",") | map(gsub("^\\s+|\\s+$"; "")));
      def num: if test("^[0-9]+$") then tonumber else null end;
      def raw($d; $n; $e): $ARGS.named["\($d)_\($n)_\($e)"];
      def memory: csv | map(select(length >= 2 and (.[-1] | test("^[0-9]+$"))))
        | reduce .[] as $r ({}; .[$r[0]] = ([(.[$r[0]] // 0), ($r[-1] | tonumber)] | max));
      def bench($d; $n):
        (raw($d; $n; "rc") | gsub("\\s"; "")) as $rc
        | if $rc == "" then {value: null, error: null}
          else (raw($d; $n; "json") | try fromjson catch null) as $v
          | (raw($d; $n; "err") | lines) as $err
          | if $rc == "0" and ($v | type) == "object" then {value: $v, error: null}
            else (if $rc == "124" then "stopped after \(env.GC_TIMEOUT) s"
                  elif ($v | type) == "object" and $v.error then $v.error
                  elif ($err | length) > 0 then $err[-1]
                  else "exit code \($rc)" end) as $e
            | {value: {error: $e, exit_code: ($rc | tonumber), stderr_tail: $err[-5:]}, error: $e}
            end
          end;
      ($gpu_present == "1") as $has_gpu
      | ($llm_has_device == "1") as $llm_dev
      | ($gpu_csv | csv | map(select(length >= 5))
         | map({index: (.[0] | num), name: .[1], driver: .[2], memory_total_mib: (.[3] | num),
                memory_used_at_start_mib: (.[4] | num)})) as $gpus
      | (reduce $gpus[] as $g ({}; .["\($g.index)"] = $g.memory_used_at_start_mib)) as $idle
      | (if $has_gpu and ($gpus | length) > 0 then
           {name: $gpus[0].name, driver: $gpus[0].driver,
            cuda_version: ($cuda_version | gsub("\\s"; "") | if . == "" then null else . end),
            memory_total_mib: $gpus[0].memory_total_mib, count: ($gpus | length), gpus: $gpus}
         else null end) as $gpu
      | (if $has_gpu then ["cuda", "cpu"] else ["cpu"] end) as $devices
      | (reduce $devices[] as $d ({}; .[$d] =
          (reduce ("llm", "turn", "session") as $n ({section: {}, wall: {}, mem: {idle_mib: $idle}, errors: {}};
             bench($d; $n) as $b
             | .section[$n] = $b.value
             | (if $b.error then .errors["\($d).\($n)"] = $b.error else . end)
             | .wall[$n] = (raw($d; $n; "ms") | gsub("\\s"; "") | if . == "" then null else (tonumber / 1000 | r2) end)
             | (if $d == "cuda" and $b.value != null and $b.error == null then
                  (raw($d; $n; "mem") | memory) as $peak
                  | .mem[$n] = {peak_mib: $peak, above_idle_mib: ($peak | with_entries(select($idle[.key] != null) | .value -= $idle[.key]))}
                else . end))
           | .section.wall_seconds = .wall
           | (if $d == "cuda" then .section.gpu_memory = .mem else . end)))) as $runs
      | ($runs | map_values(.section)) as $sections
      | ([$runs[] | .errors] | add // {}) as $errors
      | def rate($d; $w): ($sections[$d].llm.aoun_candle[$w]?) as $s
          | if ($s | type) == "object" then {median: $s.median, p95: $s.p95} else null end;
        def stages($d; $n): ($sections[$d][$n] // {}) as $v
          | (if $n == "turn" then $v.stages else $v.aoun end) // {}
          | with_entries(select(.value | type == "object") | .value |= {median, p95, n});
        def stage_table($n):
          (reduce $devices[] as $d ({}; .[$d] = stages($d; $n))) as $per
          | ([$per[] | keys[]] | unique) as $names
          | reduce $names[] as $s ({}; .[$s] =
              (reduce $devices[] as $d ({}; .[$d] = $per[$d][$s])
               | if .cuda and .cpu and (.cpu.median // 0) != 0
                 then .cuda_over_cpu_median = (.cuda.median / .cpu.median | r2) else . end));
        def ran_on($d): reduce ("llm", "turn", "session") as $n ({};
          ($sections[$d][$n]) as $v
          | .[$n] = (if $v == null or ($v | has("error")) then null
                     elif $v | has("devices") then $v.devices
                     elif $v | has("device") then $v.device
                     elif $n == "llm" and ($llm_dev | not) then {language_model: "cpu (not reported; this bench llm has no --device)"}
                     else null end));
        def unreported: [$devices[] as $d | ("llm", "turn", "session") as $n
          | ($sections[$d][$n]) as $v
          | select($v != null and ($v | has("error") | not) and ($v | has("devices") | not)
                   and ($v | has("device") | not) and ($n != "llm" or $llm_dev))
          | "bench \($n) does not say which device each engine ran on"];
        (reduce $devices[] as $d ({}; .[$d] = ran_on($d))) as $ran_on
      | ([("llm", "turn", "session") as $n | ($sections.cuda.gpu_memory[$n].peak_mib? // {}) | to_entries[]]
         | max_by(.value)) as $peak
      | {
          started_at: env.GC_STARTED,
          seconds: (env.GC_TOTAL_MS | tonumber / 1000 | r2),
          machine: {
            os: env.GC_OS,
            cpu: (if env.GC_CPU == "" then null else env.GC_CPU end),
            cores: (env.GC_CORES | tonumber | if . == 0 then null else . end),
            memory_mib: (env.GC_MEM_KIB | if test("^[0-9]+$") then tonumber / 1024 | floor else null end),
            aoun: env.GC_AOUN_VERSION,
            models_dir: (if env.GC_MODELS_DIR == "" then null else env.GC_MODELS_DIR end)
          },
          settings: {llm_repeats: (env.GC_REPEATS | tonumber), turn_turns: (env.GC_TURNS | tonumber),
                     session_turns: (env.GC_SESSION_TURNS | tonumber), bench_timeout_s: (env.GC_TIMEOUT | tonumber)},
          gpu: $gpu,
          cuda: $sections.cuda,
          cpu: $sections.cpu,
          summary: {
            devices_compared: $devices,
            gpu: (if $gpu then $gpu.name else "none (\($gpu_reason))" end),
            llm_tok_s: (reduce (if $llm_dev then $devices[] else "cpu" end) as $d ({};
              .[$d] = {prompt: rate($d; "prompt_tok_s"), generation: rate($d; "gen_tok_s")})),
            turn_ms: stage_table("turn"),
            session_ms: stage_table("session"),
            ran_on: $ran_on,
            asked_for_cuda_but_ran_on_cpu: (if $has_gpu then
              [$ran_on.cuda | to_entries[] | .key as $n | (.value | objects | to_entries[])
               | select(.value != null and (.value | tostring | startswith("cpu"))) | "\($n): \(.key)"]
              else null end),
            peak_gpu_memory_mib: (if $has_gpu and $peak != null then
              {gpu_index: ($peak.key | tonumber), peak: $peak.value, idle: $idle[$peak.key],
               above_idle: (if $idle[$peak.key] != null then $peak.value - $idle[$peak.key] else null end)}
              else null end),
            errors: $errors,
            notes: ([
              (if $has_gpu then empty else "no NVIDIA GPU (\($gpu_reason)): the CUDA runs were skipped" end),
              (if $llm_dev then empty else "this aoun'"'"'s bench llm has no --device option and loads its model on the CPU: it ran once, without --device, and its figures are under cpu" end),
              unreported[],
              (if $has_gpu then "GPU memory is nvidia-smi'"'"'s memory.used for the whole card, sampled every 200 ms; above_idle subtracts what was in use when the script started" else empty end)
            ] | reduce .[] as $x ([]; if index([$x]) then . else . + [$x] end))
          }
        }' >"$out.tmp"
    ;;
esac
mv "$out.tmp" "$out"

total_s=$((total_ms / 1000))
say "wrote $out ($total_s s of measuring)"
if [ "$total_s" -gt 300 ]; then
  say "the run took over 5 minutes; lower --turns, --session-turns or --repeats to shorten it."
fi

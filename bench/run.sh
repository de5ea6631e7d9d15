#!/usr/bin/env bash
# Side-by-side benchmark: AIMS's analytics engine and the Python peers on the same files.
#
#   bench/run.sh [ROWS ...]            # default 1000000; e.g. bench/run.sh 1000000 10000000
#
# For each row count: generates the credit data with ../shared/bench/gen_data.py (outside the repo),
# runs each AIMS check in its own process (release build of crates/aims-analytics/benches/analytics.rs,
# spec crates/aims-analytics/examples/credit.spec.toml), runs ../shared/bench/peers.py (one task per
# process) and prints a markdown table of times, peak RSS and ratios on stdout.
#
# Environment (all optional):
#   AIMS_PEERS_VENV    virtualenv for the peers (default /tmp/aims-peers-venv; created if missing)
#   AIMS_BENCH_WORK    data and peer results (default /tmp/aims-bench); never inside the repo
#   AIMS_PEER_TASKS    comma list of peers.py tasks (default: all of its default tasks)
#   AIMS_PEER_TIMEOUT  per-task limit in seconds (default 900)
#   AIMS_REUSE_PEERS=1 reuse peer results already in AIMS_BENCH_WORK (re-time AIMS only)
#   AIMS_SKIP_PEERS=1  AIMS only
# Progress goes to stderr; only the table goes to stdout.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
shared="$repo/../shared/bench"
venv="${AIMS_PEERS_VENV:-/tmp/aims-peers-venv}"
work="${AIMS_BENCH_WORK:-/tmp/aims-bench}"
tasks="${AIMS_PEER_TASKS:-fairlearn,numpy_fairness,aif360,evidently_drift,evidently_dq,pandas_dq,numpy_psi_ks,nannyml_drift,whylogs_drift}"
timeout="${AIMS_PEER_TIMEOUT:-900}"
spec="$repo/crates/aims-analytics/examples/credit.spec.toml"
rows_list=("$@")
[ ${#rows_list[@]} -eq 0 ] && rows_list=(1000000)
log() { echo "[bench] $*" >&2; }

case "$work" in "$repo"/*) echo "AIMS_BENCH_WORK must be outside the repo" >&2; exit 2 ;; esac
mkdir -p "$work"

# 1. The peers' virtualenv (outside the repo). A package that will not install is reported and
#    the others are installed one by one, so the remaining tasks still run.
failed_file="$work/pip-failed.txt"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import numpy, pyarrow" 2>/dev/null; then
  log "creating $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip >&2 || true
fi
if [ "${AIMS_SKIP_PEERS:-0}" != 1 ] && [ ! -f "$venv/.aims-peers-installed" ]; then
  log "installing the peers (pip install -r ../shared/bench/requirements-peers.txt)"
  : > "$failed_file"
  if ! "$venv/bin/pip" install -q -r "$shared/requirements-peers.txt" >&2; then
    log "installing all at once failed; one package at a time"
    grep -Ev '^\s*(#|$)' "$shared/requirements-peers.txt" | while read -r req; do
      "$venv/bin/pip" install -q "$req" >&2 || { log "could not install $req"; echo "$req" >> "$failed_file"; }
    done
  fi
  touch "$venv/.aims-peers-installed"
fi
py="$venv/bin/python"

# 2. The AIMS bench binary (release).
log "building the AIMS bench (release)"
cargo bench -p aims-analytics --bench analytics --no-run >&2
bench_bin="$(cargo bench -p aims-analytics --bench analytics --no-run --message-format=json 2>/dev/null \
  | "$py" -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("target", {}).get("name") == "analytics" and m.get("executable"):
        print(m["executable"])' | tail -1)"
[ -x "$bench_bin" ] || { echo "bench binary not found" >&2; exit 1; }

for rows in "${rows_list[@]}"; do
  data="$work/data"
  mkdir -p "$data"
  if [ ! -f "$data/cur_$rows.parquet" ] || [ ! -f "$data/ref_$rows.parquet" ]; then
    log "generating 2 x $rows rows into $data"
    "$py" "$shared/gen_data.py" --rows "$rows" --out "$data" --formats parquet >&2
  fi
  aims_out="$work/aims_$rows.txt"
  : > "$aims_out"
  # Each check in its own process, so each peak RSS is that check's alone.
  for check in decode-fairness fairness decode-drift drift decode-quality quality performance all; do
    log "AIMS $check at $rows rows"
    AIMS_BENCH_DATA="$data/cur_$rows.parquet" AIMS_BENCH_REFERENCE="$data/ref_$rows.parquet" \
      AIMS_BENCH_SPEC="$spec" AIMS_BENCH_CHECKS="$check" "$bench_bin" >> "$aims_out" 2>/dev/null \
      || echo "$check FAILED" >> "$aims_out"
  done
  results="$work/peers"
  if [ "${AIMS_SKIP_PEERS:-0}" != 1 ]; then
    if [ "${AIMS_REUSE_PEERS:-0}" = 1 ] && [ -s "$results/baseline_$rows.jsonl" ]; then
      log "reusing $results/baseline_$rows.jsonl"
    else
      mkdir -p "$results"
      rm -f "$results/baseline_$rows.jsonl"
      log "peers at $rows rows: $tasks (one process each, timeout ${timeout}s)"
      "$py" "$shared/peers.py" --rows "$rows" --data "$data" --results "$results" \
        --tasks "$tasks" --timeout "$timeout" >&2
    fi
  fi
  python3 "$repo/bench/table.py" --rows "$rows" --aims "$aims_out" \
    --peers "$results/baseline_$rows.jsonl" --pip-failed "$failed_file" \
    --loadavg "$(cut -d' ' -f1-3 /proc/loadavg)"
done

#!/usr/bin/env bash
# The measurement behind docs/bench.md's figures for `concord compare --fail-on-regression`: how
# often each gate fails two runs of one build (false alarms) and how often it fails a build with a
# planted 20% slowdown (catches), on the machine it runs on. It benches bench/gate-study-engine.mjs
# (an exec: engine) on p2p 1000 accounts x 1000 txs, SAME same-build runs and SLOW slowed ones
# interleaved (so a drift of the machine hits both), each once over Concord's sequential baseline
# (js-*.json) and once over the engine's own sequential mode (own-*.json); between them, PAIRED
# runs that time three builds in the same rounds (pair-*.json: `base`, `same`, a copy of it, and
# `slow`, slowed by 20%, over the engine's own sequential mode), for the gate over one file. Then
# dist/bench/gate-study.js compares every pair: each same-build file against every later one,
# every same-build file against every slowed one, groups of runs pooled a side, and within each
# paired file `same` and `slow` against `base`.
# Invariant: the files of one kind differ only in the planted slowdown; nothing is read from elsewhere.
# Usage: npm run build && bench/gate-study.sh OUT_DIR [ROUNDS (6)] [SAME (8)] [SLOW (6)] [PAIRED (10)]
# On a 2-core VM shared with other jobs (load average 3.5 to 10): about 20 minutes with 8 or 12
# rounds (14 x 2 runs and 10 paired runs), and 11 minutes for 10 paired runs alone with 20 rounds
# (`bench/gate-study.sh DIR 20 0 0 10`).
set -euo pipefail
if [ $# -lt 1 ]; then echo 'usage: bench/gate-study.sh OUT_DIR [ROUNDS] [SAME] [SLOW] [PAIRED]' >&2; exit 2; fi
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "$1" && cd "$1" && pwd)"
rounds="${2:-6}"; same="${3:-8}"; slow="${4:-6}"; paired="${5:-10}"
engine="exec:node $repo/bench/gate-study-engine.mjs"
workload=(--workload p2p --accounts 1000 --txs 1000 --rounds "$rounds")
cd "$repo"
runs=$((same + slow)); if [ "$paired" -gt "$runs" ]; then runs=$paired; fi
for i in $(seq 1 "$runs"); do
  if [ "$i" -le $((same + slow)) ]; then
    # Slowed runs every other run from the second, until SLOW of them.
    if [ $((i % 2)) = 0 ] && [ $((i / 2)) -le "$slow" ]; then f=0.2; tag="slow$i"; else f=0; tag="same$i"; fi
    GATE_STUDY_SLOW=$f node dist/cli/concord.js bench "${workload[@]}" --executor "$engine" --out "$out/js-$tag.json" >/dev/null
    GATE_STUDY_SLOW=$f node dist/cli/concord.js bench "${workload[@]}" --executor "$engine" --baseline "$engine --sequential" --out "$out/own-$tag.json" >/dev/null
    echo "gate-study: $tag done ($(cut -d' ' -f1-3 /proc/loadavg))" >&2
  fi
  if [ "$i" -le "$paired" ]; then
    node dist/cli/concord.js bench "${workload[@]}" --baseline "$engine --sequential" \
      --executor "$engine --name base" --executor "$engine --name same" --executor "$engine --name slow --slow 0.2" --out "$out/pair-$i.json" >/dev/null
    echo "gate-study: pair$i done ($(cut -d' ' -f1-3 /proc/loadavg))" >&2
  fi
done
cat /proc/loadavg > "$out/loadavg-end.txt"
node dist/bench/gate-study.js "$out"

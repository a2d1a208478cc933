#!/usr/bin/env bash
# Latency of the classroom's /api/ensemble (1,000 runs x 60 months by default), measured
# from outside the server over loopback with curl: JSON in, simulation, aggregation, JSON
# out. Not a test: prints the figures for docs/PERFORMANCE.md.
#
#   cargo build --release && bash benches/classroom_api.sh [RUNS] [MONTHS] [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1000}
months=${2:-60}
requests=${3:-30}
bin=${DYADSIM:-target/release/dyadsim}
out=$(mktemp)
"$bin" classroom --port 0 > "$out" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 50); do grep -q http "$out" && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$out")
body="{\"runs\": $runs, \"months\": $months, \"seed\": 7}"
# One warm-up request (first use of the rayon pool, page faults).
curl -sf -o /dev/null -X POST "${url}api/ensemble" -d "$body"
for i in $(seq "$requests"); do
    curl -sf -o /dev/null -w '%{time_total}\n' -X POST "${url}api/ensemble" -d "{\"runs\": $runs, \"months\": $months, \"seed\": $i}"
done | sort -n | awk -v n="$requests" -v r="$runs" -v m="$months" '
    { t[NR] = $1 * 1000 }
    END {
        printf "/api/ensemble %d runs x %d months, %d requests: min %.1f ms, median %.1f ms, 90th pct %.1f ms, max %.1f ms\n",
            r, m, n, t[1], t[int((n + 1) / 2)], t[int(0.9 * n + 0.5)], t[n]
    }'
size=$(curl -sf -X POST "${url}api/ensemble" -d "$body" | wc -c)
echo "response: $size bytes"

#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The leakbpf authors
#
# The README's fleet picture, from real scraped data (make bench calls this): the agent
# (`leakbpf -a --probe-every 0 -i 1`) watches two processes allocating at the same pace,
# one that leaks every block (tests/targets/drip) and one that frees each at once; a real
# Prometheus scrapes the agent every second; PromQL over its HTTP API gives the series,
# and gnuplot draws doc/fleet-scraped.png. Run time: about PLOT_S seconds.
set -u
cd "$(dirname "$0")/../.." || exit 1

PLOT_S=${PLOT_S:-120}
PORT=19480
PROM_PORT=19481
DRIP=.output/tests/targets/drip
OUT=doc/fleet-scraped.png
TMP=$(mktemp -d /tmp/leakbpf-plot.XXXXXX)
pids=()

cleanup() {
	[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT

for tool in prometheus gnuplot python3 curl; do
	command -v $tool >/dev/null || { echo "fleet-plot: $tool is missing" >&2; exit 1; }
done
[ -x "$DRIP" ] && [ -x ./leakbpf ] || { echo "fleet-plot: build first (make)" >&2; exit 1; }

./leakbpf -a --serve "127.0.0.1:$PORT" --probe-every 0 -i 1 > "$TMP/agent.out" 2> "$TMP/agent.err" &
pids+=($!)
cat > "$TMP/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: leakbpf
    static_configs:
      - targets: ['127.0.0.1:$PORT']
YML
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/data" \
	--web.listen-address="127.0.0.1:$PROM_PORT" > "$TMP/prom.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	curl -sf "127.0.0.1:$PORT/metrics" > /dev/null && break
	sleep 0.2
done

# the two processes: "go" once started; the agent probes each from its first look
start_drip() {	# name-of-the-fifo mode...
	mkfifo "$TMP/$1.in"
	"$DRIP" 512 "${@:2}" 3< "$TMP/$1.in" 4> /dev/null &
	pids+=($!)
	exec {fd}> "$TMP/$1.in"
	echo go >&$fd
}
start_drip leaker
start_drip clean free
began=$(date +%s)
sleep "$PLOT_S"
ended=$(date +%s)

# query_range, one TSV per series: seconds since the start, value
query() {	# file promql
	curl -s "127.0.0.1:$PROM_PORT/api/v1/query_range" --data-urlencode "query=$2" \
		--data-urlencode "start=$began" --data-urlencode "end=$ended" \
		--data-urlencode "step=2" > "$TMP/$1.json"
	python3 - "$TMP/$1.json" "$began" > "$TMP/$1.tsv" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["data"]["result"]
t0 = float(sys.argv[2])
for s in sorted(r, key=lambda s: s["metric"].get("pid", "")):
    print('"%s %s"' % (s["metric"].get("comm", ""), s["metric"].get("pid", "")))
    for t, v in s["values"]:
        print("%.0f\t%s" % (float(t) - t0, v))
    print("\n")
PY
}
query outstanding 'leakbpf_mallocs_total{comm="drip"} - leakbpf_frees_total{comm="drip"}'
query rss 'leakbpf_resident_bytes{comm="drip"} / 1048576'
query growth 'leakbpf_leak{comm="drip",check="growth_rate"}'
label() {	# the pid of the leaker or of the clean one
	echo "${pids[$1]}"
}
leaker=$(label 2)
gnuplot <<GP
set terminal pngcairo size 900,620 noenhanced font ",10"
set output "$OUT"
set multiplot layout 3,1 title "leakbpf -a, scraped by Prometheus every second: drip $leaker leaks 512 B a millisecond, the other frees each block (PromQL, $(date -u +%Y-%m-%d))"
set key top left
set xlabel "seconds"
set ylabel "mallocs - frees"
plot for [i=0:1] "$TMP/outstanding.tsv" index i using 1:2 with lines lw 2 title columnheader(1)
set ylabel "resident MiB"
plot for [i=0:1] "$TMP/rss.tsv" index i using 1:2 with lines lw 2 title columnheader(1)
set ylabel "leak{growth_rate}"
set yrange [-0.1:1.1]
plot for [i=0:1] "$TMP/growth.tsv" index i using 1:2 with steps lw 2 title columnheader(1)
unset multiplot
GP
echo "fleet-plot: wrote $OUT (leaker PID $leaker)" >&2

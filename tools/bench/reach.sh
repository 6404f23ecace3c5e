#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The leakbpf authors
#
# The reachability scan's pause (make bench calls this): `leakbpf --json -- bigheap 1024 16`,
# a program with 1 GiB of reachable heap in 64 KiB blocks and 16 lost ones, scanned when
# it exits; three runs, medians of the scan's pause and of the bytes it read (the report's
# memory.reachability.scan). Writes .output/bench/reach.md.
set -u
cd "$(dirname "$0")/../.." || exit 1
OUT=.output/bench
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
: > "$TMP/res"
for r in 1 2 3; do
	./leakbpf --json -- "$OUT/bigheap" 1024 16 > "$TMP/out" 2> /dev/null
	python3 - "$TMP/out" >> "$TMP/res" <<'PY' || exit 1
import json, sys
p = json.loads(open(sys.argv[1]).read().splitlines()[-1])["processes"][0]
r = p["memory"]["reachability"]
print(r["scan"]["pause_ms"], r["scan"]["bytes_read"], r["direct"]["objects"],
      r["reachable"]["objects"])
PY
done
python3 - "$TMP/res" > "$OUT/reach.md" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
pause = statistics.median(float(r[0]) for r in rows)
read = statistics.median(int(r[1]) for r in rows)
exact = all(r[2] == "16" and r[3] == "16385" for r in rows)
print("\n## The reachability scan's pause\n")
print("tools/bench/reach.sh: `leakbpf --json -- bigheap 1024 16`, a program with 1 GiB of")
print("reachable heap in 64 KiB blocks (every page written) and 16 lost blocks, scanned at")
print("its exit (held there), medians of %d runs: how long the process stood still, and how" % len(rows))
print("much of its memory the scan read (it stops at 4 GiB and then draws no verdict).\n")
print("| heap | scan pause | memory read | direct leaks found (16 lost) |")
print("|---|---:|---:|---|")
print("| 1 GiB + 16 x 64 KiB | %.0f ms | %.2f GiB | %s |" % (pause, read / 2**30,
      "16, and 16,385 reachable (the blocks and the array), in every run" if exact else "NOT EXACT"))
PY
cat "$OUT/reach.md"

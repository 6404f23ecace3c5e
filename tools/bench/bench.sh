#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The leakbpf authors
#
# The overhead benchmark (`make bench`): what tracing costs the target, per configuration.
#
#   tools/bench/bench.sh [--smoke] [--rounds N] [--pairs N] [--configs 'C...']
#                        [--workloads 'W...'] [--report-only] [--results-only]
#
# Workloads: the malloc/free microbenchmark (1 and 4 threads, sizes 16..1024) and redis
# under redis-benchmark on loopback. Configurations: untraced (base); the floor, i.e. empty
# BPF programs at exactly leakbpf's probe sites (tools/floor: entry probes only for counts
# mode, entries and returns for the others); leakbpf in each mode and with -s 100; and a
# bpftrace script doing what full mode does. The configurations run interleaved, round
# after round, so that the machine's drift (2 shared cores) hits them alike; each value is
# the median over the rounds. Ratios are (mode - base) / (floor - base) from this one run.
#
# Prints the table and writes BENCHMARKS.md and benchmarks.png (gnuplot), with a section on
# the fleet agent at 500 processes (tools/bench/fleet.sh). --smoke: one
# round of a small microbenchmark, no redis, no bpftrace, nothing written but
# .output/bench/smoke.txt (the test suite checks that it runs and loses no event).
# --results-only: the rounds' raw results in .output/bench/results.tsv, no report (what
# make vmtest --bench runs inside a guest). If .output/bench/results-guest.tsv holds such a
# guest's results, BENCHMARKS.md shows them as a second set of tables.
set -u
cd "$(dirname "$0")/../.." || exit 1

OUT=.output/bench
ROUNDS=5
SMOKE=0
ONLY_CONFIGS=
ONLY_WORKLOADS=
REPORT_ONLY=0	# --report-only: rewrite BENCHMARKS.md from the last run's results
RESULTS_ONLY=0
PAIRS=
while [ $# -gt 0 ]; do
	case "$1" in
	--smoke) SMOKE=1 ;;
	--rounds) ROUNDS=$2; shift ;;
	--pairs) PAIRS=$2; shift ;;
	--report-only) REPORT_ONLY=1 ;;
	--results-only) RESULTS_ONLY=1 ;;
	--configs) ONLY_CONFIGS=$2; shift ;;
	--workloads) ONLY_WORKLOADS=$2; shift ;;
	*) echo "usage: $0 [--smoke] [--rounds N] [--pairs N] [--configs 'C...']" \
		"[--workloads 'W...'] [--report-only] [--results-only]" >&2
	   exit 2 ;;
	esac
	shift
done
if [ "$(id -u)" -ne 0 ]; then
	echo "bench: attaching BPF programs needs root" >&2
	exit 1
fi
for f in ./leakbpf $OUT/floor $OUT/mallocbench $OUT/deepbench $OUT/syscallbench; do
	[ -x "$f" ] || { echo "bench: $f is missing: run 'make bench-bins'" >&2; exit 1; }
done

RES=$OUT/results.tsv	# workload config round ns_per_op lost cpu_s rss_kib
# the test suite's smoke pass must not clobber a real run's results
[ $SMOKE = 1 ] && RES=$OUT/smoke-results.tsv
[ $REPORT_ONLY = 1 ] || : > "$RES"
TMP=$(mktemp -d "$PWD/$OUT/run.XXXXXX")
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"' EXIT

if [ $SMOKE = 1 ]; then
	ROUNDS=1
	PAIRS=${PAIRS:-20000}
	WORKLOADS="mb1"
	CONFIGS="base floor-counts floor-uprobes floor counts stacks full stacks-s100"
else
	PAIRS=${PAIRS:-200000}
	WORKLOADS="mb1 mb4 deep redis"
	CONFIGS="base floor-counts floor-uprobes floor counts stacks full stacks-s100 bpftrace"
	command -v bpftrace >/dev/null || CONFIGS=${CONFIGS% bpftrace}
	command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null ||
		WORKLOADS="mb1 mb4 deep"
fi
CONFIGS=${ONLY_CONFIGS:-$CONFIGS}
WORKLOADS=${ONLY_WORKLOADS:-$WORKLOADS}
REDIS_REQUESTS=20000
REDIS_PORT=6390

# The bpftrace equivalent of full mode on the library LIB: size per thread at entry,
# {size, time, stack} per block at return, deleted at free.
bt_script() {
	cat <<EOF
uprobe:$1:malloc /pid == cpid/ { @size[tid] = arg0; }
uprobe:$1:calloc /pid == cpid/ { @size[tid] = arg0 * arg1; }
uprobe:$1:realloc /pid == cpid/ {
	delete(@sz[arg0]); delete(@ts[arg0]); delete(@stk[arg0]); @size[tid] = arg1;
}
uretprobe:$1:malloc, uretprobe:$1:calloc, uretprobe:$1:realloc /pid == cpid && @size[tid]/ {
	@sz[retval] = @size[tid]; @ts[retval] = nsecs; @stk[retval] = ustack;
	delete(@size[tid]);
}
uprobe:$1:free /pid == cpid/ { delete(@sz[arg0]); delete(@ts[arg0]); delete(@stk[arg0]); }
END { clear(@size); clear(@sz); clear(@ts); clear(@stk); }
EOF
}

# The allocator library a program uses (jemalloc for Debian's redis), for bpftrace.
alloc_lib() {
	ldd "$1" | awk '/libjemalloc|libtcmalloc/ { print $3; found = 1; exit }
		END { if (!found) print "/lib/x86_64-linux-gnu/libc.so.6" }'
}

# Run "$@" under configuration $1 (after shift); stdout to $TMP/out, stderr to $TMP/err.
traced() {
	local config=$1
	shift
	case $config in
	base) "$@" ;;
	floor-counts) $OUT/floor -m counts -- "$@" ;;
	floor) $OUT/floor -m full -- "$@" ;;
	floor-uprobes) $OUT/floor -m full --no-tracepoints -- "$@" ;;
	counts | stacks | full) ./leakbpf --json -m "$config" -- "$@" ;;
	stacks-s100) ./leakbpf --json -m stacks -s 100 -- "$@" ;;
	bpftrace)
		bt_script "$(alloc_lib "$(command -v "$1")")" > "$TMP/bt.bt"
		# bpftrace -c splits its command on spaces (no argument here has one)
		BPFTRACE_MAX_MAP_KEYS=1048576 bpftrace -q "$TMP/bt.bt" -c "$*" ;;
	esac
}

# lost, cpu, rss of leakbpf's last JSON report in $TMP/out ("-" for the others); no
# python: this also runs inside make vmtest's busybox guests
tracer_stats() {
	local rep field v out=
	rep=$(grep '^{' "$TMP/out" | tail -n 1)
	for field in lost_events cpu_s max_rss_kib; do
		v=$(printf '%s' "$rep" | grep -o "\"$field\":[0-9.]*" | head -n 1 | cut -d: -f2)
		out="$out ${v:--}"
	done
	echo "${out# }"
}

run_mb() {
	local config=$1 threads=$2 ns
	traced "$config" $OUT/mallocbench -t "$threads" -n $((PAIRS / threads)) -z 16,64,256,1024 \
		> "$TMP/out" 2> "$TMP/err"
	ns=$(sed -n 's/^ns_per_pair=\([0-9.]*\).*/\1/p' "$TMP/out")
	echo "${ns:-nan} $(tracer_stats)"
}

run_deep() {
	local config=$1 ns
	traced "$config" $OUT/deepbench -n "$PAIRS" > "$TMP/out" 2> "$TMP/err"
	ns=$(sed -n 's/^ns_per_pair=\([0-9.]*\).*/\1/p' "$TMP/out")
	echo "${ns:-nan} $(tracer_stats)"
}

run_redis() {
	local config=$1 pid rps= i
	printf 'port %d\nbind 127.0.0.1\nsave ""\nappendonly no\n' $REDIS_PORT > "$TMP/redis.conf"
	traced "$config" "$(command -v redis-server)" "$TMP/redis.conf" > "$TMP/out" 2> "$TMP/err" &
	pid=$!
	for i in $(seq 600); do
		[ "$(redis-cli -p $REDIS_PORT ping 2>/dev/null)" = PONG ] && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	[ "$(redis-cli -p $REDIS_PORT ping 2>/dev/null)" = PONG ] &&
	rps=$(redis-benchmark -p $REDIS_PORT -n $REDIS_REQUESTS -c 8 -t set,get,lpush,lpop -q \
		--csv 2>/dev/null | awk -F, 'NR > 1 { gsub(/"/, ""); s += $2; n++ }
		END { if (n) print s / n }')
	redis-cli -p $REDIS_PORT shutdown nosave > /dev/null 2>&1
	wait $pid
	if [ -n "$rps" ]; then
		echo "$(awk -v r="$rps" 'BEGIN { printf "%.1f", 1e9 / r }') $(tracer_stats)"
	else
		echo "nan $(tracer_stats)"
	fi
}

[ $REPORT_ONLY = 1 ] && ROUNDS=$(cut -f3 "$RES" | sort -n | tail -1)
[ $REPORT_ONLY = 1 ] || for round in $(seq "$ROUNDS"); do
	for w in $WORKLOADS; do
		for c in $CONFIGS; do
			case $w in
			mb1) r=$(run_mb "$c" 1) ;;
			mb4) r=$(run_mb "$c" 4) ;;
			deep) r=$(run_deep "$c") ;;
			redis) r=$(run_redis "$c") ;;
			esac
			printf '%s\t%s\t%s\t%s\n' "$w" "$c" "$round" "$r" | tr ' ' '\t' >> "$RES"
			printf 'bench: round %d/%d %-5s %-12s %s\n' "$round" "$ROUNDS" "$w" "$c" "$r" >&2
		done
	done
done

# leakbpf's own BPF work, apart from the traps: one more run of each leakbpf mode with the
# kernel's bpf_stats on (they cost a clock read per program run, so not in the timed
# rounds); -v prints each program's runs and mean run time. Per operation: a malloc+free
# pair.
BPFSTATS=$OUT/bpfstats.tsv	# workload config bpf_ns_per_op runs_per_op
bpf_pass() {
	local w c ops before
	before=$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null || echo 0)
	echo 1 > /proc/sys/kernel/bpf_stats_enabled 2>/dev/null || return 0
	: > "$BPFSTATS"
	for w in $WORKLOADS; do
		for c in counts stacks full stacks-s100; do
			case " $CONFIGS " in *" $c "*) ;; *) continue ;; esac
			case $c in
			stacks-s100) set -- -m stacks -s 100 ;;
			*) set -- -m "$c" ;;
			esac
			ops=$PAIRS
			case $w in
			mb1) ./leakbpf -v "$@" -- $OUT/mallocbench -t 1 -n "$PAIRS" -z 16,64,256,1024 ;;
			mb4) ./leakbpf -v "$@" -- $OUT/mallocbench -t 4 -n $((PAIRS / 4)) \
				-z 16,64,256,1024 ;;
			deep) ./leakbpf -v "$@" -- $OUT/deepbench -n "$PAIRS" ;;
			*) continue ;;
			esac > /dev/null 2> "$TMP/err"
			awk -v w="$w" -v c="$c" -v ops="$ops" '
				/leakbpf: bpf_stats: / { n += $4; t += $4 * $6 }
				END { if (n) printf "%s\t%s\t%.1f\t%.2f\n", w, c, t / ops, n / ops }
			' "$TMP/err" >> "$BPFSTATS"
		done
	done
	echo "$before" > /proc/sys/kernel/bpf_stats_enabled
}
[ $REPORT_ONLY = 1 ] || [ $SMOKE = 1 ] || [ $RESULTS_ONLY = 1 ] || bpf_pass

# A neighbour's price: a process leakbpf does not trace, making cheap syscalls
# (tools/bench/syscallbench), alone and while leakbpf traces another sleeping process (full
# mode): a glibc one (its fds seen at its C library's wrappers) and a static one (busybox:
# the syscall tracepoints, the fallback), interleaved, medians.
NEIGHBOUR=$OUT/neighbour.tsv	# round alone_ns beside_glibc_ns beside_static_ns
beside() {	# sleeper command...: ns per syscall of syscallbench while leakbpf traces it
	local sleeper tracer ns
	"$@" &
	sleeper=$!
	./leakbpf -v -p "$sleeper" > /dev/null 2> "$TMP/neighbour.err" &
	tracer=$!
	for _ in $(seq 100); do
		grep -q 'attached to PID' "$TMP/neighbour.err" && break
		sleep 0.1
	done
	ns=$($OUT/syscallbench -n 2000000 | sed -n 's/^ns_per_call=\([0-9.]*\).*/\1/p')
	kill "$tracer"
	wait "$tracer" 2> /dev/null
	kill "$sleeper"
	wait "$sleeper" 2> /dev/null
	echo "$ns"
}
neighbour_pass() {
	local r alone glibc static
	: > "$NEIGHBOUR"
	for r in $(seq "$ROUNDS"); do
		alone=$($OUT/syscallbench -n 2000000 | sed -n 's/^ns_per_call=\([0-9.]*\).*/\1/p')
		glibc=$(beside sleep 600)
		static=$(beside /bin/busybox sleep 600)
		printf '%s\t%s\t%s\t%s\n' "$r" "$alone" "$glibc" "$static" >> "$NEIGHBOUR"
	done
}
[ $REPORT_ONLY = 1 ] || [ $SMOKE = 1 ] || [ $RESULTS_ONLY = 1 ] || neighbour_pass

[ $RESULTS_ONLY = 1 ] && exit 0

# Medians and ratios of the results file $1, as a Markdown table per workload; with a plot
# file $2 (not "-"), also the data for the plot and the targets' verdicts.
summarise() {
	python3 - "$1" "$2" "$SMOKE" <<'EOF'
import statistics, sys
from collections import defaultdict
res, plot, smoke = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
vals, lost, cpu, rss = defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list)
order_w, order_c = [], []
for line in open(res):
    w, c, r, ns, l, cp, rs = line.rstrip("\n").split("\t")
    if w not in order_w: order_w.append(w)
    if c not in order_c: order_c.append(c)
    if ns != "nan": vals[w, c].append(float(ns))
    if l != "-": lost[w, c].append(int(l)); cpu[w, c].append(float(cp)); rss[w, c].append(int(rs))
med = lambda xs: statistics.median(xs) if xs else float("nan")
names = {"mb1": "microbenchmark, 1 thread (ns per malloc+free pair)",
         "mb4": "microbenchmark, 4 threads (ns per pair, median thread)",
         "deep": "deep stacks: a live set of 4096 blocks, 8 call paths 12-26 frames deep (ns per free+malloc)",
         "redis": "redis-server under redis-benchmark (ns per request)"}
floor_of = {"counts": "floor-counts", "stacks": "floor", "full": "floor",
            "stacks-s100": "floor", "floor-counts": None, "floor": None}
# the old floor, the allocator's probes without the tracepoints: for comparison
uprobe_floor_of = {"stacks": "floor-uprobes", "full": "floor-uprobes",
                   "stacks-s100": "floor-uprobes"}
verdicts, ok_all = [], True
for w in order_w:
    base = med(vals[w, "base"])
    print("\n### %s\n" % names.get(w, w))
    print("| configuration | ns/op | over base | ratio to its floor | to uprobes only | lost events | tracer CPU s | tracer RSS MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for c in order_c:
        v = med(vals[w, c])
        f = floor_of.get(c)
        ratio = "%.2f" % ((v - base) / (med(vals[w, f]) - base)) if f and (w, f) in vals else ""
        uf = uprobe_floor_of.get(c)
        uratio = "%.2f" % ((v - base) / (med(vals[w, uf]) - base)) if uf and (w, uf) in vals else ""
        if c == "bpftrace" and (w, "full") in vals:
            ratio = "%.1f x full" % ((v - base) / (med(vals[w, "full"]) - base))
        l = "%d" % max(lost[w, c]) if lost[w, c] else ""
        cp = "%.2f" % med(cpu[w, c]) if cpu[w, c] else ""
        rs = "%.1f" % (max(rss[w, c]) / 1024) if rss[w, c] else ""
        print("| %s | %.0f | %.0f | %s | %s | %s | %s | %s |" % (c, v, v - base, ratio, uratio, l, cp,
                                                             rs))
    if w != "mb1" or plot == "-":
        continue
    def r(c, f): return (med(vals[w, c]) - base) / (med(vals[w, f]) - base)
    checks = [("full mode <= 1.3 x floor", r("full", "floor"), 1.3, "<="),
              ("counts mode <= 1.2 x its floor", r("counts", "floor-counts"), 1.2, "<="),
              ("stacks -s 100 <= 1.1 x counts", r("stacks-s100", "counts"), 1.1, "<=")]
    if (w, "bpftrace") in vals:
        checks.append(("bpftrace >= 5 x full", r("bpftrace", "full"), 5, ">="))
    checks.append(("lost events == 0", max([max(x) for k, x in lost.items() if x] or [0]), 0, "<="))
    for name, v, t, op in checks:
        ok = v <= t if op == "<=" else v >= t
        ok_all &= ok
        verdicts.append("| %s | %.2f | %s |" % (name, v, "met" if ok else "MISSED"))
    if (w, "bpftrace") in vals:
        # where a trap into the kernel is dear, the probe hits are most of any tracer's
        # price: not even empty programs at leakbpf's sites can be cheaper than this
        verdicts.append("| bpftrace / floor: empty programs at these sites would reach"
                        " no more | %.2f | bound |" % r("bpftrace", "floor"))
if plot == "-":
    sys.exit(0)
print("\n### Targets (microbenchmark, 1 thread)\n")
print("| target | measured | |\n|---|---:|---|")
print("\n".join(verdicts))
with open(plot, "w") as f:
    f.write("config " + " ".join(order_w) + "\n")
    for c in order_c:
        if c == "base": continue
        f.write(c + " " + " ".join("%.1f" % max(med(vals[w, c]) - med(vals[w, "base"]), 1)
                                   for w in order_w) + "\n")
sys.exit(0 if ok_all or smoke else 3)
EOF
}

summarise "$RES" "$OUT/plot.dat" > "$OUT/table.md"
status=$?
cat "$OUT/table.md"
if [ $SMOKE = 1 ]; then
	cp "$OUT/table.md" "$OUT/smoke.txt"
	exit 0
fi

# the fleet agent at 500 processes (tools/bench/fleet.sh), for its own section
if [ "$REPORT_ONLY" != 1 ]; then
	rm -f "$OUT/fleet.md"
	./tools/bench/fleet.sh > /dev/null ||
		echo "bench: the fleet agent's benchmark failed: no section for it" >&2
	# the Go batcher's stress run (tools/bench/go.sh)
	rm -f "$OUT/go.md"
	./tools/bench/go.sh > /dev/null ||
		echo "bench: the Go stress run failed: no section for it" >&2
	# the reachability scan of a 1 GiB heap (tools/bench/reach.sh)
	rm -f "$OUT/reach.md"
	./tools/bench/reach.sh > /dev/null ||
		echo "bench: the reachability scan's run failed: no section for it" >&2
	# README's picture of the agent as Prometheus sees it
	./tools/bench/fleet-plot.sh ||
		echo "bench: no new doc/fleet-scraped.png" >&2
fi

if command -v gnuplot >/dev/null; then
	gnuplot <<EOF
set terminal pngcairo size 900,500 noenhanced font ",10"
set output "benchmarks.png"
set title "What tracing adds to each operation (median ns over untraced; log scale)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set yrange [10:*]
set ylabel "ns added per operation"
set xtics rotate by -30
set key top left
plot for [i=2:$(( $(echo "$WORKLOADS" | wc -w) + 1 ))] "$OUT/plot.dat" using i:xtic(1) title columnheader(i)
EOF
fi
{
	echo "# leakbpf overhead benchmarks"
	echo
	# the day the workloads ran (--report-only rewrites the page, not the figures)
	echo "Generated by \`make bench\` (tools/bench/bench.sh) on $(date -u -r "$OUT/results.tsv" '+%Y-%m-%d'):"
	echo "kernel $(uname -r), $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)),"
	echo "$ROUNDS interleaved rounds, medians. Do not edit: re-run \`make bench\`."
	echo
	echo "*floor* is empty BPF programs at exactly the places leakbpf probes (tools/floor):"
	echo "the allocator's entries (*floor-counts*, counts mode's) or entries and returns"
	echo "(*floor*, the other modes'), the tracepoints leakbpf uses in every mode, and its fd"
	echo "probes: every workload here calls glibc, whose fd wrappers leakbpf probes (an entry"
	echo "and a return each), so the syscall tracepoints (the fallback for Go, static and musl"
	echo "programs, which put every syscall on the host on the kernel's traced path) are not in it."
	echo "*floor-uprobes* is *floor* without the tracepoints and fd probes: the allocator's probes alone,"
	echo "the ratio to it in *to uprobes only*. A ratio is (mode - base) / (floor - base): 1.00"
	echo "means leakbpf's programs cost nothing beyond the kernel's own price of the probe"
	echo "hits. *bpftrace*"
	echo "is tools/bench/bench.sh's bpftrace script doing full mode's job with probes on"
	echo "the functions' entries; its ratio says how many times dearer than full mode it is."
	echo
	echo "![overhead per configuration](benchmarks.png)"
	cat "$OUT/table.md"
	if [ -s "$OUT/bpfstats.tsv" ]; then
		echo
		echo "### leakbpf's own BPF work per operation"
		echo
		echo "The kernel's own measure (kernel.bpf_stats_enabled, one more run of each mode"
		echo "after the timed rounds): the summed run time of every leakbpf program per"
		echo "malloc+free pair, and how many program runs a pair costs, whatever a trap costs"
		echo "on the machine. Goal (issue 14): full mode under about 300 ns a pair on the deep"
		echo "workload."
		echo
		echo "| workload | mode | BPF ns per pair | program runs per pair |"
		echo "|---|---|---:|---:|"
		awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$OUT/bpfstats.tsv"
	fi
	if [ -s "$OUT/neighbour.tsv" ]; then
		echo
		echo "### A neighbour's price"
		echo
		echo "tools/bench/syscallbench (2,000,000 getppid() calls) in a process leakbpf does not"
		echo "trace, alone and while \`leakbpf -p\` traces another (full mode), medians of"
		echo "interleaved rounds. Beside a glibc program leakbpf probes that program's own C library"
		echo "wrappers for its fds; beside a static one (busybox) it falls back to the raw syscall"
		echo "tracepoints, which every syscall on the host then passes. Goal (issue 14): at most 2%."
		echo
		python3 - "$OUT/neighbour.tsv" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
a = statistics.median(float(r[1]) for r in rows)
g = statistics.median(float(r[2]) for r in rows)
st = statistics.median(float(r[3]) for r in rows)
print("| ns per syscall alone | beside a traced glibc program | slowdown | beside a traced static program | slowdown |")
print("|---:|---:|---:|---:|---:|")
print("| %.1f | %.1f | %+.1f%% | %.1f | %+.0f%% |" % (a, g, 100 * (g - a) / a, st, 100 * (st - a) / a))
PY
	fi
	if [ -s "$OUT/results-guest.tsv" ]; then
		echo
		echo "## Inside a Debian kernel under qemu"
		echo
		echo "Generated by \`make bench\` in a guest of \`make vmtest --bench\`:"
		echo "$(cat "$OUT/results-guest.txt")."
		echo "Software emulation (TCG) makes every absolute time meaningless and a trap much"
		echo "dearer than on hardware; the ratios to the floor measured in the same guest still"
		echo "show what a kernel without multi-uprobe links, sessions or the uretprobe syscall"
		echo "makes leakbpf's own work cost."
		summarise "$OUT/results-guest.tsv" -
	fi
	[ -s "$OUT/fleet.md" ] && cat "$OUT/fleet.md"
	[ -s "$OUT/go.md" ] && cat "$OUT/go.md"
	[ -s "$OUT/reach.md" ] && cat "$OUT/reach.md"
	echo
	cat tools/bench/NOTES.md
} > BENCHMARKS.md
echo "bench: wrote BENCHMARKS.md and benchmarks.png" >&2
exit $status

#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The leakbpf authors
#
# make vmtest: the core end-to-end tests on the kernels production hosts run. Debian 12's
# 6.1 and 6.12 (their cloud flavours) boot under qemu with software emulation and an
# initramfs of busybox, the static leakbpf, the test programs and the C libraries they
# load; the running kernel runs the same tests directly. The reports the tests keep are
# checked here against doc/report.schema.json. Prints "kernel K: N passed, N failed" per
# kernel, then the total, and exits non-zero on any failure or time-out.
#
#   tools/vmtest/vmtest.sh [--kernels 'K...'] [--tests 'T...'] [--timeout SEC] [--run CMD]
#   tools/vmtest/vmtest.sh --bench [--kernels K]
#     K: 6.1, 6.12 or host (default: all three); T: test_progs filters (default: the core;
#     all: every test); CMD: a shell command to run in the guests instead, for debugging
#     (its output is in .output/vmtest/run-K/console). --bench: the overhead benchmark's
#     microbenchmark rounds in a guest of K (default 6.1), the results to
#     .output/bench/results-guest.tsv for make bench's report.
#
# Kernel packages are kept in .output/vmtest/cache: a second run downloads nothing.
set -u
cd "$(dirname "$0")/../.." || exit 1

OUT=.output/vmtest
CACHE=$OUT/cache
KERNELS="6.1 6.12 host"
TIMEOUT=1500
# What every kernel must do exactly as this one: memory counts and stacks naming the
# allocating function and its caller, -- CMD and -p, threads, fds with their stacks,
# CLOSE_WAIT, --item/--batch, rounds, detaching; every report checked against the schema.
# That is every test but those of this host's tools: LD_DEBUG of a dynamic leakbpf, the
# benchmark's smoke pass, the schema validator's own.
TESTS="allocator_kinds batcher cfi_stacks chroot cli/usage_errors cli/help cli/own_failures
cli/exited_while_attaching exec_chain fds go lifecycle memory perf/counts_exact
perf/counts_exact_beside_another_tracer perf/sampled_estimates perf/sampled_reallocs
perf/placement_verbose resources sockets threads"
RUN=""
BENCH=false

while [ $# -gt 0 ]; do
	case $1 in
	--kernels) KERNELS=$2; shift 2 ;;
	--tests) TESTS=$2; [ "$TESTS" = all ] && TESTS=""; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--run) RUN=$2; shift 2 ;;
	--bench) BENCH=true; shift ;;
	*) echo "usage: $0 [--kernels 'K...'] [--tests 'T...'] [--timeout SEC] [--run CMD]" >&2
	   echo "       $0 --bench [--kernels K]" >&2
	   exit 2 ;;
	esac
done
# few pairs and rounds: emulation runs the probed loop some 50 times slower
BENCH_ARGS="--results-only --rounds 3 --pairs 20000 --workloads 'mb1 mb4'"
if $BENCH; then
	[ "$KERNELS" = "6.1 6.12 host" ] && KERNELS=6.1
	RUN="./tools/bench/bench.sh $BENCH_ARGS >/dev/console 2>&1 && cat .output/bench/results.tsv > /dev/ttyS1"
fi

log() { echo "vmtest: $*" >&2; }

# The newest cloud kernel package of a series, from the cache or downloaded into it.
kernel_deb() {
	local series=$1 glob regex pkg deb
	case $series in
	6.1) glob='linux-image-6.1.0-*-cloud-amd64-unsigned_*.deb'
	     regex='^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$' ;;
	6.12) glob='linux-image-6.12.*-cloud-amd64-unsigned_*.deb'
	      regex='^linux-image-6\.12\.[0-9]+\+deb12-cloud-amd64-unsigned$' ;;
	*) log "no such kernel series: $series"; return 1 ;;
	esac
	# shellcheck disable=SC2086
	deb=$(ls $CACHE/$glob 2>/dev/null | sort -V | tail -n 1)
	if [ -n "$deb" ]; then
		echo "$deb"
		return 0
	fi
	pkg=$(apt-cache search --names-only "$regex" | awk '{print $1}' | sort -V | tail -n 1)
	if [ -z "$pkg" ]; then
		apt-get update -qq >&2
		pkg=$(apt-cache search --names-only "$regex" | awk '{print $1}' | sort -V | tail -n 1)
	fi
	if [ -z "$pkg" ]; then
		log "no package of Linux $series in the archive"
		return 1
	fi
	log "downloading $pkg"
	mkdir -p "$CACHE"
	# apt's sandbox user cannot write here; the download is checked by apt all the same
	(cd "$CACHE" && apt-get download -o APT::Sandbox::User=root "$pkg" >&2) || return 1
	# shellcheck disable=SC2086
	ls $CACHE/$glob 2>/dev/null | sort -V | tail -n 1
}

# Unpack the kernel image of a series to $OUT/kernels/SERIES/vmlinuz; prints the path.
kernel_image() {
	local series=$1 deb dir
	deb=$(kernel_deb "$series") || return 1
	dir=$OUT/kernels/$series
	if [ ! -f "$dir/vmlinuz" ] || [ "$deb" -nt "$dir/vmlinuz" ]; then
		rm -rf "$dir" && mkdir -p "$dir/x"
		dpkg-deb -x "$deb" "$dir/x" || return 1
		mv "$dir"/x/boot/vmlinuz-* "$dir/vmlinuz" && rm -rf "$dir/x"
	fi
	echo "$dir/vmlinuz"
}

# Copy a file into the root where it really is, and a link to it where it was named (the
# modules a test expects are named as /proc/PID/maps names them here).
add_file() {
	local root=$1 f=$2 real
	real=$(readlink -f "$f")
	if [ ! -e "$root$real" ]; then
		mkdir -p "$root$(dirname "$real")"
		cp "$real" "$root$real"
	fi
	if [ "$real" != "$f" ] && [ ! -e "$root$f" ] && [ ! -L "$root$f" ]; then
		mkdir -p "$root$(dirname "$f")"
		ln -s "$real" "$root$f"
	fi
}

# An ELF file's loader and libraries (its loader first: glibc's ldd cannot read a musl
# program's).
add_libs() {
	local root=$1 f=$2 lib interp
	interp=$(readelf -l "$f" 2>/dev/null | sed -n 's/.*program interpreter: \(.*\)]$/\1/p')
	[ -z "$interp" ] || add_file "$root" "$interp"
	for lib in $(ldd "$f" 2>/dev/null | awk '/=> \// {print $3} /^\t\/lib/ {print $1}'); do
		add_file "$root" "$lib"
	done
}

# The guests' root, laid out as this host's (merged /usr): busybox for the shell tools,
# the static leakbpf as ./leakbpf, the test programs where the tests look for them, the
# host's own programs the tests run, and every library all those load.
build_initramfs() {
	local root=$OUT/root f
	rm -rf "$root" && mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$root"/{proc,sys,dev,tmp,etc}
	for f in bin sbin lib lib64; do ln -s "usr/$f" "$root/$f"; done
	cp /bin/busybox "$root/usr/bin/busybox"
	echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
	install -m 0755 tools/vmtest/init "$root/init"
	mkdir -p "$root/work/.output/tests"
	cp .output/leakbpf-static "$root/work/leakbpf"
	cp -r .output/tests/targets "$root/work/.output/tests/"
	cp -r .output/demo "$root/work/.output/"
	cp .output/tests/test_progs "$root/work/.output/tests/"
	# the benchmark (make vmtest --bench) and the bash it is written in
	mkdir -p "$root/work/tools/bench" "$root/work/.output/bench"
	cp tools/bench/bench.sh "$root/work/tools/bench/"
	cp .output/bench/floor .output/bench/mallocbench .output/bench/deepbench .output/bench/syscallbench \
	   "$root/work/.output/bench/"
	# one line each: dash reads this, and knows no $'...' quoting
	{ printf 'TESTS="%s"\n' "$(echo $TESTS)"; printf 'RUN=%q\n' "$RUN"; } > "$root/work/vmtest.conf"
	# what the tests run besides their targets (busybox's own would be static), and what
	# they load by name (the allocator tests' LD_PRELOAD; the benchmark's floor opens
	# Capstone with dlopen, as leakbpf does when not static)
	for f in /bin/sh /bin/bash /bin/true /usr/bin/env /usr/sbin/chroot /usr/bin/setpriv \
		 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 \
		 /usr/lib/x86_64-linux-gnu/libcapstone.so.4; do
		[ -e "$f" ] && add_file "$root" "$f"
	done
	for f in $(find "$root" -type f -perm -u+x) "$root"/usr/lib/x86_64-linux-gnu/*.so*; do
		add_libs "$root" "$f"
	done
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$OUT/initramfs.gz"
}

# Check the reports a run kept (one "@@@ NAME" line before each); one test per report.
check_reports() {
	local file=$1 dir=$2 name pass=0 fail=0
	rm -rf "$dir" && mkdir -p "$dir"
	tr -d '\r' < "$file" |
		awk -v dir="$dir" '/^@@@ / { out = dir "/" $2; next } out { print > out }'
	for name in "$dir"/*.json; do
		[ -e "$name" ] || continue
		if tools/check-report "$name" >"$name.check" 2>&1; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			echo "FAIL schema ${name##*/}" >&2
			sed 's/^/  /' "$name.check" >&2
		fi
	done
	echo "$pass $fail"
}

# Boot kernel series $1 on the initramfs, the console to $2/console, the second serial port
# to $2/reports; qemu's exit status (124: timed out) in BOOT_RC. One emulated CPU at a time
# (thread=single): with a thread per vCPU, TCG lets a CPU run kernel text another is
# patching (an int3 Oops in 6.12 when a tracepoint is switched on).
boot() {
	local vmlinuz
	vmlinuz=$(kernel_image "$1") || return 1
	timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg,thread=single -cpu max -smp 2 -m 2G \
		-kernel "$vmlinuz" -initrd "$OUT/initramfs.gz" \
		-append "console=ttyS0 quiet panic=-1" -no-reboot -display none -monitor none \
		-serial "file:$2/console" -serial "file:$2/reports" >/dev/null 2>&1
	BOOT_RC=$?
}

# The release the guest whose output is in $1 booted ($2 if it said nothing).
guest_kernel() {
	local name
	name=$(tr -d '\r' < "$1/console" | sed -n 's/^vmtest: kernel //p')
	echo "${name:-$2}"
}

# Run the tests on one kernel; its summary line to stdout, the rest to the log.
run_kernel() {
	local k=$1 dir=$OUT/run-$k vmlinuz rc name tp tf sp sf start
	rm -rf "$dir" && mkdir -p "$dir"
	start=$(date +%s)
	if [ "$k" = host ]; then
		name=$(uname -r)
		mkdir -p "$dir/kept"
		# shellcheck disable=SC2086
		LEAKBPF_REPORTS_DIR=$dir/kept timeout "$TIMEOUT" .output/tests/test_progs $TESTS \
			> "$dir/console" 2>&1
		rc=$?
		for f in "$dir"/kept/*.json; do
			[ -e "$f" ] && { echo "@@@ ${f##*/}"; cat "$f"; }
		done > "$dir/reports"
	else
		boot "$k" "$dir" || { echo "kernel $k: 0 passed, 1 failed (no kernel)"; return; }
		rc=$BOOT_RC
		name=$(guest_kernel "$dir" "$k")
	fi
	tr -d '\r' < "$dir/console" | grep -E '^(PASS|FAIL|SKIP|vmtest:|test_progs:)' >&2
	tp=$(tr -d '\r' < "$dir/console" | grep -c '^PASS ')
	tf=$(tr -d '\r' < "$dir/console" | grep -c '^FAIL ')
	read -r sp sf < <(check_reports "$dir/reports" "$dir/checked")
	if [ "$rc" -eq 124 ]; then
		log "kernel $name: timed out after $TIMEOUT s"
		tf=$((tf + 1))
	elif ! tr -d '\r' < "$dir/console" | grep -q '^test_progs: '; then
		log "kernel $name: test_progs did not finish (exit $rc); the console is $dir/console"
		tf=$((tf + 1))
	fi
	log "kernel $name: $(($(date +%s) - start)) s"
	echo "kernel $name: $((tp + sp)) passed, $((tf + sf)) failed"
}

for bin in .output/leakbpf-static .output/tests/test_progs .output/bench/floor \
	   .output/bench/mallocbench; do
	[ -x "$bin" ] || { log "$bin is missing: run make vmtest"; exit 1; }
done
need_vm=false
for k in $KERNELS; do [ "$k" = host ] || need_vm=true; done
if $need_vm; then
	for tool in qemu-system-x86_64 busybox cpio; do
		command -v "$tool" >/dev/null || [ -x /bin/$tool ] || { log "no $tool"; exit 1; }
	done
	build_initramfs || { log "cannot build the initramfs"; exit 1; }
fi

if $BENCH; then
	k=${KERNELS%% *}
	dir=$OUT/bench-$k
	res=.output/bench/results-guest.tsv
	rm -rf "$dir" "$res" && mkdir -p "$dir"
	log "the benchmark in a guest of Linux $k (some minutes; progress in $dir/console)"
	boot "$k" "$dir" || { log "no kernel $k"; exit 1; }
	tr -d '\r' < "$dir/reports" > "$res"
	if [ "$BOOT_RC" -ne 0 ] || ! [ -s "$res" ]; then
		log "the benchmark did not finish in the guest (exit $BOOT_RC): see $dir/console"
		rm -f "$res"
		exit 1
	fi
	echo "Linux $(guest_kernel "$dir" "$k"), 2 emulated CPUs (qemu -cpu max, TCG)," \
		"3 interleaved rounds of 20000 malloc+free pairs, medians" > "${res%.tsv}.txt"
	log "wrote $res"
	exit 0
fi

total_p=0 total_f=0
summaries=()
for k in $KERNELS; do
	line=$(run_kernel "$k")
	echo "$line"
	summaries+=("$line")
	p=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
	f=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
	total_p=$((total_p + ${p:-0}))
	total_f=$((total_f + ${f:-1}))
done
printf '%s\n' "${summaries[@]}"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]

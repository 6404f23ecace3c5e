#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The leakbpf authors
#
# Install the Debian 12 packages that building, testing and benchmarking leakbpf need.
# Idempotent: packages already present are left alone, and apt is only called when
# something is missing. `make deps` (and so `make demo`/`make test`) runs it.
set -eu

# build: compiler for BPF and C, BPF tooling and the libraries user/ links against; the
# demo's USDT probes (<sys/sdt.h>)
build="clang llvm make gcc pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev libdw-dev
libjansson-dev libcapstone-dev systemtap-sdt-dev libmicrohttpd-dev"
# tests: unit tests, report validation, other allocators (jemalloc, musl), a C++ target
test="libcmocka-dev python3 python3-jsonschema libjemalloc2 musl-tools g++ prometheus iproute2
systemd golang-go"
# benchmarks: the bpftrace comparison, a real service under load, the plot, a static
# program to trace (a neighbour's price when fds need the syscall tracepoints)
bench="bpftrace redis-server redis-tools gnuplot-nox busybox-static"
# make vmtest: other kernels under qemu, booted with a busybox initramfs, and the static
# libraries of a static leakbpf
vmtest="qemu-system-x86 busybox-static cpio libbz2-dev liblzma-dev"

want="$build $test"
for arg in "$@"; do
	case "$arg" in
	--bench) want="$want $bench" ;;
	--vmtest) want="$want $vmtest" ;;
	*) echo "usage: $0 [--bench] [--vmtest]" >&2; exit 2 ;;
	esac
done

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing; run as root to install them" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null

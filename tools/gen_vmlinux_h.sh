#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The leakbpf authors
#
# Regenerate vmlinux/ARCH/vmlinux.h from the running kernel's BTF. CO-RE relocates field
# offsets at load time, so one header per architecture serves every kernel with BTF; it
# only needs regenerating to use types or fields newer kernels added.
#   tools/gen_vmlinux_h.sh [ARCH]      (default: this machine's, x86 for x86_64)
set -eu
arch=${1:-$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')}
cd "$(dirname "$0")/.."
mkdir -p "vmlinux/$arch"
bpftool btf dump file /sys/kernel/btf/vmlinux format c > "vmlinux/$arch/vmlinux.h.tmp"
mv "vmlinux/$arch/vmlinux.h.tmp" "vmlinux/$arch/vmlinux.h"
echo "wrote vmlinux/$arch/vmlinux.h from $(uname -r)"

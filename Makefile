# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The leakbpf authors
#
# make            build ./leakbpf
# make test       install what is missing, build, run every test (as root for the BPF ones)
# make demo       install what is missing, build, trace the bundled leaking demo
# make check      the layer rule of user/ (tools/check-layers); make test runs it too
# make static     .output/leakbpf-static: leakbpf with every library linked in
# make vmtest      the core tests on Debian's 6.1 and 6.12 kernels under qemu, and here
# make bench      the overhead benchmark (tools/bench), writes BENCHMARKS.md
# make install    PREFIX=/usr/local by default; DESTDIR honoured
# V=1             show full commands

OUTPUT := .output
CLANG ?= clang
BPFTOOL ?= $(shell command -v bpftool || echo /usr/sbin/bpftool)
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local

ARCH ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VMLINUX := vmlinux/$(ARCH)/vmlinux.h
ifeq ($(wildcard vmlinux/$(ARCH)/),)
$(error Architecture $(ARCH) is not supported yet: no vmlinux/$(ARCH)/vmlinux.h (see vmlinux/README.md))
endif

ifeq ($(V),1)
	Q =
	msg =
else
	Q = @
	msg = @printf '  %-8s %s%s\n' "$(1)" "$(patsubst $(abspath $(OUTPUT))/%,%,$(2))" \
		"$(if $(3), $(3))";
	MAKEFLAGS += --no-print-directory
endif

# Capstone (libcapstone-dev) is opened with dlopen where prologues are decoded: not linked
# libmicrohttpd (--serve) and libstdc++ (C++ names) too, when first needed: their headers only
PKGS := libbpf libelf libdw jansson
CFLAGS ?= -g -O2
CFLAGS += -Wall -Werror -Wmissing-field-initializers -std=gnu11 -D_GNU_SOURCE \
	  -I$(OUTPUT) -Ibpf -Iuser
LDLIBS += $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null || echo -lbpf -lelf -ldw -ljansson) -lz -lm -lpthread -ldl

# The clang BPF target needs the host's system include dirs for the few libc-free
# headers bpf_helpers.h pulls in (same trick as libbpf-bootstrap).
CLANG_BPF_SYS_INCLUDES ?= $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	      -I$(OUTPUT) -Ibpf -Ivmlinux/$(ARCH) $(CLANG_BPF_SYS_INCLUDES)

BPF_APPS := alloc items loader tasks fds floor go
# the BPF objects' map keys and values, enums and limits, a header per object; user/ includes all
ABI_HDRS := $(wildcard bpf/abi/*.h)
BPF_SKELS := $(patsubst %,$(OUTPUT)/%.skel.h,$(BPF_APPS))

# user/ is built into a library so the tests link exactly the code the CLI runs; its
# folders are layers (README: how the code is laid out), includes name them: "proc/elf_file.h"
USER_LAYERS := base proc unwind probe track report serve fleet app
USER_SRCS := $(filter-out user/app/main.c,$(wildcard $(patsubst %,user/%/*.c,$(USER_LAYERS))))
USER_HDRS := $(wildcard $(patsubst %,user/%/*.h,$(USER_LAYERS)))
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_SRCS))
LIB := $(OUTPUT)/libleakbpf.a

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all clean deps test test-unit test-progs demo bench bench-bins install check-deps check static

all: leakbpf

deps:
	$(Q)./tools/install-deps.sh

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/tests:
	$(Q)mkdir -p $@

# BPF: compile, link with bpftool (strips DWARF the skeleton does not need), skeleton
$(OUTPUT)/%.tmp.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h bpf/abi/*.h) $(VMLINUX) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.bpf.o: $(OUTPUT)/%.tmp.bpf.o
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(OUTPUT)/user/%.o: user/%.c $(USER_HDRS) $(ABI_HDRS) $(BPF_SKELS) | $(OUTPUT)/user
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(USER_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

leakbpf: $(OUTPUT)/user/app/main.o $(LIB)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# make static: one binary with every library in it (libbpf, elfutils, jansson, and Capstone
# linked rather than opened), for hosts without those packages and make vmtest's guests
STATIC_LIBS := -lbpf -ldw -lelf -ljansson -lcapstone -lbz2 -llzma -lz -lm -lpthread -lstdc++

$(OUTPUT)/static/%.o: user/proc/%.c $(USER_HDRS) | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -DLEAKBPF_STATIC -c $< -o $@

# no --serve: libmicrohttpd's static archive needs GnuTLS's, which Debian does not ship
$(OUTPUT)/static/http.o: user/serve/http.c $(USER_HDRS) | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -DLEAKBPF_NO_HTTP -c $< -o $@

# the archive's placement.o, symbolize.o and http.o are not pulled in: the static ones
# define all they do
$(OUTPUT)/leakbpf-static: $(OUTPUT)/user/app/main.o $(OUTPUT)/static/placement.o \
			  $(OUTPUT)/static/symbolize.o $(OUTPUT)/static/http.o $(LIB)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) -static $^ $(STATIC_LIBS) -o $@

static: $(OUTPUT)/leakbpf-static

# demo/: programs to show leakbpf on (make demo), built as real programs are, probed functions
# kept out of line by their own attributes; the tests use them too
DEMO_CFLAGS := -g -O2 -fno-omit-frame-pointer -Wall -Werror -std=gnu11 -D_GNU_SOURCE
DEMO_BINS := $(patsubst demo/%.c,$(OUTPUT)/demo/%,$(wildcard demo/*.c))

$(OUTPUT)/demo:
	$(Q)mkdir -p $@

$(OUTPUT)/demo/%: demo/%.c tests/targets/ctl.h | $(OUTPUT)/demo
	$(call msg,DEMO,$@)
	$(Q)$(CC) $(DEMO_CFLAGS) $< -o $@ -lpthread

include tests/Makefile.inc
include tools/bench/Makefile.inc
include tools/vmtest/Makefile.inc

demo: deps
	$(Q)$(MAKE) leakbpf $(DEMO_BINS) $(TEST_OUT)/targets/go/batcher
	$(Q)./tools/demo.sh

check:
	$(Q)./tools/check-layers

install: leakbpf
	$(Q)install -D -m 0755 leakbpf $(DESTDIR)$(PREFIX)/sbin/leakbpf
	$(Q)install -D -m 0644 doc/leakbpf.8 $(DESTDIR)$(PREFIX)/share/man/man8/leakbpf.8

clean:
	$(call msg,CLEAN)
	$(Q)rm -rf $(OUTPUT) leakbpf

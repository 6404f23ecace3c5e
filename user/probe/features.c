// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "base/log.h"
#include "probe/features.h"

/* What each feature is, what leakbpf does with it and without it (for -v and errors). */
static const struct {
	const char *name;
	bool required;
	const char *with;
	const char *without;
} about[FEAT_NR] = {
	[FEAT_RINGBUF] = { "BPF ring buffer (Linux 5.8)", true, "every event", NULL },
	[FEAT_ATTACH_COOKIE] = { "bpf_get_attach_cookie() in uprobes (Linux 5.15)", true,
				 "the allocator's probes placed inside prologues", NULL },
	[FEAT_UPROBE_MULTI] = { "uprobe_multi links (Linux 6.6)", false,
				"the links of uprobe sessions", "one link per probe" },
	[FEAT_UPROBE_SESSION] = { "uprobe sessions (Linux 6.13)", false,
				  "an allocator call's entry and return in one program, and no "
				  "return probe for calls out of the sample or nested",
				  "a return probe on every allocator call (stacks and full modes: "
				  "dearer, the same counts)" },
	[FEAT_URETPROBE_SYSCALL] = { "uretprobe syscall (Linux 6.11)", false,
				     "probed returns take a syscall",
				     "probed returns take a trap (dearer)" },
	[FEAT_KPROBES] = { "kprobes", false, "not used", "not used" },
	[FEAT_FENTRY] = { "fentry on kernel functions", false, "not used", "not used" },
	[FEAT_BPF_LSM] = { "BPF LSM", false, "not used", "not used" },
};

static enum feature_state state(int probe)
{
	return probe > 0 ? FEATURE_YES : probe == 0 ? FEATURE_NO : FEATURE_UNKNOWN;
}

/* Does the kernel's BTF name this value of enum bpf_attach_type? */
static bool has_attach_type(const struct btf *btf, const char *name)
{
	const struct btf_type *t;
	int id, i;

	id = btf__find_by_name_kind(btf, "bpf_attach_type", BTF_KIND_ENUM);
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	for (i = 0; t && i < btf_vlen(t); i++) {
		if (!strcmp(btf__name_by_offset(btf, btf_enum(t)[i].name_off), name))
			return true;
	}
	return false;
}

static bool has_func(const struct btf *btf, const char *name)
{
	return btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) > 0;
}

/*
 * An empty fentry program on close(2), loaded and attached for an instant: some kernels
 * have the BTF for it and still refuse (no direct calls, lockdown).
 */
static enum feature_state probe_fentry(const struct btf *btf)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY);
	int id = btf__find_by_name_kind(btf, "__x64_sys_close", BTF_KIND_FUNC), prog, link;

	if (id <= 0)
		return FEATURE_NO;
	opts.attach_btf_id = id;
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "leakbpf_probe", "GPL", insns, 2, &opts);
	if (prog < 0)
		return FEATURE_NO;
	link = bpf_raw_tracepoint_open(NULL, prog);
	close(prog);
	if (link < 0)
		return FEATURE_NO;
	close(link);
	return FEATURE_YES;
}

/* Enabled if the active LSMs say so; built in but maybe off when securityfs is not there. */
static enum feature_state probe_bpf_lsm(const struct btf *btf)
{
	char list[512] = "";
	FILE *f;

	if (!has_func(btf, "bpf_lsm_file_open"))
		return FEATURE_NO;
	f = fopen("/sys/kernel/security/lsm", "r");
	if (!f)
		return FEATURE_UNKNOWN;
	if (!fgets(list, sizeof(list), f))
		list[0] = '\0';
	fclose(f);
	return strstr(list, "bpf") ? FEATURE_YES : FEATURE_NO;
}

void features__detect(struct kernel_features *f)
{
	struct btf *btf;
	int i;

	for (i = 0; i < FEAT_NR; i++)
		f->has[i] = FEATURE_UNKNOWN;
	/* refused test loads would read as missing features: the real load says why */
	if (!features__privileged())
		return;
	f->has[FEAT_RINGBUF] = state(libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL));
	f->has[FEAT_ATTACH_COOKIE] = state(libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE,
								  BPF_FUNC_get_attach_cookie,
								  NULL));
	f->has[FEAT_KPROBES] = access("/sys/bus/event_source/devices/kprobe/type", F_OK) ?
			       FEATURE_NO : FEATURE_YES;
	btf = btf__load_vmlinux_btf();
	if (!btf)
		return;	/* leakbpf cannot load anything either: its loads will say so */
	f->has[FEAT_UPROBE_MULTI] = has_attach_type(btf, "BPF_TRACE_UPROBE_MULTI") ?
				    FEATURE_YES : FEATURE_NO;
	f->has[FEAT_UPROBE_SESSION] = has_attach_type(btf, "BPF_TRACE_UPROBE_SESSION") ?
				      FEATURE_YES : FEATURE_NO;
	f->has[FEAT_URETPROBE_SYSCALL] = has_func(btf, "__x64_sys_uretprobe") ? FEATURE_YES
									      : FEATURE_NO;
	f->has[FEAT_FENTRY] = probe_fentry(btf);
	f->has[FEAT_BPF_LSM] = probe_bpf_lsm(btf);
	btf__free(btf);
}

bool features__has(const struct kernel_features *f, enum feature feat)
{
	return f->has[feat] == FEATURE_YES;
}

int features__check(const struct kernel_features *f)
{
	static const char *const said[] = {
		[FEATURE_NO] = "no", [FEATURE_YES] = "yes", [FEATURE_UNKNOWN] = "not known",
	};
	struct utsname u;
	int i, err = 0;

	if (!uname(&u))
		vlog("kernel: Linux %s", u.release);
	for (i = 0; i < FEAT_NR; i++) {
		const char *does = f->has[i] == FEATURE_YES ? about[i].with : about[i].without;

		if (about[i].required && f->has[i] == FEATURE_NO) {
			elog("this kernel has no %s: leakbpf cannot run on it", about[i].name);
			err = -ENOTSUP;
			continue;
		}
		vlog("kernel: %s: %s%s%s", about[i].name, said[f->has[i]], does ? ": " : "",
		     does ? does : "");
	}
	return err;
}

bool features__privileged(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	unsigned long long eff;

	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	eff = data[0].effective | (unsigned long long)data[1].effective << 32;
	/* CAP_BPF and CAP_PERFMON (38, 39: not in every libc's headers), or CAP_SYS_ADMIN */
	return (eff & (1ULL << CAP_SYS_ADMIN)) || ((eff & (1ULL << 38)) && (eff & (1ULL << 39)));
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * File descriptors of traced processes: every syscall that makes an fd (open*, creat,
 * socket, socketpair, accept*, pipe*, dup*, fcntl F_DUPFD*, eventfd, epoll_create*, timerfd,
 * signalfd, inotify, memfd_create, pidfd_*, SCM_RIGHTS...) records it with its time and the
 * user stack; every way one goes away (close, close_range, dup2/dup3 over it, close-on-exec,
 * exit) is counted. Two ways in, one logic (call_enter, call_return):
 *  - probes on the target's own C library wrappers (open, close, socket...), one attach cookie
 *    per wrapper saying which syscall it makes: only the traced process pays, and only for
 *    the calls that make or drop fds;
 *  - the raw syscall tracepoints, the fallback for programs without glibc (Go, static,
 *    musl): they fire for every syscall on the host, so each program first looks at the
 *    syscall number, then at the process.
 * Execs are counted at the exec itself (sched_process_exec), whichever way the call was seen.
 *
 * Stacks: a C library's syscall wrapper keeps no frame pointer (glibc's open64 even reuses
 * rbp for the path), so a frame-pointer walk from the syscall loses the function that
 * called open(). User space reads the CFI of the wrapper and teaches us, per pc, where its
 * return address and the caller's rbp are (`unwind_rules`, bpf/unwind.bpf.h); until it
 * has, the registers and the top of the user stack go to user space, which unwinds that
 * one call itself.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "abi/common.h"
#include "abi/unwind.h"
#include "abi/fds.h"
#include "counters.h"
#include "events.bpf.h"
#include "procs.bpf.h"
#include "uprobe_compat.h"
#include "unwind.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* x86-64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl): vmlinux.h has none */
#define NR_open 2
#define NR_close 3
#define NR_pipe 22
#define NR_dup 32
#define NR_dup2 33
#define NR_socket 41
#define NR_accept 43
#define NR_recvmsg 47
#define NR_socketpair 53
#define NR_execve 59
#define NR_fcntl 72
#define NR_creat 85
#define NR_epoll_create 213
#define NR_mq_open 240
#define NR_inotify_init 253
#define NR_openat 257
#define NR_signalfd 282
#define NR_timerfd_create 283
#define NR_eventfd 284
#define NR_accept4 288
#define NR_signalfd4 289
#define NR_eventfd2 290
#define NR_epoll_create1 291
#define NR_dup3 292
#define NR_pipe2 293
#define NR_inotify_init1 294
#define NR_perf_event_open 298
#define NR_recvmmsg 299
#define NR_fanotify_init 300
#define NR_open_by_handle_at 304
#define NR_memfd_create 319
#define NR_execveat 322
#define NR_userfaultfd 323
#define NR_io_uring_setup 425
#define NR_open_tree 428
#define NR_fsopen 430
#define NR_fsmount 432
#define NR_fspick 433
#define NR_pidfd_open 434
#define NR_close_range 436
#define NR_openat2 437
#define NR_pidfd_getfd 438
#define NR_landlock_create_ruleset 444
#define NR_memfd_secret 447

#define F_DUPFD 0			/* <fcntl.h> */
#define F_DUPFD_CLOEXEC 1030
#define CLOSE_RANGE_UNSHARE (1U << 1)	/* <linux/close_range.h> */
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#define SOL_SOCKET 1			/* <sys/socket.h> */
#define SCM_RIGHTS 1
#define SIGSTOP 19

/* struct msghdr on x86-64: where recvmsg leaves the control buffer and its length */
#define MSGHDR_CONTROL 32
#define MSGHDR_CONTROLLEN 40
#define MMSGHDR_SIZE 64			/* struct mmsghdr: a msghdr, msg_len, padding */
#define MAX_CMSGS 4			/* control messages parsed per message */
#define MAX_MMSGS 8			/* messages parsed per recvmmsg */
#define MAX_FD_WORDS (1 << 14)		/* bitmap words scanned: fds up to 1M */

/* Capture where fds were opened (stacks and full modes). */
const volatile bool capture_stacks = true;

/* tgid -> counters; a process is traced iff it has an entry (user space adds it) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MAX_PROCS);
	__type(key, __u32);
	__type(value, struct fd_stats);
} fd_stats SEC(".maps");

/* {tgid, fd} of an fd opened while traced -> when, where, which file */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DEFAULT_MAX_FDS);
	__type(key, struct fd_key);
	__type(value, struct fd_info);
} fd_records SEC(".maps");

/* hash of a user stack -> the stack */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DEFAULT_MAX_STACKS);
	__type(key, __u64);
	__type(value, struct stack_trace);
} fd_stacks SEC(".maps");


/* Per-CPU room for what does not fit on the 512-byte BPF stack. */
struct fd_scratch {
	struct fp_frames walk;
	struct user_regs regs;	/* at the syscall, or just after the wrapper returned */
	__u64 top;		/* a frame above regs (the wrapper), or 0 */
	__u64 seq;		/* capture_stack: the event user space unwinds, if any */
	__u32 tgid;
	__u32 exec_gen;		/* the process's proc_info.exec_gen */
	__s32 fds[MAX_NEW_FDS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fd_scratch);
} fd_scratch SEC(".maps");

/* What a call's entry saw that its exit (or the exec it makes) needs. */
struct fd_call {
	__u64 args[4];		/* a C library wrapper's: its return sees only the result */
	__u64 wrapper_pc;	/* where the wrapper was entered: its callers' stack's frame 0 */
	__u64 cloexec;		/* execve: fds marked close-on-exec */
	__u32 nr;		/* the syscall; 0 when none is in flight */
	__u32 closes;		/* dup2/dup3: newfd was open, the call closes it */
	__u32 noop;		/* dup2(fd, fd): no fd is made */
	__u32 pad;
};

/* thread -> its syscall in flight; freed by the kernel with the thread */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct fd_call);
} fd_calls SEC(".maps");

struct fd_drop_stats fd_drops = {};
__u64 unwind_seq = 0;

static __always_inline struct fd_stats *proc_stats(__u32 *tgid)
{
	*tgid = bpf_get_current_pid_tgid() >> 32;
	return bpf_map_lookup_elem(&fd_stats, tgid);
}

static __always_inline struct fdtable *task_fdt(struct task_struct *task)
{
	return BPF_CORE_READ(task, files, fdt);
}

/* The file at fd in the current process, NULL when fd is not open. */
static __always_inline struct file *fd_file(int fd)
{
	struct fdtable *fdt = task_fdt(bpf_get_current_task_btf());
	struct file **files, *f = NULL;

	if (fd < 0 || !fdt || (__u32)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	files = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &files[fd]);
	return f;
}

/* A walk over the words of the open-fds bitmap, optionally masked, within [lo, hi]. */
struct bits_walk {
	unsigned long *open;
	unsigned long *mask;	/* NULL: every open fd */
	__u64 lo, hi;
	__u64 first_word;
	__u64 count;
	__u32 tgid;
	bool drop;		/* delete the records of the fds found */
};

static long walk_word(__u64 i, struct bits_walk *w)
{
	__u64 idx = w->first_word + i, base = idx * 64, bits = 0, m = ~0ULL;
	struct fd_key key = { .tgid = w->tgid };
	int b;

	if (bpf_probe_read_kernel(&bits, sizeof(bits), &w->open[idx]))
		return 1;
	if (w->mask && !bpf_probe_read_kernel(&m, sizeof(m), &w->mask[idx]))
		bits &= m;
	else if (w->mask)
		return 1;
	if (base < w->lo)
		bits &= ~0ULL << ((w->lo - base) & 63);
	if (w->hi < base + 63)
		bits &= ~0ULL >> ((63 - (w->hi - base)) & 63);
	if (!w->drop) {
		w->count += __builtin_popcountll(bits);
		return 0;
	}
	for (b = 0; b < 64 && bits; b++) {
		/* the lowest set bit's index; clang 14 cannot lower ctz for BPF */
		key.fd = base + __builtin_popcountll((bits & -bits) - 1);
		bits &= bits - 1;
		bpf_map_delete_elem(&fd_records, &key);
		w->count++;
	}
	return 0;
}

/* Open fds of task in [lo, hi] (and in mask's bitmap, if given); drop: forget their records. */
static __always_inline __u64 walk_fds(struct task_struct *task, __u32 tgid, __u64 lo,
				      __u64 hi, bool cloexec, bool drop)
{
	struct fdtable *fdt = task_fdt(task);
	struct bits_walk w = { .lo = lo, .hi = hi, .tgid = tgid, .drop = drop };
	__u64 max, words;

	if (!fdt)
		return 0;
	max = BPF_CORE_READ(fdt, max_fds);
	if (!max || lo >= max)
		return 0;
	if (w.hi >= max)
		w.hi = max - 1;
	w.open = BPF_CORE_READ(fdt, open_fds);
	w.mask = cloexec ? BPF_CORE_READ(fdt, close_on_exec) : NULL;
	w.first_word = lo / 64;
	words = w.hi / 64 - w.first_word + 1;
	if (words > MAX_FD_WORDS)
		words = MAX_FD_WORDS;
	bpf_loop(words, walk_word, &w, 0);
	return w.count;
}

static __always_inline struct fd_call *thread_call(bool create)
{
	return bpf_task_storage_get(&fd_calls, bpf_get_current_task_btf(), 0,
				    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

/*
 * Unwind with the learned rules, then frame pointers. The number of frames in f->rets, or
 * -1 when a pc on the way has no rule yet: user space must unwind this one.
 */
static __noinline int unwind(struct fp_frames *f, struct unwind_key *key,
			     const struct user_regs *regs, __u64 top)
{
	struct unwind_rule r;
	__u64 ra, sp = regs->sp, bp = regs->bp;
	int n = 1, i;

	if (top) {
		f->rets[0] = top;
		f->rets[1] = regs->ip;
		n = 2;
	} else {
		f->rets[0] = regs->ip;
	}
	key->pc = regs->ip;
	for (i = 0; i < UNWIND_CFI_STEPS; i++) {
		if (unwind_rule_for(key, &r))
			return -1;
		/* asked about often enough: frame pointers have to do */
		if (r.type == RULE_FP || r.type == RULE_PENDING)
			break;
		if (r.type == RULE_END || !unwind_step(&r, &sp, &bp, &ra) || n >= MAX_STACK_DEPTH)
			return n;
		f->rets[n++] = ra;
		key->pc = ra;
	}
	return fp_walk(f, n, bp, sp);
}

/*
 * The stack at the registers in s, as a key in fd_stacks; 0 with s->seq set when it went to
 * user space instead.
 */
static __noinline __u64 capture_stack(struct fd_scratch *s)
{
	struct unwind_key key = { .tgid = s->tgid, .exec_gen = s->exec_gen };
	__u64 h = FNV_OFFSET, seq;	/* the same hash as bpf/alloc's */
	int n, i;

	s->seq = 0;
	n = unwind(&s->walk, &key, &s->regs, s->top);
	if (n < 0) {
		seq = __sync_fetch_and_add(&unwind_seq, 1) + 1;
		if (send_unwind(&key, &s->regs, UNWIND_FD, seq, s->top))
			__sync_fetch_and_add(&fd_drops.events_lost, 1);
		else
			s->seq = seq;
		return 0;
	}
	for (i = 0; i < MAX_STACK_DEPTH; i++) {
		if (i >= n)
			s->walk.rets[i] = 0;	/* the map value is zero-padded */
		else
			h = fnv(h, s->walk.rets[i]);
	}
	if (!h)
		h = 1;
	if (bpf_map_lookup_elem(&fd_stacks, &h))
		return h;
	if (!bpf_map_update_elem(&fd_stacks, &h, s->walk.rets, BPF_NOEXIST) ||
	    bpf_map_lookup_elem(&fd_stacks, &h))
		return h;
	__sync_fetch_and_add(&fd_drops.stacks_failed, 1);
	return 0;
}

/* include/uapi/linux/magic.h */
#define TMPFS_MAGIC 0x01021994
#define HUGETLBFS_MAGIC 0x958458f6
#define ANON_INODE_FS_MAGIC 0x09041934
#define PIPEFS_MAGIC 0x50495045
#define SOCKFS_MAGIC 0x534F434B
#define NSFS_MAGIC 0x6e736673
#define PID_FS_MAGIC 0x50494446

/* What /proc/PID/fd would say f is, kept for when it cannot be asked (the process exited). */
static __always_inline __u32 file_kind(struct file *f)
{
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);

	switch (BPF_CORE_READ(f, f_inode, i_sb, s_magic)) {
	case SOCKFS_MAGIC:
		return FDR_SOCKET;
	case PIPEFS_MAGIC:
		return FDR_PIPE;
	case ANON_INODE_FS_MAGIC:
	case PID_FS_MAGIC:
		return FDR_ANON;
	case NSFS_MAGIC:
		return FDR_OTHER;
	case TMPFS_MAGIC:
	case HUGETLBFS_MAGIC:
		/* memfd_create's files hang from no directory of the kernel's internal mount */
		if (BPF_CORE_READ(d, d_parent) == d && BPF_CORE_READ(f, f_path.mnt, mnt_root) != d)
			return FDR_ANON;
		return FDR_FILE;
	default:
		return FDR_FILE;
	}
}

static __noinline void add_record(struct fd_scratch *s, int fd, __u64 ts, __u64 stack)
{
	struct fd_key key = { .tgid = s->tgid, .fd = fd };
	struct fd_info info = {
		.ts_ns = ts, .stack = stack, .seq = s->seq, .exec_gen = s->exec_gen,
	};
	struct file *f = fd_file(fd);

	if (f) {
		info.ino = BPF_CORE_READ(f, f_inode, i_ino);
		info.kind = file_kind(f);
	}
	if (bpf_map_update_elem(&fd_records, &key, &info, BPF_ANY))
		__sync_fetch_and_add(&fd_drops.records_full, 1);
}

/* The int[2] pipe() and socketpair() filled. */
static __always_inline int read_pair(struct fd_scratch *s, __u64 uptr)
{
	__s32 pair[2];

	if (bpf_probe_read_user(pair, sizeof(pair), (void *)uptr))
		return 0;
	s->fds[0] = pair[0];
	s->fds[1] = pair[1];
	return 2;
}

/*
 * Fds received with SCM_RIGHTS in one message, after recvmsg filled it. Appends to s->fds
 * from *n; returns how many fds the message brought (they are all open now). Global, so the
 * verifier checks it once rather than once per message of a recvmmsg; one flat loop that
 * reads either a control message header or one fd, so it checks in linear time too.
 */
__noinline int scm_rights(struct fd_scratch *s, __u64 msg, int *n)
{
	struct {
		__u64 len;
		__s32 level;
		__s32 type;
	} c;
	__u64 ctl, len, off = 0, at = 0;
	int total = 0, left = 0, cmsgs = 0, i, fd, k;

	if (!s || !n)
		return 0;
	k = *n;
	if (bpf_probe_read_user(&ctl, sizeof(ctl), (void *)(msg + MSGHDR_CONTROL)) ||
	    bpf_probe_read_user(&len, sizeof(len), (void *)(msg + MSGHDR_CONTROLLEN)))
		return 0;
	for (i = 0; i < MAX_CMSGS + MAX_NEW_FDS; i++) {
		if (left > 0) {
			if (k < 0 || k >= MAX_NEW_FDS ||
			    bpf_probe_read_user(&fd, sizeof(fd), (void *)(ctl + at)))
				break;
			s->fds[k & (MAX_NEW_FDS - 1)] = fd;
			k++;
			at += sizeof(fd);
			left--;
			continue;
		}
		if (cmsgs++ >= MAX_CMSGS || off + sizeof(c) > len ||
		    bpf_probe_read_user(&c, sizeof(c), (void *)(ctl + off)) ||
		    c.len < sizeof(c) || c.len > len - off)
			break;
		if (c.level == SOL_SOCKET && c.type == SCM_RIGHTS) {
			left = (c.len - sizeof(c)) / sizeof(__s32);
			total += left;
			at = off + sizeof(c);
		}
		off += (c.len + 7) & ~7ULL;	/* CMSG_ALIGN */
	}
	*n = k;
	return total;
}

static __always_inline bool makes_fds(long id)
{
	switch (id) {
	case NR_open: case NR_creat: case NR_openat: case NR_openat2: case NR_open_by_handle_at:
	case NR_socket: case NR_accept: case NR_accept4: case NR_socketpair:
	case NR_pipe: case NR_pipe2: case NR_dup: case NR_dup2: case NR_dup3: case NR_fcntl:
	case NR_eventfd: case NR_eventfd2: case NR_epoll_create: case NR_epoll_create1:
	case NR_timerfd_create: case NR_signalfd: case NR_signalfd4: case NR_inotify_init:
	case NR_inotify_init1: case NR_memfd_create: case NR_pidfd_open: case NR_pidfd_getfd:
	case NR_recvmsg: case NR_recvmmsg:
	case NR_perf_event_open: case NR_userfaultfd: case NR_io_uring_setup:
	case NR_fanotify_init: case NR_mq_open: case NR_open_tree: case NR_fsopen:
	case NR_fsmount: case NR_fspick: case NR_landlock_create_ruleset: case NR_memfd_secret:
		return true;
	}
	return false;
}

/* Are the process's fd calls seen at its C library's wrappers (the tracepoints leave it be)? */
static __always_inline bool by_wrappers(__u32 tgid)
{
	struct proc_info *proc = bpf_map_lookup_elem(&procs, &tgid);

	return proc && (proc->flags & PROC_FD_WRAPPERS);
}

/*
 * A call's entry, for those that close fds or must look before the call: a[] holds its
 * first four arguments, call (NULL for the closes) what its exit will need.
 */
static __always_inline void call_enter(struct fd_stats *st, __u32 tgid, long id,
				       const __u64 *a, struct fd_call *call)
{
	struct task_struct *task;
	struct fd_key key;
	__u32 flags;
	__u64 lo, hi;
	int old, fd;

	switch (id) {
	case NR_close:
		/*
		 * Forget the record now, not at the exit: once the kernel has freed the slot,
		 * another thread may get the same number and record it before we return.
		 * close() releases an open fd even when it then reports an error.
		 */
		fd = a[0];
		key.tgid = tgid;
		key.fd = fd;
		bpf_map_delete_elem(&fd_records, &key);
		if (fd_file(fd))
			COUNT(st->closed, 1);
		break;
	case NR_close_range:
		lo = (__u32)a[0];
		hi = (__u32)a[1];
		flags = a[2];
		/* invalid calls close nothing; CLOSE_RANGE_CLOEXEC only marks them for exec */
		if (lo > hi || (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) ||
		    (flags & CLOSE_RANGE_CLOEXEC))
			break;
		task = bpf_get_current_task_btf();
		COUNT(st->closed, walk_fds(task, tgid, lo, hi, false, true));
		break;
	case NR_dup2:
	case NR_dup3:
		if (!call)
			break;
		old = a[0];
		fd = a[1];
		call->nr = id;
		call->noop = old == fd;
		call->closes = old != fd && fd_file(old) && fd_file(fd);
		break;
	case NR_execve:
	case NR_execveat:
		if (!call)
			break;
		call->nr = id;
		task = bpf_get_current_task_btf();
		call->cloexec = walk_fds(task, tgid, 0, ~0ULL, true, false);
		break;
	}
}

/*
 * A call that may have made fds returned ret (>= 0): record each with its time and the
 * stack at regs (the syscall's, or the caller's just after the wrapper returned).
 */
static __always_inline void call_return(struct fd_stats *st, __u32 tgid, long id,
					const __u64 *a, long ret, struct fd_call *call,
					__u64 ip, __u64 sp, __u64 bp, __u64 top)
{
	struct fd_scratch *s;
	__u64 ts, stack = 0, mmsg;
	__u32 zero = 0;
	struct proc_info *proc;
	int n = 0, total, i;

	s = bpf_map_lookup_elem(&fd_scratch, &zero);
	if (!s)
		return;

	switch (id) {
	case NR_pipe:
	case NR_pipe2:
		n = read_pair(s, a[0]);
		total = n;
		break;
	case NR_socketpair:
		n = read_pair(s, a[3]);
		total = n;
		break;
	case NR_recvmsg:
		total = scm_rights(s, a[1], &n);
		break;
	case NR_recvmmsg:
		total = 0;
		mmsg = a[1];
		for (i = 0; i < MAX_MMSGS && i < ret; i++)
			total += scm_rights(s, mmsg + i * MMSGHDR_SIZE, &n);
		break;
	case NR_dup2:
	case NR_dup3:
		if (call && call->nr == id) {
			call->nr = 0;
			if (call->noop)
				return;
			COUNT(st->closed, call->closes);
		}
		s->fds[0] = ret;
		n = total = 1;
		break;
	case NR_signalfd:
	case NR_signalfd4:
		if ((int)a[0] != -1)
			return;	/* changed the mask of an existing signalfd */
		s->fds[0] = ret;
		n = total = 1;
		break;
	case NR_fcntl:
		if (a[1] != F_DUPFD && a[1] != F_DUPFD_CLOEXEC)
			return;
		s->fds[0] = ret;
		n = total = 1;
		break;
	default:
		s->fds[0] = ret;
		n = total = 1;
		break;
	}
	if (!total)
		return;
	COUNT(st->opened, total);
	if (total > n)
		__sync_fetch_and_add(&fd_drops.records_full, total - n);
	if (!n)
		return;
	proc = bpf_map_lookup_elem(&procs, &tgid);
	s->tgid = tgid;
	s->exec_gen = proc ? proc->exec_gen : 0;
	s->seq = 0;
	if (capture_stacks) {
		s->regs.ip = ip;
		s->regs.sp = sp;
		s->regs.bp = bp;
		s->top = top;
		stack = capture_stack(s);
	}
	ts = bpf_ktime_get_ns();
	for (i = 0; i < MAX_NEW_FDS && i < n; i++)
		add_record(s, s->fds[i], ts, stack);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(fds_sys_enter, struct pt_regs *regs, long id)
{
	struct fd_call *call = NULL;
	struct fd_stats *st;
	__u32 tgid;
	__u64 a[4];

	/* the cheapest test first: this runs for every syscall on the host */
	if (id != NR_close && id != NR_close_range && id != NR_dup2 && id != NR_dup3 &&
	    id != NR_execve && id != NR_execveat)
		return 0;
	st = proc_stats(&tgid);
	if (!st || by_wrappers(tgid))
		return 0;
	if (id != NR_close && id != NR_close_range)
		call = thread_call(true);
	a[0] = regs->di;
	a[1] = regs->si;
	a[2] = regs->dx;
	a[3] = regs->r10;
	call_enter(st, tgid, id, a, call);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(fds_sys_exit, struct pt_regs *regs, long ret)
{
	long id = regs->orig_ax;
	struct fd_call *call = NULL;
	struct fd_stats *st;
	__u32 tgid;
	__u64 a[4];

	/* a successful exec does not come back here: sched_process_exec counts it */
	if (ret < 0 || !makes_fds(id))
		return 0;
	st = proc_stats(&tgid);
	if (!st || by_wrappers(tgid))
		return 0;
	if (id == NR_dup2 || id == NR_dup3)
		call = thread_call(false);
	a[0] = regs->di;
	a[1] = regs->si;
	a[2] = regs->dx;
	a[3] = regs->r10;
	call_return(st, tgid, id, a, ret, call, regs->ip, regs->sp, regs->bp, 0);
	return 0;
}

/*
 * Entry of a C library wrapper; the attach cookie is the syscall it makes, or
 * FD_COOKIE_SYSCALL for syscall(2) itself, whose first argument is the number. The
 * arguments are kept for the return, which sees only the result.
 */
SEC("uprobe")
int BPF_UPROBE(fds_wrapper_enter)
{
	long id = bpf_get_attach_cookie(ctx);
	__u64 a[4] = { PT_REGS_PARM1(ctx), PT_REGS_PARM2(ctx), PT_REGS_PARM3(ctx),
		       PT_REGS_PARM4(ctx) };
	struct fd_call *call = NULL;
	struct fd_stats *st;
	__u32 tgid;

	if (id == FD_COOKIE_SYSCALL) {
		id = a[0];
		a[0] = a[1];
		a[1] = a[2];
		a[2] = a[3];
		a[3] = PT_REGS_PARM5(ctx);
		if (!makes_fds(id) && id != NR_close && id != NR_close_range &&
		    id != NR_execve && id != NR_execveat)
			return 0;
	}
	st = proc_stats(&tgid);
	if (!st)
		return 0;
	if (id != NR_close && id != NR_close_range) {
		call = thread_call(true);
		if (!call)
			return 0;
		call->nr = id;
		/* frames are named as return addresses (by the byte before): one past its start */
		call->wrapper_pc = PT_REGS_IP(ctx) + 1;
		__builtin_memcpy(call->args, a, sizeof(a));
	}
	call_enter(st, tgid, id, a, call);
	return 0;
}

/* The wrapper returned: -1 (errno set) or what the syscall made. */
SEC("uretprobe")
int BPF_URETPROBE(fds_wrapper_return)
{
	long id = bpf_get_attach_cookie(ctx), ret = PT_REGS_RC(ctx);
	struct fd_call *call;
	struct fd_stats *st;
	__u64 a[4];
	__u32 tgid;

	st = proc_stats(&tgid);
	if (!st)
		return 0;
	call = thread_call(false);
	if (!call || !call->nr || (id != FD_COOKIE_SYSCALL && call->nr != id))
		return 0;
	id = call->nr;
	__builtin_memcpy(a, call->args, sizeof(a));
	/* ssize_t for recvmsg, int for the others: the upper half of RAX is not theirs */
	if (id != NR_recvmsg)
		ret = (int)ret;
	if (ret >= 0)
		call_return(st, tgid, id, a, ret, call, PT_REGS_IP(ctx), PT_REGS_SP(ctx),
			    PT_REGS_FP(ctx), call->wrapper_pc);
	call->nr = 0;
	return 0;
}

/*
 * An exec happened (the kernel closed the fds marked close-on-exec): a new image, and the
 * count its execve entry took. A command's first exec closes leakbpf's fds, not its own.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(fds_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct proc_info *proc;
	struct fd_call *call;
	struct fd_stats *st;
	__u32 tgid;

	st = proc_stats(&tgid);
	if (!st)
		return 0;
	call = thread_call(false);
	proc = bpf_map_lookup_elem(&procs, &tgid);
	if (proc)
		__sync_fetch_and_add(&proc->exec_gen, 1);
	if (proc && (proc->flags & PROC_SKIP_EXEC))
		__sync_fetch_and_and(&proc->flags, ~PROC_SKIP_EXEC);
	else if (call && (call->nr == NR_execve || call->nr == NR_execveat))
		COUNT(st->closed, call->cloexec);
	if (call)
		call->nr = 0;
	/* their records stay until the numbers are reused: user space checks the inode */
	return 0;
}

/*
 * The last thread of a traced process exits: what is still open is closed by the kernel.
 * Only the task argument is read (group_dead arrived in 6.16): signal->live, decremented
 * before this tracepoint, is 0 for the last thread; two threads exiting at once may both
 * see 0, so the process's flag makes the count happen once.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(fds_proc_exit, struct task_struct *task)
{
	struct fd_stats *st;
	struct proc_info *p;
	__u32 tgid;

	if (BPF_CORE_READ(task, signal, live.counter))
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	st = bpf_map_lookup_elem(&fd_stats, &tgid);
	if (!st)
		return 0;
	p = bpf_map_lookup_elem(&procs, &tgid);
	if (!p || (__sync_fetch_and_or(&p->flags, PROC_EXITED) & PROC_EXITED))
		return 0;
	/* files are released after this tracepoint (exit_files): the table is still whole */
	COUNT(st->closed_at_exit, walk_fds(task, tgid, 0, ~0ULL, false, false));
	return 0;
}

/*
 * _Exit() of a process leakbpf started: stop it until user space has read its fds, so
 * that a command's report shows what it left open, not the empty table after exit.
 */
SEC("uprobe")
int BPF_UPROBE(fds_exit_hold)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct fd_exit_event *e;
	struct proc_info *proc;

	proc = bpf_map_lookup_elem(&procs, &tgid);
	if (!proc || !(proc->flags & PROC_HOLD_EXIT))
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&fd_drops.events_lost, 1);
		return 0;
	}
	e->type = EV_FD_EXIT;
	e->tgid = tgid;
	e->stopped = 0;
	e->pad = 0;
	/* the signal is queued before the event is visible, so SIGCONT cannot overtake it */
	if (!bpf_send_signal(SIGSTOP)) {
		e->stopped = 1;
		__sync_fetch_and_and(&proc->flags, ~PROC_HOLD_EXIT);
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

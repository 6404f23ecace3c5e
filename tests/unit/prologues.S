/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Hand-written prologues for test_placement: each function exercises one rule of
 * user/proc/placement.c. They are decoded, never called.
 */
	.text

#define FUNC(name) .globl name; .type name, @function; name:
#define END(name) .size name, . - name

/* push first: the entry is emulated */
FUNC(pl_push_first)
	push	%r12
	mov	%rdi, %r12
	ret
END(pl_push_first)

/* endbr64, then push: skip the endbr64 */
FUNC(pl_endbr_push)
	endbr64
	push	%rbp
	ret
END(pl_endbr_push)

/* glibc's posix_memalign: a rip-relative compare only sets flags */
FUNC(pl_cmp_rip_push)
	cmpb	$0x0, pl_flag(%rip)
	push	%rbx
	ret
END(pl_cmp_rip_push)

/* moves into registers that are no arguments */
FUNC(pl_mov_other)
	mov	%rdi, %rbx
	xor	%eax, %eax
	push	%r12
	ret
END(pl_mov_other)

/* writes rsi: fine for a one-argument function, not for two */
FUNC(pl_writes_rsi)
	mov	$1, %esi
	push	%rbx
	ret
END(pl_writes_rsi)

/* reserves stack, then pushes: sp_delta 0x18, unless a return probe shares the site */
FUNC(pl_sub_rsp)
	sub	$0x18, %rsp
	push	%rbx
	ret
END(pl_sub_rsp)

/* any other stack pointer write stops the search */
FUNC(pl_lea_rsp)
	lea	-0x8(%rsp), %rsp
	push	%rbx
	ret
END(pl_lea_rsp)

/* glibc's free: free(NULL) returns at once */
FUNC(pl_free_null)
	test	%rdi, %rdi
	je	1f
	push	%rbp
	mov	%rdi, %rbp
	pop	%rbp
1:	ret
END(pl_free_null)

/* the same test, but the branch does something: the probe goes on the (emulated) je */
FUNC(pl_free_null_effect)
	test	%rdi, %rdi
	je	1f
	push	%rbp
	pop	%rbp
	ret
1:	mov	$1, %eax
	ret
END(pl_free_null_effect)

/* nothing emulated in reach: the entry */
FUNC(pl_no_emulated)
	mov	%rdi, %rax
	add	$1, %rax
	imul	%rax, %rax
	ret
END(pl_no_emulated)

/* glibc's reallocarray: an overflow check, then a tail jump out */
FUNC(pl_tail_jump)
	mov	%rsi, %rax
	mul	%rdx
	mov	%rax, %rsi
	jo	1f
	jmp	pl_push_first
1:	xor	%eax, %eax
	ret
END(pl_tail_jump)

	.data
pl_flag:
	.byte	0
	.section .note.GNU-stack, "", @progbits

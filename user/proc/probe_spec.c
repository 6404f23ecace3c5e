// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proc/probe_spec.h"

static int copy(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

/* A probe or provider name: not empty, nothing that belongs to a path or a list. */
static bool is_name(const char *s, size_t len)
{
	return len && strcspn(s, " \t/:") >= len;
}

int spec__parse(const char *text, struct probe_spec *out, const char **why)
{
	const char *last, *prev, *hash;

	memset(out, 0, sizeof(*out));
	if (copy(out->text, sizeof(out->text), text, strlen(text))) {
		*why = "too long";
		return -EINVAL;
	}
	if (!strncmp(text, "usdt:", 5)) {
		/*
		 * usdt:PATH:PROVIDER:NAME, or usdt:PROVIDER:NAME for the target's executable: the
		 * names are the last two fields, so the path may hold ':' itself.
		 */
		text += 5;
		last = strrchr(text, ':');
		if (!last || !is_name(last + 1, strlen(last + 1))) {
			*why = "expected usdt:PATH:PROVIDER:NAME or usdt:PROVIDER:NAME";
			return -EINVAL;
		}
		for (prev = last; prev > text && prev[-1] != ':'; prev--)
			;
		/* prev: the provider's first character; text: the path's, if any */
		if (!is_name(prev, last - prev)) {
			*why = "expected usdt:PATH:PROVIDER:NAME or usdt:PROVIDER:NAME";
			return -EINVAL;
		}
		if (copy(out->path, sizeof(out->path), text, prev > text ? prev - 1 - text : 0) ||
		    copy(out->provider, sizeof(out->provider), prev, last - prev) ||
		    copy(out->name, sizeof(out->name), last + 1, strlen(last + 1))) {
			*why = "a part is too long";
			return -EINVAL;
		}
		out->kind = SPEC_USDT;
		return 0;
	}
	last = strrchr(text, ':');
	if (last && (last == text || !last[1])) {
		*why = "expected SYMBOL or PATH:SYMBOL";
		return -EINVAL;
	}
	if (last && copy(out->path, sizeof(out->path), text, last - text)) {
		*why = "the path is too long";
		return -EINVAL;
	}
	text = last ? last + 1 : text;
	/* Go's symbols have package paths: "example.com/pkg.(*T).Method" */
	if (!*text || strpbrk(text, " \t")) {
		*why = "expected SYMBOL or PATH:SYMBOL";
		return -EINVAL;
	}
	hash = strrchr(text, '#');
	if (hash) {
		char *end;
		long n = strtol(hash + 1, &end, 10);

		if (hash == text || !hash[1] || *end || n < 1 || n > 9) {
			*why = "expected SYMBOL#N, N the argument from 1 to 9";
			return -EINVAL;
		}
		out->arg = n;
	}
	if (copy(out->symbol, sizeof(out->symbol), text, hash ? hash - text : strlen(text))) {
		*why = "the symbol name is too long";
		return -EINVAL;
	}
	out->kind = SPEC_SYMBOL;
	return 0;
}

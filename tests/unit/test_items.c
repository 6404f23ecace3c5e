// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/* --item/--batch SPECs (user/proc/probe_spec.c): every form of doc/design.md section 1, and bad ones. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "proc/probe_spec.h"

static struct probe_spec spec;

static void symbol(void **state)
{
	const char *why = NULL;

	assert_int_equal(spec__parse("process_item", &spec, &why), 0);
	assert_int_equal(spec.kind, SPEC_SYMBOL);
	assert_string_equal(spec.symbol, "process_item");
	assert_string_equal(spec.path, "");	/* the target's executable */
	assert_string_equal(spec.text, "process_item");
	/* C++ and versioned names are symbols too */
	assert_int_equal(spec__parse("_ZN7Batcher5flushEv", &spec, &why), 0);
	assert_string_equal(spec.symbol, "_ZN7Batcher5flushEv");
	assert_int_equal(spec__parse("handle.cold", &spec, &why), 0);
	assert_string_equal(spec.symbol, "handle.cold");
}

static void path_symbol(void **state)
{
	const char *why = NULL;

	assert_int_equal(spec__parse("/usr/lib/libitems.so:lib_item", &spec, &why), 0);
	assert_int_equal(spec.kind, SPEC_SYMBOL);
	assert_string_equal(spec.path, "/usr/lib/libitems.so");
	assert_string_equal(spec.symbol, "lib_item");
	assert_int_equal(spec__parse("build/libitems.so:lib_item", &spec, &why), 0);
	assert_string_equal(spec.path, "build/libitems.so");
	/* the symbol is after the last ':', the path may hold one */
	assert_int_equal(spec__parse("/opt/a:b/lib.so:f", &spec, &why), 0);
	assert_string_equal(spec.path, "/opt/a:b/lib.so");
	assert_string_equal(spec.symbol, "f");
}

static void usdt(void **state)
{
	const char *why = NULL;

	assert_int_equal(spec__parse("usdt:/usr/bin/batcher:batcher:item", &spec, &why), 0);
	assert_int_equal(spec.kind, SPEC_USDT);
	assert_string_equal(spec.path, "/usr/bin/batcher");
	assert_string_equal(spec.provider, "batcher");
	assert_string_equal(spec.name, "item");
	assert_string_equal(spec.text, "usdt:/usr/bin/batcher:batcher:item");
	assert_int_equal(spec__parse("usdt:/opt/a:b/lib.so:p:n", &spec, &why), 0);
	assert_string_equal(spec.path, "/opt/a:b/lib.so");
	assert_string_equal(spec.provider, "p");
	assert_string_equal(spec.name, "n");
	/* PATH left out, or empty: the target's executable */
	assert_int_equal(spec__parse("usdt:batcher:flush", &spec, &why), 0);
	assert_int_equal(spec.kind, SPEC_USDT);
	assert_string_equal(spec.path, "");
	assert_string_equal(spec.provider, "batcher");
	assert_string_equal(spec.name, "flush");
	assert_int_equal(spec__parse("usdt::batcher:flush", &spec, &why), 0);
	assert_string_equal(spec.path, "");
	assert_string_equal(spec.provider, "batcher");
	assert_string_equal(spec.name, "flush");
}

/* Go's names carry package paths and receivers; #N picks the argument to add up */
static void go_symbols(void **state)
{
	const char *why = NULL;

	assert_int_equal(spec__parse("example.com/batch.(*Batcher).flush", &spec, &why), 0);
	assert_string_equal(spec.symbol, "example.com/batch.(*Batcher).flush");
	assert_string_equal(spec.path, "");
	assert_int_equal(spec.arg, 0);
	assert_int_equal(spec__parse("main.flushBatch#2", &spec, &why), 0);
	assert_string_equal(spec.symbol, "main.flushBatch");
	assert_int_equal(spec.arg, 2);
	assert_string_equal(spec.text, "main.flushBatch#2");
	assert_int_equal(spec__parse("/srv/app:example.com/q.Put#9", &spec, &why), 0);
	assert_string_equal(spec.path, "/srv/app");
	assert_string_equal(spec.symbol, "example.com/q.Put");
	assert_int_equal(spec.arg, 9);
}

static void bad(void **state)
{
	static const char *const specs[] = {
		"", ":", ":sym", "lib.so:", "a b", "lib.so:a b", "f#0", "f#10", "f#", "#2",
		"f#x", "f#1x", "lib.so:#1",
		"usdt:", "usdt:item", "usdt::item", "usdt:p:", "usdt::", "usdt:::",
		"usdt:/bin/x:p::n", "usdt:/bin/x::n", "usdt:/bin/x:p:", "usdt:/bin/x:p/q:n",
		"usdt:/bin/x:p:n m", "usdt:/bin/x: p:n",
	};
	size_t i;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		const char *why = NULL;

		if (spec__parse(specs[i], &spec, &why) != -EINVAL || !why)
			fail_msg("'%s' was accepted", specs[i]);
		assert_true(strlen(why) > 0);
	}
}

static void too_long(void **state)
{
	static char text[PATH_MAX + 512];
	const char *why = NULL;

	/* a path longer than PATH_MAX */
	memset(text, 'a', PATH_MAX + 10);
	memcpy(text, "/", 1);
	strcpy(text + PATH_MAX + 10, ":f");
	assert_int_equal(spec__parse(text, &spec, &why), -EINVAL);
	assert_non_null(strstr(why, "too long"));
	/* a symbol name past its 255 characters */
	memset(text, 'f', 300);
	text[300] = '\0';
	assert_int_equal(spec__parse(text, &spec, &why), -EINVAL);
	assert_non_null(strstr(why, "too long"));
	/* the whole text past what a spec may hold */
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	assert_int_equal(spec__parse(text, &spec, &why), -EINVAL);
	assert_string_equal(why, "too long");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(symbol),
		cmocka_unit_test(path_symbol),
		cmocka_unit_test(usdt),
		cmocka_unit_test(go_symbols),
		cmocka_unit_test(bad),
		cmocka_unit_test(too_long),
	};

	return cmocka_run_group_tests_name("items", tests, NULL, NULL);
}

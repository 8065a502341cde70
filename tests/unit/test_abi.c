// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of sysguardd/abi.c: the version check a BPF object must pass,
 * and that both BPF objects the daemon embeds carry the ABI version they were
 * built for in their rodata (opened, not loaded: no root needed).  The
 * struct sizes are checked at build time by abi.c's _Static_asserts.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <linux/types.h>
#include <bpf/libbpf.h>
#include "abi.h"
#include "sysguard.h"
#include "sysguard.skel.h"
#include "enforce.skel.h"

static void test_check(void **state)
{
	char err[256] = "";

	assert_int_equal(abi_check("x.bpf.o", SG_ABI_VERSION, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(abi_check("x.bpf.o", SG_ABI_VERSION + 1, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "'x.bpf.o'"));
	assert_non_null(strstr(err, "kernel ABI"));
	assert_int_equal(abi_check("y.bpf.o", 0, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "'y.bpf.o' was built for kernel ABI 0"));
}

static void test_objects_carry_version(void **state)
{
	struct sysguard_bpf *s = sysguard_bpf__open();
	struct enforce_bpf *e = enforce_bpf__open();

	if (!s || !e) {
		sysguard_bpf__destroy(s);
		enforce_bpf__destroy(e);
		skip();
	}
	assert_int_equal(s->rodata->sg_abi_version, SG_ABI_VERSION);
	assert_int_equal(e->rodata->sg_abi_version, SG_ABI_VERSION);
	sysguard_bpf__destroy(s);
	enforce_bpf__destroy(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_objects_carry_version),
	};

	libbpf_set_print(NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

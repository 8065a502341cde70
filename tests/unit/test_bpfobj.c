// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of sysguardd/bpfobj.c: the ABI version read from each of the
 * daemon's BPF objects (opened, not loaded: no root needed), the check
 * refusing an object built for another ABI or one that did not open.
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
#include "bpfobj.h"
#include "sysguard.h"
#include "sysguard.skel.h"
#include "enforce.skel.h"
#include "lsm.skel.h"

static void each_object_carries_version(void **state)
{
	struct sysguard_bpf *s = sysguard_bpf__open();
	struct enforce_bpf *e = enforce_bpf__open();
	struct lsm_bpf *l = lsm_bpf__open();
	char err[256] = "";
	uint32_t v;

	if (!s || !e || !l) {
		sysguard_bpf__destroy(s);
		enforce_bpf__destroy(e);
		lsm_bpf__destroy(l);
		skip();
	}
	assert_int_equal(bpfobj_abi_version(s->obj, &v), 0);
	assert_int_equal(v, SG_ABI_VERSION);
	assert_int_equal(bpfobj_abi_version(e->obj, &v), 0);
	assert_int_equal(v, SG_ABI_VERSION);
	assert_int_equal(bpfobj_abi_version(l->obj, &v), 0);
	assert_int_equal(v, SG_ABI_VERSION);
	assert_int_equal(bpfobj_check(s->obj, "sysguard.bpf.o", "the BPF object", err,
				      sizeof(err)), 0);
	assert_int_equal(bpfobj_check(e->obj, "enforce.bpf.o", "the enforcement object", err,
				      sizeof(err)), 0);
	assert_int_equal(bpfobj_check(l->obj, "lsm.bpf.o", "the BPF-LSM object", err,
				      sizeof(err)), 0);
	assert_string_equal(err, "");
	sysguard_bpf__destroy(s);
	enforce_bpf__destroy(e);
	lsm_bpf__destroy(l);
}

/* The version is read where the skeleton's rodata is: another value there is refused. */
static void other_version_refused(void **state)
{
	struct lsm_bpf *l = lsm_bpf__open();
	char err[256] = "";
	uint32_t v;

	if (!l)
		skip();
	l->rodata->sg_abi_version = SG_ABI_VERSION + 1;
	assert_int_equal(bpfobj_abi_version(l->obj, &v), 0);
	assert_int_equal(v, SG_ABI_VERSION + 1);
	assert_int_equal(bpfobj_check(l->obj, "lsm.bpf.o", "the BPF-LSM object", err,
				      sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "'lsm.bpf.o' was built for kernel ABI"));
	lsm_bpf__destroy(l);
}

static void failed_open_refused(void **state)
{
	char err[256] = "";

	errno = ENOENT;
	assert_int_equal(bpfobj_check(NULL, "x.bpf.o", "the BPF object", err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "cannot open the BPF object: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_object_carries_version),
		cmocka_unit_test(other_version_refused),
		cmocka_unit_test(failed_open_refused),
	};

	libbpf_set_print(NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

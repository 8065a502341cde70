// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of the BPF-LSM probe: the active LSM list as securityfs gives it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "lsm.h"

static bool probe_text(const char *text, char *why, size_t len)
{
	char path[] = "/tmp/sg-lsm-XXXXXX";
	int fd = mkstemp(path);
	bool r;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	r = lsm_probe(path, why, len);
	unlink(path);
	return r;
}

static void test_probe(void **state)
{
	char why[256];

	assert_true(probe_text("lockdown,capability,landlock,yama,apparmor,tomoyo,bpf\n", why,
			       sizeof(why)));
	assert_true(probe_text("bpf", why, sizeof(why)));
	assert_false(probe_text("lockdown,capability,apparmor\n", why, sizeof(why)));
	assert_non_null(strstr(why, "lsm=...,bpf"));
	assert_false(probe_text("capability,bpfilter\n", why, sizeof(why)));
	assert_false(lsm_probe("/nonexistent/lsm", why, sizeof(why)));
	assert_non_null(strstr(why, "securityfs"));
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_probe) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}

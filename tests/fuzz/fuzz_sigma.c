// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the Sigma loader: one input is one Sigma file.  It is
 * converted (policy_sigma_text: YAML tree, condition parser, normal form,
 * modifiers, value escaping, the text output), and the policy text that comes
 * out must load without an error or a warning: whatever the converter
 * accepts, the policy engine must take as it is.  Refusals are fine; crashes,
 * leaks, undefined behaviour and unloadable output are not.  Build with
 * tests/fuzz/run-brief or Makefile.fuzz.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_sigma_opts o;
	struct policy_diag d;
	struct policy *p = NULL;
	char *out = NULL;
	int r;

	policy_sigma_opts_default(&o);
	policy_diag_init(&d);
	r = policy_sigma_text("fuzz.yml", (const char *)data, size, &o, &out, &d, NULL);
	policy_diag_fini(&d);
	if (r < 0)
		return 0; /* out of memory only */
	policy_diag_init(&d);
	if (policy_load_string("converted.yaml", out, strlen(out), &p, &d) < 0 || d.warnings) {
		fprintf(stderr, "converted text does not load cleanly:\n%s\n", out);
		policy_diag_print(&d, stderr);
		abort();
	}
	policy_free(p);
	policy_diag_fini(&d);
	free(out);
	return 0;
}

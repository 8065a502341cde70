/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sigma rules (https://sigmahq.io) as policy rules: the entry point of
 * 'sysguardctl policy import-sigma', which needs nothing of the daemon.  The
 * policy's 'sigma' key is in policy_int.h, the converter's internals in
 * policy_sigma_int.h.
 */
#ifndef SG_POLICY_SIGMA_H
#define SG_POLICY_SIGMA_H

#include <stdio.h>

/*
 * Convert the Sigma rule file PATH, or every *.yml and *.yaml under the
 * directory PATH, and print the equivalent policy to out (checked to load);
 * refusals, one per Sigma rule with its reason, and a summary line go to err.
 * Returns the exit code: 0 when at least one rule was converted, 1 otherwise
 * or when PATH could not be read.
 */
int policy_sigma_import_main(const char *path, FILE *out, FILE *err);

#endif /* SG_POLICY_SIGMA_H */

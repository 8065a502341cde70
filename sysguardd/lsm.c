// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The BPF-LSM probe (see lsm.h): the active LSMs are a comma-separated list
 * in securityfs; "bpf" must be one of them for BPF LSM programs to run
 * (CONFIG_BPF_LSM and lsm=...,bpf on the kernel command line).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "lsm.h"

bool lsm_probe(const char *path, char *why, size_t len)
{
	char buf[512], list[512], *tok, *save = NULL;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, len, "cannot read '%s' (%s): securityfs not mounted or no LSM list",
			 path, strerror(errno));
		return false;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		snprintf(why, len, "cannot read '%s': %s", path, strerror(errno));
		return false;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	memcpy(list, buf, sizeof(list)); /* strtok_r cuts buf */
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, "bpf")) {
			snprintf(why, len, "available");
			return true;
		}
	snprintf(why, len, "'bpf' is not among the active LSMs (%s): boot with lsm=...,bpf",
		 list[0] ? list : "none");
	return false;
}

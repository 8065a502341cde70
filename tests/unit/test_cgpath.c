// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for sysguardd/cgpath.c: every cgroup path shape of the runtimes
 * sysguard names (systemd and cgroupfs drivers, nested cgroups, Kubernetes
 * QoS classes), their helpers that are the host, and paths that only look
 * like a container's.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "cgpath.h"

#define ID1 "e4ccd71207c38e4b97f5e78a32e63892685a93e8fcda4addaa861d892c5c59e4"
#define ID2 "ffa7f216d4c4ba3e6a71cd8218d4b0a020a6fce105fa2f31247234fc595fd8b0"
#define UID "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
#define UID_ "0a1b2c3d_4e5f_6789_abcd_ef0123456789"

struct want {
	const char *path;
	int ret;
	enum ctr_runtime rt;
	const char *id;
	const char *pod_uid;
	const char *base; /* the container's own cgroup: path[0..base_len) */
};

static void check(const struct want *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct ctr_ref r;
		int ret;

		memset(&r, 0x55, sizeof(r));
		ret = cgpath_parse(w[i].path, &r);
		if (ret != w[i].ret)
			fail_msg("'%s': returned %d, want %d", w[i].path, ret, w[i].ret);
		if (ret < 0)
			continue;
		if (r.runtime != w[i].rt)
			fail_msg("'%s': runtime %s, want %s", w[i].path,
				 cgpath_runtime_name(r.runtime), cgpath_runtime_name(w[i].rt));
		if (strcmp(r.id, w[i].id ? w[i].id : ""))
			fail_msg("'%s': id '%s', want '%s'", w[i].path, r.id, w[i].id);
		if (strcmp(r.pod_uid, w[i].pod_uid ? w[i].pod_uid : ""))
			fail_msg("'%s': pod uid '%s', want '%s'", w[i].path, r.pod_uid,
				 w[i].pod_uid);
		if (ret == 1) {
			const char *base = w[i].base ? w[i].base : w[i].path;

			if (r.base_len != strlen(base) || strncmp(w[i].path, base, r.base_len))
				fail_msg("'%s': base '%.*s', want '%s'", w[i].path, (int)r.base_len,
					 w[i].path, base);
		}
	}
}

#define CTR(path, rt, id, uid, base) { path, 1, rt, id, uid, base }
#define HOST(path) { path, 0, CTR_RT_HOST, NULL, NULL, NULL }
#define BAD(path, err) { path, err, CTR_RT_HOST, NULL, NULL, NULL }
#define CHECK(tab) check(tab, sizeof(tab) / sizeof(tab[0]))

static void docker(void **state)
{
	static const struct want w[] = {
		CTR("/system.slice/docker-" ID1 ".scope", CTR_RT_DOCKER, ID1, NULL, NULL),
		CTR("/docker/" ID1, CTR_RT_DOCKER, ID1, NULL, NULL),
		CTR("/docker/" ID1 "/", CTR_RT_DOCKER, ID1, NULL, "/docker/" ID1),
		CTR("//docker//" ID1, CTR_RT_DOCKER, ID1, NULL, NULL),
		CTR("/docker/" ID1 "/sub/deeper", CTR_RT_DOCKER, ID1, NULL, "/docker/" ID1),
		CTR("/system.slice/docker-" ID1 ".scope/init.scope", CTR_RT_DOCKER, ID1, NULL,
		"/system.slice/docker-" ID1 ".scope"),
		/* rootless docker, under the user's manager */
		CTR("/user.slice/user-1000.slice/user@1000.service/docker-" ID1 ".scope", CTR_RT_DOCKER,
		ID1, NULL, NULL),
		/* docker in docker: the outer container, whose state is on the host */
		CTR("/docker/" ID1 "/docker/" ID2, CTR_RT_DOCKER, ID1, NULL, "/docker/" ID1),
		/* the daemon itself, and near misses */
		HOST("/system.slice/docker.service"),
		HOST("/docker"),
		HOST("/docker/" ID1 "0"),
		HOST("/docker/e4ccd71207c3"),
		HOST("/docker/E4CCD71207C38E4B97F5E78A32E63892685A93E8FCDA4ADDAA861D892C5C59E4"),
		HOST("/system.slice/docker-" ID1 ".service"),
		HOST("/system.slice/docker-" ID1 ".scopex"),
		HOST("/system.slice/docker-xyz.scope"),
		HOST("/notdocker/" ID1),
	};

	CHECK(w);
}

static void podman(void **state)
{
	static const struct want w[] = {
		/* cgroupfs driver, as podman runs on this kind of host */
		CTR("/libpod_parent/libpod-" ID1, CTR_RT_PODMAN, ID1, NULL, NULL),
		CTR("/libpod_parent/libpod-" ID1 "/init.scope", CTR_RT_PODMAN, ID1, NULL,
		"/libpod_parent/libpod-" ID1),
		/* systemd driver, and the sub-cgroup runc makes for a systemd container */
		CTR("/machine.slice/libpod-" ID1 ".scope", CTR_RT_PODMAN, ID1, NULL, NULL),
		CTR("/machine.slice/libpod-" ID1 ".scope/container", CTR_RT_PODMAN, ID1, NULL,
		"/machine.slice/libpod-" ID1 ".scope"),
		CTR("/machine.slice/libpod-" ID1 ".scope/container/system.slice/cron.service",
		CTR_RT_PODMAN, ID1, NULL, "/machine.slice/libpod-" ID1 ".scope"),
		/* in a pod */
		CTR("/machine.slice/machine-libpod_pod_" ID2 ".slice/libpod-" ID1 ".scope",
		CTR_RT_PODMAN, ID1, NULL, NULL),
		CTR("/libpod_parent/" ID2 "/libpod-" ID1, CTR_RT_PODMAN, ID1, NULL, NULL),
		/* rootless */
		CTR("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID1 ".scope",
		CTR_RT_PODMAN, ID1, NULL, NULL),
		/* conmon is podman's monitor, on the host */
		HOST("/machine.slice/libpod-conmon-" ID1 ".scope"),
		HOST("/libpod_parent/libpod-conmon-" ID1),
		HOST("/libpod_parent/conmon"),
		HOST("/libpod_parent"),
		HOST("/machine.slice/machine-libpod_pod_" ID2 ".slice"),
		HOST("/libpod_parent/libpod-" ID1 "x"),
	};

	CHECK(w);
}

static void kubernetes(void **state)
{
	static const struct want w[] = {
		/* containerd, systemd driver, each QoS class */
		CTR("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
		".slice/cri-containerd-" ID1 ".scope",
		CTR_RT_CONTAINERD, ID1, UID, NULL),
		CTR("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
		".slice/cri-containerd-" ID1 ".scope",
		CTR_RT_CONTAINERD, ID1, UID, NULL),
		CTR("/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID1 ".scope",
		CTR_RT_CONTAINERD, ID1, UID, NULL),
		/* kind: the node's kubelet slice prefixed */
		CTR("/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
		"kubelet-kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" ID1 ".scope",
		CTR_RT_CONTAINERD, ID1, UID, NULL),
		/* cgroupfs driver: the runtime is not in the path */
		CTR("/kubepods/besteffort/pod" UID "/" ID1, CTR_RT_CRI, ID1, UID, NULL),
		CTR("/kubepods/burstable/pod" UID "/" ID1, CTR_RT_CRI, ID1, UID, NULL),
		CTR("/kubepods/pod" UID "/" ID1, CTR_RT_CRI, ID1, UID, NULL),
		CTR("/kubepods/pod" UID "/" ID1 "/nested", CTR_RT_CRI, ID1, UID,
		"/kubepods/pod" UID "/" ID1),
		/* a static pod's uid is its config hash */
		CTR("/kubepods/burstable/pod0123456789abcdef0123456789abcdef/" ID1, CTR_RT_CRI, ID1,
		"0123456789abcdef0123456789abcdef", NULL),
		/* CRI-O, both drivers; its conmon is not the container */
		CTR("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
		".slice/crio-" ID1 ".scope",
		CTR_RT_CRIO, ID1, UID, NULL),
		CTR("/kubepods/besteffort/pod" UID "/crio-" ID1, CTR_RT_CRIO, ID1, UID, NULL),
		HOST("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
		 ".slice/crio-conmon-" ID1 ".scope"),
		CTR("/machine.slice/crio-" ID1 ".scope", CTR_RT_CRIO, ID1, NULL, NULL),
		/* docker as the kubelet's runtime (systemd driver) */
		CTR("/kubepods.slice/kubepods-pod" UID_ ".slice/docker-" ID1 ".scope", CTR_RT_DOCKER,
		ID1, UID, NULL),
		/* the pod and QoS cgroups themselves hold no container */
		HOST("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice"),
		HOST("/kubepods/besteffort/pod" UID),
		HOST("/kubepods/besteffort"),
		HOST("/kubepods"),
		/* a hex id under a pod, but not right below it */
		HOST("/kubepods/besteffort/pod" UID "/x/" ID1),
		/* "pod<uid>" outside kubepods means nothing */
		HOST("/pods/pod" UID "/" ID1),
		/* not a uid */
		HOST("/kubepods/besteffort/podxyz/" ID1),
		HOST("/kubepods/besteffort/pod/" ID1),
		HOST("/system.slice/kubelet.service"),
		HOST("/system.slice/containerd.service"),
	};

	CHECK(w);
}

static void machines(void **state)
{
	static const struct want w[] = {
		CTR("/machine.slice/systemd-nspawn@debian.service", CTR_RT_NSPAWN, "debian", NULL,
		NULL),
		CTR("/machine.slice/systemd-nspawn@my\\x2dbox.service", CTR_RT_NSPAWN, "my-box", NULL,
		NULL),
		CTR("/machine.slice/systemd-nspawn@debian.service/payload", CTR_RT_NSPAWN, "debian",
		NULL, "/machine.slice/systemd-nspawn@debian.service"),
		CTR("/machine.slice/systemd-nspawn@debian.service/payload/system.slice/cron.service",
		CTR_RT_NSPAWN, "debian", NULL, "/machine.slice/systemd-nspawn@debian.service"),
		CTR("/machine.slice/systemd-nspawn@debian.service/init.scope", CTR_RT_NSPAWN, "debian",
		NULL, "/machine.slice/systemd-nspawn@debian.service"),
		/* nspawn itself, next to the payload */
		HOST("/machine.slice/systemd-nspawn@debian.service/supervisor"),
		/* machined's scope, with systemd's escaping */
		CTR("/machine.slice/machine-test.scope", CTR_RT_MACHINED, "test", NULL, NULL),
		CTR("/machine.slice/machine-my\\x2dmachine.scope", CTR_RT_MACHINED, "my-machine", NULL,
		NULL),
		CTR("/machine.slice/machine-a\\x5cb.scope", CTR_RT_MACHINED, "a\\b", NULL, NULL),
		CTR("/machine.slice/machine-test.scope/payload/init.scope", CTR_RT_MACHINED, "test",
		NULL, "/machine.slice/machine-test.scope"),
		HOST("/machine.slice/machine-test.scope/supervisor"),
		/* an incomplete escape is kept as it is */
		CTR("/machine.slice/machine-a\\x2.scope", CTR_RT_MACHINED, "a\\x2", NULL, NULL),
		/* unescaped names that no machine has */
		BAD("/machine.slice/machine-a\\x2fb.scope", -EINVAL),
		BAD("/machine.slice/machine-\\x01.scope", -EINVAL),
		BAD("/machine.slice/machine-.scope", -EINVAL),
		BAD("/machine.slice/systemd-nspawn@.service", -EINVAL),
		BAD("/machine.slice/systemd-nspawn@\\x2e\\x2e.service", -EINVAL),
		/* machine- outside machine.slice, and the slice itself */
		HOST("/system.slice/machine-test.scope"),
		HOST("/machine.slice"),
		HOST("/machine.slice/machine-test.service"),
		HOST("/system.slice/systemd-machined.service"),
	};

	CHECK(w);
}

static void lxc(void **state)
{
	static const struct want w[] = {
		CTR("/lxc/web", CTR_RT_LXC, "web", NULL, NULL),
		CTR("/lxc/web/init.scope", CTR_RT_LXC, "web", NULL, "/lxc/web"),
		CTR("/lxc.payload.web", CTR_RT_LXC, "web", NULL, NULL),
		CTR("/lxc.payload.web/system.slice/sshd.service", CTR_RT_LXC, "web", NULL,
		"/lxc.payload.web"),
		CTR("/lxc.payload/web", CTR_RT_LXC, "web", NULL, NULL),
		CTR("/user.slice/user-1000.slice/user@1000.service/lxc.payload.web", CTR_RT_LXC, "web",
		NULL, NULL),
		/* the monitor is LXC's own process */
		HOST("/lxc.monitor.web"),
		HOST("/lxc.monitor.web"),
		HOST("/lxc"),
		HOST("/lxc.payload."),
		BAD("/lxc/..", -EINVAL),
	};

	CHECK(w);
}

static void host(void **state)
{
	static const struct want w[] = {
		HOST("/"),
		HOST("//"),
		HOST("/init.scope"),
		HOST("/system.slice/sshd.service"),
		HOST("/user.slice/user-1000.slice/session-3.scope"),
		HOST("/process_api/1df37c50fa82b4f2e7a682accb2147d6"),
		HOST("/" ID1),
		BAD("", -EINVAL),
		BAD("libpod_parent/libpod-" ID1, -EINVAL),
	};

	CHECK(w);
	assert_int_equal(cgpath_parse(NULL, &(struct ctr_ref){0}), -EINVAL);
}

static void bounds(void **state)
{
	char path[600], uid[80];
	struct ctr_ref r;

	/* a name of CTR_ID_MAX bytes fits, one more does not */
	snprintf(path, sizeof(path), "/lxc.payload.%0*d", CTR_ID_MAX, 0);
	assert_int_equal(cgpath_parse(path, &r), 1);
	assert_int_equal(strlen(r.id), CTR_ID_MAX);
	snprintf(path, sizeof(path), "/lxc.payload.%0*d", CTR_ID_MAX + 1, 0);
	assert_int_equal(cgpath_parse(path, &r), -ENAMETOOLONG);
	/* escapes count once unescaped */
	strcpy(path, "/machine.slice/machine-");
	for (int i = 0; i < CTR_ID_MAX; i++)
		strcat(path, "\\x2d");
	strcat(path, ".scope");
	assert_int_equal(cgpath_parse(path, &r), 1);
	assert_int_equal(strlen(r.id), CTR_ID_MAX);
	/* a pod uid of CTR_POD_UID_MAX bytes, and one too long */
	memset(uid, 'a', CTR_POD_UID_MAX);
	uid[CTR_POD_UID_MAX] = '\0';
	snprintf(path, sizeof(path), "/kubepods/pod%s/%s", uid, ID1);
	assert_int_equal(cgpath_parse(path, &r), 1);
	assert_string_equal(r.pod_uid, uid);
	snprintf(path, sizeof(path), "/kubepods/pod%sa/%s", uid, ID1);
	assert_int_equal(cgpath_parse(path, &r), -ENAMETOOLONG);
	/* the whole path: shorter than PATH_MAX */
	{
		char *p = malloc(PATH_MAX + 1);

		assert_non_null(p);
		memset(p, 'a', PATH_MAX);
		p[0] = '/';
		p[PATH_MAX - 1] = '\0';
		assert_int_equal(cgpath_parse(p, &r), 0);
		p[PATH_MAX - 1] = 'a';
		p[PATH_MAX] = '\0';
		assert_int_equal(cgpath_parse(p, &r), -ENAMETOOLONG);
		free(p);
	}
}

static void names(void **state)
{
	assert_string_equal(cgpath_runtime_name(CTR_RT_HOST), "host");
	assert_string_equal(cgpath_runtime_name(CTR_RT_PODMAN), "podman");
	assert_string_equal(cgpath_runtime_name(CTR_RT_CRIO), "cri-o");
	assert_string_equal(cgpath_runtime_name(CTR_RT_NSPAWN), "systemd-nspawn");
	assert_string_equal(cgpath_runtime_name(CTR_RT_MAX), "unknown");
	for (int i = 0; i < CTR_RT_MAX; i++)
		assert_non_null(cgpath_runtime_name(i));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(docker),
		cmocka_unit_test(podman),
		cmocka_unit_test(kubernetes),
		cmocka_unit_test(machines),
		cmocka_unit_test(lxc),
		cmocka_unit_test(host),
		cmocka_unit_test(bounds),
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

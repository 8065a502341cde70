/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's configuration (sysguard.yaml(5)): every setting has a default,
 * so the daemon runs without a file.  Command-line options override the file.
 */
#ifndef SG_CONFIG_H
#define SG_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel.h"
#include "redact.h"

#define SG_CONFIG_DEFAULT "/etc/sysguard/sysguard.yaml"
#define SG_POLICY_DEFAULT "/etc/sysguard/policies.d"
#define SG_POLICY_SHIPPED "/usr/share/sysguard/default.yaml"
#define SG_SOCKET_DEFAULT "/run/sysguard/sysguard.sock"
#define SG_OUTPUT_DEFAULT "/var/log/sysguard/events.ndjson"
#define SG_STATE_DEFAULT "/var/lib/sysguard"

struct config {
	bool family[SG_FAM_MAX];
	char output[4096];           /* "-" is stdout; "" is none */
	char policy[4096];
	char socket[108];
	char state_dir[4096];
	char admin_group[64];        /* besides root, may change state ("" none) */
	char host_root[256];         /* the host's "/" as mounted in the daemon's container; "" / */
	uint32_t ring_bytes;
	uint32_t wakeup_bytes;
	uint32_t batch_ms;           /* the longest an event waits in the ring */
	uint32_t proctable_max;
	int log_level;               /* LOG_ERR .. LOG_DEBUG */
	uint32_t journal_actions;    /* bit (1 << enum sg_action) */
	bool journal_drops;
	bool enforce;                /* load the network enforcement programs */
	bool release_on_stop;        /* clean stop: detach enforcement (default: keep it) */
	bool tel_hooked[KTEL_MAX];   /* telemetry.KIND: its hook's backend (telemetry.h), not
				      * "tracepoint" */
	int tel_syscalls;            /* telemetry.syscalls: enum tel_syscalls */
	char pin_dir[256];           /* under bpffs: pinned enforcement maps and links */
	/* metrics: Prometheus exposition (metrics.h); "" is off */
	char metrics_socket[108];    /* Unix socket */
	char metrics_listen[64];     /* "127.0.0.1:9477" */
	bool metrics_allow_remote;   /* a listen address that is not loopback */
	char metrics_textfile[4096]; /* node_exporter textfile, rewritten every interval */
	uint32_t metrics_interval_ms;
	uint32_t ctl_idle_sec;       /* control.idle_timeout; 0: the built-in default */
	bool ctl_read_own;           /* control.read_scope: own (read-level peers see their uid) */
	/* containers: naming each event's container (container.h) */
	bool ctr_enable;             /* containers.enable */
	uint32_t ctr_hold_ms;        /* containers.hold: how long an event waits for its lookup */
	char ctr_cgroup_root[256];   /* containers.cgroup_root; "": from /proc/self/mountinfo */
	char ctr_podman_socket[108]; /* containers.podman_socket; "": the default */
	char ctr_state_root[256];    /* containers.state_root: where the runtimes' state is ("" /) */
	int redact_argv_n;           /* redact.argv: -1 the built-in rules, else this many */
	char redact_argv[REDACT_RULES_MAX][REDACT_RULE_MAX];
};

void config_defaults(struct config *c);

/*
 * Load path into c (on top of what c holds).  A missing file is not an error
 * when optional.  On error returns -errno and writes "file:line:col: message"
 * into err.
 */
int config_load(struct config *c, const char *path, bool optional, char *err, size_t errlen);

/* --families: "process,file" switches those on and the others off.  0 or -EINVAL. */
int config_set_families(struct config *c, const char *list);

/* Parse "8M", "256K", "1048576". Returns 0 or -EINVAL. */
int config_parse_size(const char *s, uint64_t *ret);
/* Parse "50ms", "2s", "10m", "1h", "100" (seconds). Returns 0 or -EINVAL. */
int config_parse_duration_ms(const char *s, uint64_t *ret);

#endif /* SG_CONFIG_H */

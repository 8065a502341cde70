// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading sysguard.yaml with libyaml's document API (configuration is read
 * rarely; the node tree keeps every value's line and column for errors).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/socket.h>
#include <yaml.h>
#include "config.h"
#include "event.h"
#include "metrics_http.h"

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	for (int f = 0; f < SG_FAM_MAX; f++)
		c->family[f] = true;
	snprintf(c->output, sizeof(c->output), "-");
	snprintf(c->policy, sizeof(c->policy), "%s", SG_POLICY_DEFAULT);
	snprintf(c->socket, sizeof(c->socket), "%s", SG_SOCKET_DEFAULT);
	snprintf(c->state_dir, sizeof(c->state_dir), "%s", SG_STATE_DEFAULT);
	c->ring_bytes = 4u << 20;
	c->wakeup_bytes = 256u << 10;
	c->batch_ms = 50;
	c->proctable_max = 65536;
	c->log_level = LOG_INFO;
	c->journal_actions = (1u << SG_ACT_ALERT) | (1u << SG_ACT_BLOCK);
	c->journal_drops = true;
	c->enforce = true;
	c->release_on_stop = false;
	snprintf(c->pin_dir, sizeof(c->pin_dir), "/sys/fs/bpf/sysguard");
	c->metrics_interval_ms = 15000;
	c->redact_argv_n = -1;
	c->ctr_enable = true;
	c->ctr_hold_ms = 250;
}

/* An unsigned decimal: digits only (strtoull alone takes blanks, '+' and '-'). */
static int parse_u64(const char *s, char **end, unsigned long long *ret)
{
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*ret = strtoull(s, end, 10);
	return errno ? -EINVAL : 0;
}

int config_parse_size(const char *s, uint64_t *ret)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (parse_u64(s, &end, &v) < 0)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (shift && *end == 'i' && end[1] == 'B')
		end += 2;
	else if (*end == 'B')
		end++;
	if (*end || v > UINT64_MAX >> shift)
		return -EINVAL;
	*ret = v << shift;
	return 0;
}

int config_parse_duration_ms(const char *s, uint64_t *ret)
{
	unsigned long long v, mul;
	char *end;

	if (parse_u64(s, &end, &v) < 0)
		return -EINVAL;
	if (strcmp(end, "ms") == 0)
		mul = 1;
	else if (*end == '\0' || strcmp(end, "s") == 0)
		mul = 1000;
	else if (strcmp(end, "m") == 0)
		mul = 60 * 1000;
	else if (strcmp(end, "h") == 0)
		mul = 3600 * 1000;
	else if (strcmp(end, "d") == 0)
		mul = 86400 * 1000;
	else
		return -EINVAL;
	if (v > UINT64_MAX / mul)
		return -EINVAL;
	*ret = v * mul;
	return 0;
}

struct cfgparse {
	const char *path;
	yaml_document_t *doc;
	char *err;
	size_t errlen;
};

static int fail(struct cfgparse *p, yaml_node_t *n, const char *fmt, const char *arg)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, arg);
	snprintf(p->err, p->errlen, "%s:%zu:%zu: %s", p->path, n->start_mark.line + 1,
		 n->start_mark.column + 1, msg);
	return -EINVAL;
}

static const char *scalar(yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int get_bool(struct cfgparse *p, yaml_node_t *n, bool *ret)
{
	const char *s = scalar(n);

	if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on"))) {
		*ret = true;
		return 0;
	}
	if (s && (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off"))) {
		*ret = false;
		return 0;
	}
	return fail(p, n, "expected true or false%s", "");
}

static int get_str(struct cfgparse *p, yaml_node_t *n, char *out, size_t outlen)
{
	const char *s = scalar(n);

	if (!s)
		return fail(p, n, "expected a string%s", "");
	if (strlen(s) >= outlen)
		return fail(p, n, "value too long%s", "");
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

static int get_size(struct cfgparse *p, yaml_node_t *n, uint64_t min, uint64_t max, uint32_t *ret)
{
	const char *s = scalar(n);
	uint64_t v;

	if (!s || config_parse_size(s, &v) < 0)
		return fail(p, n, "expected a size such as '8M' or '65536'%s", "");
	if (v < min || v > max)
		return fail(p, n, "size '%s' out of range", s);
	*ret = v;
	return 0;
}

#define FOR_PAIRS(p, map, kn, vn)                                                         \
	for (yaml_node_pair_t *pair_ = (map)->data.mapping.pairs.start;                   \
	     pair_ < (map)->data.mapping.pairs.top &&                                     \
	     ((kn) = yaml_document_get_node((p)->doc, pair_->key),                        \
	      (vn) = yaml_document_get_node((p)->doc, pair_->value), 1);                  \
	     pair_++)

static int parse_families(struct cfgparse *p, struct config *c, yaml_node_t *map)
{
	yaml_node_t *k, *v;

	if (map->type != YAML_MAPPING_NODE)
		return fail(p, map, "'families' must be a mapping%s", "");
	FOR_PAIRS(p, map, k, v) {
		const char *name = scalar(k);
		int f;

		for (f = 0; f < SG_FAM_MAX; f++)
			if (name && !strcmp(name, kernel_family_name(f)))
				break;
		if (f == SG_FAM_MAX)
			return fail(p, k, "unknown family '%s' (process, file, network)",
				    name ? name : "?");
		if (get_bool(p, v, &c->family[f]) < 0)
			return -EINVAL;
	}
	return 0;
}

static int parse_ring(struct cfgparse *p, struct config *c, yaml_node_t *map)
{
	yaml_node_t *k, *v;

	if (map->type != YAML_MAPPING_NODE)
		return fail(p, map, "'ring' must be a mapping%s", "");
	FOR_PAIRS(p, map, k, v) {
		const char *name = scalar(k) ? scalar(k) : "?";

		if (!strcmp(name, "size")) {
			if (get_size(p, v, 64 << 10, 1u << 30, &c->ring_bytes) < 0)
				return -EINVAL;
			if (c->ring_bytes & (c->ring_bytes - 1))
				return fail(p, v, "ring size must be a power of two%s", "");
		} else if (!strcmp(name, "wakeup")) {
			if (get_size(p, v, 0, 1u << 30, &c->wakeup_bytes) < 0)
				return -EINVAL;
		} else if (!strcmp(name, "batch")) {
			uint64_t ms;

			if (!scalar(v) || config_parse_duration_ms(scalar(v), &ms) < 0 || ms < 1 ||
			    ms > 1000)
				return fail(p, v, "expected a duration from 1ms to 1s%s", "");
			c->batch_ms = ms;
		} else {
			return fail(p, k, "unknown setting 'ring.%s'", name);
		}
	}
	return 0;
}

static int parse_journal(struct cfgparse *p, struct config *c, yaml_node_t *map)
{
	yaml_node_t *k, *v;

	if (map->type != YAML_MAPPING_NODE)
		return fail(p, map, "'journal' must be a mapping%s", "");
	FOR_PAIRS(p, map, k, v) {
		const char *name = scalar(k) ? scalar(k) : "?";

		if (!strcmp(name, "actions")) {
			if (v->type != YAML_SEQUENCE_NODE)
				return fail(p, v, "'journal.actions' must be a list%s", "");
			c->journal_actions = 0;
			for (yaml_node_item_t *it = v->data.sequence.items.start;
			     it < v->data.sequence.items.top; it++) {
				yaml_node_t *a = yaml_document_get_node(p->doc, *it);
				int act = scalar(a) ? sg_action_from_name(scalar(a)) : -EINVAL;

				if (act < 0 || act == SG_ACT_ALLOW)
					return fail(p, a, "unknown action '%s' (log, alert, block)",
						    scalar(a) ? scalar(a) : "?");
				c->journal_actions |= 1u << act;
			}
		} else if (!strcmp(name, "drops")) {
			if (get_bool(p, v, &c->journal_drops) < 0)
				return -EINVAL;
		} else {
			return fail(p, k, "unknown setting 'journal.%s'", name);
		}
	}
	return 0;
}

static int parse_enforcement(struct cfgparse *p, struct config *c, yaml_node_t *map)
{
	yaml_node_t *k, *v;

	if (map->type != YAML_MAPPING_NODE)
		return fail(p, map, "'enforcement' must be a mapping%s", "");
	FOR_PAIRS(p, map, k, v) {
		const char *name = scalar(k) ? scalar(k) : "?";

		if (!strcmp(name, "enabled")) {
			if (get_bool(p, v, &c->enforce) < 0)
				return -EINVAL;
		} else if (!strcmp(name, "release_on_stop")) {
			if (get_bool(p, v, &c->release_on_stop) < 0)
				return -EINVAL;
		} else if (!strcmp(name, "pin_dir")) {
			if (get_str(p, v, c->pin_dir, sizeof(c->pin_dir)) < 0)
				return -EINVAL;
			if (strncmp(c->pin_dir, "/sys/fs/bpf/", 12) != 0)
				return fail(p, v, "'enforcement.pin_dir' must be under /sys/fs/bpf/%s", "");
		} else {
			return fail(p, k, "unknown setting 'enforcement.%s'", name);
		}
	}
	return 0;
}

/*
 * telemetry: where each kind of event comes from, "tracepoint" or its hook's
 * backend (telemetry.h): {open: lsm, exec: tp_btf, connect: cgroup, bind: cgroup};
 * and syscalls: auto, trampoline or tracepoint, for every syscall's programs.
 */
static int parse_telemetry(struct cfgparse *p, struct config *c, yaml_node_t *map)
{
	yaml_node_t *k, *v;

	if (map->type != YAML_MAPPING_NODE)
		return fail(p, map, "'telemetry' must be a mapping%s", "");
	FOR_PAIRS(p, map, k, v) {
		const char *name = scalar(k) ? scalar(k) : "?";
		const char *val = scalar(v);
		const struct kernel_tel_desc *t = NULL;
		int i;

		if (!strcmp(name, "syscalls")) {
			static const char *const names[] = { "auto", "trampoline", "tracepoint" };

			for (i = 0; i < 3 && !(val && !strcmp(val, names[i])); i++)
				;
			if (i == 3)
				return fail(p, v, "'telemetry.syscalls' must be auto, trampoline or "
						  "tracepoint, not '%s'", val ? val : "?");
			c->tel_syscalls = i;
			continue;
		}
		for (i = 0; i < KTEL_MAX && !t; i++)
			if (!strcmp(name, kernel_tel_desc(i)->kind))
				t = kernel_tel_desc(i);
		if (!t)
			return fail(p, k, "unknown setting 'telemetry.%s' (syscalls, open, exec, connect, "
				    "bind)", name);
		i--;
		if (val && !strcmp(val, "tracepoint"))
			c->tel_hooked[i] = false;
		else if (val && !strcmp(val, t->backend))
			c->tel_hooked[i] = true;
		else {
			char fmt[96]; /* from the table: no '%' but the one added */

			snprintf(fmt, sizeof(fmt), "'telemetry.%s' must be tracepoint or %s, not '%%s'",
				 t->kind, t->backend);
			return fail(p, v, fmt, val ? val : "?");
		}
	}
	return 0;
}

static int parse_metrics(struct cfgparse *p, struct config *c, yaml_node_t *map)
{
	yaml_node_t *k, *v, *listen = NULL;

	if (map->type != YAML_MAPPING_NODE)
		return fail(p, map, "'metrics' must be a mapping%s", "");
	FOR_PAIRS(p, map, k, v) {
		const char *name = scalar(k) ? scalar(k) : "?";
		int r = 0;

		if (!strcmp(name, "socket")) {
			r = get_str(p, v, c->metrics_socket, sizeof(c->metrics_socket));
			if (!r && c->metrics_socket[0] && c->metrics_socket[0] != '/')
				r = fail(p, v, "'metrics.socket' must be an absolute path%s", "");
		} else if (!strcmp(name, "listen")) {
			r = get_str(p, v, c->metrics_listen, sizeof(c->metrics_listen));
			listen = v;
		} else if (!strcmp(name, "allow_remote")) {
			r = get_bool(p, v, &c->metrics_allow_remote);
		} else if (!strcmp(name, "textfile")) {
			r = get_str(p, v, c->metrics_textfile, sizeof(c->metrics_textfile));
		} else if (!strcmp(name, "textfile_interval")) {
			const char *s = scalar(v);
			uint64_t ms;

			if (!s || config_parse_duration_ms(s, &ms) < 0 || ms < 1000 || ms > 3600000)
				r = fail(p, v, "expected a duration from 1s to 1h%s", "");
			else
				c->metrics_interval_ms = (uint32_t)ms;
		} else {
			r = fail(p, k, "unknown setting 'metrics.%s'", name);
		}
		if (r < 0)
			return r;
	}
	if (listen && c->metrics_listen[0]) {
		struct sockaddr_storage ss;
		unsigned int len;
		bool loopback;

		if (metrics_parse_listen(c->metrics_listen, &ss, &len, &loopback) < 0)
			return fail(p, listen, "expected '127.0.0.1:PORT' or '[::1]:PORT', not '%s'",
				    c->metrics_listen);
		if (!loopback && !c->metrics_allow_remote)
			return fail(p, listen, "'%s' is not a loopback address (allowed only with "
				    "'metrics.allow_remote: true')", c->metrics_listen);
	}
	return 0;
}

static int parse_control(struct cfgparse *p, struct config *c, yaml_node_t *map)
{
	yaml_node_t *k, *v;

	if (map->type != YAML_MAPPING_NODE)
		return fail(p, map, "'control' must be a mapping%s", "");
	FOR_PAIRS(p, map, k, v) {
		const char *name = scalar(k) ? scalar(k) : "?";

		if (!strcmp(name, "idle_timeout")) {
			uint64_t ms;

			if (!scalar(v) || config_parse_duration_ms(scalar(v), &ms) < 0 ||
			    ms < 1000 || ms > 3600 * 1000)
				return fail(p, v, "expected a duration from 1s to 1h%s", "");
			c->ctl_idle_sec = (uint32_t)(ms / 1000);
		} else if (!strcmp(name, "read_scope")) {
			const char *s = scalar(v);

			if (s && !strcmp(s, "all"))
				c->ctl_read_own = false;
			else if (s && !strcmp(s, "own"))
				c->ctl_read_own = true;
			else
				return fail(p, v, "'control.read_scope' must be 'all' or 'own'%s", "");
		} else {
			return fail(p, k, "unknown setting 'control.%s'", name);
		}
	}
	return 0;
}

static int parse_redact(struct cfgparse *p, struct config *c, yaml_node_t *map)
{
	yaml_node_t *k, *v;

	if (map->type != YAML_MAPPING_NODE)
		return fail(p, map, "'redact' must be a mapping%s", "");
	FOR_PAIRS(p, map, k, v) {
		const char *name = scalar(k) ? scalar(k) : "?";
		size_t n = 0;

		if (strcmp(name, "argv") != 0)
			return fail(p, k, "unknown setting 'redact.%s'", name);
		if (v->type != YAML_SEQUENCE_NODE)
			return fail(p, v, "'redact.argv' must be a list%s", "");
		for (yaml_node_item_t *it = v->data.sequence.items.start;
		     it < v->data.sequence.items.top; it++, n++) {
			yaml_node_t *a = yaml_document_get_node(p->doc, *it);
			const char *rule = a ? scalar(a) : NULL;
			struct redact *one;

			if (n >= REDACT_RULES_MAX)
				return fail(p, a, "more than 64 rules in 'redact.argv'%s", "");
			if (!rule || get_str(p, a, c->redact_argv[n], sizeof(c->redact_argv[n])) < 0)
				return fail(p, a, "expected a rule such as '--password=*'%s", "");
			one = redact_new(&rule, 1, NULL);
			if (!one)
				return fail(p, a, "bad redaction rule '%s' ([PROG:]ARG or ARG*, "
					    "a '*' only at the end)", rule);
			redact_free(one);
		}
		c->redact_argv_n = (int)n;
	}
	return 0;
}

static int parse_containers(struct cfgparse *p, struct config *c, yaml_node_t *map)
{
	yaml_node_t *k, *v;

	if (map->type != YAML_MAPPING_NODE)
		return fail(p, map, "'containers' must be a mapping%s", "");
	FOR_PAIRS(p, map, k, v) {
		const char *name = scalar(k) ? scalar(k) : "?";
		int r = 0;

		if (!strcmp(name, "enable")) {
			r = get_bool(p, v, &c->ctr_enable);
		} else if (!strcmp(name, "hold")) {
			const char *s = scalar(v);
			uint64_t ms;

			if (!s || config_parse_duration_ms(s, &ms) < 0 || ms > 5000)
				r = fail(p, v, "expected a duration from 0 to 5s%s", "");
			else
				c->ctr_hold_ms = (uint32_t)ms;
		} else if (!strcmp(name, "cgroup_root")) {
			r = get_str(p, v, c->ctr_cgroup_root, sizeof(c->ctr_cgroup_root));
		} else if (!strcmp(name, "podman_socket")) {
			r = get_str(p, v, c->ctr_podman_socket, sizeof(c->ctr_podman_socket));
		} else if (!strcmp(name, "state_root")) {
			r = get_str(p, v, c->ctr_state_root, sizeof(c->ctr_state_root));
		} else {
			r = fail(p, k, "unknown setting 'containers.%s'", name);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_root(struct cfgparse *p, struct config *c, yaml_node_t *root)
{
	yaml_node_t *k, *v;

	if (root->type != YAML_MAPPING_NODE)
		return fail(p, root, "the configuration must be a mapping%s", "");
	FOR_PAIRS(p, root, k, v) {
		const char *name = scalar(k) ? scalar(k) : "?";
		int r = 0;

		if (!strcmp(name, "families"))
			r = parse_families(p, c, v);
		else if (!strcmp(name, "telemetry"))
			r = parse_telemetry(p, c, v);
		else if (!strcmp(name, "output"))
			r = get_str(p, v, c->output, sizeof(c->output));
		else if (!strcmp(name, "policy"))
			r = get_str(p, v, c->policy, sizeof(c->policy));
		else if (!strcmp(name, "socket"))
			r = get_str(p, v, c->socket, sizeof(c->socket));
		else if (!strcmp(name, "state_dir"))
			r = get_str(p, v, c->state_dir, sizeof(c->state_dir));
		else if (!strcmp(name, "admin_group"))
			r = get_str(p, v, c->admin_group, sizeof(c->admin_group));
		else if (!strcmp(name, "host_root")) {
			r = get_str(p, v, c->host_root, sizeof(c->host_root));
			if (!r && *c->host_root && c->host_root[0] != '/')
				r = fail(p, v, "'host_root' must be an absolute path%s", "");
		}
		else if (!strcmp(name, "ring"))
			r = parse_ring(p, c, v);
		else if (!strcmp(name, "journal"))
			r = parse_journal(p, c, v);
		else if (!strcmp(name, "enforcement"))
			r = parse_enforcement(p, c, v);
		else if (!strcmp(name, "metrics"))
			r = parse_metrics(p, c, v);
		else if (!strcmp(name, "control"))
			r = parse_control(p, c, v);
		else if (!strcmp(name, "redact"))
			r = parse_redact(p, c, v);
		else if (!strcmp(name, "containers"))
			r = parse_containers(p, c, v);
		else if (!strcmp(name, "process_table_size")) {
			uint32_t n;

			r = get_size(p, v, 64, 4u << 20, &n);
			if (!r)
				c->proctable_max = n;
		} else if (!strcmp(name, "log_level")) {
			static const char *const lv[] = { "error", "warning", "notice", "info",
							  "debug" };
			const char *s = scalar(v);
			size_t i;

			for (i = 0; s && i < 5; i++)
				if (!strcmp(s, lv[i]))
					break;
			if (!s || i == 5)
				r = fail(p, v, "unknown log level '%s' (error, warning, notice, info, debug)",
					 s ? s : "?");
			else
				c->log_level = LOG_ERR + i;
		} else {
			r = fail(p, k, "unknown setting '%s'", name);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int config_load(struct config *c, const char *path, bool optional, char *err, size_t errlen)
{
	struct cfgparse p = { .path = path, .err = err, .errlen = errlen };
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	struct config tmp = *c;
	FILE *f;
	int r;

	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		if (optional && r == -ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s:%zu:%zu: %s", path, parser.problem_mark.line + 1,
			 parser.problem_mark.column + 1,
			 parser.problem ? parser.problem : "malformed YAML");
		yaml_parser_delete(&parser);
		fclose(f);
		return -EINVAL;
	}
	p.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	r = root ? parse_root(&p, &tmp, root) : 0; /* an empty file is all defaults */
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(f);
	if (r == 0)
		*c = tmp;
	return r;
}

int config_set_families(struct config *c, const char *list)
{
	char buf[128], *tok, *save = NULL;

	if (strlen(list) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, list);
	for (int f = 0; f < SG_FAM_MAX; f++)
		c->family[f] = false;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int f;

		for (f = 0; f < SG_FAM_MAX; f++)
			if (!strcmp(tok, kernel_family_name(f)))
				break;
		if (f == SG_FAM_MAX)
			return -EINVAL;
		c->family[f] = true;
	}
	return 0;
}

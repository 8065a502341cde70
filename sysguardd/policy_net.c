// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Block rules the kernel can carry out: connect and bind rules whose only
 * conditions are sets of addresses, ports, protocols and families, and
 * conditions on the container (container.*, k8s.*: the rule is scoped to the
 * containers that match, a cgroup each).  They are expanded here into
 * (address block, port range, protocol) triples for the network enforcer;
 * every other block rule is monitor-only, and the loader says so with the
 * rule's position.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include "policy_int.h"

#define EV_NETBLOCK ((1u << SG_EV_CONNECT) | (1u << SG_EV_BIND))

bool policy_rule_netblockable(const struct prule *r, const char **why)
{
	if (r->events & ~EV_NETBLOCK) {
		*why = "only connect and bind can be blocked";
		return false;
	}
	if (r->nexcept) {
		*why = "exceptions cannot be enforced in the kernel";
		return false;
	}
	for (size_t i = 0; i < r->nmatch; i++)
		for (size_t j = 0; j < r->match[i].n; j++) {
			const struct pfieldcond *c = &r->match[i].conds[j];

			if (policy_field_is_container(c->field))
				continue; /* the scope: judged against each container, not per call */
			if (!policy_field_is_net(c->field)) {
				*why = "only net.addr, net.port, net.proto and net.family "
				       "conditions, and conditions on the container, can be enforced "
				       "in the kernel";
				return false;
			}
			for (size_t k = 0; k < c->nops; k++)
				if (c->ops[k].kind != OP_IN) {
					*why = "'not' cannot be enforced in the kernel";
					return false;
				}
		}
	return true;
}

bool policy_field_is_net(enum pfield f)
{
	return f == FLD_NET_ADDR || f == FLD_NET_PORT || f == FLD_NET_PROTO || f == FLD_NET_FAMILY;
}

bool policy_field_is_container(enum pfield f)
{
	switch (f) {
	case FLD_CTR_HOST: case FLD_CTR_ID: case FLD_CTR_NAME: case FLD_CTR_IMAGE:
	case FLD_CTR_IMAGE_ID: case FLD_CTR_RUNTIME: case FLD_CTR_PRIVILEGED: case FLD_CTR_LABEL:
	case FLD_K8S_POD: case FLD_K8S_NAMESPACE: case FLD_K8S_CONTAINER:
		return true;
	default:
		return false;
	}
}

/* Whether the set names the container (then its blocks are scoped to the matching ones). */
static bool scoped(const struct pcondset *cs)
{
	for (size_t i = 0; cs && i < cs->n; i++)
		if (policy_field_is_container(cs->conds[i].field))
			return true;
	return false;
}

static const struct pop *find_op(const struct pcondset *cs, enum pfield f)
{
	for (size_t i = 0; i < cs->n; i++)
		if (cs->conds[i].field == f)
			return &cs->conds[i].ops[0];
	return NULL;
}

static int expand(const struct prule *r, size_t idx, const struct pcondset *cs,
		  policy_net_block_fn fn, void *arg)
{
	static const struct addr_cidr any4 = { .family = AF_INET };
	static const struct addr_cidr any6 = { .family = AF_INET6 };
	static const struct prange anyport = { 0, 65535 };
	const struct pop *addr = cs ? find_op(cs, FLD_NET_ADDR) : NULL;
	const struct pop *port = cs ? find_op(cs, FLD_NET_PORT) : NULL;
	const struct pop *proto = cs ? find_op(cs, FLD_NET_PROTO) : NULL;
	const struct pop *fam = cs ? find_op(cs, FLD_NET_FAMILY) : NULL;
	struct addr_cidr anys[2] = { any4, any6 };
	const struct addr_cidr *cidrs = addr ? addr->cidrs : anys;
	size_t ncidrs = addr ? addr->n : 2;
	const struct prange *ports = port ? port->ranges : &anyport;
	size_t nports = port ? port->n : 1;
	uint32_t fmask = fam ? fam->mask : 3; /* bit 0 inet, bit 1 inet6 */
	uint8_t protocol = 0; /* both */
	int n = 0, q;

	if (proto && (proto->mask & 3) == 1)
		protocol = IPPROTO_TCP;
	else if (proto && (proto->mask & 3) == 2)
		protocol = IPPROTO_UDP;
	for (size_t a = 0; a < ncidrs; a++) {
		if (!(fmask & (cidrs[a].family == AF_INET ? 1 : 2)))
			continue;
		for (size_t k = 0; k < nports; k++) {
			struct policy_net_block b = {
				.rule = idx,
				.id = r->id,
				.connect = r->events & (1u << SG_EV_CONNECT),
				.bind = r->events & (1u << SG_EV_BIND),
				.net = cidrs[a],
				.port_lo = (uint16_t)ports[k].lo,
				.port_hi = (uint16_t)(ports[k].hi > 65535 ? 65535 : ports[k].hi),
				.proto = protocol,
				.scope = scoped(cs) ? cs : NULL,
			};

			q = fn(arg, &b);
			if (q < 0)
				return q;
			n++;
		}
	}
	return n;
}

int policy_net_blocks(const struct policy *p, policy_net_block_fn fn, void *arg)
{
	const char *why;
	int n = 0, q;

	for (size_t i = 0; i < p->nrules; i++) {
		const struct prule *r = &p->rules[i];

		if (!r->enabled || r->action != SG_ACT_BLOCK || !policy_rule_netblockable(r, &why))
			continue;
		if (r->nmatch == 0) {
			q = expand(r, i, NULL, fn, arg);
			if (q < 0)
				return q;
			n += q;
		}
		for (size_t j = 0; j < r->nmatch; j++) {
			q = expand(r, i, &r->match[j], fn, arg);
			if (q < 0)
				return q;
			n += q;
		}
	}
	return n;
}

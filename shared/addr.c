// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Address, CIDR and port parsing for the policy engine and the network
 * blocking rules: inet_pton for the addresses, strtoul with errno, end
 * pointer and range checks for the numbers.  No allocation, no logging.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include "addr.h"

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* A decimal number of at most max, the whole of s[0..len). */
static int parse_uint(const char *s, size_t len, unsigned long max, unsigned long *ret)
{
	char buf[16], *end;
	unsigned long v;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_ip_n(const char *s, size_t len, struct addr_cidr *ret, const char **why)
{
	char buf[INET6_ADDRSTRLEN + 1];

	*why = "not an IP address";
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(ret, 0, sizeof(*ret));
	if (inet_pton(AF_INET, buf, ret->addr) == 1) {
		ret->family = AF_INET;
		ret->prefix = 32;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, ret->addr) == 1) {
		ret->family = AF_INET6;
		ret->prefix = 128;
		return 0;
	}
	return -EINVAL;
}

int addr_parse_ip(const char *s, struct addr_cidr *ret, const char **why)
{
	struct addr_cidr c;
	int r;

	r = parse_ip_n(s, strlen(s), &c, why);
	if (r < 0)
		return r;
	*ret = c;
	return 0;
}

static bool host_bits_zero(const struct addr_cidr *c)
{
	unsigned int bits = c->family == AF_INET ? 32 : 128;

	for (unsigned int i = c->prefix; i < bits; i++)
		if (c->addr[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

static int parse_cidr_n(const char *s, size_t len, struct addr_cidr *ret, const char **why)
{
	const char *slash = memchr(s, '/', len);
	struct addr_cidr c;
	unsigned long prefix;
	int r;

	r = parse_ip_n(s, slash ? (size_t)(slash - s) : len, &c, why);
	if (r < 0)
		return r;
	if (slash) {
		if (parse_uint(slash + 1, len - (size_t)(slash + 1 - s), c.prefix, &prefix) < 0) {
			*why = c.family == AF_INET ? "prefix length is not 0..32" :
						     "prefix length is not 0..128";
			return -EINVAL;
		}
		c.prefix = (uint8_t)prefix;
		if (!host_bits_zero(&c)) {
			*why = "host bits set below the prefix length";
			return -EINVAL;
		}
	}
	*ret = c;
	return 0;
}

int addr_parse_cidr(const char *s, struct addr_cidr *ret, const char **why)
{
	return parse_cidr_n(s, strlen(s), ret, why);
}

int addr_parse_port(const char *s, uint16_t *ret, const char **why)
{
	unsigned long v;

	if (parse_uint(s, strlen(s), 65535, &v) < 0) {
		*why = "port is not a number 0..65535";
		return -EINVAL;
	}
	*ret = (uint16_t)v;
	return 0;
}

static int parse_range_n(const char *s, size_t len, struct addr_port_range *ret, const char **why)
{
	const char *dash = memchr(s, '-', len);
	unsigned long lo, hi;

	*why = "port is not a number 0..65535";
	if (parse_uint(s, dash ? (size_t)(dash - s) : len, 65535, &lo) < 0)
		return -EINVAL;
	hi = lo;
	if (dash && parse_uint(dash + 1, len - (size_t)(dash + 1 - s), 65535, &hi) < 0)
		return -EINVAL;
	if (lo > hi) {
		*why = "port range runs backwards";
		return -EINVAL;
	}
	ret->lo = (uint16_t)lo;
	ret->hi = (uint16_t)hi;
	return 0;
}

int addr_parse_port_range(const char *s, struct addr_port_range *ret, const char **why)
{
	return parse_range_n(s, strlen(s), ret, why);
}

int addr_parse_endpoint(const char *s, struct addr_endpoint *ret, const char **why)
{
	struct addr_endpoint e = { 0 };
	size_t len = strlen(s);
	const char *port = NULL;
	int r;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		const char *rest;

		if (!close) {
			*why = "missing ']'";
			return -EINVAL;
		}
		r = parse_cidr_n(s + 1, (size_t)(close - s - 1), &e.net, why);
		if (r < 0)
			return r;
		rest = close + 1;
		if (*rest == '/') {
			/* "[2001:db8::]/32:443" */
			const char *colon = strchr(rest, ':');
			size_t plen = colon ? (size_t)(colon - rest - 1) : strlen(rest + 1);
			unsigned long prefix;

			if (e.net.prefix != (e.net.family == AF_INET ? 32 : 128) ||
			    parse_uint(rest + 1, plen, e.net.prefix, &prefix) < 0) {
				*why = "bad prefix length";
				return -EINVAL;
			}
			e.net.prefix = (uint8_t)prefix;
			if (!host_bits_zero(&e.net)) {
				*why = "host bits set below the prefix length";
				return -EINVAL;
			}
			rest = colon ? colon : rest + strlen(rest);
		}
		if (*rest == ':')
			port = rest + 1;
		else if (*rest) {
			*why = "junk after ']'";
			return -EINVAL;
		}
	} else {
		const char *colon = strchr(s, ':');

		/* One colon: IPv4 with a port; more: a bare IPv6 address. */
		if (colon && !strchr(colon + 1, ':')) {
			port = colon + 1;
			len = (size_t)(colon - s);
		}
		r = parse_cidr_n(s, len, &e.net, why);
		if (r < 0)
			return r;
	}
	if (port) {
		r = parse_range_n(port, strlen(port), &e.ports, why);
		if (r < 0)
			return r;
		e.has_port = true;
	}
	*ret = e;
	return 0;
}

bool addr_cidr_match(const struct addr_cidr *c, int family, const uint8_t addr[16])
{
	unsigned int full, rem;

	if (family == AF_INET6 && c->family == AF_INET && memcmp(addr, v4mapped, 12) == 0)
		addr += 12;
	else if (family != c->family)
		return false;
	full = c->prefix / 8;
	rem = c->prefix % 8;
	if (memcmp(addr, c->addr, full) != 0)
		return false;
	if (rem) {
		uint8_t mask = (uint8_t)(0xff << (8 - rem));

		return (addr[full] & mask) == c->addr[full];
	}
	return true;
}

int addr_format_cidr(const struct addr_cidr *c, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	unsigned int full = c->family == AF_INET ? 32 : 128;
	int n;

	if (!inet_ntop(c->family, c->addr, ip, sizeof(ip)))
		return -errno;
	if (c->prefix == full)
		n = snprintf(buf, len, "%s", ip);
	else
		n = snprintf(buf, len, "%s/%u", ip, c->prefix);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

int addr_format_endpoint(const struct addr_endpoint *e, char *buf, size_t len)
{
	char net[ADDR_STR_MAX], ports[16];
	int n, r;

	r = addr_format_cidr(&e->net, net, sizeof(net));
	if (r < 0)
		return r;
	if (!e->has_port)
		n = snprintf(buf, len, "%s", net);
	else {
		if (e->ports.lo == e->ports.hi)
			snprintf(ports, sizeof(ports), "%u", e->ports.lo);
		else
			snprintf(ports, sizeof(ports), "%u-%u", e->ports.lo, e->ports.hi);
		if (e->net.family == AF_INET6)
			n = snprintf(buf, len, "[%s]:%s", net, ports);
		else
			n = snprintf(buf, len, "%s:%s", net, ports);
	}
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

int addr_cidr_cmp(const struct addr_cidr *a, const struct addr_cidr *b)
{
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	r = memcmp(a->addr, b->addr, 16);
	if (r)
		return r;
	return (int)a->prefix - (int)b->prefix;
}

int addr_cidr_set_prefix(struct addr_cidr *c, unsigned long prefix, const char **why)
{
	struct addr_cidr n = *c;

	if (prefix > (c->family == AF_INET ? 32u : 128u)) {
		*why = c->family == AF_INET ? "prefix length is not 0..32" :
					      "prefix length is not 0..128";
		return -EINVAL;
	}
	n.prefix = (uint8_t)prefix;
	if (!host_bits_zero(&n)) {
		*why = "host bits set below the prefix length";
		return -EINVAL;
	}
	*c = n;
	return 0;
}

static const struct {
	const char *name;
	uint8_t proto;
} proto_names[] = {
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ "any", 0 },
};

int addr_proto_parse(const char *s, uint8_t *ret)
{
	for (size_t i = 0; s && i < sizeof(proto_names) / sizeof(proto_names[0]); i++) {
		if (strcmp(s, proto_names[i].name) == 0) {
			*ret = proto_names[i].proto;
			return 0;
		}
	}
	return -EINVAL;
}

const char *addr_proto_name(int proto)
{
	for (size_t i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
		if (proto_names[i].proto == proto)
			return proto_names[i].name;
	return "any";
}

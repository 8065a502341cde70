/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Checked parsing, matching and formatting of IP addresses, CIDR blocks, ports
 * and port ranges, in the forms the policy language and the network-blocking
 * rules share: "1.2.3.4", "10.0.0.0/8", "::1", "2001:db8::/32", "10.0.0.5:443",
 * "[::1]:443", "10.0.0.0/8:1000-2000".  Addresses are kept in network byte
 * order, IPv4 in the first four bytes.  Parsers return 0 or -EINVAL and, on
 * error, point *why at a static string saying what is wrong.
 */
#ifndef SG_ADDR_H
#define SG_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Big enough for any formatted endpoint: "[v6]/128:65535-65535" */
#define ADDR_STR_MAX 64

struct addr_cidr {
	uint8_t family;          /* AF_INET or AF_INET6 */
	uint8_t prefix;          /* 0..32 or 0..128; a host address has the full length */
	uint8_t addr[16];        /* network order, host bits zero */
};

struct addr_port_range {
	uint16_t lo, hi;         /* inclusive, lo <= hi */
};

struct addr_endpoint {
	struct addr_cidr net;
	bool has_port;
	struct addr_port_range ports;
};

/* "1.2.3.4" or "2001:db8::1": a single host (prefix 32 or 128). */
int addr_parse_ip(const char *s, struct addr_cidr *ret, const char **why);

/* An address with an optional "/PREFIX"; host bits below the prefix must be zero. */
int addr_parse_cidr(const char *s, struct addr_cidr *ret, const char **why);

/* "0".."65535". */
int addr_parse_port(const char *s, uint16_t *ret, const char **why);

/* "N" or "N-M" with N <= M. */
int addr_parse_port_range(const char *s, struct addr_port_range *ret, const char **why);

/*
 * ADDR[/PREFIX][:PORT[-PORT]]; an IPv6 address with a port is written in
 * brackets: "[::1]:443", "[2001:db8::/32]:443" (or "[2001:db8::]/32:443").
 */
int addr_parse_endpoint(const char *s, struct addr_endpoint *ret, const char **why);

/*
 * Whether addr (of family AF_INET or AF_INET6, network order) lies in c.  An
 * IPv4 block also matches IPv4-mapped IPv6 addresses (::ffff:a.b.c.d).
 */
bool addr_cidr_match(const struct addr_cidr *c, int family, const uint8_t addr[16]);

/* Canonical text: "10.0.0.0/8", "1.2.3.4" (full prefix omitted), "2001:db8::/32". */
int addr_format_cidr(const struct addr_cidr *c, char *buf, size_t len);

/* Canonical text of an endpoint, brackets around IPv6 when a port follows. */
int addr_format_endpoint(const struct addr_endpoint *e, char *buf, size_t len);

/* Total order for sorting: family, address bytes, prefix. */
int addr_cidr_cmp(const struct addr_cidr *a, const struct addr_cidr *b);

/*
 * Give c (a host address) the network prefix length prefix: 0..32 or
 * 0..128, with the host bits below it zero, else -EINVAL and *why.
 */
int addr_cidr_set_prefix(struct addr_cidr *c, unsigned long prefix, const char **why);

/*
 * The protocol names of block rules, the one place they are spelled:
 * IPPROTO_TCP "tcp", IPPROTO_UDP "udp", 0 "any".  addr_proto_parse() takes
 * exactly those three and returns 0 or -EINVAL; addr_proto_name() gives
 * "any" for any other number.
 */
#define ADDR_PROTO_NAMES "tcp, udp or any"
int addr_proto_parse(const char *s, uint8_t *ret);
const char *addr_proto_name(int proto);

#endif /* SG_ADDR_H */

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of shared/addr.c: address, CIDR, port and endpoint parsing,
 * matching (with IPv4-mapped IPv6) and canonical formatting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "addr.h"

static void roundtrip(const char *in, const char *out)
{
	struct addr_endpoint e;
	char buf[ADDR_STR_MAX];
	const char *why = NULL;

	assert_int_equal(addr_parse_endpoint(in, &e, &why), 0);
	assert_int_equal(addr_format_endpoint(&e, buf, sizeof(buf)), 0);
	assert_string_equal(buf, out);
}

static void bad(const char *in, const char *reason)
{
	struct addr_endpoint e;
	const char *why = NULL;

	assert_int_equal(addr_parse_endpoint(in, &e, &why), -EINVAL);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

static void test_endpoints(void **state)
{
	roundtrip("1.2.3.4", "1.2.3.4");
	roundtrip("10.0.0.0/8", "10.0.0.0/8");
	roundtrip("::1", "::1");
	roundtrip("2001:db8::/32", "2001:db8::/32");
	roundtrip("[::1]:443", "[::1]:443");
	roundtrip("[2001:db8::/32]:443", "[2001:db8::/32]:443");
	roundtrip("[2001:db8::]/32:1000-2000", "[2001:db8::/32]:1000-2000");
	roundtrip("10.0.0.5:443", "10.0.0.5:443");
	roundtrip("10.0.0.0/8:1000-2000", "10.0.0.0/8:1000-2000");
	roundtrip("0.0.0.0/0", "0.0.0.0/0");
	roundtrip("2001:0db8:0000::1", "2001:db8::1");
	bad("10.0.0.1/8", "host bits set below the prefix length");
	bad("10.0.0.0/33", "prefix length is not 0..32");
	bad("::/129", "prefix length is not 0..128");
	bad("10.0.0.0/", "prefix length is not 0..32");
	bad("1.2.3", "not an IP address");
	bad("example.com", "not an IP address");
	bad("1.2.3.4:99999", "port is not a number 0..65535");
	bad("1.2.3.4:2000-1000", "port range runs backwards");
	bad("1.2.3.4:+5", "port is not a number 0..65535");
	bad("[::1", "missing ']'");
	bad("[::1]x", "junk after ']'");
	bad("", "not an IP address");
}

static void test_ports(void **state)
{
	struct addr_port_range r;
	const char *why;
	uint16_t p;

	assert_int_equal(addr_parse_port("0", &p, &why), 0);
	assert_int_equal(p, 0);
	assert_int_equal(addr_parse_port("65535", &p, &why), 0);
	assert_int_equal(p, 65535);
	assert_int_equal(addr_parse_port("65536", &p, &why), -EINVAL);
	assert_int_equal(addr_parse_port("-1", &p, &why), -EINVAL);
	assert_int_equal(addr_parse_port(" 1", &p, &why), -EINVAL);
	assert_int_equal(addr_parse_port("1 ", &p, &why), -EINVAL);
	assert_int_equal(addr_parse_port_range("1000-2000", &r, &why), 0);
	assert_int_equal(r.lo, 1000);
	assert_int_equal(r.hi, 2000);
	assert_int_equal(addr_parse_port_range("80", &r, &why), 0);
	assert_int_equal(r.lo, 80);
	assert_int_equal(r.hi, 80);
	assert_int_equal(addr_parse_port_range("1-", &r, &why), -EINVAL);
	assert_int_equal(addr_parse_port_range("-1", &r, &why), -EINVAL);
}

static void test_match(void **state)
{
	struct addr_cidr c;
	uint8_t a[16] = { 0 };
	const char *why;

	assert_int_equal(addr_parse_cidr("10.0.0.0/8", &c, &why), 0);
	inet_pton(AF_INET, "10.200.3.4", a);
	assert_true(addr_cidr_match(&c, AF_INET, a));
	inet_pton(AF_INET, "11.0.0.1", a);
	assert_false(addr_cidr_match(&c, AF_INET, a));
	inet_pton(AF_INET6, "::ffff:10.1.2.3", a);
	assert_true(addr_cidr_match(&c, AF_INET6, a));
	inet_pton(AF_INET6, "::10.1.2.3", a);
	assert_false(addr_cidr_match(&c, AF_INET6, a));

	assert_int_equal(addr_parse_cidr("192.168.1.128/25", &c, &why), 0);
	inet_pton(AF_INET, "192.168.1.200", a);
	assert_true(addr_cidr_match(&c, AF_INET, a));
	inet_pton(AF_INET, "192.168.1.100", a);
	assert_false(addr_cidr_match(&c, AF_INET, a));

	memset(a, 0, sizeof(a));
	assert_int_equal(addr_parse_cidr("2001:db8::/33", &c, &why), 0);
	inet_pton(AF_INET6, "2001:db8:7fff::1", a);
	assert_true(addr_cidr_match(&c, AF_INET6, a));
	inet_pton(AF_INET6, "2001:db8:8000::1", a);
	assert_false(addr_cidr_match(&c, AF_INET6, a));
	assert_false(addr_cidr_match(&c, AF_INET, a));

	assert_int_equal(addr_parse_ip("::1", &c, &why), 0);
	assert_int_equal(c.prefix, 128);
	assert_int_equal(addr_parse_ip("::1/128", &c, &why), -EINVAL);
	assert_int_equal(addr_parse_cidr("0.0.0.0/0", &c, &why), 0);
	inet_pton(AF_INET, "8.8.8.8", a);
	assert_true(addr_cidr_match(&c, AF_INET, a));
}

static void test_set_prefix(void **state)
{
	struct addr_cidr c, keep;
	const char *why = NULL;

	assert_int_equal(addr_parse_ip("10.1.0.0", &c, &why), 0);
	assert_int_equal(addr_cidr_set_prefix(&c, 16, &why), 0);
	assert_int_equal(c.prefix, 16);
	assert_int_equal(addr_cidr_set_prefix(&c, 0, &why), -EINVAL);
	assert_string_equal(why, "host bits set below the prefix length");
	assert_int_equal(c.prefix, 16); /* untouched on failure */
	assert_int_equal(addr_cidr_set_prefix(&c, 33, &why), -EINVAL);
	assert_string_equal(why, "prefix length is not 0..32");
	assert_int_equal(addr_parse_ip("2001:db8::", &c, &why), 0);
	keep = c;
	assert_int_equal(addr_cidr_set_prefix(&c, 129, &why), -EINVAL);
	assert_string_equal(why, "prefix length is not 0..128");
	assert_memory_equal(&c, &keep, sizeof(c));
	assert_int_equal(addr_cidr_set_prefix(&c, 32, &why), 0);
	assert_int_equal(c.prefix, 32);
}

static void test_proto_names(void **state)
{
	static const char *const names[] = { "tcp", "udp", "any" };
	uint8_t p = 99;

	for (int i = 0; i < 3; i++) {
		assert_int_equal(addr_proto_parse(names[i], &p), 0);
		assert_string_equal(addr_proto_name(p), names[i]);
	}
	assert_int_equal(addr_proto_parse("tcp", &p), 0);
	assert_int_equal(p, IPPROTO_TCP);
	assert_int_equal(addr_proto_parse("udp", &p), 0);
	assert_int_equal(p, IPPROTO_UDP);
	assert_int_equal(addr_proto_parse("TCP", &p), -EINVAL);
	assert_int_equal(addr_proto_parse("icmp", &p), -EINVAL);
	assert_int_equal(addr_proto_parse("", &p), -EINVAL);
	assert_int_equal(addr_proto_parse(NULL, &p), -EINVAL);
	assert_string_equal(addr_proto_name(0), "any");
	assert_string_equal(addr_proto_name(IPPROTO_ICMP), "any");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_endpoints),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_set_prefix),
		cmocka_unit_test(test_proto_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of sysguardd/redact.c: rule parsing, the built-in rules on the
 * command lines they are meant for (and on look-alikes they must leave
 * alone), program-scoped rules, hiding the next argument, and the JSON argv
 * writer the encoder calls.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "jsonw.h"
#include "redact.h"

/* argv as the kernel gives it: NUL-separated */
static size_t pack(char *buf, size_t cap, const char *const *args, unsigned int *argc)
{
	size_t len = 0;

	*argc = 0;
	for (; *args; args++, (*argc)++) {
		size_t l = strlen(*args) + 1;

		assert_true(len + l <= cap);
		memcpy(buf + len, *args, l);
		len += l;
	}
	return len;
}

static const char *encode(const char *const *args)
{
	static char out[4096];
	char argv[1024];
	unsigned int argc;
	size_t len = pack(argv, sizeof(argv), args, &argc);
	struct jsonw w;

	jw_init(&w, out, sizeof(out));
	redact_argv_json(&w, argv, len, argc);
	assert_true(jw_finish(&w) > 0);
	return out;
}

static struct redact *defaults(void)
{
	const char *rules[REDACT_RULES_MAX];
	size_t n = 0, bad = 99;
	struct redact *r;

	for (; redact_defaults[n]; n++)
		rules[n] = redact_defaults[n];
	r = redact_new(rules, n, &bad);
	assert_non_null(r);
	return r;
}

static void test_defaults(void **state)
{
	struct redact *r = defaults();

	redact_set_active(r);
	assert_string_equal(encode((const char *[]){ "/usr/bin/tool", "--password=hunter2", "-v",
						     NULL }),
			    "[\"/usr/bin/tool\",\"--password=***\",\"-v\"]");
	assert_string_equal(encode((const char *[]){ "tool", "--token", "abc", "--token=", NULL }),
			    "[\"tool\",\"--token\",\"***\",\"--token=\"]");
	assert_string_equal(encode((const char *[]){ "curl", "--api-key=k1", "--secret", "s",
						     "--apikey=k2", NULL }),
			    "[\"curl\",\"--api-key=***\",\"--secret\",\"***\",\"--apikey=***\"]");
	/* mysql-like tools: -pSECRET; "-p" alone prompts and is left alone */
	assert_string_equal(encode((const char *[]){ "/usr/bin/mysql", "-uroot", "-phunter2", "db",
						     NULL }),
			    "[\"/usr/bin/mysql\",\"-uroot\",\"-p***\",\"db\"]");
	assert_string_equal(encode((const char *[]){ "mysqldump", "-p", "db", NULL }),
			    "[\"mysqldump\",\"-p\",\"db\"]");
	assert_string_equal(encode((const char *[]){ "sshpass", "-p", "pw", "ssh", "h", NULL }),
			    "[\"sshpass\",\"-p\",\"***\",\"ssh\",\"h\"]");
	/* -p means something else to other programs */
	assert_string_equal(encode((const char *[]){ "mkdir", "-p", "/tmp/x", NULL }),
			    "[\"mkdir\",\"-p\",\"/tmp/x\"]");
	assert_string_equal(encode((const char *[]){ "gcc", "-pedantic", NULL }),
			    "[\"gcc\",\"-pedantic\"]");
	/* argv[0] itself is never judged; a trailing hide-next with nothing after is fine */
	assert_string_equal(encode((const char *[]){ "--password=x", "--password", NULL }),
			    "[\"--password=x\",\"--password\"]");
	redact_set_active(NULL);
	assert_string_equal(encode((const char *[]){ "tool", "--password=hunter2", NULL }),
			    "[\"tool\",\"--password=hunter2\"]");
	redact_free(r);
}

/* One command line in, what the output shows. */
struct rcase {
	const char *args[8];
	const char *want;
};

static const struct rcase inline_cases[] = {
	/* HTTP authorization and cookie headers: the scheme stays, the value goes */
	{ { "curl", "-H", "Authorization: Bearer SECRET", "https://x", NULL },
	  "[\"curl\",\"-H\",\"Authorization: Bearer ***\",\"https://x\"]" },
	{ { "curl", "-HAuthorization:Basic dXNlcjpwdw==", NULL },
	  "[\"curl\",\"-HAuthorization:Basic ***\"]" },
	{ { "curl", "--header", "cookie: session=abc; x=y", NULL },
	  "[\"curl\",\"--header\",\"cookie: ***\"]" },
	{ { "wget", "--header=X-Api-Key: k123", "http://h/", NULL },
	  "[\"wget\",\"--header=X-Api-Key: ***\",\"http://h/\"]" },
	{ { "git", "-c", "http.extraHeader=Authorization: token ghp_x", "clone", "u", NULL },
	  "[\"git\",\"-c\",\"http.extraHeader=Authorization: token ***\",\"clone\",\"u\"]" },
	{ { "curl", "-H", "Private-Token: glpat-1", NULL },
	  "[\"curl\",\"-H\",\"Private-Token: ***\"]" },
	/* a header that is no secret stays */
	{ { "curl", "-H", "Accept: application/json", NULL },
	  "[\"curl\",\"-H\",\"Accept: application/json\"]" },
	/* user:password@ in URLs, wherever the URL is */
	{ { "git", "clone", "https://bob:hunter2@git.example/r.git", NULL },
	  "[\"git\",\"clone\",\"https://bob:***@git.example/r.git\"]" },
	{ { "psql", "postgresql://app:s3cr%40t@db:5432/x", NULL },
	  "[\"psql\",\"postgresql://app:***@db:5432/x\"]" },
	{ { "tool", "--src=ftp://a:b@h1/x,ftp://c:d@h2/y", NULL },
	  "[\"tool\",\"--src=ftp://a:***@h1/x,ftp://c:***@h2/y\"]" },
	/* a user without a password, and an @ after the host, stay */
	{ { "git", "clone", "ssh://git@host/r", "https://h/a@b", NULL },
	  "[\"git\",\"clone\",\"ssh://git@host/r\",\"https://h/a@b\"]" },
	/* curl -u, wget's passwords, openssl pass: */
	{ { "curl", "-u", "bob:pw", "-uann:pw2", "--user=x:y", NULL },
	  "[\"curl\",\"-u\",\"***\",\"-u***\",\"--user=***\"]" },
	{ { "wget", "--http-password=pw", "--ftp-password=pw", NULL },
	  "[\"wget\",\"--http-password=***\",\"--ftp-password=***\"]" },
	{ { "openssl", "rsa", "-passin", "pass:hunter2", "-passout", "file:/x", NULL },
	  "[\"openssl\",\"rsa\",\"-passin\",\"pass:***\",\"-passout\",\"file:/x\"]" },
	/* database and cloud CLIs */
	{ { "redis-cli", "-a", "pw", "ping", NULL }, "[\"redis-cli\",\"-a\",\"***\",\"ping\"]" },
	{ { "mongosh", "-u", "u", "-p", "pw", NULL },
	  "[\"mongosh\",\"-u\",\"u\",\"-p\",\"***\"]" },
	{ { "sqlcmd", "-S", "h", "-P", "pw", NULL }, "[\"sqlcmd\",\"-S\",\"h\",\"-P\",\"***\"]" },
	{ { "az", "login", "-u", "a", "-p", "pw", NULL },
	  "[\"az\",\"login\",\"-u\",\"a\",\"-p\",\"***\"]" },
	{ { "docker", "login", "--password", "pw", "-p", "8080:80", NULL },
	  "[\"docker\",\"login\",\"--password\",\"***\",\"-p\",\"8080:80\"]" },
	{ { "smbclient", "-U", "bob%pw", "//h/s", NULL },
	  "[\"smbclient\",\"-U\",\"***\",\"//h/s\"]" },
};

static void test_inline(void **state)
{
	struct redact *r = defaults();

	redact_set_active(r);
	for (size_t i = 0; i < sizeof(inline_cases) / sizeof(inline_cases[0]); i++) {
		const char *got = encode(inline_cases[i].args);

		if (strcmp(got, inline_cases[i].want))
			fail_msg("case %zu: %s, expected %s", i, got, inline_cases[i].want);
	}
	redact_set_active(NULL);
	/* with no set active, nothing is hidden */
	assert_string_equal(encode((const char *[]){ "curl", "-H", "Authorization: Bearer S", NULL }),
			    "[\"curl\",\"-H\",\"Authorization: Bearer S\"]");
	redact_free(r);
}

static void test_rules(void **state)
{
	const char *bad[] = { "", "*", "--a*b*", "x:-a*b" };
	const char *good[] = { "--key=*", "-k", "psql:--pw=*", "my*:-p*" };
	size_t which = 99;
	struct redact *r;
	bool hide = false;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_null(redact_new(&bad[i], 1, &which));
		assert_int_equal(errno, EINVAL);
		assert_int_equal(which, 0);
	}
	r = redact_new(good, 4, &which);
	assert_non_null(r);
	assert_int_equal(redact_arg(r, "psql", 4, "--pw=1", 6, &hide), 5);
	assert_int_equal(redact_arg(r, "/bin/psql", 9, "--pw=1", 6, &hide), 5);
	assert_int_equal(redact_arg(r, "other", 5, "--pw=1", 6, &hide), SIZE_MAX);
	assert_int_equal(redact_arg(r, "x", 1, "--key=", 6, &hide), SIZE_MAX); /* nothing to hide */
	assert_int_equal(redact_arg(r, "x", 1, "-k", 2, &hide), SIZE_MAX);
	assert_true(hide);
	assert_int_equal(redact_arg(r, "x", 1, "value", 5, &hide), 0);
	assert_false(hide);
	redact_free(r);
	/* too many rules */
	{
		const char *many[REDACT_RULES_MAX + 1];

		for (size_t i = 0; i <= REDACT_RULES_MAX; i++)
			many[i] = "--x=*";
		assert_null(redact_new(many, REDACT_RULES_MAX + 1, &which));
		assert_non_null(r = redact_new(many, REDACT_RULES_MAX, &which));
		redact_free(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_inline),
		cmocka_unit_test(test_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

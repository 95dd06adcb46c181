/* check_conf.c — relayq.conf parsing, layering, errors naming file:line:key,
 * durations, validators. */
#include "config.h"

#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/check_main.h"
#include "lib/tmpdir.h"
#include "options/conf.h"

#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "tests/data/config"
#endif

/* Every key, in table order: "domain=... aliases=... ...". */
static char *
dump(const struct conf *c)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_printf(&b, "domain=%s aliases=%s catchall=%s sender=%s masq=",
	    c->domain ? c->domain : "-", c->aliases ? c->aliases : "-",
	    c->catchall ? c->catchall : "-",
	    c->sender_address ? c->sender_address : "-");
	for (i = 0; i < c->masquerade.n; i++)
		buf_printf(&b, "%s%s", i ? "," : "", c->masquerade.v[i]);
	buf_printf(&b, " queue=%s spool=%s dm=%d hops=%ld em=%d",
	    c->queue_dir ? c->queue_dir : "-", c->spool_dir ? "set" : "-",
	    c->delivery_mode, c->hop_limit, c->error_mode);
	return buf_steal(&b);
}

#define DEFAULTS_MASQ(d, masq, rest) \
	"domain=" d " aliases=/etc/aliases catchall=- sender=- masq=" masq rest

struct pcase {
	const char *text;
	int ok;
	const char *want; /* ok: the dump; else the exact message */
};

/* clang-format off */
static const struct pcase cases[] = {
	{ "", 1, DEFAULTS_MASQ("-", "", " queue=- spool=set dm=1 hops=25 em=2") },
	{ "# only a comment\n\n   \n\t# indented comment\n", 1,
	  DEFAULTS_MASQ("-", "", " queue=- spool=set dm=1 hops=25 em=2") },
	{ "domain example.com\n", 1,
	  DEFAULTS_MASQ("example.com", "", " queue=- spool=set dm=1 hops=25 em=2") },
	{ "  domain   example.com  \t\n", 1,
	  DEFAULTS_MASQ("example.com", "", " queue=- spool=set dm=1 hops=25 em=2") },
	{ "domain example.com\r\nhop_limit 7\r\n", 1,
	  DEFAULTS_MASQ("example.com", "", " queue=- spool=set dm=1 hops=7 em=2") },
	{ "domain \"example.com\"", 1,
	  DEFAULTS_MASQ("example.com", "", " queue=- spool=set dm=1 hops=25 em=2") },
	{ "masquerade a.local b.lan,c.home\n", 1,
	  DEFAULTS_MASQ("-", "a.local,b.lan,c.home", " queue=- spool=set dm=1 hops=25 em=2") },
	{ "delivery_mode interactive\nerror_mode quiet\n", 1,
	  DEFAULTS_MASQ("-", "", " queue=- spool=set dm=2 hops=25 em=3") },
	{ "delivery_mode Queue\nerror_mode mail-exit-zero\n", 1,
	  DEFAULTS_MASQ("-", "", " queue=- spool=set dm=3 hops=25 em=5") },
	{ "queue_dir /var/q#1\n", 1,
	  DEFAULTS_MASQ("-", "", " queue=/var/q#1 spool=set dm=1 hops=25 em=2") },
	{ "catchall root\nsender_address cron@example.com\n", 1,
	  "domain=- aliases=/etc/aliases catchall=root sender=cron@example.com masq="
	  " queue=- spool=set dm=1 hops=25 em=2" },
	{ "aliases /etc/mail/aliases\n", 1,
	  "domain=- aliases=/etc/mail/aliases catchall=- sender=- masq="
	  " queue=- spool=set dm=1 hops=25 em=2" },
	/* errors name file, line and key */
	{ "domain a.b\nfoo bar\n", 0, "t.conf:2: unknown key \"foo\"; see relayq.conf(5)" },
	{ "Domain a.b\n", 0, "t.conf:1: syntax error: \"Domain\" is not a key; write \"key value\"" },
	{ "domain=a.b\n", 0, "t.conf:1: syntax error: \"domain=a.b\" is not a key; write \"key value\"" },
	{ "domain\n", 0, "t.conf:1: key \"domain\" has no value" },
	{ "domain  \"\"\n", 0, "t.conf:1: key \"domain\": invalid value \"\"; see relayq.conf(5)" },
	{ "domain a.b\n\ndomain c.d\n", 0, "t.conf:3: key \"domain\" given twice (first on line 1); keep one" },
	{ "domain a..b\n", 0, "t.conf:1: key \"domain\": invalid value \"a..b\"; see relayq.conf(5)" },
	{ "domain -a.b\n", 0, "t.conf:1: key \"domain\": invalid value \"-a.b\"; see relayq.conf(5)" },
	{ "domain \"a.b\n", 0, "t.conf:1: key \"domain\": unbalanced quotes or bad escape in value" },
	{ "hop_limit 0\n", 0, "t.conf:1: key \"hop_limit\": invalid value \"0\"; see relayq.conf(5)" },
	{ "hop_limit many\n", 0, "t.conf:1: key \"hop_limit\": invalid value \"many\"; see relayq.conf(5)" },
	{ "max_connections 0\n", 0, "t.conf:1: key \"max_connections\": invalid value \"0\"; see relayq.conf(5)" },
	{ "max_connections 17\n", 0, "t.conf:1: key \"max_connections\": invalid value \"17\"; see relayq.conf(5)" },
	{ "delivery_mode daemon\n", 0, "t.conf:1: key \"delivery_mode\": invalid value \"daemon\"; see relayq.conf(5)" },
	{ "error_mode loud\n", 0, "t.conf:1: key \"error_mode\": invalid value \"loud\"; see relayq.conf(5)" },
	/* enum keys take their words only: not the numbers they are stored
	 * as, not near misses */
	{ "ip_family ipv5\n", 0, "t.conf:1: key \"ip_family\": invalid value \"ipv5\"; see relayq.conf(5)" },
	{ "ip_family 2\n", 0, "t.conf:1: key \"ip_family\": invalid value \"2\"; see relayq.conf(5)" },
	{ "ip_family inet6\n", 0, "t.conf:1: key \"ip_family\": invalid value \"inet6\"; see relayq.conf(5)" },
	{ "tls ssl\n", 0, "t.conf:1: key \"tls\": invalid value \"ssl\"; see relayq.conf(5)" },
	{ "tls 3\n", 0, "t.conf:1: key \"tls\": invalid value \"3\"; see relayq.conf(5)" },
	{ "tls start-tls\n", 0, "t.conf:1: key \"tls\": invalid value \"start-tls\"; see relayq.conf(5)" },
	{ "tls_min_version 1.1\n", 0, "t.conf:1: key \"tls_min_version\": invalid value \"1.1\"; see relayq.conf(5)" },
	{ "tls_min_version 1.30\n", 0, "t.conf:1: key \"tls_min_version\": invalid value \"1.30\"; see relayq.conf(5)" },
	{ "tls_min_version 2\n", 0, "t.conf:1: key \"tls_min_version\": invalid value \"2\"; see relayq.conf(5)" },
	{ "auth_plaintext never\n", 0, "t.conf:1: key \"auth_plaintext\": invalid value \"never\"; see relayq.conf(5)" },
	{ "auth_plaintext verified\n", 0, "t.conf:1: key \"auth_plaintext\": invalid value \"verified\"; see relayq.conf(5)" },
	{ "auth_plaintext 1\n", 0, "t.conf:1: key \"auth_plaintext\": invalid value \"1\"; see relayq.conf(5)" },
	{ "oauth_provider yahoo\n", 0, "t.conf:1: key \"oauth_provider\": invalid value \"yahoo\"; see relayq.conf(5)" },
	{ "oauth_provider 2\n", 0, "t.conf:1: key \"oauth_provider\": invalid value \"2\"; see relayq.conf(5)" },
	{ "eightbit_mode 8bitmime\n", 0, "t.conf:1: key \"eightbit_mode\": invalid value \"8bitmime\"; see relayq.conf(5)" },
	{ "eightbit_mode 1\n", 0, "t.conf:1: key \"eightbit_mode\": invalid value \"1\"; see relayq.conf(5)" },
	{ "delivery_mode 2\n", 0, "t.conf:1: key \"delivery_mode\": invalid value \"2\"; see relayq.conf(5)" },
	{ "delivery_mode background,queue\n", 0, "t.conf:1: key \"delivery_mode\": invalid value \"background,queue\"; see relayq.conf(5)" },
	{ "error_mode mail-exit\n", 0, "t.conf:1: key \"error_mode\": invalid value \"mail-exit\"; see relayq.conf(5)" },
	{ "error_mode 0\n", 0, "t.conf:1: key \"error_mode\": invalid value \"0\"; see relayq.conf(5)" },
	{ "queue_dir relative/q\n", 0, "t.conf:1: key \"queue_dir\": invalid value \"relative/q\"; see relayq.conf(5)" },
	{ "sender_address nobody\n", 0, "t.conf:1: key \"sender_address\": invalid value \"nobody\"; see relayq.conf(5)" },
	{ "catchall a b\n", 0, "t.conf:1: key \"catchall\": invalid value \"a b\"; see relayq.conf(5)" },
	{ "masquerade ok.lan bad..lan\n", 0, "t.conf:1: key \"masquerade\": invalid value \"ok.lan bad..lan\"; see relayq.conf(5)" },
	{ "domain a.b\x01\n", 0, "t.conf:1: control character in line; remove it" },
	{ "domain a.b\rX\n", 0, "t.conf:1: control character in line; remove it" },
	/* found by fuzz_conf: DEL is a control character too (and was echoed) */
	{ "domain\x7f a.b\n", 0, "t.conf:1: control character in line; remove it" },
	{ "domain a.b\x7f\n", 0, "t.conf:1: control character in line; remove it" },
};
/* clang-format on */

START_TEST(test_parse)
{
	const struct pcase *pc = &cases[_i];
	struct conf c;
	struct err e;
	char *got;
	int rc;

	conf_init(&c);
	err_clear(&e);
	rc = conf_parse(&c, "t.conf", pc->text, strlen(pc->text), &e);
	if (pc->ok) {
		ck_assert_msg(rc == 0, "case %d: %s", _i, e.msg);
		got = dump(&c);
		ck_assert_str_eq(got, pc->want);
		free(got);
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_int_eq(e.code, EX_CONFIG);
		ck_assert_str_eq(e.msg, pc->want);
	}
	conf_free(&c);
}
END_TEST

START_TEST(test_nul_and_long_lines)
{
	static const char nul[] = "domain a\0b\n";
	struct conf c;
	struct err e;
	char *big = malloc(CONF_LINE_MAX + 20);

	conf_init(&c);
	ck_assert_int_eq(conf_parse(&c, "n", nul, sizeof(nul) - 1, &e), -1);
	ck_assert_str_eq(e.msg, "n:1: control character in line; remove it");
	memset(big, 'a', CONF_LINE_MAX + 19);
	memcpy(big, "\ndomain ", 8);
	big[CONF_LINE_MAX + 19] = '\0';
	ck_assert_int_eq(conf_parse(&c, "n", big, strlen(big), &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_str_eq(e.msg, "n:2: line longer than 4096 bytes");
	free(big);
	conf_free(&c);
}
END_TEST

START_TEST(test_layers)
{
	struct conf c;
	struct err e;
	char *got;

	conf_init(&c);
	ck_assert_int_eq(conf_load_layers(&c, TEST_DATA_DIR "/system.conf",
	                     TEST_DATA_DIR "/user.conf", &e),
	    0);
	got = dump(&c);
	/* domain and masquerade from the user, the rest from the system */
	ck_assert_str_eq(got,
	    "domain=example.com aliases=/etc/aliases "
	    "catchall=postmaster@example.org sender=robot@example.com masq=box.lan "
	    "queue=- spool=set dm=3 hops=30 em=2");
	free(got);
	conf_free(&c);

	conf_init(&c); /* missing files are fine in the layers */
	ck_assert_int_eq(conf_load_layers(&c, TEST_DATA_DIR "/none.conf",
	                     TEST_DATA_DIR "/user.conf", &e),
	    0);
	ck_assert_str_eq(c.domain, "example.com");
	ck_assert_int_eq(c.hop_limit, 25);
	conf_free(&c);
}
END_TEST

START_TEST(test_load_errors)
{
	struct conf c;
	struct err e;

	ck_assert_int_eq(conf_load(&c, TEST_DATA_DIR "/bad-key.conf", &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_str_eq(e.msg,
	    TEST_DATA_DIR
	    "/bad-key.conf:4: unknown key \"smarthost_typo\"; see relayq.conf(5)");
	conf_free(&c);

	ck_assert_int_eq(conf_load(&c, TEST_DATA_DIR "/none.conf", &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_str_eq(e.msg,
	    "cannot read configuration " TEST_DATA_DIR
	    "/none.conf: No such file or directory");
	conf_free(&c);

	ck_assert_int_eq(conf_load(&c, TEST_DATA_DIR, &e), -1);
	ck_assert_str_eq(e.msg,
	    "configuration " TEST_DATA_DIR " is not a regular file");
	conf_free(&c);

	/* -C FILE is the only file read */
	ck_assert_int_eq(conf_load(&c, TEST_DATA_DIR "/user.conf", &e), 0);
	ck_assert_int_eq(c.hop_limit, 25);
	ck_assert_str_eq(c.domain, "example.com");
	conf_free(&c);
}
END_TEST

START_TEST(test_user_path)
{
	char *p;

	setenv("XDG_CONFIG_HOME", "/xdg", 1);
	setenv("HOME", "/home/u", 1);
	p = conf_user_path();
	ck_assert_str_eq(p, "/xdg/relayq/config");
	free(p);
	setenv("XDG_CONFIG_HOME", "relative", 1); /* not absolute: ignored */
	p = conf_user_path();
	ck_assert_str_eq(p, "/home/u/.config/relayq/config");
	free(p);
	unsetenv("XDG_CONFIG_HOME");
	p = conf_user_path();
	ck_assert_str_eq(p, "/home/u/.config/relayq/config");
	free(p);
	ck_assert_str_eq(conf_system_path(), SYSCONFDIR "/relayq.conf");
}
END_TEST

START_TEST(test_user_file_via_env)
{
	char path[256];
	struct conf c;
	struct err e;
	FILE *f;

	test_tmpdir_setup();
	setenv("XDG_CONFIG_HOME", test_dir, 1);
	snprintf(path, sizeof(path), "%s/relayq", test_dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/relayq/config", test_dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("hop_limit 9\nerror_mode print\n", f);
	fclose(f);
	ck_assert_int_eq(conf_load(&c, NULL, &e), 0);
	ck_assert_int_eq(c.hop_limit, 9);
	ck_assert_int_eq(c.error_mode, CONF_ERRMODE_PRINT);
	conf_free(&c);
	test_tmpdir_teardown();
}
END_TEST

static const struct {
	const char *s;
	char unit;
	long long secs; /* -1: invalid */
	                /* clang-format off */
} durations[] = {
	{ "5m", 's', 300 }, { "1h", 's', 3600 }, { "4d", 's', 345600 },
	{ "30s", 'm', 30 }, { "2w", 's', 1209600 }, { "1h30m", 's', 5400 },
	{ "90", 'm', 5400 }, { "90", 's', 90 }, { "5", 'd', 432000 },
	{ "0", 's', 0 }, { "5M", 's', 300 }, { "1d12h", 's', 129600 },
	{ "", 's', -1 }, { "m", 's', -1 }, { "5x", 's', -1 }, { "-5m", 's', -1 },
	{ "5mm", 's', -1 }, { "1 h", 's', -1 }, { "99999999999999999999", 's', -1 },
	{ "9999999999999999w", 's', -1 }, { "5.5h", 's', -1 },
};
/* clang-format on */

START_TEST(test_duration)
{
	long long secs = -42;
	struct err e;
	int rc;

	err_clear(&e);
	rc = conf_duration(durations[_i].s, durations[_i].unit, &secs, &e);
	if (durations[_i].secs < 0) {
		ck_assert_int_eq(rc, -1);
		ck_assert_int_eq(e.code, EX_USAGE);
		ck_assert_int_eq(secs, -42);
	} else {
		ck_assert_msg(rc == 0, "\"%s\": %s", durations[_i].s, e.msg);
		ck_assert_int_eq(secs, durations[_i].secs);
	}
}
END_TEST

/* clang-format off */
static const struct { const char *s; long min, max, want; } longs[] = {
	{ "0", 0, 10, 0 }, { "007", 0, 10, 7 }, { "10", 0, 10, 10 }, { "11", 0, 10, -1 },
	{ "0", 1, 10, -1 }, { "", 0, 10, -1 }, { "+1", 0, 10, -1 }, { "-1", -5, 10, -1 },
	{ " 1", 0, 10, -1 }, { "1 ", 0, 10, -1 }, { "99999999999999999999", 0, 10, -1 },
};
/* clang-format on */

START_TEST(test_long)
{
	long n = -42;
	int rc = conf_long(longs[_i].s, longs[_i].min, longs[_i].max, &n);

	if (longs[_i].want < 0) {
		ck_assert_int_eq(rc, -1);
		ck_assert_int_eq(n, -42);
	} else {
		ck_assert_int_eq(rc, 0);
		ck_assert_int_eq(n, longs[_i].want);
	}
}
END_TEST

/* max_connections: default 1 (one run per queue), 1 to 16. */
static const struct {
	const char *text;
	long want;
} maxconn[] = {
	{ "", 1 },
	{ "max_connections 1\n", 1 },
	{ "max_connections 4\n", 4 },
	{ "max_connections 16\n", 16 },
};

START_TEST(test_max_connections)
{
	struct conf c;
	struct err e;

	conf_init(&c);
	ck_assert_msg(conf_parse(&c, "t.conf", maxconn[_i].text,
	                  strlen(maxconn[_i].text), &e) == 0,
	    "%s", e.msg);
	ck_assert_int_eq(c.max_connections, maxconn[_i].want);
	conf_free(&c);
}
END_TEST

/* clang-format off */
static const struct { const char *s; int domain, address; } valid[] = {
	{ "example.com", 1, 0 }, { "a-b.c1", 1, 0 }, { "localhost", 1, 0 },
	{ "a..b", 0, 0 }, { ".a", 0, 0 }, { "a.", 0, 0 }, { "a-.b", 0, 0 },
	{ "a_b.c", 0, 0 }, { "u@example.com", 0, 1 }, { "first.last+tag@a.b", 0, 1 },
	{ "@a.b", 0, 0 }, { "u v@a.b", 0, 0 }, { "<u@a.b>", 0, 0 }, { "u@a..b", 0, 0 },
};
/* clang-format on */

START_TEST(test_validators)
{
	ck_assert_int_eq(conf_valid_domain(valid[_i].s), valid[_i].domain);
	ck_assert_int_eq(conf_valid_address(valid[_i].s), valid[_i].address);
}
END_TEST

START_TEST(test_fqdn)
{
	struct err e;
	char *d;

	err_clear(&e);
	d = conf_fqdn(&e);
	if (d) {
		ck_assert_ptr_nonnull(strchr(d, '.'));
		ck_assert_int_eq(conf_valid_domain(d), 1);
		free(d);
	} else {
		ck_assert_int_eq(e.code, EX_CONFIG);
		ck_assert_ptr_nonnull(strstr(e.msg, "set \"domain\""));
	}
}
END_TEST

/* The out-parameter rule (err.h), the documented exception: a failed
 * conf_parse keeps the keys of the lines before the bad one and the
 * defaults of the others, every string valid, so conf_free is right; a
 * failed conf_duration or conf_long leaves its result untouched. */
START_TEST(test_failure_leaves_conf_freeable)
{
	static const char text[] =
	    "domain example.org\nmasquerade a.lan\n"
	    "catchall \"bad value\"\nsender_address x@example.org\n";
	struct conf c;
	struct err e;
	long long secs = 77;
	long n = 78;

	conf_init(&c);
	ck_assert_int_eq(conf_parse(&c, "t.conf", text, sizeof(text) - 1, &e),
	    -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_str_eq(c.domain, "example.org");
	ck_assert_uint_eq(c.masquerade.n, 1);
	ck_assert_ptr_null(c.catchall);
	ck_assert_ptr_null(c.sender_address);
	ck_assert_str_eq(c.aliases, "/etc/aliases");
	conf_free(&c);
	ck_assert_ptr_null(c.domain);
	ck_assert_int_eq(conf_duration("5x", 's', &secs, &e), -1);
	ck_assert_int_eq(conf_duration("99999999999999999999d", 's', &secs, &e),
	    -1);
	ck_assert_int_eq(secs, 77);
	ck_assert_int_eq(conf_long("12a", 0, 100, &n), -1);
	ck_assert_int_eq(conf_long("101", 0, 100, &n), -1);
	ck_assert_int_eq(n, 78);
}
END_TEST

/* Every word of every enum key and the value it stands for (case does
 * not matter, quotes are allowed).  The field is zeroed before parsing,
 * so a word that set nothing (or only the default) would fail. */
#define EF(f) offsetof(struct conf, f)
static const struct {
	const char *text;
	size_t off;
	int want;
	/* clang-format off */
} enum_words[] = {
	{ "delivery_mode background\n", EF(delivery_mode), CONF_DELIVERY_BACKGROUND },
	{ "delivery_mode interactive\n", EF(delivery_mode), CONF_DELIVERY_INTERACTIVE },
	{ "delivery_mode queue\n", EF(delivery_mode), CONF_DELIVERY_QUEUE },
	{ "delivery_mode deferred\n", EF(delivery_mode), CONF_DELIVERY_DEFERRED },
	{ "error_mode mail\n", EF(error_mode), CONF_ERRMODE_MAIL },
	{ "error_mode print\n", EF(error_mode), CONF_ERRMODE_PRINT },
	{ "error_mode quiet\n", EF(error_mode), CONF_ERRMODE_QUIET },
	{ "error_mode write\n", EF(error_mode), CONF_ERRMODE_WRITE },
	{ "error_mode mail-exit-zero\n", EF(error_mode), CONF_ERRMODE_MAIL_EXIT0 },
	{ "ip_family any\n", EF(ip_family), CONF_FAMILY_ANY },
	{ "ip_family ipv4\n", EF(ip_family), CONF_FAMILY_IPV4 },
	{ "ip_family ipv6\n", EF(ip_family), CONF_FAMILY_IPV6 },
	{ "tls auto\n", EF(tls), CONF_TLS_AUTO },
	{ "tls starttls\n", EF(tls), CONF_TLS_STARTTLS },
	{ "tls implicit\n", EF(tls), CONF_TLS_IMPLICIT },
	{ "tls none\n", EF(tls), CONF_TLS_NONE },
	{ "tls_min_version 1.2\n", EF(tls_min_version), CONF_TLS_MIN_1_2 },
	{ "tls_min_version 1.3\n", EF(tls_min_version), CONF_TLS_MIN_1_3 },
	{ "auth_plaintext verified-tls\n", EF(auth_plaintext), CONF_PLAINTEXT_VERIFIED_TLS },
	{ "auth_plaintext tls\n", EF(auth_plaintext), CONF_PLAINTEXT_TLS },
	{ "auth_plaintext always\n", EF(auth_plaintext), CONF_PLAINTEXT_ALWAYS },
	{ "oauth_provider none\n", EF(oauth_provider), CONF_OAUTH_NONE },
	{ "oauth_provider google\n", EF(oauth_provider), CONF_OAUTH_GOOGLE },
	{ "oauth_provider microsoft\n", EF(oauth_provider), CONF_OAUTH_MICROSOFT },
	{ "oauth_provider custom\n", EF(oauth_provider), CONF_OAUTH_CUSTOM },
	{ "eightbit_mode pass\n", EF(eightbit_mode), CONF_EIGHTBIT_PASS },
	{ "eightbit_mode strict\n", EF(eightbit_mode), CONF_EIGHTBIT_STRICT },
	{ "tls StartTLS\n", EF(tls), CONF_TLS_STARTTLS },
	{ "ip_family IPv6\n", EF(ip_family), CONF_FAMILY_IPV6 },
	{ "auth_plaintext Always\n", EF(auth_plaintext), CONF_PLAINTEXT_ALWAYS },
	{ "oauth_provider MICROSOFT\n", EF(oauth_provider), CONF_OAUTH_MICROSOFT },
	{ "eightbit_mode Strict\n", EF(eightbit_mode), CONF_EIGHTBIT_STRICT },
	{ "tls \"implicit\"\n", EF(tls), CONF_TLS_IMPLICIT },
};
/* clang-format on */
#undef EF

static int
field_int(const struct conf *c, size_t off)
{
	int v;

	memcpy(&v, (const char *)c + off, sizeof(v));
	return v;
}

START_TEST(test_enum_words)
{
	struct conf c;
	struct err e;
	int zero = 0;

	conf_init(&c);
	memcpy((char *)&c + enum_words[_i].off, &zero, sizeof(zero));
	ck_assert_msg(conf_parse(&c, "t.conf", enum_words[_i].text,
	                  strlen(enum_words[_i].text), &e) == 0,
	    "%s: %s", enum_words[_i].text, e.msg);
	ck_assert_int_eq(field_int(&c, enum_words[_i].off),
	    enum_words[_i].want);
	conf_free(&c);
}
END_TEST

/* The defaults relayq.conf(5) states for the enum keys. */
START_TEST(test_enum_defaults)
{
	struct conf c;

	conf_init(&c);
	ck_assert_int_eq(c.delivery_mode, CONF_DELIVERY_BACKGROUND);
	ck_assert_int_eq(c.error_mode, CONF_ERRMODE_PRINT);
	ck_assert_int_eq(c.ip_family, CONF_FAMILY_ANY);
	ck_assert_int_eq(c.tls, CONF_TLS_AUTO);
	ck_assert_int_eq(c.tls_min_version, CONF_TLS_MIN_1_2);
	ck_assert_int_eq(c.auth_plaintext, CONF_PLAINTEXT_VERIFIED_TLS);
	ck_assert_int_eq(c.oauth_provider, CONF_OAUTH_NONE);
	ck_assert_int_eq(c.eightbit_mode, CONF_EIGHTBIT_PASS);
	conf_free(&c);
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_parse, 0, TEST_NELEM(cases));
	tcase_add_test(tc, test_nul_and_long_lines);
	tcase_add_test(tc, test_failure_leaves_conf_freeable);
	tcase_add_test(tc, test_layers);
	tcase_add_test(tc, test_load_errors);
	tcase_add_test(tc, test_user_path);
	tcase_add_test(tc, test_user_file_via_env);
	tcase_add_loop_test(tc, test_duration, 0, TEST_NELEM(durations));
	tcase_add_loop_test(tc, test_long, 0, TEST_NELEM(longs));
	tcase_add_loop_test(tc, test_max_connections, 0, TEST_NELEM(maxconn));
	tcase_add_loop_test(tc, test_validators, 0, TEST_NELEM(valid));
	tcase_add_test(tc, test_fqdn);
	tcase_add_loop_test(tc, test_enum_words, 0,
	    (int)(sizeof(enum_words) / sizeof(enum_words[0])));
	tcase_add_test(tc, test_enum_defaults);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(conf_suite());
}

/* check_flush_users.c — --all-users: exit code severity (entry names and
 * checks: check_spool.c), credentials looked up before a run, and (as root)
 * one loop over a spool that skips every bad entry and flushes the good
 * one as its owner. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "flush/flush.h"
#include "flush/flush_users.h"
#include "lib/check_main.h"
#include "lib/log.h"
#include "lib/tmpdir.h"
#include "lib/xalloc.h"
#include "options/conf.h"
#include "transport/resolver.h"

/* ---- severity ---- */
/* clang-format off */
static const struct { int cur, next, want; } worse[] = {
	{ EX_OK, EX_OK, EX_OK },
	{ EX_OK, EX_TEMPFAIL, EX_TEMPFAIL },
	{ EX_TEMPFAIL, EX_OK, EX_TEMPFAIL },
	{ EX_TEMPFAIL, EX_OSERR, EX_OSERR },
	{ EX_OSERR, EX_TEMPFAIL, EX_OSERR },
	{ EX_OSERR, EX_OK, EX_OSERR },
	{ EX_CONFIG, EX_OSERR, EX_CONFIG },
	{ EX_OK, EX_NOUSER, EX_NOUSER },
};
/* clang-format on */

START_TEST(test_worse)
{
	ck_assert_int_eq(flush_users_worse(worse[_i].cur, worse[_i].next),
	    worse[_i].want);
}
END_TEST

/* ---- credentials before the run ---- */
static char *
write_authinfo(mode_t mode)
{
	char *p = xasprintf("%s/authinfo", test_dir);
	FILE *fp = fopen(p, "w");

	ck_assert_ptr_nonnull(fp);
	fputs("AuthInfo:a.example:587 \"U:alice\" \"P:s3cret\"\n", fp);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(chmod(p, mode), 0);
	return p;
}

static void
creds_conf(struct conf *c, const char *authinfo, const char *smarthost)
{
	conf_init(c);
	free(c->smarthost);
	c->smarthost = smarthost ? xstrdup(smarthost) : NULL;
	free(c->authinfo);
	c->authinfo = xstrdup(authinfo);
	free(c->auth_sources);
	c->auth_sources = xstrdup("authinfo");
}

START_TEST(test_prefetch)
{
	struct creds_set cs;
	struct conf c;
	struct err e;
	char *ai;

	test_tmpdir_setup();
	ai = write_authinfo(0600);
	creds_conf(&c, ai, "[a.example]:587, [b.example]:465");
	ck_assert_int_eq(flush_creds_prefetch(&c, &cs, &e), 0);
	ck_assert_uint_eq(cs.n, 2);
	ck_assert_str_eq(cs.v[0].host, "a.example");
	ck_assert_uint_eq(cs.v[0].port, 587);
	ck_assert_int_eq(cs.v[0].found, 1);
	ck_assert_str_eq(cs.v[0].cr.user, "alice");
	ck_assert_str_eq(cs.v[0].cr.secret, "s3cret");
	ck_assert_str_eq(cs.v[1].host, "b.example");
	ck_assert_uint_eq(cs.v[1].port, 465);
	ck_assert_int_eq(cs.v[1].found, 0);
	ck_assert_ptr_null(cs.v[1].cr.secret);
	ck_assert_ptr_nonnull(cs.v[1].why);
	creds_set_free(&cs);
	ck_assert_uint_eq(cs.n, 0);
	ck_assert_ptr_null(cs.v);
	conf_free(&c);
	free(ai);
	test_tmpdir_teardown();
}
END_TEST

START_TEST(test_prefetch_loose)
{
	struct creds_set cs;
	struct conf c;
	struct err e;
	char *ai;

	test_tmpdir_setup();
	ai = write_authinfo(0644);
	creds_conf(&c, ai, "[a.example]:587");
	ck_assert_int_eq(flush_creds_prefetch(&c, &cs, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, ai));
	ck_assert_uint_eq(cs.n, 0);
	ck_assert_ptr_null(cs.v);
	conf_free(&c);
	free(ai);
	test_tmpdir_teardown();
}
END_TEST

START_TEST(test_prefetch_no_smarthost)
{
	struct creds_set cs;
	struct conf c;
	struct err e;

	creds_conf(&c, "/nonexistent/authinfo", NULL);
	ck_assert_int_eq(flush_creds_prefetch(&c, &cs, &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "no smarthost is configured"));
	conf_free(&c);
}
END_TEST

/* ---- the loop ---- */
START_TEST(test_not_root)
{
	struct err e;
	char *want;

	if (geteuid() == 0)
		ck_assert_int_eq(setuid(65534), 0);
	ck_assert_int_eq(flush_users_require_root(&e), -1);
	ck_assert_int_eq(e.code, EX_NOPERM);
	want = xasprintf(
	    "--all-users flushes every queue of the system "
	    "spool and must be run as root (you are uid %lu); without it, "
	    "relayq-flush flushes your own queue",
	    (unsigned long)geteuid());
	ck_assert_str_eq(e.msg, want);
	free(want);
}
END_TEST

static void
mkentry(const char *name, mode_t mode, uid_t uid, gid_t gid)
{
	char *p = xasprintf("%s/%s", test_dir, name);

	ck_assert_int_eq(mkdir(p, mode), 0);
	ck_assert_int_eq(chmod(p, mode), 0);
	ck_assert_int_eq(chown(p, uid, gid), 0);
	free(p);
}

static int
exists(const char *name)
{
	char *p = xasprintf("%s/%s", test_dir, name);
	struct stat st;
	int r = lstat(p, &st) == 0;

	free(p);
	return r;
}

START_TEST(test_loop)
{
	struct flush_users_opts uo;
	struct flush_users_stats st;
	struct creds_set cs;
	struct flush_opts o;
	struct resolver res;
	struct conf c;
	struct err e;
	char *p;

	memset(&uo, 0, sizeof(uo));
	if (geteuid() != 0) {
		/* The loop needs root to switch users: only the refusal. */
		ck_assert_int_eq(flush_users_run(&uo, &st, &e), -1);
		ck_assert_int_eq(e.code, EX_NOPERM);
		return;
	}
	log_set_syslog(0);
	test_tmpdir_setup();
	ck_assert_int_eq(chmod(test_dir, 01733), 0);
	mkentry("65534", 0700, 65534, 65534); /* good, empty */
	mkentry("65534.abc123", 0700, 65534,
	    65534);                           /* its fallback: same child */
	mkentry("64999", 0700, 64999, 64999); /* good, no passwd entry */
	mkentry("1000", 0700, 65534, 65534);  /* wrong owner */
	mkentry("2000", 0755, 2000, 2000);    /* loose */
	mkentry("0", 0700, 0, 0);             /* root's own */
	mkentry("64998", 0700, 64998, 0);     /* no passwd entry, group root */
	mkentry("www", 0700, 33, 33);         /* not a uid */
	p = xasprintf("%s/3000", test_dir);
	ck_assert_int_eq(symlink("/etc", p), 0);
	free(p);
	conf_init(&c);
	resolver_system(&res);
	memset(&o, 0, sizeof(o));
	memset(&cs, 0, sizeof(cs));
	o.conf = &c;
	o.resolver = &res;
	uo.spool = test_dir;
	uo.flush = &o;
	uo.creds = &cs;
	ck_assert_int_eq(flush_users_run(&uo, &st, &e), 0);
	/* 65534 (two queues, one child), 64999 and root's own 0 (flushed
	 * by the run itself) */
	ck_assert_uint_eq(st.queues, 3);
	ck_assert_uint_eq(st.skipped, 5);
	ck_assert_uint_eq(st.failed, 0);
	ck_assert_int_eq(st.exit_code, EX_OK);
	/* The good queues were opened by their owners (tmp/ new/ env/ made
	 * as them); the skipped ones were never entered. */
	{
		struct stat sb;

		p = xasprintf("%s/65534/env", test_dir);
		ck_assert_int_eq(lstat(p, &sb), 0);
		ck_assert_uint_eq(sb.st_uid, 65534);
		free(p);
		p = xasprintf("%s/65534.abc123/env", test_dir);
		ck_assert_int_eq(lstat(p, &sb), 0);
		ck_assert_uint_eq(sb.st_uid, 65534);
		free(p);
		p = xasprintf("%s/64999/new", test_dir);
		ck_assert_int_eq(lstat(p, &sb), 0);
		ck_assert_uint_eq(sb.st_uid, 64999);
		ck_assert_uint_eq(sb.st_gid, 64999);
		free(p);
	}
	ck_assert_int_eq(exists("1000/env"), 0);
	ck_assert_int_eq(exists("2000/env"), 0);
	ck_assert_int_eq(exists("0/env"), 1);
	ck_assert_int_eq(exists("64998/env"), 0);
	ck_assert_int_eq(exists("www/env"), 0);
	conf_free(&c);
	test_tmpdir_teardown();
}
END_TEST

START_TEST(test_no_spool)
{
	struct flush_users_opts uo;
	struct flush_users_stats st;
	struct flush_opts o;
	struct err e;

	if (geteuid() != 0)
		return;
	log_set_syslog(0);
	memset(&o, 0, sizeof(o));
	uo.spool = "/nonexistent/relayq-spool";
	uo.flush = &o;
	uo.creds = NULL;
	ck_assert_int_eq(flush_users_run(&uo, &st, &e), 0);
	ck_assert_uint_eq(st.queues, 0);
	ck_assert_uint_eq(st.skipped, 0);
	ck_assert_int_eq(st.exit_code, EX_OK);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("flush_users");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_worse, 0, TEST_NELEM(worse));
	tcase_add_test(tc, test_prefetch);
	tcase_add_test(tc, test_prefetch_loose);
	tcase_add_test(tc, test_prefetch_no_smarthost);
	tcase_add_test(tc, test_not_root);
	tcase_add_test(tc, test_loop);
	tcase_add_test(tc, test_no_spool);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(suite());
}

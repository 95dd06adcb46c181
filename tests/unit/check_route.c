/* check_route.c — the rule (route.h): one table of who the user is and
 * what is configured → which queue, who delivers it, what is moved. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/check_main.h"
#include "lib/tmpdir.h"
#include "lib/xalloc.h"
#include "route/route.h"

#define SP "/var/spool/relayq"
#define R ROUTE_BY_ROOT
#define O ROUTE_BY_OWNER

static const struct {
	const char *what;
	uid_t uid;
	const char *configured, *xdg, *home;
	int exists;  /* home: a directory */
	uid_t owner; /* home's owner */
	int writable;
	int own, any, spool; /* own smarthost, any smarthost, spool exists */
	enum route_kind kind;
	enum queue_loc loc;
	unsigned by;
	const char *dir, *old;
	int no_spool, stranded;
} cases[] = {
	{ "user with a home, no configuration: the spool, root delivers; the "
	  "old home queue is moved",
	    1001, NULL, NULL, "/home/a", 1, 1001, 1, 0, 1, 1, ROUTE_SPOOL,
	    QUEUE_LOC_SPOOL, R, SP "/1001", "/home/a/.local/state/relayq", 0,
	    0 },
	{ "same, XDG_STATE_HOME set: the old queue is there", 1001, NULL,
	    "/x/state", "/home/a", 1, 1001, 1, 0, 1, 1, ROUTE_SPOOL,
	    QUEUE_LOC_SPOOL, R, SP "/1001", "/x/state/relayq", 0, 0 },
	{ "root: the spool too (SPOOL/0)", 0, NULL, NULL, "/root", 1, 0, 1, 0,
	    1, 1, ROUTE_SPOOL, QUEUE_LOC_SPOOL, R, SP "/0",
	    "/root/.local/state/relayq", 0, 0 },
	{ "www-data: home owned by root", 33, NULL, NULL, "/var/www", 1, 0, 0,
	    0, 1, 1, ROUTE_SPOOL, QUEUE_LOC_SPOOL, R, SP "/33", NULL, 0, 0 },
	{ "nobody: no home", 65534, NULL, NULL, "/nonexistent", 0, 0, 0, 0, 1,
	    1, ROUTE_SPOOL, QUEUE_LOC_SPOOL, R, SP "/65534", NULL, 0, 0 },
	{ "a uid without a passwd entry, no HOME", 64999, NULL, NULL, NULL, 0,
	    0, 0, 0, 1, 1, ROUTE_SPOOL, QUEUE_LOC_SPOOL, R, SP "/64999", NULL,
	    0, 0 },
	{ "own smarthost: the personal queue in the home, delivered by the user",
	    1001, NULL, NULL, "/home/a", 1, 1001, 1, 1, 1, 1, ROUTE_PERSONAL,
	    QUEUE_LOC_HOME, O, "/home/a/.local/state/relayq", NULL, 0, 0 },
	{ "own smarthost, XDG_STATE_HOME set", 1001, NULL, "/x/state",
	    "/home/a", 1, 1001, 1, 1, 1, 1, ROUTE_PERSONAL, QUEUE_LOC_XDG, O,
	    "/x/state/relayq", NULL, 0, 0 },
	{ "own smarthost, relative XDG_STATE_HOME ignored", 1001, NULL, "rel",
	    "/home/a", 1, 1001, 1, 1, 1, 1, ROUTE_PERSONAL, QUEUE_LOC_HOME, O,
	    "/home/a/.local/state/relayq", NULL, 0, 0 },
	{ "own smarthost, home not writable: the spool queue, both deliver",
	    1001, NULL, NULL, "/home/a", 1, 1001, 0, 1, 1, 1, ROUTE_PERSONAL,
	    QUEUE_LOC_SPOOL, O | R, SP "/1001", NULL, 0, 0 },
	{ "own smarthost, home of another user", 1001, NULL, NULL, "/home/b", 1,
	    1002, 1, 1, 1, 1, ROUTE_PERSONAL, QUEUE_LOC_SPOOL, O | R,
	    SP "/1001", NULL, 0, 0 },
	{ "configured queue_dir wins, delivered by the user", 1001, "/srv/q",
	    "/x", "/home/a", 1, 1001, 1, 0, 1, 1, ROUTE_CONFIGURED,
	    QUEUE_LOC_CONFIGURED, O, "/srv/q", NULL, 0, 0 },
	{ "empty queue_dir is no queue_dir", 1001, "", NULL, "/home/a", 1, 1001,
	    1, 1, 1, 1, ROUTE_PERSONAL, QUEUE_LOC_HOME, O,
	    "/home/a/.local/state/relayq", NULL, 0, 0 },
	{ "no spool on this machine: the home queue, said so", 1001, NULL, NULL,
	    "/home/a", 1, 1001, 1, 0, 1, 0, ROUTE_PERSONAL, QUEUE_LOC_HOME, O,
	    "/home/a/.local/state/relayq", NULL, 1, 0 },
	{ "no spool and no home: the spool path (opening it fails, loudly)", 33,
	    NULL, NULL, "/var/www", 1, 0, 0, 0, 1, 0, ROUTE_PERSONAL,
	    QUEUE_LOC_SPOOL, O | R, SP "/33", NULL, 1, 0 },
	{ "no smarthost anywhere: stranded", 1001, NULL, NULL, "/home/a", 1,
	    1001, 1, 0, 0, 1, ROUTE_SPOOL, QUEUE_LOC_SPOOL, R, SP "/1001",
	    "/home/a/.local/state/relayq", 0, 1 },
	{ "configured queue and no smarthost: stranded", 1001, "/srv/q", NULL,
	    NULL, 0, 0, 0, 0, 0, 1, ROUTE_CONFIGURED, QUEUE_LOC_CONFIGURED, O,
	    "/srv/q", NULL, 0, 1 },
};

START_TEST(test_rule)
{
	struct route_in in;
	struct route r;

	memset(&in, 0, sizeof(in));
	in.uid = cases[_i].uid;
	in.configured = cases[_i].configured;
	in.xdg_state = cases[_i].xdg;
	in.home = cases[_i].home;
	in.home_st.exists = cases[_i].exists;
	in.home_st.owner = cases[_i].owner;
	in.home_st.writable = cases[_i].writable;
	in.own_smarthost = cases[_i].own;
	in.any_smarthost = cases[_i].any;
	in.spooldir = SP;
	in.spool_exists = cases[_i].spool;
	route_decide(&in, &r);
	ck_assert_msg(r.kind == cases[_i].kind, "%s: kind %d", cases[_i].what,
	    r.kind);
	ck_assert_msg(r.loc == cases[_i].loc, "%s: loc %d", cases[_i].what,
	    r.loc);
	ck_assert_msg(r.by == cases[_i].by, "%s: by %u", cases[_i].what, r.by);
	ck_assert_str_eq(r.dir, cases[_i].dir);
	if (cases[_i].old == NULL)
		ck_assert_msg(r.old == NULL, "%s: old %s", cases[_i].what,
		    r.old);
	else
		ck_assert_str_eq(r.old, cases[_i].old);
	ck_assert_int_eq(r.no_spool, cases[_i].no_spool);
	ck_assert_int_eq(r.stranded, cases[_i].stranded);
	route_free(&r);
}
END_TEST

static const struct {
	enum route_kind kind;
	unsigned by;
	int no_spool, stranded;
	const char *want;
} texts[] = {
	{ ROUTE_SPOOL, R, 0, 0,
	    "spool queue /q, delivered by root's relayq-flush "
	    "--all-users (relayq-flush-spool.timer)" },
	{ ROUTE_PERSONAL, O, 0, 0,
	    "personal queue /q, delivered by your own "
	    "relayq-flush runs (after each message, and your relayq-flush.timer or "
	    "crontab)" },
	{ ROUTE_CONFIGURED, O, 0, 0,
	    "configured queue /q, delivered by your own "
	    "relayq-flush runs (after each message, and your relayq-flush.timer or "
	    "crontab)" },
	{ ROUTE_PERSONAL, O | R, 0, 0,
	    "personal queue /q, delivered by your own "
	    "relayq-flush runs and root's relayq-flush --all-users "
	    "(relayq-flush-spool.timer)" },
	{ ROUTE_PERSONAL, O, 1, 0,
	    "personal queue /q, delivered by your own "
	    "relayq-flush runs (after each message, and your relayq-flush.timer or "
	    "crontab); the system spool does not exist, so root's run cannot "
	    "deliver it (root can create it: install -d -m 1733 /sp)" },
	{ ROUTE_SPOOL, R, 0, 1,
	    "spool queue /q; NOBODY CAN DELIVER IT: no "
	    "smarthost is configured (set smarthost in " SYSCONFDIR
	    "/relayq.conf)" },
	{ ROUTE_PERSONAL, O, 0, 1,
	    "personal queue /q; NOBODY CAN DELIVER IT: no "
	    "smarthost is configured (set smarthost in your configuration)" },
};

START_TEST(test_describe)
{
	struct route r;
	char *t;

	memset(&r, 0, sizeof(r));
	r.kind = texts[_i].kind;
	r.by = texts[_i].by;
	r.no_spool = texts[_i].no_spool;
	r.stranded = texts[_i].stranded;
	r.dir = xstrdup("/q");
	t = route_describe(&r, "/sp");
	ck_assert_str_eq(t, texts[_i].want);
	free(t);
	route_free(&r);
}
END_TEST

START_TEST(test_env)
{
	char *sp;
	struct route r;

	test_tmpdir_setup();
	sp = xasprintf("%s/spool", test_dir);
	setenv("HOME", test_dir, 1);
	unsetenv("XDG_STATE_HOME");
	/* No spool yet: the home queue. */
	route_decide_env(NULL, sp, 0, 1, &r);
	ck_assert_int_eq(r.kind, ROUTE_PERSONAL);
	ck_assert_int_eq(r.no_spool, 1);
	route_free(&r);
	ck_assert_int_eq(mkdir(sp, 01733), 0);
	route_decide_env(NULL, sp, 0, 1, &r);
	ck_assert_int_eq(r.kind, ROUTE_SPOOL);
	ck_assert_uint_eq(r.by, ROUTE_BY_ROOT);
	ck_assert_ptr_nonnull(r.old);
	route_free(&r);
	route_decide_env(NULL, sp, 1, 1, &r);
	ck_assert_int_eq(r.kind, ROUTE_PERSONAL);
	ck_assert_int_eq(r.loc, QUEUE_LOC_HOME);
	route_free(&r);
	free(sp);
	test_tmpdir_teardown();
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("rule");

	tcase_add_loop_test(tc, test_rule, 0, TEST_NELEM(cases));
	tcase_add_loop_test(tc, test_describe, 0, TEST_NELEM(texts));
	tcase_add_test(tc, test_env);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(suite());
}

/* check_notice.c — queueing a notice back to a sender (notice.c), the one
 * way the front end's error report and the flusher's RFC 3464 notices are
 * queued: from <> to the one address reported to, body as written, and
 * nothing left behind by an aborted or failed notice. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/check_main.h"
#include "lib/log.h"
#include "lib/tmpdir.h"
#include "lib/xalloc.h"
#include "queue/notice.h"

static struct queue q;

static void
setup(void)
{
	struct err e;
	char *dir;

	log_set_syslog(0);
	test_tmpdir_setup();
	dir = xasprintf("%s/relayq", test_dir);
	err_clear(&e);
	ck_assert_msg(queue_open(&q, dir, getuid(), &e) == 0, "%s", e.msg);
	free(dir);
}

static void
teardown(void)
{
	queue_close(&q);
	test_tmpdir_teardown();
}

static char *
slurp_body(const char *id)
{
	char *path = queue_body_path(&q, id), *s = xmalloc(4096);
	int fd = open(path, O_RDONLY);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	n = read(fd, s, 4095);
	ck_assert_int_ge(n, 0);
	s[n] = '\0';
	close(fd);
	free(path);
	return s;
}

static void
notice_env_of(struct notice_env *ne, const char *to, enum envelope_body body)
{
	memset(ne, 0, sizeof(*ne));
	ne->to = to;
	ne->created = 1700000000;
	ne->uid = 4242;
	ne->user = "alice";
	ne->body = body;
}

/* Written in pieces, committed: one message from <> to the address, the
 * envelope's fields as given, the body as written. */
static const enum envelope_body bodies[] = { ENVELOPE_BODY_UNSET,
	ENVELOPE_BODY_7BIT, ENVELOPE_BODY_8BITMIME };

START_TEST(test_commit)
{
	struct notice n;
	struct notice_env ne;
	struct envelope env;
	struct err e;
	char *body, id[sizeof(n.m.id)];

	err_clear(&e);
	ck_assert_msg(notice_create(&n, &q, &e) == 0, "%s", e.msg);
	ck_assert(queue_id_valid(n.m.id));
	ck_assert_int_eq(notice_write(&n, "Subject: x\n\n", 12, &e), 0);
	ck_assert_int_eq(notice_write(&n, "report\n", 7, &e), 0);
	notice_env_of(&ne, "bob@example.test", bodies[_i]);
	ck_assert_msg(notice_commit(&n, &ne, &e) == 0, "%s", e.msg);
	memcpy(id, n.m.id, sizeof(id));
	notice_abort(&n); /* after a commit: does nothing */

	envelope_init(&env);
	ck_assert_msg(queue_env_read(&q, id, &env, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(env.sender, "");
	ck_assert_uint_eq(env.nrcpt, 1);
	ck_assert_str_eq(env.rcpt[0].addr, "bob@example.test");
	ck_assert_int_eq(env.rcpt[0].state, RCPT_PENDING);
	ck_assert_int_eq((long)env.created, 1700000000L);
	ck_assert_uint_eq(env.uid, 4242);
	ck_assert_str_eq(env.user, "alice");
	ck_assert_int_eq(env.body, bodies[_i]);
	ck_assert_uint_eq(env.size, 19);
	envelope_free(&env);
	body = slurp_body(id);
	ck_assert_str_eq(body, "Subject: x\n\nreport\n");
	free(body);
	ck_assert_int_eq(test_count_entries(q.tmp), 0);
	ck_assert_int_eq(test_count_entries(q.new), 1);
	ck_assert_int_eq(test_count_entries(q.env), 1);
}
END_TEST

/* Aborted after writing: nothing left in the queue; a second abort is
 * harmless. */
START_TEST(test_abort)
{
	struct notice n;
	struct err e;

	err_clear(&e);
	ck_assert_msg(notice_create(&n, &q, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(notice_write(&n, "partial", 7, &e), 0);
	ck_assert_int_eq(test_count_entries(q.tmp), 1);
	notice_abort(&n);
	notice_abort(&n);
	ck_assert_int_eq(test_count_entries(q.tmp), 0);
	ck_assert_int_eq(test_count_entries(q.new), 0);
	ck_assert_int_eq(test_count_entries(q.env), 0);
}
END_TEST

/* A queue whose tmp/ is gone: create fails with a message, and abort of
 * the notice that never opened does nothing. */
START_TEST(test_create_fails)
{
	struct notice n;
	struct err e;

	ck_assert_int_eq(test_rmtree(q.tmp), 0);
	err_clear(&e);
	ck_assert_int_eq(notice_create(&n, &q, &e), -1);
	ck_assert_int_ne(e.code, 0);
	ck_assert(strstr(e.msg, q.tmp) != NULL);
	notice_abort(&n);
	ck_assert_int_eq(test_count_entries(q.new), 0);
	ck_assert_int_eq(test_count_entries(q.env), 0);
}
END_TEST

/* The commit fails (env/ replaced by a file): nothing is left, and the
 * notice is no longer open. */
START_TEST(test_commit_fails)
{
	struct notice n;
	struct notice_env ne;
	struct err e;
	int fd;

	err_clear(&e);
	ck_assert_msg(notice_create(&n, &q, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(notice_write(&n, "text\n", 5, &e), 0);
	ck_assert_int_eq(test_rmtree(q.env), 0);
	fd = open(q.env, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	notice_env_of(&ne, "bob@example.test", ENVELOPE_BODY_7BIT);
	ck_assert_int_eq(notice_commit(&n, &ne, &e), -1);
	ck_assert_int_ne(e.code, 0);
	ck_assert_int_eq(n.open, 0);
	notice_abort(&n);
	ck_assert_int_eq(test_count_entries(q.tmp), 0);
	ck_assert_int_eq(test_count_entries(q.new), 0);
}
END_TEST

static Suite *
notice_suite(void)
{
	Suite *s = suite_create("notice");
	TCase *tc = tcase_create("notice");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_commit, 0,
	    (int)(sizeof(bodies) / sizeof(bodies[0])));
	tcase_add_test(tc, test_abort);
	tcase_add_test(tc, test_create_fails);
	tcase_add_test(tc, test_commit_fails);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(notice_suite());
}

/* check_queue.c — the queue: ownership refusal, ids, and one test per
 * transition and crash point of doc/QUEUE.md (the location table is
 * check_route.c's). */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "lib/check_main.h"
#include "lib/log.h"
#include "lib/slurp.h"
#include "lib/tmpdir.h"
#include "lib/xalloc.h"
#include "queue/queue.h"

static char *qdir;
static struct queue q;

static void
setup(void)
{
	struct err e;

	log_set_syslog(0);
	test_tmpdir_setup();
	qdir = xasprintf("%s/state/relayq", test_dir);
	err_clear(&e);
	ck_assert_msg(queue_open(&q, qdir, getuid(), &e) == 0, "%s", e.msg);
}

static int
exists(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	int rc = access(p, F_OK) == 0;

	free(p);
	return rc;
}

static void
age(const char *dir, const char *name, time_t secs)
{
	char *p = xasprintf("%s/%s", dir, name);
	struct timeval tv[2];

	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= secs;
	tv[1] = tv[0];
	ck_assert_int_eq(utimes(p, tv), 0);
	free(p);
}

/* A message with body text and one recipient, committed. */
static void
queue_one(struct queue_msg *m, const char *body, struct envelope *env)
{
	struct err e;

	ck_assert_int_eq(queue_msg_create(&q, m, &e), 0);
	ck_assert_int_eq(write(m->body.fd, body, strlen(body)),
	    (ssize_t)strlen(body));
	envelope_init(env);
	envelope_set(&env->sender, "alice@example.com");
	env->created = time(NULL);
	envelope_add_rcpt(env, "bob@example.org");
	ck_assert_msg(queue_msg_commit(&q, m, env, &e) == 0, "%s", e.msg);
}

/* ---- location ---------------------------------------------------------- */

START_TEST(test_probe_home)
{
	struct queue_home h;

	queue_probe_home(test_dir, &h);
	ck_assert_int_eq(h.exists, 1);
	ck_assert_uint_eq(h.owner, getuid());
	ck_assert_int_eq(h.writable, 1);
	queue_probe_home("/nonexistent", &h);
	ck_assert_int_eq(h.exists, 0);
	queue_probe_home(NULL, &h);
	ck_assert_int_eq(h.exists, 0);
	queue_probe_home("relative", &h);
	ck_assert_int_eq(h.exists, 0);
}
END_TEST

/* ---- ownership ----------------------------------------------------------- */

static const struct {
	mode_t mode;
	uid_t owner;
	const char *msg;
} stat_cases[] = {
	{ S_IFDIR | 0700, 1000, "" },
	{ S_IFDIR | 0700, 1001,
	    "/q is owned by uid 1001, not you (uid 1000); "
	    "remove it, or configure a queue directory of your own" },
	{ S_IFDIR | 0750, 1000,
	    "/q has mode 0750: group or others may access "
	    "it; fix it with: chmod 700 /q" },
	{ S_IFDIR | 0701, 1000,
	    "/q has mode 0701: group or others may access "
	    "it; fix it with: chmod 700 /q" },
	{ S_IFDIR | 01733, 1000,
	    "/q has mode 1733: group or others may access "
	    "it; fix it with: chmod 700 /q" },
	{ S_IFLNK | 0777, 1000,
	    "/q is a symbolic link; a queue directory must "
	    "be a real directory: remove the link or configure the real path" },
	{ S_IFREG | 0600, 1000,
	    "/q is not a directory; remove it or configure "
	    "another queue directory" },
};

START_TEST(test_check_stat)
{
	struct stat st;
	struct err e;
	int want = stat_cases[_i].msg[0] ? -1 : 0;

	memset(&st, 0, sizeof(st));
	st.st_mode = stat_cases[_i].mode;
	st.st_uid = stat_cases[_i].owner;
	err_clear(&e);
	ck_assert_int_eq(queue_check_stat("/q", &st, 1000, &e), want);
	ck_assert_int_eq(e.code, want ? EX_CANTCREAT : 0);
	ck_assert_str_eq(e.msg, stat_cases[_i].msg);
}
END_TEST

START_TEST(test_open_creates_0700)
{
	const char *sub[] = { "", "/tmp", "/new", "/env" };
	struct stat st;
	size_t i;
	char *p;

	for (i = 0; i < 4; i++) {
		p = xasprintf("%s%s", qdir, sub[i]);
		ck_assert_int_eq(lstat(p, &st), 0);
		ck_assert(S_ISDIR(st.st_mode));
		ck_assert_uint_eq(st.st_mode & 07777, 0700);
		ck_assert_uint_eq(st.st_uid, getuid());
		free(p);
	}
	p = xasprintf("%s/state", test_dir);
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
	free(p);
	ck_assert_str_eq(q.dir, qdir);
}
END_TEST

/* A queue owned by someone else is refused and nothing is written in it:
 * the uid comparison, checked here by chowning the directory away. */
START_TEST(test_open_refuses_other_owner)
{
	char *dir = xasprintf("%s/other", test_dir), *want;
	struct queue q2;
	struct err e;

	if (getuid() != 0)
		return; /* cannot chown; test_open_as_nobody covers non-root */
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(chown(dir, 65534, 65534), 0);
	err_clear(&e);
	ck_assert_int_eq(queue_open(&q2, dir, 0, &e), -1);
	ck_assert_int_eq(e.code, EX_CANTCREAT);
	want =
	    xasprintf("%s is owned by uid 65534, not you (uid 0); remove it, "
	              "or configure a queue directory of your own",
	        dir);
	ck_assert_str_eq(e.msg, want);
	ck_assert_int_eq(test_count_entries(dir), 0);
	ck_assert_ptr_null(q2.dir);
	free(want);
	free(dir);
}
END_TEST

START_TEST(test_open_refuses_loose_mode)
{
	struct queue q2;
	struct err e;
	char *want = xasprintf("%s has mode 0770: group or others may access "
	                       "it; fix it with: chmod 700 %s",
	    q.new, q.new);

	ck_assert_int_eq(chmod(q.new, 0770), 0);
	ck_assert_int_eq(queue_open(&q2, qdir, getuid(), &e), -1);
	ck_assert_str_eq(e.msg, want);
	free(want);
}
END_TEST

START_TEST(test_open_refuses_symlink)
{
	char *link = xasprintf("%s/link", test_dir);
	struct queue q2;
	struct err e;

	ck_assert_int_eq(symlink(qdir, link), 0);
	ck_assert_int_eq(queue_open(&q2, link, getuid(), &e), -1);
	ck_assert_int_eq(e.code, EX_CANTCREAT);
	ck_assert_ptr_nonnull(strstr(e.msg, "is a symbolic link"));
	ck_assert_int_eq(queue_open(&q2, "rel/q", getuid(), &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	free(link);
}
END_TEST

/* Really unprivileged: drop to uid 65534 (inside this forked test) and
 * try root's queue, then use an own queue in the same tree. */
START_TEST(test_open_as_nobody)
{
	char *mine = xasprintf("%s/nobody", test_dir), *want, *p;
	struct queue_msg m;
	struct envelope env;
	struct queue q2;
	struct err e;
	uid_t me;

	if (getuid() == 0) {
		ck_assert_int_eq(mkdir(mine, 0700), 0);
		ck_assert_int_eq(chown(mine, 65534, 65534), 0);
		ck_assert_int_eq(chmod(test_dir, 0711), 0);
		p = xasprintf("%s/state", test_dir);
		ck_assert_int_eq(chmod(p, 0711), 0);
		free(p);
		/* root kept as the saved id, so that test_tmpdir_teardown
		 * can take it back and remove test_dir */
		ck_assert_int_eq(setresgid(65534, 65534, 0), 0);
		ck_assert_int_eq(setresuid(65534, 65534, 0), 0);
	}
	me = getuid();
	ck_assert_uint_ne(me, 0);
	if (me == 65534) {
		ck_assert_int_eq(queue_open(&q2, qdir, me, &e), -1);
		ck_assert_int_eq(e.code, EX_CANTCREAT);
		want = xasprintf(
		    "%s is owned by uid 0, not you (uid 65534); remove "
		    "it, or configure a queue directory of your own",
		    qdir);
		ck_assert_str_eq(e.msg, want);
		free(want);
	} else {
		ck_assert_int_eq(mkdir(mine, 0700), 0);
	}
	ck_assert_msg(queue_open(&q2, mine, me, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(queue_msg_create(&q2, &m, &e), 0);
	envelope_init(&env);
	envelope_add_rcpt(&env, "x@y");
	ck_assert_int_eq(queue_msg_commit(&q2, &m, &env, &e), 0);
	ck_assert_int_eq(exists(q2.env, m.id), 1);
	/* and a group-writable queue is refused even to its owner */
	ck_assert_int_eq(chmod(q2.env, 0720), 0);
	queue_close(&q2);
	ck_assert_int_eq(queue_open(&q2, mine, me, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "has mode 0720"));
	envelope_free(&env);
	free(mine);
}
END_TEST

/* ---- ids ---------------------------------------------------------------- */

START_TEST(test_id_format)
{
	char id[QUEUE_ID_LEN + 1];

	queue_id_make(id, 0);
	ck_assert_str_eq(id, "0000000000");
	queue_id_make(id, 1);
	ck_assert_str_eq(id, "0000000001");
	queue_id_make(id, 31);
	ck_assert_str_eq(id, "000000000V");
	queue_id_make(id, queue_id_value(1700000000, 500000));
	ck_assert_str_eq(id, "1IL7S80G00");
	ck_assert_uint_eq(queue_id_value(1, 999999), (1ull << 15) | 32767);
	ck_assert_int_eq(queue_id_valid("1IKI2G0G00"), 1);
	ck_assert_int_eq(queue_id_valid("1iki2g0g00"), 0);
	ck_assert_int_eq(queue_id_valid("1IKI2G0G0W"), 0);
	ck_assert_int_eq(queue_id_valid("1IKI2G0G0"), 0);
	ck_assert_int_eq(queue_id_valid("1IKI2G0G000"), 0);
	ck_assert_int_eq(queue_id_valid(".tmp"), 0);
}
END_TEST

START_TEST(test_id_sortable)
{
	char a[QUEUE_ID_LEN + 1], b[QUEUE_ID_LEN + 1];
	static const long t[][2] = {
		{ 1700000000, 0 },
		{ 1700000000, 40 },
		{ 1700000000, 999999 },
		{ 1700000001, 0 },
		{ 1800000000, 1 },
		{ 34359738367, 0 },
	};
	size_t i;

	for (i = 1; i < sizeof(t) / sizeof(t[0]); i++) {
		queue_id_make(a, queue_id_value(t[i - 1][0], t[i - 1][1]));
		queue_id_make(b, queue_id_value(t[i][0], t[i][1]));
		ck_assert_msg(strcmp(a, b) < 0, "%s !< %s", a, b);
	}
}
END_TEST

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* 10,000 messages created in a burst get 10,000 distinct valid ids, in
 * increasing order, close to now. */
START_TEST(test_id_unique_10000)
{
	enum { N = 10000 };
	char **ids = xcalloc(N, sizeof(char *));
	char now_id[QUEUE_ID_LEN + 1];
	struct queue_msg m;
	struct err e;
	size_t i;

	queue_id_make(now_id, queue_id_value(time(NULL), 0));
	for (i = 0; i < N; i++) {
		ck_assert_int_eq(queue_msg_create(&q, &m, &e), 0);
		ck_assert(queue_id_valid(m.id));
		ids[i] = xstrdup(m.id);
		if (i > 0)
			ck_assert_str_gt(ids[i], ids[i - 1]);
		close(m.body.fd); /* keep tmp/ID: the name stays taken */
		free(m.body.path);
	}
	ck_assert_int_eq(test_count_entries(q.tmp), N);
	qsort(ids, N, sizeof(char *), cmp_str);
	for (i = 1; i < N; i++)
		ck_assert_str_ne(ids[i], ids[i - 1]);
	ck_assert_int_eq(strncmp(ids[0], now_id, 5), 0);
	for (i = 0; i < N; i++)
		free(ids[i]);
	free(ids);
}
END_TEST

/* Four processes writing into one queue at once never share an id. */
START_TEST(test_id_unique_concurrent)
{
	enum { P = 4, EACH = 150 };
	struct strv ids = STRV_INIT;
	struct err e;
	int i, status;

	for (i = 0; i < P; i++) {
		if (fork() == 0) {
			struct queue_msg m;
			struct envelope env;
			int k;

			for (k = 0; k < EACH; k++) {
				if (queue_msg_create(&q, &m, &e) < 0)
					_exit(1);
				envelope_init(&env);
				envelope_add_rcpt(&env, "x@y");
				if (queue_msg_commit(&q, &m, &env, &e) < 0)
					_exit(2);
				envelope_free(&env);
			}
			_exit(0);
		}
	}
	for (i = 0; i < P; i++) {
		ck_assert_int_gt(wait(&status), 0);
		ck_assert_int_eq(WEXITSTATUS(status), 0);
	}
	ck_assert_int_eq(queue_scan(&q, &ids, &e), 0);
	ck_assert_uint_eq(ids.n, P * EACH);
	ck_assert_int_eq(test_count_entries(q.new), P * EACH);
	for (i = 1; i < P * EACH; i++)
		ck_assert_str_gt(ids.v[i], ids.v[i - 1]);
	strv_free(&ids);
}
END_TEST

/* ---- transitions --------------------------------------------------------- */

/* – → W: a body being written is in tmp/ only and invisible. */
START_TEST(test_create_invisible)
{
	struct strv ids = STRV_INIT;
	struct queue_msg m;
	struct err e;
	struct stat st;
	char *p;

	ck_assert_int_eq(queue_msg_create(&q, &m, &e), 0);
	ck_assert_int_ge(m.body.fd, 0);
	ck_assert_int_eq(exists(q.tmp, m.id), 1);
	p = xasprintf("%s/%s", q.tmp, m.id);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(queue_scan(&q, &ids, &e), 0);
	ck_assert_uint_eq(ids.n, 0);
	queue_msg_abort(&q, &m);
	free(p);
}
END_TEST

/* W → –: abort leaves nothing. */
START_TEST(test_abort_leaves_nothing)
{
	struct queue_msg m;
	struct err e;

	ck_assert_int_eq(queue_msg_create(&q, &m, &e), 0);
	ck_assert_int_eq(write(m.body.fd, "x\n", 2), 2);
	queue_msg_abort(&q, &m);
	queue_msg_abort(&q, &m);
	ck_assert_int_eq(test_count_entries(q.tmp), 0);
	ck_assert_int_eq(test_count_entries(q.new), 0);
	ck_assert_int_eq(test_count_entries(q.env), 0);
}
END_TEST

/* W → B → Q: commit places body and envelope; the envelope reads back. */
START_TEST(test_commit)
{
	struct strv ids = STRV_INIT;
	struct envelope env, back;
	struct queue_msg m;
	struct err e;

	queue_one(&m, "Subject: hi\n\nbody\n", &env);
	ck_assert_int_eq(test_count_entries(q.tmp), 0);
	ck_assert_int_eq(exists(q.new, m.id), 1);
	ck_assert_int_eq(exists(q.env, m.id), 1);
	ck_assert_str_eq(env.id, m.id);
	ck_assert_uint_eq(env.size, 18);
	ck_assert_int_eq(queue_scan(&q, &ids, &e), 0);
	ck_assert_uint_eq(ids.n, 1);
	ck_assert_str_eq(ids.v[0], m.id);
	ck_assert_int_eq(queue_env_read(&q, m.id, &back, &e), 0);
	ck_assert_str_eq(back.sender, "alice@example.com");
	ck_assert_uint_eq(back.size, 18);
	ck_assert_str_eq(back.rcpt[0].addr, "bob@example.org");
	queue_msg_abort(&q, &m); /* after commit: does nothing */
	ck_assert_int_eq(exists(q.new, m.id), 1);
	envelope_free(&env);
	envelope_free(&back);
	strv_free(&ids);
}
END_TEST

/* Crash point: after the body rename, before the envelope rename.  The
 * message is invisible, survives a fresh sweep, and goes after 36 h. */
START_TEST(test_crash_between_renames)
{
	struct strv ids = STRV_INIT;
	struct queue_msg m;
	unsigned removed = 9;
	struct err e;

	ck_assert_int_eq(queue_msg_create(&q, &m, &e), 0);
	ck_assert_int_eq(write(m.body.fd, "x\n", 2), 2);
	ck_assert_int_eq(queue_msg_commit_body(&q, &m, &e), 0);
	ck_assert_int_eq(m.placed, 1);
	/* crash here */
	ck_assert_int_eq(test_count_entries(q.tmp), 0);
	ck_assert_int_eq(exists(q.new, m.id), 1);
	ck_assert_int_eq(queue_scan(&q, &ids, &e), 0);
	ck_assert_uint_eq(ids.n, 0);
	ck_assert_int_eq(queue_sweep(&q, time(NULL), &removed, &e), 0);
	ck_assert_uint_eq(removed, 0);
	ck_assert_int_eq(exists(q.new, m.id), 1);
	ck_assert_int_eq(queue_sweep(&q, time(NULL) + QUEUE_STALE_SECS + 60,
	                     &removed, &e),
	    0);
	ck_assert_uint_eq(removed, 1);
	ck_assert_int_eq(test_count_entries(q.new), 0);
}
END_TEST

/* Crash point: the envelope temporary written, not renamed. */
START_TEST(test_crash_env_tmp)
{
	struct durable_tmp t = DURABLE_TMP_INIT;
	struct queue_msg m;
	unsigned removed;
	struct err e;

	ck_assert_int_eq(queue_msg_create(&q, &m, &e), 0);
	ck_assert_int_eq(queue_msg_commit_body(&q, &m, &e), 0);
	ck_assert_int_eq(durable_tmp_open(&t, q.tmp, m.id, 0600, &e), 0);
	ck_assert_int_eq(durable_write_all(t.fd, "relayq-envelope 1\n", 18,
	                     t.path, &e),
	    0);
	close(t.fd);
	/* crash here */
	ck_assert_int_eq(test_count_entries(q.tmp), 1);
	ck_assert_int_eq(test_count_entries(q.env), 0);
	age(q.tmp, strrchr(t.path, '/') + 1, QUEUE_STALE_SECS + 10);
	age(q.new, m.id, QUEUE_STALE_SECS + 10);
	ck_assert_int_eq(queue_sweep(&q, time(NULL), &removed, &e), 0);
	ck_assert_uint_eq(removed, 2);
	ck_assert_int_eq(test_count_entries(q.tmp), 0);
	ck_assert_int_eq(test_count_entries(q.new), 0);
	free(t.path);
}
END_TEST

/* Crash while streaming: tmp/ID stays until it is 36 h old. */
START_TEST(test_sweep_tmp)
{
	struct queue_msg m;
	unsigned removed;
	struct err e;

	ck_assert_int_eq(queue_msg_create(&q, &m, &e), 0);
	close(m.body.fd);
	age(q.tmp, m.id, QUEUE_STALE_SECS - 600);
	ck_assert_int_eq(queue_sweep(&q, time(NULL), &removed, &e), 0);
	ck_assert_uint_eq(removed, 0);
	age(q.tmp, m.id, QUEUE_STALE_SECS + 600);
	ck_assert_int_eq(queue_sweep(&q, time(NULL), &removed, &e), 0);
	ck_assert_uint_eq(removed, 1);
	ck_assert_int_eq(test_count_entries(q.tmp), 0);
	free(m.body.path);
}
END_TEST

/* A queued message is never swept, however old. */
START_TEST(test_sweep_keeps_queued)
{
	struct envelope env;
	struct queue_msg m;
	unsigned removed;
	struct err e;

	queue_one(&m, "x\n", &env);
	age(q.new, m.id, 30 * 86400);
	age(q.env, m.id, 30 * 86400);
	ck_assert_int_eq(queue_sweep(&q, time(NULL), &removed, &e), 0);
	ck_assert_uint_eq(removed, 0);
	ck_assert_int_eq(exists(q.new, m.id), 1);
	ck_assert_int_eq(exists(q.env, m.id), 1);
	envelope_free(&env);
}
END_TEST

/* The envelope step fails (env/ is gone): nothing is left behind. */
START_TEST(test_commit_env_fails_cleans)
{
	struct envelope env;
	struct queue_msg m;
	struct err e;

	ck_assert_int_eq(queue_msg_create(&q, &m, &e), 0);
	ck_assert_int_eq(write(m.body.fd, "x\n", 2), 2);
	ck_assert_int_eq(rmdir(q.env), 0);
	envelope_init(&env);
	envelope_add_rcpt(&env, "x@y");
	err_clear(&e);
	ck_assert_int_eq(queue_msg_commit(&q, &m, &env, &e), -1);
	ck_assert_int_eq(e.code, EX_CANTCREAT);
	ck_assert_ptr_nonnull(strstr(e.msg, "cannot rename into place"));
	ck_assert_int_eq(test_count_entries(q.tmp), 0);
	ck_assert_int_eq(test_count_entries(q.new), 0);
	envelope_free(&env);
}
END_TEST

/* The body step fails (new/ is gone): nothing is left behind. */
START_TEST(test_commit_body_fails_cleans)
{
	struct envelope env;
	struct queue_msg m;
	struct err e;

	ck_assert_int_eq(queue_msg_create(&q, &m, &e), 0);
	ck_assert_int_eq(rmdir(q.new), 0);
	envelope_init(&env);
	envelope_add_rcpt(&env, "x@y");
	ck_assert_int_eq(queue_msg_commit(&q, &m, &env, &e), -1);
	ck_assert_int_eq(m.placed, 0);
	ck_assert_int_eq(test_count_entries(q.tmp), 0);
	ck_assert_int_eq(test_count_entries(q.env), 0);
	envelope_free(&env);
}
END_TEST

/* Another message took the id between the reservation and the rename
 * (the no-replace rename fails with EEXIST): aborting ours must leave the
 * other message's body alone. */
START_TEST(test_commit_collision_keeps_other)
{
	struct envelope env;
	struct queue_msg m;
	struct err e;
	char *other, got[16] = "";
	FILE *f;

	ck_assert_int_eq(queue_msg_create(&q, &m, &e), 0);
	ck_assert_int_eq(write(m.body.fd, "ours\n", 5), 5);
	other = queue_body_path(&q, m.id);
	f = fopen(other, "w");
	ck_assert_ptr_nonnull(f);
	fputs("theirs\n", f);
	ck_assert_int_eq(fclose(f), 0);
	envelope_init(&env);
	envelope_add_rcpt(&env, "x@y");
	ck_assert_int_eq(queue_msg_commit(&q, &m, &env, &e), -1);
	ck_assert_int_eq(m.placed, 0);
	queue_msg_abort(&q, &m);
	f = fopen(other, "r");
	ck_assert_msg(f != NULL, "the other message's body was removed");
	ck_assert_ptr_nonnull(fgets(got, sizeof(got), f));
	fclose(f);
	ck_assert_str_eq(got, "theirs\n");
	ck_assert_int_eq(test_count_entries(q.tmp), 0);
	ck_assert_int_eq(test_count_entries(q.env), 0);
	free(other);
	envelope_free(&env);
}
END_TEST

/* Q → Q: an update replaces the state atomically, no temporary remains. */
START_TEST(test_update)
{
	struct envelope env, back;
	struct queue_msg m;
	struct err e;

	queue_one(&m, "x\n", &env);
	env.attempts = 3;
	env.rcpt[0].state = RCPT_DONE;
	rcpt_reply_set(&env.rcpt[0].reply, 250, "2.0.0", "Ok");
	ck_assert_int_eq(queue_env_write(&q, &env, &e), 0);
	ck_assert_int_eq(test_count_entries(q.tmp), 0);
	ck_assert_int_eq(queue_env_read(&q, m.id, &back, &e), 0);
	ck_assert_uint_eq(back.attempts, 3);
	ck_assert_int_eq(back.rcpt[0].state, RCPT_DONE);
	ck_assert_str_eq(back.rcpt[0].reply.text, "Ok");
	ck_assert_int_eq(back.rcpt[0].reply.code, 250);
	ck_assert_str_eq(back.rcpt[0].reply.status, "2.0.0");
	envelope_free(&env);
	envelope_free(&back);
}
END_TEST

/* Q → R → –: remove; and the crash point between its two unlinks. */
START_TEST(test_remove)
{
	struct envelope env;
	struct queue_msg m;
	char *envp;
	unsigned removed;
	struct err e;

	queue_one(&m, "x\n", &env);
	ck_assert_int_eq(queue_remove(&q, m.id, &e), 0);
	ck_assert_int_eq(test_count_entries(q.new) + test_count_entries(q.env),
	    0);
	ck_assert_int_eq(queue_remove(&q, m.id, &e), 0);
	envelope_free(&env);

	queue_one(&m, "x\n", &env);
	envp = queue_env_path(&q, m.id);
	ck_assert_int_eq(unlink(envp), 0); /* crash after the commit point */
	age(q.new, m.id, QUEUE_STALE_SECS + 1);
	ck_assert_int_eq(queue_sweep(&q, time(NULL), &removed, &e), 0);
	ck_assert_uint_eq(removed, 1);
	ck_assert_int_eq(test_count_entries(q.new), 0);
	free(envp);
	envelope_free(&env);
}
END_TEST

/* ---- move (transition 7) ------------------------------------------------- */

/* Opens a second queue beside q, the move's target. */
static void
open_target(struct queue *t)
{
	char *d = xasprintf("%s/spool/1000", test_dir);
	struct err e;

	ck_assert_msg(queue_open(t, d, getuid(), &e) == 0, "%s", e.msg);
	free(d);
}

START_TEST(test_move)
{
	struct envelope env, got;
	struct queue_msg m;
	struct queue t;
	struct err e;
	char *body;
	int fd;

	open_target(&t);
	queue_one(&m, "moved body\n", &env);
	ck_assert_int_eq(queue_lock(&q, m.id, &fd, &e), 0);
	ck_assert_msg(queue_move(&q, &t, m.id, fd, &e) == 0, "%s", e.msg);
	close(fd);
	ck_assert_int_eq(test_count_entries(q.new) + test_count_entries(q.env) +
	        test_count_entries(q.tmp),
	    0);
	ck_assert_int_eq(test_count_entries(t.new) + test_count_entries(t.env),
	    2);
	ck_assert_int_eq(test_count_entries(t.tmp), 0);
	body = test_slurp_at(t.new, m.id);
	ck_assert_str_eq(body, "moved body\n");
	free(body);
	ck_assert_int_eq(queue_env_read(&t, m.id, &got, &e), 0);
	ck_assert_str_eq(got.id, m.id);
	ck_assert_str_eq(got.sender, "alice@example.com");
	ck_assert_uint_eq(got.size, 11);
	envelope_free(&got);
	envelope_free(&env);
	queue_close(&t);
}
END_TEST

/* A crash after the move's commit point: the target has it, the source
 * still too.  The next move only removes the source: one copy. */
START_TEST(test_move_crash_after_commit)
{
	struct envelope env;
	struct queue_msg m;
	struct queue t;
	struct err e;
	char *src, *dst;
	int fd;

	open_target(&t);
	queue_one(&m, "once\n", &env);
	src = queue_env_path(&q, m.id);
	dst = queue_env_path(&t, m.id);
	ck_assert_int_eq(link(src, dst), 0);
	free(src);
	free(dst);
	src = queue_body_path(&q, m.id);
	dst = queue_body_path(&t, m.id);
	ck_assert_int_eq(link(src, dst), 0); /* both placed: committed */
	ck_assert_int_eq(queue_lock(&q, m.id, &fd, &e), 0);
	ck_assert_msg(queue_move(&q, &t, m.id, fd, &e) == 0, "%s", e.msg);
	close(fd);
	ck_assert_int_eq(test_count_entries(q.new) + test_count_entries(q.env),
	    0);
	ck_assert_int_eq(test_count_entries(t.env) + test_count_entries(t.new),
	    2);
	ck_assert_int_eq(test_count_entries(t.tmp),
	    0); /* nothing was copied again */
	free(src);
	free(dst);
	envelope_free(&env);
	queue_close(&t);
}
END_TEST

/* A crash before the commit point: a body (or its temporary) in the
 * target without an envelope.  The next move clears it and moves. */
START_TEST(test_move_crash_before_commit)
{
	struct envelope env;
	struct queue_msg m;
	struct queue t;
	struct err e;
	char *p, *body;
	FILE *fp;
	int fd;

	open_target(&t);
	queue_one(&m, "the real one\n", &env);
	p = queue_body_path(&t, m.id);
	fp = fopen(p, "w");
	fputs("torn", fp);
	fclose(fp);
	free(p);
	p = xasprintf("%s/%s", t.tmp, m.id);
	fp = fopen(p, "w");
	fclose(fp);
	free(p);
	ck_assert_int_eq(queue_lock(&q, m.id, &fd, &e), 0);
	ck_assert_msg(queue_move(&q, &t, m.id, fd, &e) == 0, "%s", e.msg);
	close(fd);
	body = test_slurp_at(t.new, m.id);
	ck_assert_str_eq(body, "the real one\n");
	free(body);
	ck_assert_int_eq(test_count_entries(t.env), 1);
	ck_assert_int_eq(test_count_entries(t.tmp), 0);
	ck_assert_int_eq(test_count_entries(q.new) + test_count_entries(q.env),
	    0);
	envelope_free(&env);
	queue_close(&t);
}
END_TEST

/* A FIFO in place of a body or an envelope is refused at once, named. */
START_TEST(test_fifo_refused)
{
	struct envelope env;
	struct err e;
	char *p;
	int fd;

	p = queue_body_path(&q, "0000000001");
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	free(p);
	p = queue_env_path(&q, "0000000001");
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	free(p);
	alarm(5); /* a blocking open would hang here */
	ck_assert_int_eq(queue_lock(&q, "0000000001", &fd, &e), -1);
	ck_assert_ptr_nonnull(
	    strstr(e.msg, "new/0000000001 is not a regular file"));
	ck_assert_int_eq(queue_env_read(&q, "0000000001", &env, &e), -1);
	ck_assert_ptr_nonnull(
	    strstr(e.msg, "env/0000000001 is not a regular file"));
	envelope_free(&env);
	alarm(0);
}
END_TEST

static void
put_env(const char *id, const char *text)
{
	char *p = queue_env_path(&q, id);
	FILE *fp = fopen(p, "w");

	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
	free(p);
}

/* A torn envelope is refused, naming the file; so is one for another id. */
START_TEST(test_torn_env_refused)
{
	struct envelope env;
	struct err e;
	char *want;

	put_env("0000000001",
	    "relayq-envelope 1\nid 0000000001\ncreated 1\n"
	    "sender\nrcpt a@b\n");
	err_clear(&e);
	ck_assert_int_eq(queue_env_read(&q, "0000000001", &env, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	want =
	    xasprintf("refusing damaged envelope %s/0000000001: truncated (no "
	              "end line)",
	        q.env);
	ck_assert_str_eq(e.msg, want);
	envelope_free(&env);
	free(want);

	put_env("0000000002",
	    "relayq-envelope 1\nid 0000000001\ncreated 1\n"
	    "sender\nrcpt a@b\nend\n");
	ck_assert_int_eq(queue_env_read(&q, "0000000002", &env, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "names queue id 0000000001"));
	envelope_free(&env);
	ck_assert_int_eq(queue_env_read(&q, "0000000003", &env, &e), -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
	envelope_free(&env);
}
END_TEST

START_TEST(test_scan_ignores_junk)
{
	struct strv ids = STRV_INIT;
	struct err e;

	put_env("0000000002", "x");
	put_env("0000000001", "x");
	put_env(".hidden", "x");
	put_env("0000000001.tmp", "x");
	ck_assert_int_eq(queue_scan(&q, &ids, &e), 0);
	ck_assert_uint_eq(ids.n, 2);
	ck_assert_str_eq(ids.v[0], "0000000001");
	ck_assert_str_eq(ids.v[1], "0000000002");
	strv_free(&ids);
}
END_TEST

/* ---- locks --------------------------------------------------------------- */

START_TEST(test_lock_exclusive)
{
	struct envelope env;
	struct queue_msg m;
	int fd1, fd2;
	struct err e;

	queue_one(&m, "x\n", &env);
	ck_assert_int_eq(queue_lock(&q, m.id, &fd1, &e), 0);
	ck_assert_int_ge(fd1, 0);
	ck_assert_int_eq(queue_lock(&q, m.id, &fd2, &e), 1);
	ck_assert_int_eq(fd2, -1);
	close(fd1);
	ck_assert_int_eq(queue_lock(&q, m.id, &fd2, &e), 0);
	close(fd2);
	ck_assert_int_eq(queue_lock(&q, "0000000009", &fd2, &e), 2);
	envelope_free(&env);
}
END_TEST

/* Two processes: the child holds the lock, the parent is refused. */
START_TEST(test_lock_other_process)
{
	struct envelope env;
	struct queue_msg m;
	int p[2], fd, status;
	struct err e;
	char c;
	pid_t pid;

	queue_one(&m, "x\n", &env);
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		if (queue_lock(&q, m.id, &fd, &e) != 0)
			_exit(1);
		if (write(p[1], "L", 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(queue_lock(&q, m.id, &fd, &e), 1);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	/* the lock died with the process */
	ck_assert_int_eq(queue_lock(&q, m.id, &fd, &e), 0);
	close(fd);
	envelope_free(&env);
}
END_TEST

/* A flusher that opened the body before another removed the message finds
 * it gone after locking. */
START_TEST(test_lock_after_remove)
{
	struct envelope env;
	struct queue_msg m;
	int fd;
	struct err e;

	queue_one(&m, "x\n", &env);
	ck_assert_int_eq(queue_lock(&q, m.id, &fd, &e), 0);
	ck_assert_int_eq(queue_remove(&q, m.id, &e), 0);
	close(fd);
	ck_assert_int_eq(queue_lock(&q, m.id, &fd, &e), 2);
	envelope_free(&env);
}
END_TEST

#define NCASES(t) (int)(sizeof(t) / sizeof((t)[0]))

static Suite *
queue_suite(void)
{
	Suite *s = suite_create("queue");
	TCase *loc = tcase_create("location");
	TCase *own = tcase_create("ownership");
	TCase *ids = tcase_create("ids");
	TCase *tr = tcase_create("transitions");
	TCase *lk = tcase_create("locks");

	tcase_add_checked_fixture(loc, setup, test_tmpdir_teardown);
	tcase_add_test(loc, test_probe_home);
	suite_add_tcase(s, loc);

	tcase_add_checked_fixture(own, setup, test_tmpdir_teardown);
	tcase_add_loop_test(own, test_check_stat, 0, NCASES(stat_cases));
	tcase_add_test(own, test_open_creates_0700);
	tcase_add_test(own, test_open_refuses_other_owner);
	tcase_add_test(own, test_open_refuses_loose_mode);
	tcase_add_test(own, test_open_refuses_symlink);
	tcase_add_test(own, test_open_as_nobody);
	suite_add_tcase(s, own);

	tcase_add_checked_fixture(ids, setup, test_tmpdir_teardown);
	tcase_set_timeout(ids, 60);
	tcase_add_test(ids, test_id_format);
	tcase_add_test(ids, test_id_sortable);
	tcase_add_test(ids, test_id_unique_10000);
	tcase_add_test(ids, test_id_unique_concurrent);
	suite_add_tcase(s, ids);

	tcase_add_checked_fixture(tr, setup, test_tmpdir_teardown);
	tcase_add_test(tr, test_create_invisible);
	tcase_add_test(tr, test_abort_leaves_nothing);
	tcase_add_test(tr, test_commit);
	tcase_add_test(tr, test_crash_between_renames);
	tcase_add_test(tr, test_crash_env_tmp);
	tcase_add_test(tr, test_sweep_tmp);
	tcase_add_test(tr, test_sweep_keeps_queued);
	tcase_add_test(tr, test_commit_env_fails_cleans);
	tcase_add_test(tr, test_commit_body_fails_cleans);
	tcase_add_test(tr, test_commit_collision_keeps_other);
	tcase_add_test(tr, test_update);
	tcase_add_test(tr, test_remove);
	tcase_add_test(tr, test_move);
	tcase_add_test(tr, test_move_crash_after_commit);
	tcase_add_test(tr, test_move_crash_before_commit);
	tcase_add_test(tr, test_fifo_refused);
	tcase_add_test(tr, test_torn_env_refused);
	tcase_add_test(tr, test_scan_ignores_junk);
	suite_add_tcase(s, tr);

	tcase_add_checked_fixture(lk, setup, test_tmpdir_teardown);
	tcase_add_test(lk, test_lock_exclusive);
	tcase_add_test(lk, test_lock_other_process);
	tcase_add_test(lk, test_lock_after_remove);
	suite_add_tcase(s, lk);
	return s;
}

int
main(void)
{
	return check_main(queue_suite());
}

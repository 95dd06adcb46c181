/* check_runlock.c — the per-queue run lock (slots, other processes, waiting,
 * files that are not ours) and the kick, and the interleavings of the
 * hand-over protocol of doc/QUEUE.md ("Run lock and kick"). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/check_main.h"
#include "lib/log.h"
#include "lib/tmpdir.h"
#include "lib/xalloc.h"
#include "queue/queue.h"
#include "queue/runlock.h"

static struct queue q;

static void
setup(void)
{
	struct err e;
	char *dir;

	log_set_syslog(0);
	test_tmpdir_setup();
	dir = xasprintf("%s/q", test_dir);
	ck_assert_msg(queue_open(&q, dir, getuid(), &e) == 0, "%s", e.msg);
	free(dir);
}

static char *
qpath(const char *name)
{
	return xasprintf("%s/%s", q.dir, name);
}

/* ---- slot names ---- */
static const struct {
	unsigned n;
	const char *name;
	/* clang-format off */
} slot_names[] = {
	{ 0, "flush.lock" },
	{ 1, "flush.lock.1" },
	{ 15, "flush.lock.15" },
};
/* clang-format on */

START_TEST(test_slot_name)
{
	char out[32];

	runlock_slot_name(slot_names[_i].n, out);
	ck_assert_str_eq(out, slot_names[_i].name);
}
END_TEST

/* ---- the lock ---- */
START_TEST(test_try_exclusive)
{
	struct runlock a, b;
	struct err e;
	struct stat st;
	char *p = qpath("flush.lock");

	ck_assert_int_eq(runlock_try(&q, 1, &a, &e), 0);
	ck_assert_int_ge(a.fd, 0);
	ck_assert_uint_eq(a.slot, 0);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	/* flock is per open file: a second open conflicts even here. */
	ck_assert_int_eq(runlock_try(&q, 1, &b, &e), 1);
	ck_assert_int_eq(b.fd, -1);
	runlock_release(&a);
	ck_assert_int_eq(a.fd, -1);
	runlock_release(&a); /* twice is harmless */
	ck_assert_int_eq(runlock_try(&q, 1, &b, &e), 0);
	runlock_release(&b);
	free(p);
}
END_TEST

START_TEST(test_try_slots)
{
	struct runlock a, b, c;
	struct err e;

	ck_assert_int_eq(runlock_try(&q, 2, &a, &e), 0);
	ck_assert_uint_eq(a.slot, 0);
	ck_assert_int_eq(runlock_try(&q, 2, &b, &e), 0);
	ck_assert_uint_eq(b.slot, 1);
	ck_assert_int_eq(runlock_try(&q, 2, &c, &e), 1);
	/* 0 slots is read as 1 */
	ck_assert_int_eq(runlock_try(&q, 0, &c, &e), 1);
	runlock_release(&a);
	ck_assert_int_eq(runlock_try(&q, 2, &c, &e), 0);
	ck_assert_uint_eq(c.slot, 0);
	runlock_release(&b);
	runlock_release(&c);
}
END_TEST

/* Forks a child that takes the lock, then waits (hold_us 0: until killed,
 * else that long, then it creates mark and exits); returns once the child
 * holds the lock. */
static pid_t
hold_in_child(useconds_t hold_us, const char *mark)
{
	struct runlock l;
	struct err e;
	int p[2];
	pid_t pid;
	char c;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		if (runlock_try(&q, 1, &l, &e) != 0)
			_exit(1);
		if (write(p[1], "L", 1) != 1)
			_exit(2);
		if (hold_us == 0)
			pause();
		usleep(hold_us);
		/* the mark is there before the lock goes */
		close(open(mark, O_WRONLY | O_CREAT, 0600));
		_exit(0);
	}
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	close(p[0]);
	close(p[1]);
	return pid;
}

START_TEST(test_try_other_process)
{
	struct runlock l;
	struct err e;
	int status;
	pid_t pid = hold_in_child(0, NULL);

	ck_assert_int_eq(runlock_try(&q, 1, &l, &e), 1);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	/* the lock died with the process: no stale lock */
	ck_assert_int_eq(runlock_try(&q, 1, &l, &e), 0);
	runlock_release(&l);
}
END_TEST

START_TEST(test_wait)
{
	struct runlock l;
	struct err e;
	char *mark = xasprintf("%s/released", test_dir);
	pid_t pid = hold_in_child(300000, mark);

	ck_assert_int_eq(runlock_try(&q, 1, &l, &e), 1);
	ck_assert_msg(runlock_wait(&q, &l, &e) == 0, "%s", e.msg);
	/* it got the lock only once the holder let it go */
	ck_assert_int_eq(access(mark, F_OK), 0);
	runlock_release(&l);
	waitpid(pid, NULL, 0);
	free(mark);
}
END_TEST

/* A slot that is not a regular file of ours is refused, never followed. */
START_TEST(test_refuses_foreign)
{
	struct runlock l;
	struct err e;
	char *p = qpath("flush.lock"), *t = xasprintf("%s/target", test_dir);

	ck_assert_int_eq(symlink(t, p), 0);
	ck_assert_int_eq(runlock_try(&q, 1, &l, &e), -1);
	ck_assert_int_eq(e.code, EX_CANTCREAT);
	ck_assert_int_eq(access(t, F_OK), -1); /* not created */
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	ck_assert_int_eq(runlock_try(&q, 1, &l, &e), -1);
	ck_assert_int_eq(e.code, EX_CANTCREAT);
	ck_assert_ptr_nonnull(strstr(e.msg, "not a regular file"));
	ck_assert_int_eq(runlock_handover(&q, 1, &e), -1);
	free(p);
	free(t);
}
END_TEST

/* ---- the kick ---- */
START_TEST(test_kick)
{
	struct err e;
	struct stat st;
	char *p = qpath("kick");

	ck_assert_int_eq(runlock_kicked(&q), 0);
	ck_assert_int_eq(runlock_take_kick(&q, &e), 0);
	ck_assert_int_eq(runlock_kick(&q, &e), 0);
	ck_assert_int_eq(runlock_kick(&q, &e), 0); /* idempotent */
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(runlock_kicked(&q), 1);
	ck_assert_int_eq(runlock_take_kick(&q, &e), 1);
	ck_assert_int_eq(runlock_kicked(&q), 0);
	ck_assert_int_eq(runlock_take_kick(&q, &e), 0);
	free(p);
}
END_TEST

/* ---- the protocol ---- */
START_TEST(test_handover_idle)
{
	struct runlock l;
	struct err e;

	ck_assert_int_eq(runlock_handover(&q, 1, &e), RUNLOCK_IDLE);
	/* the kick stays for the run the caller starts, the lock is free */
	ck_assert_int_eq(runlock_kicked(&q), 1);
	ck_assert_int_eq(runlock_try(&q, 1, &l, &e), 0);
	runlock_release(&l);
}
END_TEST

START_TEST(test_handover_busy)
{
	struct runlock run;
	struct err e;

	ck_assert_int_eq(runlock_try(&q, 1, &run, &e), 0);
	ck_assert_int_eq(runlock_take_kick(&q, &e), 0);
	ck_assert_int_eq(runlock_handover(&q, 1, &e), RUNLOCK_HANDED);
	ck_assert_int_eq(runlock_kicked(&q), 1);
	runlock_release(&run);
}
END_TEST

/* The run's last scan is over, a submission comes (finds the lock held),
 * the run releases: the run's check after the release sees the kick. */
START_TEST(test_kick_after_last_scan)
{
	struct runlock run;
	struct err e;

	ck_assert_int_eq(runlock_try(&q, 1, &run, &e), 0);
	ck_assert_int_eq(runlock_take_kick(&q, &e), 0); /* before the scan */
	/* ... last scan: nothing new ... */
	ck_assert_int_eq(runlock_handover(&q, 1, &e), RUNLOCK_HANDED);
	runlock_release(&run);
	ck_assert_int_eq(runlock_kicked(&q), 1); /* so it runs again */
	ck_assert_int_eq(runlock_try(&q, 1, &run, &e), 0);
	ck_assert_int_eq(runlock_take_kick(&q, &e), 1);
	/* ... this scan sees the message ... */
	runlock_release(&run);
	ck_assert_int_eq(runlock_kicked(&q), 0); /* and then stops */
}
END_TEST

/* A submission whose kick the run consumed before a scan needs no second
 * pass: the scan after the consumption sees its message. */
START_TEST(test_kick_before_scan)
{
	struct runlock run;
	struct err e;

	ck_assert_int_eq(runlock_try(&q, 1, &run, &e), 0);
	ck_assert_int_eq(runlock_handover(&q, 1, &e), RUNLOCK_HANDED);
	ck_assert_int_eq(runlock_take_kick(&q, &e), 1); /* rescan follows */
	runlock_release(&run);
	ck_assert_int_eq(runlock_kicked(&q), 0);
}
END_TEST

/* Many processes: submitters that "queue" (a file in new/) and hand over,
 * runs that follow the protocol and "deliver" (unlink).  Whatever the
 * interleaving, once every process is done nothing is left behind. */
static int
model_run(void)
{
	struct runlock l;
	struct err e;
	struct strv ids = STRV_INIT;
	int r;
	size_t i;

	if (runlock_kick(&q, &e) < 0)
		return 1;
	r = runlock_try(&q, 1, &l, &e);
	if (r < 0)
		return 1;
	while (r == 0) {
		do {
			r = runlock_take_kick(&q, &e);
			strv_free(&ids);
			if (queue_scan(&q, &ids, &e) < 0)
				return 1;
			for (i = 0; i < ids.n; i++) {
				char *p = queue_env_path(&q, ids.v[i]);

				unlink(p);
				free(p);
			}
		} while (ids.n > 0 || r == 1);
		usleep(2000); /* a slow QUIT: submissions come now */
		runlock_release(&l);
		if (!runlock_kicked(&q))
			break;
		r = runlock_try(&q, 1, &l, &e);
	}
	strv_free(&ids);
	return 0;
}

START_TEST(test_model)
{
	enum { NSUB = 40 };
	struct strv left = STRV_INIT;
	struct err e;
	pid_t pid[NSUB];
	int i, status, bad = 0;

	for (i = 0; i < NSUB; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			char id[QUEUE_ID_LEN + 1], *p;
			int fd;

			/* ids are unique only with the O_EXCL reservation */
			do {
				if (queue_id_new(id, &e) < 0)
					_exit(1);
				p = queue_env_path(&q, id);
				fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
				free(p);
			} while (fd < 0 && errno == EEXIST);
			if (fd < 0)
				_exit(1);
			close(fd);
			/* the commit point is passed; now the hand-over */
			switch (runlock_handover(&q, 1, &e)) {
			case RUNLOCK_IDLE:
				_exit(model_run());
			case RUNLOCK_HANDED:
				_exit(0);
			default:
				_exit(1);
			}
		}
	}
	for (i = 0; i < NSUB; i++) {
		ck_assert_int_eq(waitpid(pid[i], &status, 0), pid[i]);
		bad += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}
	ck_assert_int_eq(bad, 0);
	ck_assert_int_eq(queue_scan(&q, &left, &e), 0);
	ck_assert_uint_eq(left.n, 0);
	strv_free(&left);
}
END_TEST

static Suite *
runlock_suite(void)
{
	Suite *s = suite_create("runlock");
	TCase *lk = tcase_create("lock"), *k = tcase_create("kick"),
	      *pr = tcase_create("protocol");

	tcase_add_checked_fixture(lk, setup, test_tmpdir_teardown);
	tcase_add_loop_test(lk, test_slot_name, 0, TEST_NELEM(slot_names));
	tcase_add_test(lk, test_try_exclusive);
	tcase_add_test(lk, test_try_slots);
	tcase_add_test(lk, test_try_other_process);
	tcase_add_test(lk, test_wait);
	tcase_add_test(lk, test_refuses_foreign);
	suite_add_tcase(s, lk);

	tcase_add_checked_fixture(k, setup, test_tmpdir_teardown);
	tcase_add_test(k, test_kick);
	suite_add_tcase(s, k);

	tcase_add_checked_fixture(pr, setup, test_tmpdir_teardown);
	tcase_set_timeout(pr, 60);
	tcase_add_test(pr, test_handover_idle);
	tcase_add_test(pr, test_handover_busy);
	tcase_add_test(pr, test_kick_after_last_scan);
	tcase_add_test(pr, test_kick_before_scan);
	tcase_add_loop_test(pr, test_model, 0, 5);
	suite_add_tcase(s, pr);
	return s;
}

int
main(void)
{
	return check_main(runlock_suite());
}

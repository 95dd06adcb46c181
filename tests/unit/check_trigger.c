/* check_trigger.c — the spool's trigger file: what counts as root's
 * trigger, root's run making and replacing it without opening what a user
 * put there, a user touching it (and refusing anything else), and the
 * snapshot that tells root's run to pass again. */
#include "config.h"

#include <check.h>
#include <fcntl.h>
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
#include "queue/trigger.h"

#define NOBODY 65534

static char *spool, *tpath;
static int dfd = -1;

static void
setup(void)
{
	log_set_syslog(0);
	test_tmpdir_setup();
	ck_assert_int_eq(chmod(test_dir, 0755), 0);
	spool = xasprintf("%s/spool", test_dir);
	tpath = xasprintf("%s/" TRIGGER_NAME, spool);
	ck_assert_int_eq(mkdir(spool, 0755), 0);
	ck_assert_int_eq(chmod(spool, 01733), 0);
	dfd = open(spool, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(dfd, 0);
}

/* ---- what is a good trigger ---- */
static const struct {
	mode_t mode;
	uid_t uid;
	nlink_t nlink;
	int ok;
	/* clang-format off */
} oks[] = {
	{ S_IFREG | 0622, 0, 1, 1 },
	{ S_IFREG | 0666, 0, 1, 1 },
	{ S_IFREG | 0600, 0, 1, 0 },            /* others cannot touch it */
	{ S_IFREG | 0622, 1000, 1, 0 },         /* a user's file */
	{ S_IFREG | 0622, 0, 2, 0 },            /* a hard link to elsewhere */
	{ S_IFLNK | 0777, 0, 1, 0 },
	{ S_IFDIR | 0733, 0, 2, 0 },
	{ S_IFIFO | 0622, 0, 1, 0 },
};
/* clang-format on */

START_TEST(test_ok)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = oks[_i].mode;
	st.st_uid = oks[_i].uid;
	st.st_nlink = oks[_i].nlink;
	ck_assert_int_eq(trigger_ok(&st), oks[_i].ok);
}
END_TEST

/* ---- root's run ---- */
START_TEST(test_ensure_creates)
{
	struct stat st;
	struct err e;
	mode_t old = umask(077); /* the unit's UMask= */

	ck_assert_msg(trigger_ensure(dfd, spool, &e) == 1, "%s", e.msg);
	umask(old);
	ck_assert_int_eq(lstat(tpath, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, TRIGGER_MODE);
	ck_assert_uint_eq(st.st_uid, geteuid());
	ck_assert_int_eq(st.st_size, 0);
	ck_assert_int_eq(trigger_ensure(dfd, spool, &e), 0); /* left alone */
}
END_TEST

/* Whatever a user put there is removed, never opened or followed. */
START_TEST(test_ensure_replaces)
{
	char *victim = xasprintf("%s/victim", test_dir);
	struct stat st;
	struct err e;
	int fd;

	if (geteuid() != 0)
		return; /* needs a file of another uid */
	fd = open(victim, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(symlink(victim, tpath), 0);
	ck_assert_int_eq(trigger_ensure(dfd, spool, &e), 2);
	ck_assert_int_eq(lstat(tpath, &st), 0);
	ck_assert(trigger_ok(&st));
	ck_assert_int_eq(stat(victim, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600); /* untouched */
	/* a user's own file */
	ck_assert_int_eq(unlink(tpath), 0);
	fd = open(tpath, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fchown(fd, NOBODY, NOBODY), 0);
	close(fd);
	ck_assert_int_eq(trigger_ensure(dfd, spool, &e), 2);
	ck_assert_int_eq(lstat(tpath, &st), 0);
	ck_assert(trigger_ok(&st));
	/* a directory */
	ck_assert_int_eq(unlink(tpath), 0);
	ck_assert_int_eq(mkdir(tpath, 0700), 0);
	ck_assert_int_eq(trigger_ensure(dfd, spool, &e), 2);
	ck_assert_int_eq(lstat(tpath, &st), 0);
	ck_assert(trigger_ok(&st));
	free(victim);
}
END_TEST

/* ---- a user's front end ---- */
/* Runs trigger_touch as nobody in a child; returns its result (0/-1), or
 * 99 when the child could not become nobody. */
static int
touch_as_nobody(void)
{
	struct err e;
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
			_exit(99);
		_exit(trigger_touch(spool, &e) == 0 ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status) == 1 ? -1 : WEXITSTATUS(status);
}

START_TEST(test_touch)
{
	struct trigger_snap snap;
	struct stat st;
	struct err e;

	if (geteuid() != 0)
		return; /* needs root's file and a user */
	ck_assert_int_eq(touch_as_nobody(), -1); /* missing */
	ck_assert_int_eq(trigger_ensure(dfd, spool, &e), 1);
	trigger_snapshot(dfd, &snap);
	ck_assert_int_eq(trigger_changed(dfd, &snap), 0);
	/* right after the snapshot: the clock has moved on, so it shows */
	ck_assert_int_eq(touch_as_nobody(), 0);
	ck_assert_int_eq(trigger_changed(dfd, &snap), 1);
	ck_assert_int_eq(lstat(tpath, &st), 0);
	ck_assert_int_eq(st.st_size, 0); /* nothing written */
	ck_assert_uint_eq(st.st_uid, 0);
	/* root never touches it */
	ck_assert_int_eq(trigger_touch(spool, &e), -1);
	ck_assert_int_eq(e.code, EX_SOFTWARE);
}
END_TEST

START_TEST(test_touch_refuses)
{
	struct stat st;
	int fd;

	if (geteuid() != 0)
		return;
	/* a user's file in its place: not touched */
	fd = open(tpath, O_WRONLY | O_CREAT, 0666);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fchown(fd, NOBODY, NOBODY), 0);
	ck_assert_int_eq(fchmod(fd, 0666), 0);
	close(fd);
	ck_assert_int_eq(lstat(tpath, &st), 0);
	ck_assert_int_eq(touch_as_nobody(), -1);
	/* a FIFO does not block the front end */
	ck_assert_int_eq(unlink(tpath), 0);
	ck_assert_int_eq(mkfifo(tpath, 0622), 0);
	ck_assert_int_eq(chmod(tpath, 0622), 0);
	ck_assert_int_eq(touch_as_nobody(), -1);
}
END_TEST

START_TEST(test_snapshot_missing)
{
	struct trigger_snap snap;
	struct err e;

	trigger_snapshot(dfd, &snap);
	ck_assert_int_eq(snap.exists, 0);
	ck_assert_int_eq(trigger_changed(dfd, &snap), 0);
	ck_assert_int_eq(trigger_ensure(dfd, spool, &e), 1);
	ck_assert_int_eq(trigger_changed(dfd, &snap), 1); /* appeared */
}
END_TEST

static Suite *
trigger_suite(void)
{
	Suite *s = suite_create("trigger");
	TCase *tc = tcase_create("trigger");

	tcase_add_checked_fixture(tc, setup, test_tmpdir_teardown);
	tcase_add_loop_test(tc, test_ok, 0, TEST_NELEM(oks));
	tcase_add_test(tc, test_ensure_creates);
	tcase_add_test(tc, test_ensure_replaces);
	tcase_add_test(tc, test_touch);
	tcase_add_test(tc, test_touch_refuses);
	tcase_add_test(tc, test_snapshot_missing);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(trigger_suite());
}

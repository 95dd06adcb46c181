/* check_spool.c — the system spool (spool.h): entry names, the entry
 * checks (table), the listing (a flood of bogus entries summarised in one
 * line, queues found by owner), a user's own queue when its name is
 * squatted, and the removal of an emptied fallback queue. */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "lib/buf.h"
#include "lib/check_main.h"
#include "lib/tmpdir.h"
#include "lib/xalloc.h"
#include "route/spool.h"

/* ---- names ---- */
static const struct {
	const char *name;
	int ok, fallback;
	unsigned long uid;
	/* clang-format off */
} names[] = {
	{ "0", 1, 0, 0 },
	{ "1", 1, 0, 1 },
	{ "1000", 1, 0, 1000 },
	{ "65534", 1, 0, 65534 },
	{ "4294967294", 1, 0, 4294967294UL },
	{ "1000.aZ09xy", 1, 1, 1000 },
	{ "0.abcdef", 1, 1, 0 },
	{ "1000.abcde", 0, 0, 0 },          /* suffix too short */
	{ "1000.abcdefg", 0, 0, 0 },        /* too long */
	{ "1000.abc-ef", 0, 0, 0 },
	{ "1000.", 0, 0, 0 },
	{ ".abcdef", 0, 0, 0 },
	{ "4294967295", 0, 0, 0 },          /* (uid_t)-1 */
	{ "4294967296", 0, 0, 0 },          /* beyond uid_t */
	{ "99999999999999999999999", 0, 0, 0 },
	{ "01000", 0, 0, 0 },               /* not the form the front end writes */
	{ "00", 0, 0, 0 },
	{ "", 0, 0, 0 },
	{ "-1", 0, 0, 0 },
	{ "+5", 0, 0, 0 },
	{ "12a", 0, 0, 0 },
	{ " 12", 0, 0, 0 },
	{ "12 ", 0, 0, 0 },
	{ ".", 0, 0, 0 },
	{ "tmp", 0, 0, 0 },
};
/* clang-format on */

START_TEST(test_name)
{
	uid_t u = 12345;
	int fb = 7;

	ck_assert_int_eq(spool_name_uid(names[_i].name, &u, &fb), names[_i].ok);
	if (names[_i].ok) {
		ck_assert_uint_eq(u, names[_i].uid);
		ck_assert_int_eq(fb, names[_i].fallback);
	} else {
		ck_assert_uint_eq(u, 12345);
	}
}
END_TEST

/* ---- entry checks ---- */
static const struct {
	const char *name;
	mode_t mode;
	uid_t owner;
	enum spool_verdict v;
	const char *msg;
	/* clang-format off */
} entries[] = {
	{ "1000", S_IFDIR | 0700, 1000, SPOOL_OK, NULL },
	{ "0", S_IFDIR | 0700, 0, SPOOL_OK, NULL },
	{ "1000.Ab12cd", S_IFDIR | 0700, 1000, SPOOL_OK, NULL },
	{ ".", S_IFDIR | 01733, 0, SPOOL_IGNORE, NULL },
	{ "..", S_IFDIR | 0755, 0, SPOOL_IGNORE, NULL },
	{ "www", S_IFDIR | 0700, 33, SPOOL_BADNAME,
	  "/sp/www (made by uid 33) is not a queue: the spool holds one directory "
	  "per uid, named by the number; root can remove it" },
	{ "1000", S_IFLNK | 0777, 1000, SPOOL_SYMLINK,
	  "/sp/1000 is a symbolic link made by uid 1000, not a queue; root can "
	  "remove it: rm /sp/1000" },
	{ "1000", S_IFREG | 0600, 1000, SPOOL_NOTDIR,
	  "/sp/1000 is not a directory (made by uid 1000); root can remove it: "
	  "rm /sp/1000" },
	{ "1000", S_IFIFO | 0600, 1000, SPOOL_NOTDIR,
	  "/sp/1000 is not a directory (made by uid 1000); root can remove it: "
	  "rm /sp/1000" },
	{ "1000", S_IFDIR | 0700, 1001, SPOOL_OWNER,
	  "/sp/1000 is owned by uid 1001, not uid 1000: not a queue (uid 1000's "
	  "mail goes to a queue of its own meanwhile); root can remove it: rm -r "
	  "/sp/1000" },
	{ "1000.Ab12cd", S_IFDIR | 0700, 1001, SPOOL_OWNER,
	  "/sp/1000.Ab12cd is owned by uid 1001, not uid 1000: not a queue (uid "
	  "1000's mail goes to a queue of its own meanwhile); root can remove it: "
	  "rm -r /sp/1000.Ab12cd" },
	{ "0", S_IFDIR | 0700, 1000, SPOOL_OWNER,
	  "/sp/0 is owned by uid 1000, not uid 0: not a queue (uid 0's mail goes "
	  "to a queue of its own meanwhile); root can remove it: rm -r /sp/0" },
	{ "1000", S_IFDIR | 0750, 1000, SPOOL_MODE,
	  "/sp/1000 has mode 0750, not 0700; skipped (uid 1000 or root can fix "
	  "it: chmod 700 /sp/1000)" },
	{ "1000", S_IFDIR | 02700, 1000, SPOOL_MODE,
	  "/sp/1000 has mode 2700, not 0700; skipped (uid 1000 or root can fix "
	  "it: chmod 700 /sp/1000)" },
};
/* clang-format on */

START_TEST(test_check)
{
	struct stat st;
	struct err e;
	uid_t u = 4242;
	int fb = 7;
	enum spool_verdict v;

	memset(&st, 0, sizeof(st));
	memset(&e, 0, sizeof(e));
	st.st_mode = entries[_i].mode;
	st.st_uid = entries[_i].owner;
	v = spool_check("/sp", entries[_i].name, &st, &u, &fb, &e);
	ck_assert_int_eq(v, entries[_i].v);
	if (v == SPOOL_OK) {
		ck_assert_uint_eq(u, entries[_i].owner);
		ck_assert_int_eq(fb, strchr(entries[_i].name, '.') != NULL);
	} else {
		ck_assert_uint_eq(u, 4242);
	}
	if (entries[_i].msg != NULL) {
		ck_assert_str_eq(e.msg, entries[_i].msg);
		ck_assert_int_eq(e.code,
		    v == SPOOL_BADNAME ? EX_DATAERR : EX_NOPERM);
	}
}
END_TEST

/* ---- on disk ---- */
static void
setup(void)
{
	test_tmpdir_setup();
	ck_assert_int_eq(chmod(test_dir, 01733), 0);
}

static void
mk(const char *name, mode_t mode)
{
	char *p = xasprintf("%s/%s", test_dir, name);

	ck_assert_int_eq(mkdir(p, mode), 0);
	ck_assert_int_eq(chmod(p, mode), 0);
	free(p);
}

/* 2,000 bogus names, a FIFO and a symlink among two queues: the listing
 * keeps the two queues, and the summary is one line with the count and
 * three examples. */
START_TEST(test_list_flood)
{
	struct spool_listing l;
	struct buf b = BUF_INIT;
	struct err e;
	char *p, uidname[32];
	int i, fd;

	snprintf(uidname, sizeof(uidname), "%lu", (unsigned long)getuid());
	mk(uidname, 0700);
	snprintf(uidname, sizeof(uidname), "%lu.q1W2e3",
	    (unsigned long)getuid());
	mk(uidname, 0700);
	for (i = 0; i < 2000; i++) {
		p = xasprintf("%s/junk%04d", test_dir, i);
		fd = open(p, O_CREAT | O_WRONLY, 0600);
		ck_assert_int_ge(fd, 0);
		close(fd);
		free(p);
	}
	p = xasprintf("%s/4000", test_dir);
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	free(p);
	p = xasprintf("%s/5000", test_dir);
	ck_assert_int_eq(symlink("/etc", p), 0);
	free(p);
	ck_assert_int_eq(spool_list(test_dir, &l, &e), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_uint_eq(l.v[0].uid, getuid());
	ck_assert_int_eq(l.v[0].fallback, 0);
	ck_assert_int_eq(l.v[1].fallback, 1);
	ck_assert_uint_eq(l.skipped, 2002);
	ck_assert_uint_eq(l.nexamples, SPOOL_EXAMPLES);
	spool_list_summary(&l, test_dir, &b);
	ck_assert_ptr_null(strchr(buf_cstr(&b), '\n'));
	p = xasprintf("%s: 2002 entries are not a queue and skipped; e.g. ",
	    test_dir);
	ck_assert_int_eq(strncmp(buf_cstr(&b), p, strlen(p)), 0);
	free(p);
	ck_assert_uint_lt(b.len, 1200);
	/* The FIFO and the symlink named after uids are among the examples,
	 * whatever the listing order. */
	p = xasprintf("%s/4000 is not a directory", test_dir);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&b), p));
	free(p);
	p = xasprintf("%s/5000 is a symbolic link", test_dir);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&b), p));
	free(p);
	buf_free(&b);
	spool_listing_free(&l);
}
END_TEST

START_TEST(test_list_missing)
{
	struct spool_listing l;
	struct buf b = BUF_INIT;
	struct err e;

	ck_assert_int_eq(spool_list("/nonexistent/relayq-spool", &l, &e), 1);
	ck_assert_uint_eq(l.n, 0);
	spool_list_summary(&l, "/x", &b);
	ck_assert_uint_eq(b.len, 0);
	buf_free(&b);
}
END_TEST

/* The canonical name is made when missing and used when it is ours. */
START_TEST(test_queue_dir_canonical)
{
	char *dir,
	    *want = xasprintf("%s/%lu", test_dir, (unsigned long)getuid());
	uid_t sq;
	struct err e;
	struct stat st;

	ck_assert_int_eq(spool_queue_dir(test_dir, getuid(), 0, &dir, &sq, &e),
	    0);
	ck_assert_str_eq(dir, want); /* not made without create */
	ck_assert_int_eq(lstat(dir, &st), -1);
	free(dir);
	ck_assert_int_eq(spool_queue_dir(test_dir, getuid(), 1, &dir, &sq, &e),
	    0);
	ck_assert_str_eq(dir, want);
	ck_assert_uint_eq(sq, (uid_t)-1);
	ck_assert_int_eq(lstat(dir, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0700);
	free(dir);
	ck_assert_int_eq(spool_queue_dir(test_dir, getuid(), 1, &dir, &sq, &e),
	    0);
	ck_assert_str_eq(dir, want);
	free(dir);
	free(want);
}
END_TEST

/* Someone else took the name: a fresh unguessable directory of our own
 * each time, and the squatter named; never the squatted one. */
START_TEST(test_queue_dir_squatted)
{
	char *canon, *d1, *d2;
	uid_t sq, victim = 0;
	struct err e;
	struct stat st;

	if (getuid() != 0)
		return; /* needs two owners */
	canon = xasprintf("%s/%lu", test_dir, (unsigned long)victim);
	ck_assert_int_eq(mkdir(canon, 0700), 0);
	ck_assert_int_eq(chown(canon, 65534, 65534), 0);
	ck_assert_int_eq(spool_queue_dir(test_dir, victim, 1, &d1, &sq, &e), 0);
	ck_assert_uint_eq(sq, 65534);
	ck_assert_int_eq(strncmp(d1, canon, strlen(canon)), 0);
	ck_assert_int_eq(d1[strlen(canon)], '.');
	ck_assert_uint_eq(strlen(d1), strlen(canon) + 1 + SPOOL_SUFFIX_LEN);
	ck_assert_int_eq(lstat(d1, &st), 0);
	ck_assert_uint_eq(st.st_uid, victim);
	ck_assert_int_eq(st.st_mode & 07777, 0700);
	ck_assert_int_eq(spool_queue_dir(test_dir, victim, 1, &d2, &sq, &e), 0);
	ck_assert_str_ne(d1, d2);
	free(d2);
	/* Without create (a listing): the error names the squatter and who
	 * can fix it. */
	ck_assert_int_eq(spool_queue_dir(test_dir, victim, 0, &d2, &sq, &e),
	    -1);
	ck_assert_ptr_null(d2);
	ck_assert_ptr_nonnull(strstr(e.msg, "made by uid 65534"));
	ck_assert_ptr_nonnull(strstr(e.msg, "root can remove"));
	/* A symlink in its place is squatting too. */
	ck_assert_int_eq(rmdir(canon), 0);
	ck_assert_int_eq(symlink("/etc", canon), 0);
	ck_assert_int_eq(spool_queue_dir(test_dir, victim, 1, &d2, &sq, &e), 0);
	ck_assert_int_eq(lstat(d2, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	free(d2);
	free(d1);
	free(canon);
}
END_TEST

START_TEST(test_remove_empty)
{
	char *q = xasprintf("%s/%lu.zzzzzz", test_dir, (unsigned long)getuid()),
	     *p;
	struct utimbuf old = { 1000000000, 1000000000 };
	struct err e;
	int fd;

	mk(q + strlen(test_dir) + 1, 0700);
	p = xasprintf("%s/tmp", q);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	/* A fresh one may be in a submission's hands: kept. */
	ck_assert_int_eq(spool_remove_empty(q, &e), 0);
	ck_assert_int_eq(utime(p, &old), 0);
	free(p);
	p = xasprintf("%s/env", q);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	free(p);
	p = xasprintf("%s/env/0000000001", q);
	fd = open(p, O_CREAT | O_WRONLY, 0600);
	close(fd);
	/* Something queued: kept. */
	ck_assert_int_eq(spool_remove_empty(q, &e), 0);
	ck_assert_int_eq(access(q, F_OK), 0);
	ck_assert_int_eq(unlink(p), 0);
	free(p);
	p = xasprintf("%s/tmp", q);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	ck_assert_int_eq(utime(p, &old), 0);
	free(p);
	ck_assert_int_eq(spool_remove_empty(q, &e), 1);
	ck_assert_int_eq(access(q, F_OK), -1);
	free(q);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("spool");
	TCase *pure = tcase_create("pure"), *disk = tcase_create("disk");

	tcase_add_loop_test(pure, test_name, 0, TEST_NELEM(names));
	tcase_add_loop_test(pure, test_check, 0, TEST_NELEM(entries));
	suite_add_tcase(s, pure);
	tcase_add_checked_fixture(disk, setup, test_tmpdir_teardown);
	tcase_add_test(disk, test_list_flood);
	tcase_add_test(disk, test_list_missing);
	tcase_add_test(disk, test_queue_dir_canonical);
	tcase_add_test(disk, test_queue_dir_squatted);
	tcase_add_test(disk, test_remove_empty);
	suite_add_tcase(s, disk);
	return s;
}

int
main(void)
{
	return check_main(suite());
}

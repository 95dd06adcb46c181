/* check_durable.c — the durability recipe: atomic writes, temporaries,
 * short writes and EINTR, error messages per cause. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/check_main.h"
#include "lib/durable.h"
#include "lib/slurp.h"
#include "lib/tmpdir.h"
#include "lib/xalloc.h"

static int
count_entries(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.' ||
		    (de->d_name[1] != '\0' && strcmp(de->d_name, "..") != 0);
	closedir(d);
	return n;
}

START_TEST(test_write_file_creates)
{
	char *path = xasprintf("%s/state", test_dir);
	struct err e;
	struct stat st;

	err_clear(&e);
	ck_assert_int_eq(durable_write_file(NULL, path, "hello\n", 6, 0600, &e),
	    0);
	test_assert_file_eq(path, "hello\n");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(count_entries(test_dir), 1);
	free(path);
}
END_TEST

START_TEST(test_write_file_replaces)
{
	char *path = xasprintf("%s/state", test_dir);
	struct err e;

	ck_assert_int_eq(durable_write_file(NULL, path, "old", 3, 0600, &e), 0);
	ck_assert_int_eq(durable_write_file(NULL, path, "new!", 4, 0600, &e),
	    0);
	test_assert_file_eq(path, "new!");
	ck_assert_int_eq(count_entries(test_dir), 1);
	free(path);
}
END_TEST

START_TEST(test_write_file_tmpdir)
{
	char *tmp = xasprintf("%s/tmp", test_dir),
	     *dst = xasprintf("%s/dst", test_dir);
	char *path = xasprintf("%s/f", dst);
	struct err e;

	ck_assert_int_eq(mkdir(tmp, 0700), 0);
	ck_assert_int_eq(mkdir(dst, 0700), 0);
	ck_assert_int_eq(durable_write_file(tmp, path, "x", 1, 0600, &e), 0);
	test_assert_file_eq(path, "x");
	ck_assert_int_eq(count_entries(tmp), 0);
	ck_assert_int_eq(count_entries(dst), 1);
	free(tmp);
	free(dst);
	free(path);
}
END_TEST

START_TEST(test_write_file_missing_dir)
{
	char *path = xasprintf("%s/nodir/f", test_dir);
	char *want = xasprintf("cannot create %s/nodir/f.", test_dir);
	struct err e;

	err_clear(&e);
	ck_assert_int_eq(durable_write_file(NULL, path, "x", 1, 0600, &e), -1);
	ck_assert_int_eq(e.code, EX_CANTCREAT);
	ck_assert_int_eq(strncmp(e.msg, want, strlen(want)), 0);
	ck_assert_ptr_nonnull(strstr(e.msg, ": No such file or directory"));
	ck_assert_int_eq(count_entries(test_dir), 0);
	free(path);
	free(want);
}
END_TEST

/* A rename that fails (target is a non-empty directory) leaves no temp. */
START_TEST(test_commit_rename_fails)
{
	char *path = xasprintf("%s/d", test_dir),
	     *inner = xasprintf("%s/d/x", test_dir);
	struct err e;

	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(mkdir(inner, 0700), 0);
	err_clear(&e);
	ck_assert_int_eq(durable_write_file(NULL, path, "x", 1, 0600, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "cannot rename into place"));
	ck_assert_int_eq(count_entries(test_dir), 1);
	free(path);
	free(inner);
}
END_TEST

START_TEST(test_commit_noreplace)
{
	struct durable_tmp t = DURABLE_TMP_INIT;
	char *path = xasprintf("%s/final", test_dir);
	struct err e;

	ck_assert_int_eq(durable_write_file(NULL, path, "keep", 4, 0600, &e),
	    0);
	ck_assert_int_eq(durable_tmp_open(&t, test_dir, "final", 0600, &e), 0);
	ck_assert_int_eq(durable_write_all(t.fd, "lost", 4, t.path, &e), 0);
	ck_assert_int_eq(count_entries(test_dir), 2);
	ck_assert_int_eq(durable_tmp_commit(&t, path, 1, &e), -1);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_ptr_null(t.path);
	ck_assert_int_eq(t.fd, -1);
	test_assert_file_eq(path, "keep");
	ck_assert_int_eq(count_entries(test_dir), 1);
	free(path);
}
END_TEST

START_TEST(test_tmp_names)
{
	struct durable_tmp a = DURABLE_TMP_INIT, b = DURABLE_TMP_INIT;
	char *prefix = xasprintf("%s/p.", test_dir);
	struct err e;

	ck_assert_int_eq(durable_tmp_open(&a, test_dir, "p", 0600, &e), 0);
	ck_assert_int_eq(durable_tmp_open(&b, test_dir, "p", 0600, &e), 0);
	ck_assert_str_ne(a.path, b.path);
	ck_assert_uint_eq(strlen(a.path), strlen(prefix) + 6);
	ck_assert_int_eq(strncmp(a.path, prefix, strlen(prefix)), 0);
	durable_tmp_abort(&a);
	durable_tmp_abort(&a);
	durable_tmp_abort(&b);
	ck_assert_int_eq(count_entries(test_dir), 0);
	free(prefix);
}
END_TEST

START_TEST(test_tmp_create_exclusive)
{
	struct durable_tmp a = DURABLE_TMP_INIT, b = DURABLE_TMP_INIT;
	char *path = xasprintf("%s/x", test_dir);
	struct err e;

	ck_assert_int_eq(durable_tmp_create(&a, path, 0600, &e), 0);
	ck_assert_int_eq(durable_tmp_create(&b, path, 0600, &e), -1);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_int_eq(b.fd, -1);
	durable_tmp_abort(&a);
	free(path);
}
END_TEST

START_TEST(test_disk_full)
{
	struct err e;
	int fd = open("/dev/full", O_WRONLY);

	ck_assert_int_ge(fd, 0);
	err_clear(&e);
	ck_assert_int_eq(durable_write_all(fd, "abc", 3, "/q/tmp/X", &e), -1);
	ck_assert_int_eq(e.code, EX_TEMPFAIL);
	ck_assert_str_eq(e.msg,
	    "cannot write /q/tmp/X: disk full; free space "
	    "on that file system and try again");
	close(fd);
}
END_TEST

static const struct {
	int errnum;
	int code;
	const char *msg;
} err_cases[] = {
	{ ENOSPC, EX_TEMPFAIL,
	    "cannot sync /p: disk full; free space on that "
	    "file system and try again" },
	{ EDQUOT, EX_TEMPFAIL,
	    "cannot sync /p: disk quota exceeded; remove "
	    "files or ask for a larger quota, then try again" },
	{ EIO, EX_IOERR,
	    "cannot sync /p: I/O error; check the disk and the "
	    "kernel log (dmesg)" },
	{ EROFS, EX_CANTCREAT,
	    "cannot sync /p: read-only file system; "
	    "configure a writable queue directory" },
	{ EACCES, EX_CANTCREAT, "cannot sync /p: Permission denied" },
	{ EMFILE, EX_IOERR, "cannot sync /p: Too many open files" },
};

START_TEST(test_err_causes)
{
	struct err e;

	err_clear(&e);
	ck_assert_int_eq(durable_err(&e, err_cases[_i].errnum, "cannot sync",
	                     "/p"),
	    -1);
	ck_assert_int_eq(e.code, err_cases[_i].code);
	ck_assert_str_eq(e.msg, err_cases[_i].msg);
}
END_TEST

static const char *const dirname_cases[][2] = {
	{ "/a/b/c", "/a/b" },
	{ "/a", "/" },
	{ "rel", "." },
	{ "x/y", "x" },
};

START_TEST(test_dirname)
{
	char *d = durable_dirname(dirname_cases[_i][0]);

	ck_assert_str_eq(d, dirname_cases[_i][1]);
	free(d);
}
END_TEST

static void
on_alarm(int sig)
{
	(void)sig;
}

/* Short writes and EINTR: a pipe read slowly while SIGALRM (without
 * SA_RESTART) interrupts the writer every millisecond. */
START_TEST(test_write_all_interrupted)
{
	enum { TOTAL = 4 * 1024 * 1024 };
	struct sigaction sa;
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
	char *data = xmalloc(TOTAL);
	int p[2], status;
	struct err e;
	pid_t pid;
	size_t i;

	for (i = 0; i < TOTAL; i++)
		data[i] = (char)(i * 7 % 251);
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char buf[1000];
		size_t got = 0, k;
		ssize_t n;

		close(p[1]);
		while ((n = read(p[0], buf, sizeof(buf))) > 0) {
			for (k = 0; k < (size_t)n; k++)
				if (buf[k] != (char)((got + k) * 7 % 251))
					_exit(2);
			got += (size_t)n;
			if (got % 65536 < 1000)
				usleep(200);
		}
		_exit(got == TOTAL ? 0 : 1);
	}
	close(p[0]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
	ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
	ck_assert_int_eq(durable_write_all(p[1], data, TOTAL, "pipe", &e), 0);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	close(p[1]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	free(data);
}
END_TEST

START_TEST(test_fsync_dir_missing)
{
	struct err e;

	err_clear(&e);
	ck_assert_int_eq(durable_fsync_dir("/nonexistent/dir", &e), -1);
	ck_assert_int_eq(e.code, EX_CANTCREAT);
	ck_assert_str_eq(e.msg,
	    "cannot open directory /nonexistent/dir: No such "
	    "file or directory");
	ck_assert_int_eq(durable_fsync_dir(test_dir, &e), 0);
}
END_TEST

static Suite *
durable_suite(void)
{
	Suite *s = suite_create("durable");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, test_tmpdir_setup, test_tmpdir_teardown);
	tcase_add_test(tc, test_write_file_creates);
	tcase_add_test(tc, test_write_file_replaces);
	tcase_add_test(tc, test_write_file_tmpdir);
	tcase_add_test(tc, test_write_file_missing_dir);
	tcase_add_test(tc, test_commit_rename_fails);
	tcase_add_test(tc, test_commit_noreplace);
	tcase_add_test(tc, test_tmp_names);
	tcase_add_test(tc, test_tmp_create_exclusive);
	tcase_add_test(tc, test_disk_full);
	tcase_add_loop_test(tc, test_err_causes, 0, TEST_NELEM(err_cases));
	tcase_add_loop_test(tc, test_dirname, 0, TEST_NELEM(dirname_cases));
	tcase_add_test(tc, test_write_all_interrupted);
	tcase_add_test(tc, test_fsync_dir_missing);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(durable_suite());
}

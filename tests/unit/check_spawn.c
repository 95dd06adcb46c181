/* check_spawn.c — the one way relayq starts a child (spawn.c): a program
 * started with spawn_exec sees exactly its three standard descriptors as
 * asked for (none of the parent's others, close-on-exec or not); pipes,
 * /dev/null, process groups, the hook and an exec failure; spawn_fork's
 * in-process child keeps the process's descriptors but no pipe end of
 * the parent; the background flush detaches: the caller's pipe closes at
 * once and no zombie is left behind. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/check_main.h"
#include "lib/spawn.h"

/* This program itself, run with --list-fds: prints its open descriptors. */
static char self[4096];

/* "0 1 2" and so on: the descriptors open in this process, without the
 * one that reads the list. */
static void
list_fds(struct buf *out)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int fd, n = 0, v[256];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL && n < 256)
		if (de->d_name[0] != '.' && (fd = atoi(de->d_name)) != dirfd(d))
			v[n++] = fd;
	closedir(d);
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			int t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	for (int i = 0; i < n; i++)
		buf_printf(out, "%s%d", i ? " " : "", v[i]);
}

/* Reads fd to its end. */
static void
slurp_fd(int fd, struct buf *out)
{
	char chunk[512];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(out, chunk, (size_t)n);
}

static int
exit_code(pid_t pid)
{
	int status;

	ck_assert_int_eq(spawn_wait(pid, &status), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* The parent holds an inherited descriptor (no O_CLOEXEC, as a caller's
 * pipe is), a close-on-exec one, and both ends of a plain pipe; the
 * program sees 0 1 2 only, stdin on /dev/null. */
START_TEST(test_exec_sees_only_std_fds)
{
	const char *argv[] = { "self", "--list-fds", NULL };
	struct spawn_opts o;
	struct buf out = BUF_INIT;
	int plain = open("/dev/null", O_RDONLY);
	int cloexec = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int pp[2];
	pid_t pid;

	ck_assert_int_ge(plain, 3);
	ck_assert_int_ge(cloexec, 3);
	ck_assert_int_eq(pipe(pp), 0);
	spawn_opts_init(&o);
	o.fd[0] = SPAWN_DEVNULL;
	o.fd[1] = SPAWN_PIPE;
	pid = spawn_exec(&o, self, argv, NULL);
	ck_assert_int_gt(pid, 0);
	ck_assert_int_ge(o.pipe[1], 3);
	ck_assert_int_eq(o.pipe[0], -1);
	slurp_fd(o.pipe[1], &out);
	ck_assert_int_eq(exit_code(pid), 0);
	ck_assert_str_eq(buf_cstr(&out), "0 1 2 stdin=/dev/null");
	/* The parent's end is close-on-exec. */
	ck_assert_int_eq(fcntl(o.pipe[1], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(o.pipe[1]);
	close(plain);
	close(cloexec);
	close(pp[0]);
	close(pp[1]);
	buf_free(&out);
}
END_TEST

/* stdin and stdout pipes: what the parent writes comes back. */
START_TEST(test_exec_pipes)
{
	const char *argv[] = { "cat", NULL };
	struct spawn_opts o;
	struct buf out = BUF_INIT;
	pid_t pid;

	spawn_opts_init(&o);
	o.fd[0] = o.fd[1] = SPAWN_PIPE;
	pid = spawn_exec(&o, "/bin/cat", argv, NULL);
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(write(o.pipe[0], "hello\n", 6), 6);
	close(o.pipe[0]);
	slurp_fd(o.pipe[1], &out);
	close(o.pipe[1]);
	ck_assert_int_eq(exit_code(pid), 0);
	ck_assert_str_eq(buf_cstr(&out), "hello\n");
	buf_free(&out);
}
END_TEST

/* One of the parent's descriptors as stdout; the environment given. */
START_TEST(test_exec_fd_and_env)
{
	const char *argv[] = { "sh", "-c", "echo \"$X\"", NULL };
	char *const envp[] = { (char *)"X=given", NULL };
	struct spawn_opts o;
	struct buf out = BUF_INIT;
	int pp[2];
	pid_t pid;

	ck_assert_int_eq(pipe2(pp, O_CLOEXEC), 0);
	spawn_opts_init(&o);
	o.fd[1] = pp[1];
	pid = spawn_exec(&o, "/bin/sh", argv, envp);
	ck_assert_int_gt(pid, 0);
	close(pp[1]);
	slurp_fd(pp[0], &out);
	close(pp[0]);
	ck_assert_int_eq(exit_code(pid), 0);
	ck_assert_str_eq(buf_cstr(&out), "given\n");
	buf_free(&out);
}
END_TEST

static int
hook_writes(void *arg)
{
	const char *what = arg;

	return write(1, what, strlen(what)) < 0 || strcmp(what, "fail") == 0 ?
	    -1 :
	    0;
}

static void
note_exec_failed(const char *path, int errnum, void *arg)
{
	(void)arg;
	dprintf(2, "exec %s: %s", path, errnum == ENOENT ? "ENOENT" : "other");
}

/* The hook runs in the child after the descriptors, before exec; a hook
 * that fails ends the child with fail_code and nothing is run. */
START_TEST(test_hook)
{
	static const char *const what[] = { "first ", "fail" };
	static const char *const want[] = { "first then\n", "fail" };
	const char *argv[] = { "echo", "then", NULL };
	struct spawn_opts o;
	struct buf out = BUF_INIT;
	pid_t pid;

	spawn_opts_init(&o);
	o.fd[1] = SPAWN_PIPE;
	o.hook = hook_writes;
	o.arg = (void *)what[_i];
	o.fail_code = 99;
	pid = spawn_exec(&o, "/bin/echo", argv, NULL);
	ck_assert_int_gt(pid, 0);
	slurp_fd(o.pipe[1], &out);
	close(o.pipe[1]);
	ck_assert_int_eq(exit_code(pid), _i == 0 ? 0 : 99);
	ck_assert_str_eq(buf_cstr(&out), want[_i]);
	buf_free(&out);
}
END_TEST

/* exec fails: exec_failed says so in the child (on its stderr), which
 * ends with fail_code. */
START_TEST(test_exec_failed)
{
	const char *argv[] = { "nope", NULL };
	struct spawn_opts o;
	struct buf out = BUF_INIT;
	pid_t pid;

	spawn_opts_init(&o);
	o.fd[2] = SPAWN_PIPE;
	o.exec_failed = note_exec_failed;
	o.fail_code = EX_OSERR;
	pid = spawn_exec(&o, "/nonexistent/relayq-flush", argv, NULL);
	ck_assert_int_gt(pid, 0);
	slurp_fd(o.pipe[2], &out);
	close(o.pipe[2]);
	ck_assert_int_eq(exit_code(pid), EX_OSERR);
	ck_assert_str_eq(buf_cstr(&out),
	    "exec /nonexistent/relayq-flush: ENOENT");
	buf_free(&out);
}
END_TEST

/* SPAWN_GROUP: the child leads its own process group as soon as
 * spawn_exec returns (a kill(-pid) right after reaches it). */
START_TEST(test_exec_group)
{
	const char *argv[] = { "sleep", "30", NULL };
	struct spawn_opts o;
	int status;
	pid_t pid;

	spawn_opts_init(&o);
	o.flags = SPAWN_GROUP;
	pid = spawn_exec(&o, "/bin/sleep", argv, NULL);
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(getpgid(pid), pid);
	ck_assert_int_eq(kill(-pid, SIGKILL), 0);
	ck_assert_int_eq(spawn_wait(pid, &status), pid);
	ck_assert(WIFSIGNALED(status));
}
END_TEST

/* spawn_fork: the in-process child keeps the process's own descriptors
 * (the parent's, as they were before the call) but no end of the pipe
 * the call made except its new stdout; SPAWN_GROUP and SPAWN_SESSION. */
START_TEST(test_fork_keeps_own_fds_only)
{
	static const unsigned flags[] = { SPAWN_GROUP, SPAWN_SESSION };
	struct spawn_opts o;
	struct buf before = BUF_INIT, out = BUF_INIT;
	int plain = open("/dev/null", O_RDONLY);
	pid_t pid;

	ck_assert_int_ge(plain, 3);
	list_fds(&before);
	spawn_opts_init(&o);
	o.fd[1] = SPAWN_PIPE;
	o.flags = flags[_i];
	pid = spawn_fork(&o);
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct buf b = BUF_INIT;

		list_fds(&b);
		buf_printf(&b, " group=%d session=%d", getpgid(0) == getpid(),
		    getsid(0) == getpid());
		_exit(write(1, b.data, b.len) == (ssize_t)b.len ? 0 : 1);
	}
	slurp_fd(o.pipe[1], &out);
	close(o.pipe[1]);
	ck_assert_int_eq(exit_code(pid), 0);
	buf_printf(&before, " group=1 session=%d", flags[_i] == SPAWN_SESSION);
	ck_assert_str_eq(buf_cstr(&out), buf_cstr(&before));
	close(plain);
	buf_free(&before);
	buf_free(&out);
}
END_TEST

START_TEST(test_pipe_closes_and_no_zombie)
{
	int pfd[2];
	const char *argv[] = { "sh", "-c", "sleep 3", NULL };
	struct err e;
	struct pollfd p;
	char c;
	struct timespec t0, t1;

	/* The write end is inherited (no O_CLOEXEC), as a caller's pipe is. */
	ck_assert_int_eq(pipe(pfd), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(spawn_detached("/bin/sh", argv, &e), 0);
	close(pfd[1]);
	p.fd = pfd[0];
	p.events = POLLIN;
	ck_assert_int_eq(poll(&p, 1, 2000), 1); /* EOF, not a timeout */
	ck_assert_int_eq(read(pfd[0], &c, 1), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec,
	    2); /* did not wait for sleep 3 */
	/* The intermediate child was reaped; the grandchild is not ours. */
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
	close(pfd[0]);
}
END_TEST

START_TEST(test_missing_program_is_not_an_error_here)
{
	const char *argv[] = { "nope", NULL };
	struct err e;

	/* exec fails in the detached grandchild, which only logs it. */
	ck_assert_int_eq(spawn_detached("/nonexistent/relayq-flush", argv, &e),
	    0);
}
END_TEST

/* The program test_exec_sees_only_std_fds runs: "0 1 2 stdin=PATH". */
static int
list_fds_main(void)
{
	struct buf b = BUF_INIT;
	char in[256];
	ssize_t n;
	int rc;

	list_fds(&b);
	n = readlink("/proc/self/fd/0", in, sizeof(in) - 1);
	in[n < 0 ? 0 : n] = '\0';
	buf_printf(&b, " stdin=%s", in);
	rc = write(1, b.data, b.len) == (ssize_t)b.len ? 0 : 1;
	buf_free(&b);
	return rc;
}

int
main(int argc, char **argv)
{
	Suite *s;
	TCase *tc;
	ssize_t n;

	if (argc > 1 && strcmp(argv[1], "--list-fds") == 0)
		return list_fds_main();
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return EXIT_FAILURE;
	self[n] = '\0';
	s = suite_create("spawn");
	tc = tcase_create("core");
	tcase_add_test(tc, test_exec_sees_only_std_fds);
	tcase_add_test(tc, test_exec_pipes);
	tcase_add_test(tc, test_exec_fd_and_env);
	tcase_add_loop_test(tc, test_hook, 0, 2);
	tcase_add_test(tc, test_exec_failed);
	tcase_add_test(tc, test_exec_group);
	tcase_add_loop_test(tc, test_fork_keeps_own_fds_only, 0, 2);
	tcase_add_test(tc, test_pipe_closes_and_no_zombie);
	tcase_add_test(tc, test_missing_program_is_not_an_error_here);
	suite_add_tcase(s, tc);
	return check_main(s);
}

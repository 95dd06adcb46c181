/* check_spawn.c — the background flush detaches: the caller's pipe closes
 * at once and no zombie is left behind. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spawn.h"
#include "lib/check_main.h"

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
	ck_assert_int_eq(poll(&p, 1, 2000), 1);       /* EOF, not a timeout */
	ck_assert_int_eq(read(pfd[0], &c, 1), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 2);   /* did not wait for sleep 3 */
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
	ck_assert_int_eq(spawn_detached("/nonexistent/relayq-flush", argv, &e), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("spawn");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_pipe_closes_and_no_zombie);
	tcase_add_test(tc, test_missing_program_is_not_an_error_here);
	suite_add_tcase(s, tc);
	return check_main(s);
}

/* check_main.h — the main() of a Check suite.
 *
 * A suite's file ends in
 *
 *	int
 *	main(void)
 *	{
 *		return check_main(my_suite());
 *	}
 *
 * check_main runs every test of s (CK_NORMAL output, Check's default fork
 * mode, which the environment's CK_FORK may turn off), with the temporary
 * directories of the test_tmpdir fixture (tmpdir.h) under one root for the
 * run, and returns EXIT_SUCCESS when every test passed and nothing was left
 * in that root, else EXIT_FAILURE.  It frees s. */
#ifndef RELAYQ_TEST_CHECK_MAIN_H
#define RELAYQ_TEST_CHECK_MAIN_H

#include <check.h>

int check_main(Suite *s);

/* As check_main, but every test runs in a child of its own even when the
 * environment says CK_FORK=no: for suites whose tests change process-wide
 * state that the next test must not see. */
int check_main_forked(Suite *s);

/* The number of elements of an array. */
#define TEST_NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

#endif

/* check_main.c — the main() of a Check suite (see check_main.h). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "tmpdir.h"

static int
run(Suite *s, int forked)
{
	SRunner *sr = srunner_create(s);
	int failed, left;

	if (test_tmpdir_root_begin(program_invocation_short_name) < 0) {
		fprintf(stderr,
		    "%s: cannot make the suite's temporary root in "
		    "/tmp: %s\n",
		    program_invocation_short_name, strerror(errno));
		srunner_free(sr);
		return EXIT_FAILURE;
	}
	if (forked)
		srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	left = test_tmpdir_root_end();
	return failed == 0 && left == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int
check_main(Suite *s)
{
	return run(s, 0);
}

int
check_main_forked(Suite *s)
{
	return run(s, 1);
}

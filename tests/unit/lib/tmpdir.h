/* tmpdir.h — temporary directories for unit tests that clean up after
 * themselves.
 *
 * test_mkdtemp() is mkdtemp(3) plus a promise: the directory and all it
 * holds are removed when the process that made it exits (exit(3) or a
 * return from main; Check's forked test children exit that way, also after
 * a failed assertion).  A child forked later does not remove a directory
 * its parent made, so an unchecked fixture's directory outlives each test.
 * A test killed by a signal leaves its directory behind.  A test that
 * drops root keeps 0 as its saved user id (setresuid(u, u, 0)) so that the
 * exit handler can take root back to remove what root made. */
#ifndef RELAYQ_TEST_TMPDIR_H
#define RELAYQ_TEST_TMPDIR_H

/* As mkdtemp(3): template ends in XXXXXX and is modified in place.
 * Returns template, or NULL with errno set. */
char *test_mkdtemp(char *template);

/* Removes path and everything below it now (also read-only directories);
 * a missing path is not an error.  Returns 0 or -1. */
int test_rmtree(const char *path);

#endif

/* tmpdir.h — temporary directories for unit tests that clean up after
 * themselves, and the check that no test leaves one behind.
 *
 * The fixture: a suite adds test_tmpdir_setup/test_tmpdir_teardown as a
 * checked fixture (or calls them from its own setup and teardown); every
 * test then finds a fresh, empty directory in test_dir, removed with all
 * it holds after the test.  Under check_main (check_main.h) the
 * directories live in one root per suite run, /tmp/relayq-check_NAME.XXXXXX
 * (mode 01777 like /tmp, so a test that drops root can use it), and
 * check_main fails the suite when anything is left in that root after the
 * run (a leaked directory or file) before it removes the root.
 *
 * The safety net: a directory made by test_tmpdir_setup or test_mkdtemp
 * is also removed when the process that made it exits (exit(3) or a
 * return from main; Check's forked test children exit that way, also
 * after a failed assertion, when the checked teardown does not run).  A
 * child forked later does not remove a directory its parent made.  A test
 * killed by a signal leaves its directory behind (check_main reports it).
 * A test that drops root keeps 0 as its saved user id (setresuid(u, u, 0))
 * so that the teardown and the exit handler can take root back to remove
 * what root made. */
#ifndef RELAYQ_TEST_TMPDIR_H
#define RELAYQ_TEST_TMPDIR_H

#define TEST_DIR_MAX 128

/* The current test's directory, set by test_tmpdir_setup; "" outside a
 * test that uses the fixture. */
extern char test_dir[TEST_DIR_MAX];

/* Checked-fixture setup: makes a fresh directory (mode 0700) under the
 * suite's root (or /tmp outside check_main) into test_dir.  Fails the
 * test when it cannot. */
void test_tmpdir_setup(void);

/* Checked-fixture teardown: removes test_dir and everything below it
 * (taking root back first if the test dropped it with a saved uid 0), and
 * fails the test when that does not work; test_dir is "" after it. */
void test_tmpdir_teardown(void);

/* As mkdtemp(3), for a directory other than the fixture's: template ends
 * in XXXXXX and is modified in place.  Returns template, or NULL with
 * errno set.  Prefer the fixture: only its directories are under the
 * suite's root that check_main checks. */
char *test_mkdtemp(char *template);

/* Removes path and everything below it now (also read-only directories);
 * a missing path is not an error.  Returns 0 or -1. */
int test_rmtree(const char *path);

/* The number of entries in dir, not counting . and ..; fails the test
 * when dir cannot be opened. */
int test_count_entries(const char *dir);

/* For check_main: makes the suite's root /tmp/relayq-NAME.XXXXXX (0 or -1 with
 * errno set), and after the run reports on stderr every entry a test left
 * in it, removes it, and returns the number of entries left. */
int test_tmpdir_root_begin(const char *name);
int test_tmpdir_root_end(void);

#endif

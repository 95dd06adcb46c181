/* slurp.h — a file's whole contents, for tests. */
#ifndef RELAYQ_TEST_SLURP_H
#define RELAYQ_TEST_SLURP_H

/* Returns the contents of the file path, NUL-terminated, in a new string
 * the caller frees.  Fails the test when the file cannot be read (a NUL
 * byte inside is kept, so strlen may be shorter than the file). */
char *test_slurp(const char *path);

/* As test_slurp for the file dir/name. */
char *test_slurp_at(const char *dir, const char *name);

/* Fails the test unless the file path holds exactly the string want. */
void test_assert_file_eq(const char *path, const char *want);

#endif

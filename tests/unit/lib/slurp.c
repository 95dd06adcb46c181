/* slurp.c — a file's whole contents, for tests (see slurp.h). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/xalloc.h"
#include "slurp.h"

char *
test_slurp(const char *path)
{
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	ck_assert_msg(f != NULL, "cannot open %s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	ck_assert_msg(!ferror(f), "cannot read %s", path);
	fclose(f);
	return buf_steal(&b);
}

char *
test_slurp_at(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name), *s;

	s = test_slurp(p);
	free(p);
	return s;
}

void
test_assert_file_eq(const char *path, const char *want)
{
	char *got = test_slurp(path);

	ck_assert_msg(strcmp(got, want) == 0, "%s holds \"%s\", not \"%s\"",
	    path, got, want);
	free(got);
}

/* bad.c — a program with the faults the sanitizer run must catch, for
 * tests/sanitizer/selftest.sh (built only with --enable-sanitizers).
 *
 *   bad ok | leak | overflow | ub
 *
 * The faults depend on argv so that the compiler cannot see them. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *volatile kept;

int
main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "ok";
	size_t n = strlen(what);
	char *p;
	int big;

	if (strcmp(what, "leak") == 0) {
		kept = malloc(n);
		kept = NULL;
	} else if (strcmp(what, "overflow") == 0) {
		p = malloc(n);
		if (p == NULL)
			return 1;
		kept = p; /* seen, so the copy is not optimised away */
		memcpy(p, what, n + 1); /* one byte past the end */
		free(kept);
	} else if (strcmp(what, "ub") == 0) {
		big = INT_MAX - 1 + (int)(n / 2); /* n is 2: INT_MAX */
		big += argc;                      /* signed overflow */
		printf("%d\n", big);
	} else if (strcmp(what, "ok") != 0) {
		fprintf(stderr, "usage: bad ok|leak|overflow|ub\n");
		return 64;
	}
	return 0;
}

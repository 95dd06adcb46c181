/* fuzz_aliases.c — libFuzzer harness: the aliases(5) parser with its
 * :include: files.
 *
 * Input: the aliases file, then include files, each after a line "%%".
 * The in-memory reader serves any path whose last character is a digit k
 * with part k (":include: 1", ":include:/lists/2"); other paths cannot be
 * opened.
 * Oracles beyond the sanitisers: a failure leaves the table as it was
 * (aliases.h); after a success every entry has a lower-case name and at
 * least one target, is found by aliases_lookup, and aliases_problems()
 * lists exactly the broken targets; parsing the same text again into the
 * table fails (every name is then defined twice) and changes nothing. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/strv.h"
#include "rewrite/aliases.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PARTS_MAX 10

struct parts {
	const char *p[PARTS_MAX];
	size_t len[PARTS_MAX];
	size_t n;
};

static int
rd(void *arg, const char *path, struct buf *out, struct err *e)
{
	const struct parts *ps = arg;
	size_t l = strlen(path);
	unsigned k;

	if (l == 0 || path[l - 1] < '0' || path[l - 1] > '9')
		return err_set(e, EX_NOINPUT, "cannot open %s", path);
	k = (unsigned)(path[l - 1] - '0');
	if (k >= ps->n)
		return err_set(e, EX_NOINPUT, "cannot open %s", path);
	buf_add(out, ps->p[k], ps->len[k]);
	return 0;
}

static void
split(const char *s, size_t len, struct parts *ps)
{
	const char *end = s + len, *m;

	ps->n = 0;
	while (ps->n < PARTS_MAX - 1 &&
	    (m = memmem(s, (size_t)(end - s), "\n%%\n", 4)) != NULL) {
		ps->p[ps->n] = s;
		ps->len[ps->n++] = (size_t)(m - s) + 1;
		s = m + 4;
	}
	ps->p[ps->n] = s;
	ps->len[ps->n++] = (size_t)(end - s);
}

static void
check_table(const struct aliases *a)
{
	struct strv probs = STRV_INIT;
	size_t i, j, broken = 0;
	const char *c;

	for (i = 0; i < a->n; i++) {
		if (a->v[i].name == NULL || a->v[i].n == 0 || a->v[i].t == NULL)
			abort();
		for (c = a->v[i].name; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				abort();
		if (aliases_lookup(a, a->v[i].name) == NULL)
			abort();
		for (j = 0; j < a->v[i].n; j++)
			if (a->v[i].t[j].value == NULL ||
			    a->v[i].t[j].file == NULL)
				abort();
			else if (a->v[i].t[j].kind == ALIAS_BROKEN)
				broken++;
	}
	if (aliases_problems(a, &probs) != broken || probs.n != broken)
		abort();
	strv_free(&probs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aliases a = ALIASES_INIT;
	struct parts ps;
	struct err e;
	size_t n, nfiles;

	split((const char *)data, size, &ps);
	if (aliases_parse(&a, "/etc/aliases", ps.p[0], ps.len[0], rd, &ps, &e) <
	    0) {
		if (a.n != 0 || a.v != NULL || a.files.n != 0 ||
		    e.code != EX_CONFIG)
			abort();
	} else {
		check_table(&a);
		n = a.n;
		nfiles = a.files.n;
		if (aliases_parse(&a, "/etc/aliases", ps.p[0], ps.len[0], rd,
		        &ps, &e) == 0) {
			if (n != 0)
				abort();
		} else if (a.n != n || a.files.n != nfiles) {
			abort();
		}
		check_table(&a);
	}
	aliases_free(&a);
	return 0;
}

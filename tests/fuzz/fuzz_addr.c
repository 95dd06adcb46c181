/* fuzz_addr.c — libFuzzer harness: address-list parsing, formatting and the
 * envelope check.  Oracle: a parsed list, formatted and parsed again, gives
 * the same mailboxes.  Built and run by scripts/fuzz. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "message/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addr_list l = ADDR_LIST_INIT, back = ADDR_LIST_INIT;
	struct buf out = BUF_INIT;
	struct err e;
	size_t i;
	int n, utf8;

	n = addr_parse_list((const char *)data, size, &l, &e);
	if (n < 0) {
		if (l.n != 0)
			abort();
		return 0;
	}
	addr_format_list(&out, &l, 4);
	for (i = 0; i < l.n; i++)
		(void)addr_check_envelope(l.v[i].local, l.v[i].domain, &utf8,
		    &e);
	/* Parsing drops CR and LF inside quoted strings (unfolding), so the
	 * oracle only holds for mailboxes without them. */
	if (memchr(data, '\r', size) == NULL &&
	    memchr(data, '\n', size) == NULL &&
	    memchr(data, '\0', size) == NULL) {
		if (addr_parse_list(out.data ? out.data : "", out.len, &back,
		        &e) != n)
			abort();
		for (i = 0; i < l.n; i++)
			if (!same(l.v[i].local, back.v[i].local) ||
			    !same(l.v[i].domain, back.v[i].domain))
				abort();
	}
	addr_list_free(&l);
	addr_list_free(&back);
	buf_free(&out);
	return 0;
}

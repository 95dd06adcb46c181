/* fuzz_rfc5322.c — libFuzzer harness: the header push parser, the header
 * list built from it and the policy operations over it.  Oracles: event
 * invariants, no Bcc left after stripping, a failed headers_parse leaves
 * the list empty.  Built and run by scripts/fuzz. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "message/addr.h"
#include "message/headers.h"
#include "message/rfc5322.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
qualify(void *arg, const char *local, const char *domain, char **nl, char **nd)
{
	(void)arg;
	if (domain != NULL)
		return 0;
	*nl = strdup(local);
	*nd = strdup("example.org");
	return 1;
}

/* Pushes the input line by line; checks the event invariants. */
static void
push_lines(const char *s, size_t len)
{
	struct rfc5322_parser p;
	struct rfc5322_event ev;
	struct err e;
	size_t start = 0, end;
	const char *nl;
	int r = 0;

	rfc5322_init(&p);
	while (r == 0 && start < len) {
		nl = memchr(s + start, '\n', len - start);
		end = nl ? (size_t)(nl - s) : len;
		r = rfc5322_push(&p, s + start, end - start, &e);
		while (rfc5322_next(&p, &ev) != RFC5322_NONE) {
			if (ev.type != RFC5322_FIELD)
				continue;
			if (ev.raw_len == 0 || ev.raw[ev.raw_len - 1] != '\n' ||
			    strlen(ev.raw) != ev.raw_len ||
			    ev.raw[ev.value_off - 1] != ':' ||
			    memchr(ev.raw, '\r', ev.raw_len) != NULL)
				abort();
		}
		start = end + 1;
	}
	if (r == 0 && rfc5322_finish(&p, &e) == 0)
		while (rfc5322_next(&p, &ev) != RFC5322_NONE)
			;
	rfc5322_free(&p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct header_list hl;
	struct addr_list l = ADDR_LIST_INIT;
	struct headers_info info = { 0, "N", "u", NULL, "id", "h", "h", "q",
		0 };
	struct buf out = BUF_INIT;
	struct err e;
	size_t body = 0;

	push_lines((const char *)data, size);
	headers_init(&hl);
	if (headers_parse(&hl, (const char *)data, size, &body, &e) == 0) {
		if (body > size)
			abort();
		(void)headers_hops(&hl);
		(void)headers_recipients(&hl, &l, &e);
		(void)headers_rewrite(&hl, NULL, qualify, NULL);
		(void)headers_complete(&hl, &info);
		headers_add_received(&hl, &info);
		(void)headers_strip_bcc(&hl);
		if (headers_count(&hl, "Bcc") +
		        headers_count(&hl, "Resent-Bcc") !=
		    0)
			abort();
		headers_serialize(&hl, &out);
	} else if (hl.n != 0) {
		abort(); /* err.h: a failed parse leaves the list as it was */
	}
	addr_list_free(&l);
	buf_free(&out);
	headers_free(&hl);
	return 0;
}

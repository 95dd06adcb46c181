/* fuzz_hoststat.c — libFuzzer harness: the hoststat state file parser (a
 * file in the queue directory: disk is hostile).
 * Oracles beyond the sanitisers: whatever parses formats to text that
 * parses to the same text; merging a table into a copy of itself changes
 * nothing; the table printed for hoststat(8) holds no control character
 * other than the newline ending each line (it goes to a terminal), and is
 * what log.h's UTF-8 form lets through (well-formed UTF-8, no C1 or bidi
 * control): sanitising it again leaves it as it is. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flush/hoststat.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hoststat a = HOSTSTAT_INIT, b = HOSTSTAT_INIT;
	struct buf fa = BUF_INIT, fb = BUF_INIT, t = BUF_INIT, again = BUF_INIT;
	struct err e;
	size_t i;

	if (hoststat_parse(&a, (const char *)data, size, &e) == 0) {
		hoststat_format(&a, &fa);
		if (hoststat_parse(&b, fa.data, fa.len, &e) != 0)
			abort();
		hoststat_merge(&b, &a);
		hoststat_format(&b, &fb);
		if (fa.len != fb.len || memcmp(fa.data, fb.data, fa.len) != 0)
			abort();
		hoststat_table(&a, &t);
		for (i = 0; i < t.len; i++)
			if (((unsigned char)t.data[i] < 0x20 &&
			        t.data[i] != '\n') ||
			    t.data[i] == 0x7f)
				abort();
		log_sanitize_buf(&again, t.data, t.len,
		    LOG_TEXT_UTF8 | LOG_TEXT_LINES);
		if (again.len != t.len ||
		    memcmp(again.data, t.data, t.len) != 0)
			abort();
	}
	hoststat_free(&a);
	hoststat_free(&b);
	buf_free(&fa);
	buf_free(&fb);
	buf_free(&t);
	buf_free(&again);
	return 0;
}

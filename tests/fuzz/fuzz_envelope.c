/* fuzz_envelope.c — libFuzzer harness: the envelope file parser.  A queue
 * file is the one input relayq-flush trusts least after the server.
 * Oracle: whatever parses formats to text that parses to the same text. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "queue/envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envelope a, b;
	struct buf fa = BUF_INIT, fb = BUF_INIT;
	struct err e;

	if (envelope_parse(&a, (const char *)data, size, &e) == 0) {
		envelope_format(&a, &fa);
		if (envelope_parse(&b, fa.data, fa.len, &e) != 0)
			abort();
		envelope_format(&b, &fb);
		if (fa.len != fb.len || memcmp(fa.data, fb.data, fa.len) != 0)
			abort();
		envelope_free(&b);
	}
	envelope_free(&a);
	buf_free(&fa);
	buf_free(&fb);
	return 0;
}

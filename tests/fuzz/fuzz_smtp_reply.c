/* fuzz_smtp_reply.c — libFuzzer harness: the SMTP reply parser and the
 * EHLO capability parser, fed what a hostile server could send, line by
 * line.  Oracle: the sanitisers, and every reply text is what a person
 * may read (log.h's UTF-8 form: well-formed, no control, C1 or bidi
 * control, no character cut by the text's size), which sanitising again
 * leaves as it is. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/log.h"
#include "smtp/smtp_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_shown(const char *text)
{
	struct buf again = BUF_INIT;

	log_sanitize_buf(&again, text, strlen(text), LOG_TEXT_UTF8);
	if (strcmp(buf_cstr(&again), text) != 0)
		abort();
	buf_free(&again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_reply r;
	struct smtp_reply_caps caps;
	struct err e;
	const char *p = (const char *)data, *end = p + size;

	smtp_reply_init(&r);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int rc = smtp_reply_feed(&r, p, len, &e);

		if (rc >= 0)
			check_shown(r.text);
		if (rc < 0) {
			smtp_reply_reset(&r);
		} else if (rc == 1) {
			memset(&caps, 0, sizeof(caps));
			smtp_reply_caps_parse(&r, &caps);
			smtp_reply_reset(&r);
		}
		p += len + (nl != NULL);
	}
	smtp_reply_free(&r);
	return 0;
}

/* utf8.h — well-formed UTF-8 (RFC 3629, Unicode 3.9 table 3-7), one
 * sequence at a time: the one decoder behind the display sanitizer
 * (log.h), the envelope address check (addr_envelope.c), the raw UTF-8
 * header test (submit_headers.c) and the JSON escaper
 * (queue_admin_json.c).  Pure. */
#ifndef RELAYQ_UTF8_H
#define RELAYQ_UTF8_H

#include <stddef.h>

/* Looks at the sequence starting at p, of which n > 0 bytes may be read.
 * Returns the number of bytes it spans (1 to 4).  *cp is its code point
 * when they are one well-formed character (ASCII included): the shortest
 * form, no surrogate (U+D800-U+DFFF), at most U+10FFFF.  Else *cp is -1
 * and the span is the maximal subpart of the ill-formed sequence (Unicode's
 * "substitution of maximal subparts", as Python's errors="replace"): a
 * lead byte with the continuation bytes that could still have completed
 * it (a sequence truncated by n, or interrupted), or 1 for a byte that
 * starts nothing (a stray continuation byte, 0xC0, 0xC1, 0xF5-0xFF, the
 * lead of an overlong or surrogate form).  So each ill-formed sequence or
 * byte counts once. */
size_t utf8_next(const char *p, size_t n, long *cp);

/* The length of the n bytes at p without a last character that was cut
 * short (a lead byte whose continuation bytes stop at n): what to keep of
 * text that snprintf() truncated.  Ill-formed bytes before that are not
 * its business. */
size_t utf8_whole(const char *p, size_t n);

/* 1 when one of the n bytes at p is above 0x7F (8-bit data: 8BITMIME),
 * else 0. */
int utf8_any_8bit(const char *p, size_t n);

#endif

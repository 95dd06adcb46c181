/* buf.h — a growable byte buffer.  Always NUL-terminated past len, so
 * buf.data can be used as a C string when the content has no NUL. */
#ifndef RELAYQ_BUF_H
#define RELAYQ_BUF_H

#include <stddef.h>

struct buf {
	char *data;   /* owned; NULL until the first add */
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_init(struct buf *b);
void buf_free(struct buf *b);
/* Empties the buffer, keeping its memory. */
void buf_reset(struct buf *b);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Returns the content as a C string ("" when empty); still owned by b. */
const char *buf_cstr(struct buf *b);
/* Hands the allocated string to the caller (who frees it); b is emptied. */
char *buf_steal(struct buf *b);

#endif

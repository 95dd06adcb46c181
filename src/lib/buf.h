/* buf.h — a growable byte buffer.  Always NUL-terminated past len, so
 * buf.data can be used as a C string when the content has no NUL. */
#ifndef RELAYQ_BUF_H
#define RELAYQ_BUF_H

#include <stddef.h>

struct buf {
	char *data; /* owned; NULL until the first add */
	size_t len;
	size_t cap;
	int secret; /* holds a secret: every block it lets go of (growth,
	             * reset, free) is wiped first */
};

#define BUF_INIT \
	{ \
		NULL, 0, 0, 0 \
	}
/* For a buffer that may hold a password or token: no copy is left behind
 * in freed memory when it grows. */
#define BUF_SECRET_INIT \
	{ \
		NULL, 0, 0, 1 \
	}

/* Makes b an empty, ordinary (not secret) buffer. */
void buf_init(struct buf *b);
/* Frees the memory (wiped first for a secret buffer); b stays usable,
 * empty, and still secret if it was. */
void buf_free(struct buf *b);
/* Empties the buffer, keeping its memory (wiped for a secret buffer). */
void buf_reset(struct buf *b);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Returns the content as a C string ("" when empty); still owned by b. */
const char *buf_cstr(struct buf *b);
/* Hands the allocated string to the caller (who frees it, and wipes it
 * first if b was a secret buffer); b is emptied. */
char *buf_steal(struct buf *b);

#endif

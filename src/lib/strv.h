/* strv.h — a growable vector of owned C strings. */
#ifndef RELAYQ_STRV_H
#define RELAYQ_STRV_H

#include <stddef.h>

struct strv {
	char **v; /* owned strings; v[n] is NULL when n > 0 */
	size_t n;
	size_t cap;
};

#define STRV_INIT \
	{ \
		NULL, 0, 0 \
	}

/* Appends a copy of s. */
void strv_add(struct strv *sv, const char *s);
/* Appends s itself; sv takes ownership. */
void strv_take(struct strv *sv, char *s);
/* Returns 1 when an element equals s (case-insensitive when icase). */
int strv_contains(const struct strv *sv, const char *s, int icase);
/* Frees every string and the vector; sv is empty afterwards. */
void strv_free(struct strv *sv);

#endif

/* xalloc.h — allocation that cannot return NULL.  Running out of memory is
 * the one failure library code does not return: the process prints one line
 * and exits with EX_OSERR (nothing half-written is committed to a queue,
 * because every commit is a rename done last). */
#ifndef RELAYQ_XALLOC_H
#define RELAYQ_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* realloc of an array of nmemb elements of size bytes, overflow-checked. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Allocated printf; the caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Overwrites n bytes at p in a way the compiler may not remove (secrets). */
void wipe(void *p, size_t n);
/* Wipes a NUL-terminated string, then frees it.  NULL is fine. */
void wipe_free(char *s);

#endif

/* err.h — an error value: one <sysexits.h> code and a one-line message that
 * names the object, the cause and the fix.  Library functions fill a
 * caller-provided struct err and return -1 (or NULL); only main() exits. */
#ifndef RELAYQ_ERR_H
#define RELAYQ_ERR_H

#include <stddef.h>

#define ERR_MSG_MAX 1024

struct err {
	int code;                 /* EX_* from <sysexits.h>; 0 = no error */
	char msg[ERR_MSG_MAX];    /* translated, no trailing newline */
};

/* Clears e (code 0, empty message). */
void err_clear(struct err *e);

/* Sets code and a printf-formatted message; returns -1 so callers can
 * write `return err_set(e, EX_DATAERR, ...)`.  e may be NULL. */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* As err_set, then appends ": " and strerror(errnum). */
int err_sys(struct err *e, int code, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Prefixes the existing message with a printf-formatted context and ": ",
 * keeping the code.  Returns -1. */
int err_wrap(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif

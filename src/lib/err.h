/* err.h — an error value: one <sysexits.h> code and a one-line message that
 * names the object, the cause and the fix.  Library functions fill a
 * caller-provided struct err and return -1 (or NULL); only main() exits.
 *
 * What out-parameters hold after a failure (the rule every function
 * follows; doc/HACKING.md has the why):
 *
 *   On failure a function leaves each out-parameter in a state the caller
 *   can release without knowing where the failure happened, and never
 *   pointing at freed memory.  The caller frees nothing it did not get on
 *   success.
 *
 *   - A result handed over through a pointer (char **res, T *out filled
 *     whole): untouched on failure, so the caller's NULL is still NULL.  A
 *     function that frees what such a pointer holds sets it again (to a
 *     new value or NULL) before it returns.
 *   - A container the caller owns and passes in to be added to (a list,
 *     a table, a parser, a reply): as it was before the call — appended
 *     entries are taken back — or, where the header says so, emptied.
 *
 *   Documented exceptions: a parser that initialises a structure itself
 *   and whose header says "freed by the caller also on failure" leaves it
 *   partly filled — every pointer in it owned and valid, or NULL — so its
 *   _free function is always right to call: envelope_parse, hoststat_parse,
 *   cli_parse, conf_load and conf_parse (keys of the lines before the bad
 *   one), queue_env_read.  A push parser keeps its state valid and
 *   says what may follow a failure (rfc5322: failed for good; smtp_reply:
 *   reset before the next reply).
 *
 * Each parser of untrusted input has a unit test that feeds it a malformed
 * input and checks the out-parameters afterwards (tests/unit/check_*.c,
 * "failure leaves"), and a fuzz harness (tests/fuzz/) that checks the same
 * under ASan. */
#ifndef RELAYQ_ERR_H
#define RELAYQ_ERR_H

#include <stddef.h>

#define ERR_MSG_MAX 1024

struct err {
	int code;              /* EX_* from <sysexits.h>; 0 = no error */
	char msg[ERR_MSG_MAX]; /* translated, no trailing newline */
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

/* log.h — log lines in the familiar MTA form, one line per event, to the
 * target of the log_target key (syslog by default; logtarget.h says what
 * each target is and how the fallback is chosen), plus an optional copy on
 * stderr for -v.  Never pass a secret to these functions. */
#ifndef RELAYQ_LOG_H
#define RELAYQ_LOG_H

#include <stddef.h>
#include <syslog.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/logtarget.h"

/* Sets the ident (e.g. "relayq", "relayq-flush").  When verbose is
 * non-zero, every logged line is also written to stderr.  Until
 * log_set_target, lines go to syslog (or its fallback, never stderr). */
void log_open(const char *ident, int verbose);
/* Changes the stderr copy at run time (-v after start-up). */
void log_set_verbose(int verbose);
int log_verbose(void);
/* Also copies lines at prio or more severe (LOG_WARNING: warnings and
 * errors) to stderr when not verbose; -1 (default) copies none. */
void log_set_stderr_min(int prio);
/* Disables the log target entirely (RELAYQ_NO_SYSLOG, tests); the stderr
 * copy stays.  Call before log_set_target. */
void log_set_syslog(int enabled);

/* Sends lines to the log target value (a log_target word, logtarget.h):
 * probes and opens it now (before privileges are dropped: children
 * inherit it), falling back when it is not usable; stderr is the last
 * resort only when stderr_ok.  When the fallback was taken, one line
 * saying from what, why and to where is logged before the next line.
 * Returns 0, or -1 with EX_CONFIG for an invalid value (nothing changed). */
int log_set_target(const char *value, int stderr_ok, struct err *e);
/* Where lines go now, as the fallback line names it (static). */
const char *log_target_used(void);
/* The fallback line of the last decision (borrowed), or NULL when the
 * configured target is in use. */
const char *log_target_fallback(void);
/* Replaces the probe of the host (tests: a pretend host without /dev/log);
 * NULL restores it.  The probe sets errno when it answers 0. */
void log_set_probe(logtarget_probe_fn fn);

/* Logs one line at prio (LOG_INFO, LOG_WARNING, LOG_ERR, LOG_DEBUG).
 * LOG_DEBUG lines go only to stderr and only when verbose. */
void log_msg(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Text from outside (a server's reply, an address, a file name, a
 * command's stderr) and our own translated text are sanitised before
 * they are logged or shown, in one of two forms:
 *
 *   ASCII  printable ASCII only: every byte < 0x20 or >= 0x7f becomes '?'.
 *          For what goes back onto the wire or into a field that must be
 *          ASCII (SMTP replies of -bs, a DSN's Diagnostic-Code).
 *   UTF-8  well-formed UTF-8 kept (the German "Zeitüberschreitung" of a
 *          translated message, a UTF-8 address, a server's UTF-8 text);
 *          replaced by one '?' each: C0 controls, DEL, C1 controls
 *          (U+0080-U+009F: a C1 CSI starts a terminal escape), the bidi
 *          controls U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069
 *          (they reorder what a reader sees), and every ill-formed, overlong,
 *          surrogate or truncated sequence (utf8.h: one '?' per maximal
 *          subpart).  For what only people read: terminals, log lines,
 *          mailq, relayq check, the stored failure text.
 *
 * A character is never cut at the end of dst: one that does not fit
 * whole is left out with all that follows it.  The result is never
 * longer than the input. */
#define LOG_TEXT_UTF8 1u  /* the UTF-8 form (else the ASCII form) */
#define LOG_TEXT_LINES 2u /* also keep TAB and LF (multi-line displays) */

/* Copies at most len bytes of src into dst (size n, always terminated when
 * n > 0) in the ASCII form.  Returns dst. */
char *log_sanitize_ascii(char *dst, size_t n, const char *src, size_t len);
/* The same in the UTF-8 form.  Returns dst. */
char *log_sanitize_utf8(char *dst, size_t n, const char *src, size_t len);
/* Appends len bytes of src to out in the form flags says (LOG_TEXT_*). */
void log_sanitize_buf(struct buf *out, const char *src, size_t len,
    unsigned flags);

#endif

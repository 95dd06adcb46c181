/* log.h — syslog in the familiar MTA form, one line per event, plus an
 * optional copy on stderr for -v.  Never pass a secret to these functions. */
#ifndef RELAYQ_LOG_H
#define RELAYQ_LOG_H

#include <stddef.h>
#include <syslog.h>

/* Opens syslog under ident (e.g. "relayq", "relayq-flush").  When verbose
 * is non-zero, every logged line is also written to stderr. */
void log_open(const char *ident, int verbose);
/* Changes the stderr copy at run time (-v after start-up). */
void log_set_verbose(int verbose);
int log_verbose(void);
/* Also copies lines at prio or more severe (LOG_WARNING: warnings and
 * errors) to stderr when not verbose; -1 (default) copies none. */
void log_set_stderr_min(int prio);
/* Disables syslog entirely (tests). */
void log_set_syslog(int enabled);

/* Logs one line at prio (LOG_INFO, LOG_WARNING, LOG_ERR, LOG_DEBUG).
 * LOG_DEBUG lines go only to stderr and only when verbose. */
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Copies at most len bytes of src into dst (size n, always terminated),
 * replacing control characters and bytes >= 0x7f by '?'.  For putting
 * server replies, addresses and header text into logs and terminals.
 * Returns dst. */
char *log_sanitize(char *dst, size_t n, const char *src, size_t len);

#endif

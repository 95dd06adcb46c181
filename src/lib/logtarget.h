/* logtarget.h — where log lines go: the log_target key of relayq.conf(5)
 * and the decision to fall back when that place is not there.
 *
 * Targets (the words of the key):
 *   syslog      syslog(3) through /dev/log, facility mail (the default).
 *               On systemd hosts /dev/log is journald's own socket, so
 *               this reaches the journal too.
 *   journal     journald's native socket, /run/systemd/journal/socket.
 *   container   the container's log: the standard error of PID 1,
 *               /proc/1/fd/2, which is what `docker logs` shows.  Only a
 *               pipe, a socket, a regular file or a pseudo-terminal
 *               counts (never /dev/null or the console); opening it
 *               needs the uid of PID 1 (or root).
 *   stderr      this process's standard error (a detached background
 *               flush has /dev/null there: nothing is seen).
 *   file:PATH   lines appended to PATH (absolute), created mode 0640.
 *
 * When the configured target is not usable here, the first usable one of
 * syslog, journal, container (in that order, skipping the one configured)
 * is used, and log.c writes one line saying so before the first line it
 * logs.  When none is, stderr is the last resort only where the caller
 * allows it (relayq-flush on a terminal: never the front end, whose
 * callers read its stderr, nor a run under cron, which would mail every
 * delivery line and so make more mail); else nothing is logged.  Parsing
 * and the decision are pure (the probe is injected); nothing here logs or
 * opens files. */
#ifndef RELAYQ_LOGTARGET_H
#define RELAYQ_LOGTARGET_H

#include "lib/err.h"

#define LOGTARGET_DEVLOG "/dev/log"
#define LOGTARGET_JOURNAL_SOCKET "/run/systemd/journal/socket"
#define LOGTARGET_CONTAINER_LOG "/proc/1/fd/2"
#define LOGTARGET_DEFAULT "syslog"

enum logtarget_kind {
	LOGTARGET_NONE = 0, /* nothing usable: lines are dropped */
	LOGTARGET_SYSLOG,
	LOGTARGET_JOURNAL,
	LOGTARGET_CONTAINER,
	LOGTARGET_STDERR,
	LOGTARGET_FILE
};

struct logtarget {
	enum logtarget_kind kind;
	const char *path; /* LOGTARGET_FILE: the PATH of "file:PATH",
	                   * borrowed from the parsed string; else NULL */
};

/* Parses a log_target value.  Returns 0 and fills *t (t->path points into
 * s), or -1 with EX_CONFIG naming the value and the accepted forms; *t is
 * then untouched. */
int logtarget_parse(const char *s, struct logtarget *t, struct err *e);

/* 1 when logtarget_parse would accept s (the conf.c validator). */
int logtarget_valid(const char *s);

/* Answers whether target t can be written here: 1 yes, 0 no.  The real
 * one (log.c) also opens what it probed; tests inject their own. */
typedef int (*logtarget_probe_fn)(const struct logtarget *t, void *arg);

/* Decides where lines go: *want when probe says it is usable (stderr
 * always is), else the first usable of syslog, journal, container other
 * than *want, else stderr when stderr_ok, else LOGTARGET_NONE.  Fills
 * *use (use->path is want->path for a file).  Returns 0 when *use is
 * *want, 1 when it fell back. */
int logtarget_decide(const struct logtarget *want, int stderr_ok,
    logtarget_probe_fn probe, void *arg, struct logtarget *use);

/* How a target is named in the fallback line and by relayq check, in the
 * user's language: "syslog (/dev/log)", "the container's log, PID 1's
 * stderr (/proc/1/fd/2)", "FILE", ... (static, one buffer per kind, or
 * t->path). */
const char *logtarget_describe(const struct logtarget *t);

#endif

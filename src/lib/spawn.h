/* spawn.h — the one way relayq starts a child process.
 *
 * Every fork of relayq and relayq-flush goes through here, so that what a
 * child holds is decided in one place:
 *
 *   spawn_exec      fork + exec a program.  The child gets exactly the
 *                   standard descriptors o->fd[] names (the parent's own,
 *                   /dev/null, one of the parent's descriptors, or a new
 *                   pipe to the parent) and no other descriptor of the
 *                   parent, close-on-exec or not: a program relayq starts
 *                   can never hold the caller's pipe, the queue's lock or
 *                   a credential file.  SIGPIPE is back to its default.
 *   spawn_fork      fork for a child that runs relayq's own code (a queue
 *                   read or flushed as its owner after spool_drop): the
 *                   same standard descriptors, process group and signal
 *                   choices, but the process's own descriptors stay open
 *                   (the log sink and syslog's socket are the child's to
 *                   use, and relayq opens every file O_CLOEXEC, so nothing
 *                   leaks past a later exec, which goes through
 *                   spawn_exec anyway).
 *   spawn_detached  a program fully detached from the caller (below).
 *
 * The optional hook runs in the child after the descriptors are set up,
 * before exec (or before spawn_fork returns 0): the place for a privilege
 * drop.  stdio is flushed (fflush(NULL)) before every fork, so nothing
 * buffered is written twice.
 *
 * Errors: -1 with errno set, nothing started and no pipe left open; the
 * caller names what it tried to start in its own message. */
#ifndef RELAYQ_SPAWN_H
#define RELAYQ_SPAWN_H

#include <sys/types.h>

#include "lib/err.h"

/* What o->fd[i] (the child's stdin, stdout, stderr) may be besides one of
 * the parent's descriptors (any number, also 0-2: it is duplicated). */
#define SPAWN_INHERIT (-1) /* the parent's own fd i */
#define SPAWN_DEVNULL (-2) /* /dev/null (read-write) */
#define SPAWN_PIPE \
	(-3) /* a new pipe: the parent's end (O_CLOEXEC) is \
	      * returned in o->pipe[i]; stdin's is the \
	      * write end, stdout's and stderr's the read end */

/* flags */
#define SPAWN_SESSION 0x01 /* setsid(): a new session and process group */
#define SPAWN_GROUP \
	0x02               /* setpgid(): its own process group, set in both \
	                    * the child and the parent (no race with a \
	                    * kill(-pid) right after the start) */
#define SPAWN_SIGPIPE 0x04 /* SIGPIPE to its default (spawn_exec always) */
#define SPAWN_SIGHUP 0x08  /* SIGHUP to its default */

struct spawn_opts {
	int fd[3]; /* stdin, stdout, stderr (spawn_opts_init:
	            * SPAWN_INHERIT) */
	unsigned flags;
	/* Run in the child after the descriptors are set up; -1 ends the
	 * child with fail_code (spawn_exec) or EX_OSERR (spawn_fork). */
	int (*hook)(void *arg);
	void *arg;
	/* spawn_exec: exec failed (errnum).  Runs in the child, which then
	 * exits with fail_code (127 when 0).  NULL: silent. */
	void (*exec_failed)(const char *path, int errnum, void *arg);
	int fail_code;
	/* out: the parent's ends of SPAWN_PIPE descriptors, else -1.  The
	 * caller closes them. */
	int pipe[3];
};

/* Fills o: all three descriptors SPAWN_INHERIT, no flags, no hook. */
void spawn_opts_init(struct spawn_opts *o);

/* Starts path with argv (argv[0] included, NULL-terminated) and envp (NULL:
 * this process's environment).  Returns the child's pid, or -1 (errno). */
pid_t spawn_exec(struct spawn_opts *o, const char *path,
    const char *const argv[], char *const envp[]);

/* fork() with o's descriptors, flags and hook applied in the child.
 * Returns the pid in the parent, 0 in the child (which must end with
 * _exit, never return into the parent's loop), or -1 (errno). */
pid_t spawn_fork(struct spawn_opts *o);

/* Waits for pid (retrying EINTR) and stores its status.  Returns pid or -1
 * (errno; ECHILD when the caller ignores SIGCHLD). */
pid_t spawn_wait(pid_t pid, int *status);

/* Runs path with argv detached.  cron and PHP wait until every copy of the
 * sendmail pipe is closed, so the background flush the front end starts
 * must hold none of the caller's descriptors and must not become the
 * caller's zombie: double fork, new session, stdin/stdout/stderr on
 * /dev/null, every other descriptor closed, SIGHUP and SIGPIPE to their
 * defaults, then exec.
 * Returns 0 once the intermediate child has been reaped (the program's
 * own success is not waited for), -1 when fork fails (EX_OSERR).  An exec
 * failure happens in the detached grandchild and is logged to syslog. */
int spawn_detached(const char *path, const char *const argv[], struct err *e);

#endif

/* spawn.c — the one way relayq starts a child process (see spawn.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/spawn.h"

extern char **environ;

void
spawn_opts_init(struct spawn_opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 0; i < 3; i++)
		o->fd[i] = SPAWN_INHERIT;
	for (int i = 0; i < 3; i++)
		o->pipe[i] = -1;
}

/* Closes every descriptor from lowfd up, close-on-exec or not. */
static void
close_from(int lowfd)
{
	struct rlimit rl;
	int fd, max = 1024;

#ifdef HAVE_CLOSE_RANGE
	if (close_range((unsigned)lowfd, ~0U, 0) == 0)
		return;
#endif
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 65536)
		max = (int)rl.rlim_cur;
	for (fd = lowfd; fd < max; fd++)
		close(fd);
}

static void
close_pipes(int (*p)[2])
{
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 2; j++)
			if (p[i][j] >= 0) {
				close(p[i][j]);
				p[i][j] = -1;
			}
}

/* Makes the pipes o asks for; p[i] = { read end, write end }. */
static int
open_pipes(const struct spawn_opts *o, int (*p)[2])
{
	for (int i = 0; i < 3; i++) {
		p[i][0] = p[i][1] = -1;
		if (o->fd[i] == SPAWN_PIPE && pipe2(p[i], O_CLOEXEC) < 0) {
			int err = errno;

			close_pipes(p);
			errno = err;
			return -1;
		}
	}
	return 0;
}

/* In the child: the new standard descriptors.  Every source is first
 * copied above 2 so that one mapping cannot clobber another's source
 * (a pipe end may itself be 0-2 when the parent started with them
 * closed); the copies are closed again. */
static int
child_stdio(const struct spawn_opts *o, int (*p)[2])
{
	int src[3] = { -1, -1, -1 }, null = -1, rc = -1;

	for (int i = 0; i < 3; i++) {
		int from = o->fd[i];

		if (from == SPAWN_INHERIT)
			continue;
		if (from == SPAWN_DEVNULL) {
			if (null < 0 &&
			    (null = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
				goto done;
			from = null;
		} else if (from == SPAWN_PIPE) {
			from = p[i][i == 0 ? 0 : 1];
		}
		if ((src[i] = fcntl(from, F_DUPFD_CLOEXEC, 3)) < 0)
			goto done;
	}
	for (int i = 0; i < 3; i++)
		if (src[i] >= 0 && dup2(src[i], i) < 0)
			goto done;
	rc = 0;
done:
	for (int i = 0; i < 3; i++)
		if (src[i] >= 0)
			close(src[i]);
	if (null > 2)
		close(null);
	return rc;
}

/* In the child: everything but exec.  Returns 0 or -1. */
static int
child_setup(const struct spawn_opts *o, int (*p)[2], int close_rest)
{
	if ((o->flags & SPAWN_SESSION) && setsid() < 0)
		return -1;
	/* The parent sets it too: whichever runs first wins, and a failure
	 * here is the parent's to see (as before: not fatal). */
	if (o->flags & SPAWN_GROUP)
		(void)setpgid(0, 0);
	if (child_stdio(o, p) < 0)
		return -1;
	if (close_rest)
		close_from(3);
	else
		close_pipes(p);
	if (o->flags & SPAWN_SIGPIPE)
		signal(SIGPIPE, SIG_DFL);
	if (o->flags & SPAWN_SIGHUP)
		signal(SIGHUP, SIG_DFL);
	return o->hook != NULL ? o->hook(o->arg) : 0;
}

/* The common fork: pipes, fork, the parent's side.  In the child returns
 * 0 with *p still holding the pipes. */
static pid_t
start(struct spawn_opts *o, int (*p)[2])
{
	pid_t pid;
	int err;

	for (int i = 0; i < 3; i++)
		o->pipe[i] = -1;
	if (open_pipes(o, p) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err = errno;
		close_pipes(p);
		errno = err;
		return -1;
	}
	if (pid == 0)
		return 0;
	if (o->flags & SPAWN_GROUP)
		(void)setpgid(pid, pid);
	for (int i = 0; i < 3; i++) {
		if (p[i][0] < 0)
			continue;
		/* stdin: the parent writes; stdout, stderr: it reads. */
		o->pipe[i] = p[i][i == 0 ? 1 : 0];
		close(p[i][i == 0 ? 0 : 1]);
	}
	return pid;
}

pid_t
spawn_exec(struct spawn_opts *o, const char *path, const char *const argv[],
    char *const envp[])
{
	struct spawn_opts c = *o;
	int p[3][2], code = o->fail_code ? o->fail_code : 127;
	pid_t pid = start(o, p);

	if (pid != 0)
		return pid;
	c.flags |= SPAWN_SIGPIPE;
	if (child_setup(&c, p, 1) < 0)
		_exit(code);
	execve(path, (char *const *)argv, envp != NULL ? envp : environ);
	if (o->exec_failed != NULL)
		o->exec_failed(path, errno, o->arg);
	_exit(code);
}

pid_t
spawn_fork(struct spawn_opts *o)
{
	int p[3][2];
	pid_t pid = start(o, p);

	if (pid != 0)
		return pid;
	if (child_setup(o, p, 0) < 0)
		_exit(EX_OSERR);
	return 0;
}

pid_t
spawn_wait(pid_t pid, int *status)
{
	pid_t w;

	while ((w = waitpid(pid, status, 0)) < 0 && errno == EINTR)
		;
	return w;
}

/* ---- detached --------------------------------------------------------- */

static void
log_exec_failed(const char *path, int errnum, void *arg)
{
	(void)arg;
	log_msg(LOG_ERR, "cannot start %s: %s", path, strerror(errnum));
}

int
spawn_detached(const char *path, const char *const argv[], struct err *e)
{
	struct spawn_opts o;
	pid_t pid, w;
	int status;

	spawn_opts_init(&o);
	o.flags = SPAWN_SESSION;
	pid = spawn_fork(&o);
	if (pid < 0)
		return err_sys(e, EX_OSERR, errno,
		    _("cannot start %s in the background"), path);
	if (pid == 0) {
		/* The intermediate child: a new session; its child (not a
		 * session leader: never gets a controlling terminal) runs the
		 * program, and it exits at once so that the caller reaps it. */
		spawn_opts_init(&o);
		for (int i = 0; i < 3; i++)
			o.fd[i] = SPAWN_DEVNULL;
		o.flags = SPAWN_SIGHUP;
		o.exec_failed = log_exec_failed;
		o.fail_code = EX_OSERR;
		_exit(spawn_exec(&o, path, argv, NULL) < 0 ? EX_OSERR : 0);
	}
	w = spawn_wait(pid, &status);
	/* With SIGCHLD ignored by the caller (daemons, PHP) the kernel reaps
	 * the child itself and waitpid says ECHILD: it started all the same. */
	if (w < 0 && errno == ECHILD)
		return 0;
	if (w < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set(e, EX_OSERR,
		    _("cannot start %s in the background"), path);
	return 0;
}

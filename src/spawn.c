/* spawn.c — start a program fully detached (see spawn.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "i18n.h"
#include "log.h"
#include "spawn.h"

static void
close_from(int lowfd)
{
	struct rlimit rl;
	int fd, max = 1024;

#ifdef HAVE_CLOSE_RANGE
	if (close_range((unsigned)lowfd, ~0U, 0) == 0)
		return;
#endif
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < 65536)
		max = (int)rl.rlim_cur;
	for (fd = lowfd; fd < max; fd++)
		close(fd);
}

static void __attribute__((noreturn))
grandchild(const char *path, const char *const argv[])
{
	int null = open("/dev/null", O_RDWR);

	if (null < 0)
		_exit(EX_OSERR);
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	close_from(3);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	execv(path, (char *const *)argv);
	log_msg(LOG_ERR, "cannot start %s: %s", path, strerror(errno));
	_exit(EX_OSERR);
}

int
spawn_detached(const char *path, const char *const argv[], struct err *e)
{
	pid_t pid, w;
	int status;

	pid = fork();
	if (pid < 0)
		return err_sys(e, EX_OSERR, errno, _("cannot start %s in the background"), path);
	if (pid == 0) {
		pid_t gc;

		if (setsid() < 0)
			_exit(EX_OSERR);
		gc = fork();
		if (gc < 0)
			_exit(EX_OSERR);
		if (gc == 0)
			grandchild(path, argv);
		_exit(0);
	}
	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	/* With SIGCHLD ignored by the caller (daemons, PHP) the kernel reaps the
	 * child itself and waitpid says ECHILD: it started all the same. */
	if (w < 0 && errno == ECHILD)
		return 0;
	if (w < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set(e, EX_OSERR, _("cannot start %s in the background"), path);
	return 0;
}

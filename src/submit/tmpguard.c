/* tmpguard.c — remove the message being written on a fatal signal (see
 * tmpguard.h). */
#include "config.h"

#include <limits.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "submit/tmpguard.h"

static const int guarded[] = { SIGTERM, SIGHUP, SIGINT, SIGPIPE };
#define NGUARDED (sizeof(guarded) / sizeof(guarded[0]))

static char armed_path[PATH_MAX];
static volatile sig_atomic_t armed;
static int installed;

static void
on_signal(int sig)
{
	if (armed)
		(void)unlink(armed_path);
	armed = 0;
	/* SA_RESETHAND restored the default; the signal is blocked while
	 * this handler runs and is delivered again when it returns. */
	(void)raise(sig);
}

static void
install(void)
{
	struct sigaction sa, old;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NGUARDED; i++)
		(void)sigaddset(&sa.sa_mask, guarded[i]);
	for (i = 0; i < NGUARDED; i++) {
		if (sigaction(guarded[i], NULL, &old) < 0 ||
		    old.sa_handler == SIG_IGN)
			continue; /* inherited as ignored (nohup): keep it so */
		(void)sigaction(guarded[i], &sa, NULL);
	}
	installed = 1;
}

void
tmpguard_block(sigset_t *old)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < NGUARDED; i++)
		(void)sigaddset(&set, guarded[i]);
	(void)sigprocmask(SIG_BLOCK, &set, old);
}

void
tmpguard_unblock(const sigset_t *old)
{
	(void)sigprocmask(SIG_SETMASK, old, NULL);
}

int
tmpguard_arm(const char *path)
{
	size_t n = strlen(path);

	armed = 0;
	if (n >= sizeof(armed_path))
		return -1;
	if (!installed)
		install();
	memcpy(armed_path, path, n + 1);
	armed = 1;
	return 0;
}

void
tmpguard_disarm(void)
{
	armed = 0;
}

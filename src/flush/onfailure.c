/* onfailure.c — running the admin's on_failure command (see onfailure.h). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "flush/onfailure.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/spawn.h"
#include "lib/xalloc.h"

const char *
onfailure_event_name(enum onfailure_event ev)
{
	return ev == ONFAILURE_DELAYED ? "delayed" :
	    ev == ONFAILURE_CONFIG     ? "config" :
	                                 "failed";
}

char *
onfailure_sanitize(const char *s, size_t max)
{
	size_t n = s != NULL ? strnlen(s, max) : 0;

	return log_sanitize_utf8(xmalloc(n + 1), n + 1, s != NULL ? s : "", n);
}

static void
add_var(struct strv *out, const char *name, const char *value)
{
	char *v = onfailure_sanitize(value, ONFAILURE_VALUE_MAX);

	strv_take(out, xasprintf("%s=%s", name, v));
	free(v);
}

void
onfailure_env(const struct onfailure_info *in, char *const *base,
    struct strv *out)
{
	struct buf rc = BUF_INIT;
	size_t i;

	for (i = 0; base != NULL && base[i] != NULL; i++)
		if (strncmp(base[i], "RELAYQ_", 7) != 0)
			strv_add(out, base[i]);
	for (i = 0; i < in->nrcpts; i++) {
		if (i > 0)
			buf_addc(&rc, ' ');
		buf_adds(&rc, in->rcpts[i]);
	}
	add_var(out, "RELAYQ_EVENT", onfailure_event_name(in->event));
	add_var(out, "RELAYQ_QUEUE_ID", in->queue_id ? in->queue_id : "");
	add_var(out, "RELAYQ_SENDER", in->sender ? in->sender : "");
	add_var(out, "RELAYQ_RECIPIENTS", buf_cstr(&rc));
	add_var(out, "RELAYQ_REASON", in->reason ? in->reason : "");
	buf_free(&rc);
}

/* Waits for pid until deadline (clock_mono_ms); 0 when it ended. */
static int
wait_until(pid_t pid, long long deadline, int *status)
{
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return 0;
		if (clock_mono_ms(NULL) >= deadline)
			return -1;
		clock_sleep_ms(NULL, 20);
	}
}

int
onfailure_run(const char *cmd, char *const *envp, long long timeout,
    int *status, struct err *e)
{
	const char *const argv[] = { "sh", "-c", cmd, NULL };
	struct spawn_opts so;
	long long start;
	pid_t pid;

	if (timeout <= 0)
		timeout = 30;
	/* Its own process group (the timeout ends all it started); stdin
	 * on /dev/null, its output to our stderr. */
	spawn_opts_init(&so);
	so.fd[0] = SPAWN_DEVNULL;
	so.fd[1] = 2;
	so.flags = SPAWN_GROUP;
	so.fail_code = 127;
	pid = spawn_exec(&so, "/bin/sh", argv, envp);
	if (pid < 0)
		return err_sys(e, EX_OSERR, errno,
		    _("cannot start the on_failure command"));
	start = clock_mono_ms(NULL);
	if (wait_until(pid, start + timeout * 1000, status) == 0)
		return 0;
	kill(-pid, SIGTERM);
	if (wait_until(pid, start + (timeout + 2) * 1000, status) == 0)
		return 1;
	kill(-pid, SIGKILL);
	spawn_wait(pid, status);
	return 1;
}

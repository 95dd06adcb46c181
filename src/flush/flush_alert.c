/* flush_alert.c — where failures go when mail cannot carry them: the
 * dead.letter of the queue's owner (a notice that cannot be delivered, or
 * one for a local-only sender) and the admin's on_failure command (see
 * deadletter.h, onfailure.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "flush/deadletter.h"
#include "flush/flush_int.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/xalloc.h"

extern char **environ;

int
flush_deadletter(struct flusher *f, const struct envelope *env, const char *why,
    struct err *e)
{
	char *path = NULL, *body = queue_body_path(f->o->queue, env->id);
	char safe[RESULT_TEXT_MAX];
	int fd = -1, rc = -1;

	if ((path = deadletter_path(e)) == NULL)
		goto done;
	fd = queue_open_file(body, e);
	if (fd < 0)
		goto done;
	if (deadletter_append(path, env->sender, f->now, fd, body, e) < 0)
		goto done;
	log_sanitize_utf8(safe, sizeof(safe), why, strlen(why));
	log_msg(LOG_NOTICE,
	    "%s: to=<%s>, relay=dead.letter, status=saved (%s; "
	    "appended to %s)",
	    env->id, env->nrcpt > 0 ? env->rcpt[0].addr : "", safe, path);
	rc = 0;
done:
	if (fd >= 0)
		close(fd);
	free(path);
	free(body);
	return rc;
}

/* Runs the on_failure command for in; id names it in the log. */
static void
run_onfailure(struct flusher *f, const struct onfailure_info *in,
    const char *id)
{
	struct strv envp = STRV_INIT;
	struct err e;
	int status = 0, r;

	onfailure_env(in, environ, &envp);
	r = onfailure_run(f->o->conf->on_failure, envp.v,
	    f->o->conf->on_failure_timeout, &status, &e);
	if (r < 0)
		log_msg(LOG_ERR, "%s: on_failure (%s): %s", id,
		    onfailure_event_name(in->event), e.msg);
	else if (r == 1)
		log_msg(LOG_WARNING, "%s: on_failure (%s): killed after %llds",
		    id, onfailure_event_name(in->event),
		    f->o->conf->on_failure_timeout);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		log_msg(LOG_INFO, "%s: on_failure (%s): done", id,
		    onfailure_event_name(in->event));
	else
		log_msg(LOG_WARNING, "%s: on_failure (%s): exit status %d", id,
		    onfailure_event_name(in->event),
		    WIFEXITED(status) ? WEXITSTATUS(status) :
		                        128 + WTERMSIG(status));
	strv_free(&envp);
}

void
flush_onfailure(struct flusher *f, const struct envelope *env,
    enum onfailure_event ev, const unsigned char *which, const char *reason)
{
	const char **rcpts;
	struct onfailure_info in;
	size_t i, n = 0;

	if (f->o->conf->on_failure == NULL)
		return;
	rcpts = xcalloc(env->nrcpt + 1, sizeof(*rcpts));
	for (i = 0; i < env->nrcpt; i++)
		if (which != NULL ? which[i] != 0 :
		                    env->rcpt[i].state == RCPT_PENDING)
			rcpts[n++] = env->rcpt[i].addr;
	memset(&in, 0, sizeof(in));
	in.event = ev;
	in.queue_id = env->id;
	in.sender = env->sender;
	in.rcpts = rcpts;
	in.nrcpts = n;
	in.reason = reason;
	run_onfailure(f, &in, env->id);
	free(rcpts);
}

void
flush_onfailure_config(struct flusher *f, const char *reason)
{
	struct onfailure_info in;

	if (f->o->conf->on_failure == NULL)
		return;
	memset(&in, 0, sizeof(in));
	in.event = ONFAILURE_CONFIG;
	in.reason = reason;
	run_onfailure(f, &in, f->o->queue ? f->o->queue->dir : "relayq-flush");
}

/* 1 for a notice (sender <>) whose pending recipients are all local-only. */
int
flush_local_notice(const struct envelope *env)
{
	size_t i;

	if (env->sender[0] != '\0')
		return 0;
	for (i = 0; i < env->nrcpt; i++)
		if (env->rcpt[i].state == RCPT_PENDING &&
		    !deadletter_local_address(env->rcpt[i].addr))
			return 0;
	return 1;
}

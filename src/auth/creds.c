/* creds.c — credential sources in a configured order (see creds.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "auth/authinfo.h"
#include "auth/creds.h"
#include "auth/secret.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/spawn.h"
#include "lib/xalloc.h"
#include "transport/smarthost.h"

#define CREDS_MAX_OUTPUT (64 * 1024)
#define CREDS_MAX_STDERR 4096

static const char *const source_names[CREDS_NSOURCES] = {
	"credential",
	"authinfo",
	"command",
	"keyring",
};

void
creds_config_init(struct creds_config *cfg)
{
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < CREDS_NSOURCES; i++)
		cfg->order[i] = (enum creds_source)i;
	cfg->norder = CREDS_NSOURCES;
	cfg->credential = CREDS_DEFAULT_CREDENTIAL;
	cfg->command_timeout_ms = CREDS_DEFAULT_TIMEOUT_MS;
	cfg->authinfo_owner = geteuid();
}

int
creds_parse_order(struct creds_config *cfg, const char *s, struct err *e)
{
	enum creds_source order[CREDS_NSOURCES];
	unsigned seen = 0;
	size_t n = 0, k, i;

	for (s += strspn(s, " ,\t"); *s; s += strspn(s, " ,\t")) {
		k = strcspn(s, " ,\t");
		for (i = 0; i < CREDS_NSOURCES; i++)
			if (strlen(source_names[i]) == k &&
			    strncasecmp(s, source_names[i], k) == 0)
				break;
		if (i == CREDS_NSOURCES)
			return err_set(e, EX_CONFIG,
			    _("unknown credential source "
			      "\"%.*s\"; use credential, authinfo, command or keyring"),
			    (int)(k > 40 ? 40 : k), s);
		if (seen & (1u << i))
			return err_set(e, EX_CONFIG,
			    _("credential source %s is "
			      "listed twice"),
			    source_names[i]);
		seen |= 1u << i;
		order[n++] = (enum creds_source)i;
		s += k;
	}
	if (n == 0)
		return err_set(e, EX_CONFIG,
		    _("the credential source list is empty; "
		      "use credential, authinfo, command or keyring"));
	memcpy(cfg->order, order, n * sizeof(order[0]));
	cfg->norder = n;
	return 0;
}

void
creds_free(struct creds *c)
{
	free(c->user);
	wipe_free(c->secret);
	free(c->authzid);
	free(c->realm);
	free(c->mechs);
	free(c->source);
	memset(c, 0, sizeof(*c));
}

/* Cuts b at its first line end; returns that line ("" when b is empty),
 * still owned by b. */
static const char *
first_line(struct buf *b)
{
	if (b->data != NULL) {
		b->len = strcspn(b->data, "\r\n");
		b->data[b->len] = '\0';
	}
	return buf_cstr(b);
}

int
creds_read_credential(const char *name, char **secret, char **path,
    struct err *e)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY"), *line;
	struct buf b = BUF_SECRET_INIT;
	char chunk[4096];
	ssize_t n;
	int fd, rc = -1;

	*secret = *path = NULL;
	if (dir == NULL || *dir == '\0')
		return 1;
	if (*name == '\0' || strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return err_set(e, EX_CONFIG,
		    _("invalid systemd credential name "
		      "\"%s\": it must be a plain file name"),
		    name);
	*path = xasprintf("%s/%s", dir, name);
	fd = open(*path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENOENT) {
		rc = 1;
		goto fail;
	}
	if (fd < 0) {
		err_sys(e, EX_NOINPUT, errno,
		    _("cannot open systemd credential %s"), *path);
		goto fail;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || b.len + (size_t)n > CREDS_MAX_OUTPUT) {
			err_sys(e, EX_IOERR, n < 0 ? errno : EFBIG,
			    _("cannot read systemd credential %s"), *path);
			break;
		}
		buf_add(&b, chunk, (size_t)n);
	}
	close(fd);
	wipe(chunk, sizeof(chunk));
	if (n != 0)
		goto fail;
	line = first_line(&b);
	if (*line == '\0') {
		err_set(e, EX_CONFIG, _("systemd credential %s is empty"),
		    *path);
		goto fail;
	}
	*secret = xstrdup(line);
	rc = 0;
fail:
	if (b.data)
		wipe(b.data, b.cap);
	buf_free(&b);
	if (rc != 0) {
		free(*path);
		*path = NULL;
	}
	return rc;
}

/* ---- the password command ------------------------------------------------ */

/* Reads what is ready on fd into b (up to cap bytes kept); returns 0 at
 * EOF, 1 when more may come. */
static int
drain(int fd, struct buf *b, size_t cap)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n > 0 && b->len < cap)
		buf_add(b, chunk,
		    (size_t)n > cap - b->len ? cap - b->len : (size_t)n);
	wipe(chunk, sizeof(chunk));
	return n > 0;
}

/* Collects stdout and stderr until both close or the time is up.
 * Returns 0, or 1 on timeout. */
static int
collect(int outfd, int errfd, int timeout_ms, struct buf *out, struct buf *err)
{
	struct pollfd p[2] = { { outfd, POLLIN, 0 }, { errfd, POLLIN, 0 } };
	long long end = clock_mono_ms(NULL) + timeout_ms, left;

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		left = end - clock_mono_ms(NULL);
		if (left <= 0)
			return 1;
		if (poll(p, 2, (int)left) < 0 && errno != EINTR)
			return 1;
		if (p[0].revents && !drain(outfd, out, CREDS_MAX_OUTPUT))
			p[0].fd = -1;
		if (p[1].revents && !drain(errfd, err, CREDS_MAX_STDERR))
			p[1].fd = -1;
	}
	return 0;
}

/* Turns the command's end into an error (or 0) for creds_run_command. */
static int
command_status(int status, int timed_out, int timeout_ms, struct buf *err,
    struct buf *out, struct err *e)
{
	char why[256];
	const char *text = buf_cstr(err);

	log_sanitize_utf8(why, sizeof(why), text, strcspn(text, "\r\n"));
	if (!*why)
		snprintf(why, sizeof(why), "%s", _("no error output"));
	if (timed_out)
		return err_set(e, EX_TEMPFAIL,
		    _("the password command did not "
		      "finish within %.1f seconds and was killed"),
		    timeout_ms / 1000.0);
	if (WIFSIGNALED(status))
		return err_set(e, EX_TEMPFAIL,
		    _("the password command was killed "
		      "by signal %d: %s"),
		    WTERMSIG(status), why);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set(e, EX_TEMPFAIL,
		    _("the password command failed with "
		      "exit status %d: %s"),
		    WEXITSTATUS(status), why);
	if (out->len == 0 || strcspn(out->data, "\r\n") == 0)
		return err_set(e, EX_CONFIG,
		    _("the password command printed no "
		      "password on its first line"));
	return 0;
}

int
creds_run_command(const char *cmd, int timeout_ms, char **out, struct err *e)
{
	const char *const argv[] = { "sh", "-c", cmd, NULL };
	struct buf ob = BUF_SECRET_INIT, eb = BUF_INIT;
	struct spawn_opts so;
	int status = 0, timed_out, rc = -1;
	pid_t pid;

	*out = NULL;
	/* Its own session: a timeout kills all it started.  stdin on
	 * /dev/null, stdout and stderr to us, nothing else of ours. */
	spawn_opts_init(&so);
	so.fd[0] = SPAWN_DEVNULL;
	so.fd[1] = so.fd[2] = SPAWN_PIPE;
	so.flags = SPAWN_SESSION;
	so.fail_code = 127;
	pid = spawn_exec(&so, "/bin/sh", argv, NULL);
	if (pid < 0) {
		err_sys(e, EX_OSERR, errno,
		    _("cannot run the password command"));
		goto fail;
	}
	timed_out = collect(so.pipe[1], so.pipe[2], timeout_ms, &ob, &eb);
	if (timed_out)
		kill(-pid, SIGKILL), kill(pid, SIGKILL);
	spawn_wait(pid, &status);
	if (command_status(status, timed_out, timeout_ms, &eb, &ob, e) < 0)
		goto fail;
	*out = xstrdup(first_line(&ob));
	rc = 0;
fail:
	if (ob.data)
		wipe(ob.data, ob.cap);
	buf_free(&ob);
	buf_free(&eb);
	for (int i = 1; i < 3; i++)
		if (so.pipe[i] >= 0)
			close(so.pipe[i]);
	return rc;
}

/* ---- the lookup ---------------------------------------------------------- */

static const char *
kind(int oauth)
{
	return oauth ? _("OAuth2 token") : _("password");
}

/* A source that gives only a secret: the rest comes from cfg. */
static int
fill_from_cfg(const struct creds_config *cfg, struct creds *c, char *secret,
    const char *user, const char *what, struct err *e)
{
	if (user == NULL) {
		wipe_free(secret);
		return err_set(e, EX_CONFIG,
		    _("%s supplied a secret, but no user "
		      "name is configured; set the user"),
		    what);
	}
	c->user = xstrdup(user);
	c->secret = secret;
	c->mechs = cfg->mechs ? xstrdup(cfg->mechs) : NULL;
	c->oauth = cfg->oauth;
	return 0;
}

static int
from_authinfo(const struct creds_config *cfg, const char *host, unsigned port,
    struct creds *c, struct buf *notes, struct err *e)
{
	struct authinfo ai = AUTHINFO_INIT;
	const struct authinfo_entry *en;
	int rc;

	if (cfg->authinfo == NULL)
		return 1;
	rc = authinfo_load(&ai, cfg->authinfo, cfg->authinfo_owner, e);
	if (rc != 0) {
		if (rc == 1)
			buf_printf(notes, _("; no authinfo file %s"),
			    cfg->authinfo);
		return rc;
	}
	en = authinfo_find(&ai, host, port);
	if (en == NULL) {
		buf_printf(notes, _("; no entry for %s in %s"), host,
		    cfg->authinfo);
		authinfo_free(&ai);
		return 1;
	}
	c->user = xstrdup(en->login);
	c->secret = xstrdup(en->secret);
	c->authzid = en->authzid ? xstrdup(en->authzid) : NULL;
	c->realm = en->realm ? xstrdup(en->realm) : NULL;
	c->oauth = en->mechs ? en->oauth : cfg->oauth;
	c->mechs = en->mechs ? xstrdup(en->mechs) :
	    cfg->mechs       ? xstrdup(cfg->mechs) :
	                       NULL;
	c->source = xasprintf(_("%s from authinfo %s line %u"), kind(c->oauth),
	    cfg->authinfo, en->line);
	authinfo_free(&ai);
	return 0;
}

static int
from_credential(const struct creds_config *cfg, struct creds *c,
    struct buf *notes, struct err *e)
{
	char *secret, *path;
	int rc;

	if (cfg->credential == NULL)
		return 1;
	rc = creds_read_credential(cfg->credential, &secret, &path, e);
	if (rc == 1)
		buf_printf(notes, _("; no systemd credential %s"),
		    cfg->credential);
	if (rc != 0)
		return rc;
	rc = fill_from_cfg(cfg, c, secret, cfg->user, path, e);
	if (rc == 0)
		c->source = xasprintf(_("%s from systemd credential %s"),
		    kind(c->oauth), path);
	free(path);
	return rc;
}

static int
from_command(const struct creds_config *cfg, struct creds *c, struct err *e)
{
	char *secret;

	if (cfg->command == NULL)
		return 1;
	if (creds_run_command(cfg->command, cfg->command_timeout_ms, &secret,
	        e) < 0)
		return -1;
	if (fill_from_cfg(cfg, c, secret, cfg->user, _("the password command"),
	        e) < 0)
		return -1;
	c->source =
	    xasprintf(_("%s from the password command"), kind(c->oauth));
	return 0;
}

static int
from_keyring(const struct creds_config *cfg, const char *host, struct creds *c,
    struct buf *notes, struct err *e)
{
	char *secret = NULL, *user = NULL;
	struct err ke;
	int rc;

	err_clear(&ke);
	rc =
	    secret_keyring_lookup(host, "smtp", cfg->user, &user, &secret, &ke);
	if (rc == SECRET_UNAVAILABLE)
		buf_printf(notes, "; %s", ke.msg);
	else if (rc == SECRET_NOT_FOUND && cfg->user)
		buf_printf(notes,
		    _("; no keyring item for host %s, service smtp, "
		      "user %s"),
		    host, cfg->user);
	else if (rc == SECRET_NOT_FOUND)
		buf_printf(notes,
		    _("; no keyring item for host %s, service smtp"), host);
	if (rc == SECRET_UNAVAILABLE || rc == SECRET_NOT_FOUND)
		return 1;
	if (rc < 0) {
		*e = ke;
		return -1;
	}
	rc = fill_from_cfg(cfg, c, secret, cfg->user ? cfg->user : user,
	    _("the keyring"), e);
	free(user);
	if (rc == 0)
		c->source = xasprintf(_("%s from the Secret Service keyring"),
		    kind(c->oauth));
	return rc;
}

int
creds_get(const struct creds_config *cfg, const char *host, unsigned port,
    struct creds *c, struct err *e)
{
	struct buf notes = BUF_INIT;
	size_t i;
	int rc = 1;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < cfg->norder && rc == 1; i++) {
		switch (cfg->order[i]) {
		case CREDS_CREDENTIAL:
			rc = from_credential(cfg, c, &notes, e);
			break;
		case CREDS_AUTHINFO:
			rc = from_authinfo(cfg, host, port, c, &notes, e);
			break;
		case CREDS_COMMAND:
			rc = from_command(cfg, c, e);
			break;
		case CREDS_KEYRING:
			rc = from_keyring(cfg, host, c, &notes, e);
			break;
		default:
			break;
		}
	}
	if (rc != 0)
		creds_free(c);
	if (rc == 1)
		err_set(e, EX_CONFIG, _("no SMTP credentials found for %s: %s"),
		    host,
		    notes.len > 2 ? buf_cstr(&notes) + 2 :
		                    _("no credential source is set up"));
	buf_free(&notes);
	return rc;
}

/* ---- credentials looked up ahead (relayq-flush --all-users) ------------- */

int
creds_prefetch(const struct creds_config *cfg,
    const struct smarthost_list *hosts, struct creds_set *cs, struct err *e)
{
	struct err le;
	size_t i;
	int r;

	memset(cs, 0, sizeof(*cs));
	if (hosts->n == 0)
		return 0;
	cs->v = xcalloc(hosts->n, sizeof(*cs->v));
	for (i = 0; i < hosts->n; i++) {
		struct creds_entry *ce = &cs->v[cs->n++];

		ce->host = xstrdup(hosts->v[i].host);
		ce->port = hosts->v[i].port;
		r = creds_get(cfg, ce->host, ce->port, &ce->cr, &le);
		if (r < 0) {
			err_set(e, le.code, "%s", le.msg);
			creds_set_free(cs);
			return -1;
		}
		ce->found = r == 0;
		if (r == 1)
			ce->why = xstrdup(le.msg);
	}
	return 0;
}

int
creds_set_lookup(const struct creds_set *cs, const char *host, unsigned port,
    const struct creds **out, struct err *e)
{
	size_t i;

	for (i = 0; i < cs->n; i++) {
		if (strcmp(cs->v[i].host, host) != 0 || cs->v[i].port != port)
			continue;
		if (!cs->v[i].found) {
			err_set(e, EX_CONFIG, "%s",
			    cs->v[i].why ? cs->v[i].why : "");
			return 1;
		}
		*out = &cs->v[i].cr;
		return 0;
	}
	err_set(e, EX_CONFIG, _("no credentials were looked up for %s:%u"),
	    host, port);
	return 1;
}

void
creds_set_free(struct creds_set *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++) {
		free(cs->v[i].host);
		creds_free(&cs->v[i].cr);
		free(cs->v[i].why);
	}
	free(cs->v);
	memset(cs, 0, sizeof(*cs));
}

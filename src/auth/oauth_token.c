/* oauth_token.c — the OAuth2 token file (see oauth_token.h). */
#include "config.h"

#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "auth/authinfo.h"
#include "auth/oauth_token.h"
#include "lib/buf.h"
#include "lib/durable.h"
#include "lib/i18n.h"
#include "lib/xalloc.h"

static int
parse_time(const char *v, time_t *out)
{
	char *end;
	long long n;

	if (*v < '0' || *v > '9')
		return -1;
	n = strtoll(v, &end, 10);
	if (*end != '\0' || n < 0)
		return -1;
	*out = (time_t)n;
	return 0;
}

/* A token value: printable ASCII, no spaces (RFC 6749 appendix A.12). */
static int
valid_token(const char *v)
{
	const unsigned char *p;

	if (*v == '\0')
		return 0;
	for (p = (const unsigned char *)v; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return 0;
	return 1;
}

int
oauth_tokens_parse(struct oauth_tokens *t, const char *path, const char *text,
    size_t len, struct err *e)
{
	struct buf line = BUF_SECRET_INIT;
	unsigned lineno = 0;
	size_t i = 0, n;
	int version = 0;

	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		char *key, *val;

		n = nl ? (size_t)(nl - (text + i)) : len - i;
		lineno++;
		buf_reset(&line);
		buf_add(&line, text + i, n);
		key = (char *)buf_cstr(&line);
		i += n + (nl != NULL);
		if (line.len > 0 && key[line.len - 1] == '\r')
			key[--line.len] = '\0';
		if (*key == '#' || *key == '\0')
			continue;
		val = strchr(key, ' ');
		if (val == NULL)
			goto bad;
		*val++ = '\0';
		if (strcmp(key, "version") == 0) {
			if (strcmp(val, "1") != 0) {
				err_set(e, EX_CONFIG,
				    _("%s line %u: unknown version %s; "
				      "it was written by a newer relayq"),
				    path, lineno, val);
				goto fail;
			}
			version = 1;
		} else if (strcmp(key, "refresh_token") == 0 &&
		    valid_token(val)) {
			wipe_free(t->refresh);
			t->refresh = xstrdup(val);
		} else if (strcmp(key, "access_token") == 0 &&
		    valid_token(val)) {
			wipe_free(t->access);
			t->access = xstrdup(val);
		} else if (strcmp(key, "expires") == 0) {
			if (parse_time(val, &t->expires) < 0)
				goto bad;
		} else if (strcmp(key, "refreshed") == 0) {
			if (parse_time(val, &t->refreshed) < 0)
				goto bad;
		} else if (strcmp(key, "refused") == 0) {
			if (parse_time(val, &t->refused) < 0)
				goto bad;
		} else {
			goto bad;
		}
	}
	if (!version) {
		err_set(e, EX_CONFIG,
		    _("%s has no \"version 1\" line; it is not a "
		      "relayq token file (run relayq oauth setup again)"),
		    path);
		goto fail;
	}
	buf_free(&line);
	return 0;
bad:
	/* The line may hold a token: name it by number only. */
	err_set(e, EX_CONFIG,
	    _("%s line %u is not understood; run relayq oauth "
	      "setup again to rewrite the file"),
	    path, lineno);
fail:
	buf_free(&line);
	oauth_tokens_free(t);
	return -1;
}

int
oauth_tokens_load(struct oauth_tokens *t, const char *path, uid_t owner,
    struct err *e)
{
	struct buf b = BUF_SECRET_INIT;
	int rc;

	rc = authinfo_read_private(path, owner, &b, e);
	if (rc == 0)
		rc =
		    oauth_tokens_parse(t, path, b.data ? b.data : "", b.len, e);
	buf_free(&b);
	return rc;
}

int
oauth_tokens_save(const char *path, const struct oauth_tokens *t, struct err *e)
{
	struct buf b = BUF_SECRET_INIT;
	int rc;

	buf_adds(&b,
	    "# relayq OAuth2 tokens: secret, mode 600; written by "
	    "relayq-flush\nversion 1\n");
	if (t->refresh != NULL)
		buf_printf(&b, "refresh_token %s\n", t->refresh);
	if (t->access != NULL)
		buf_printf(&b, "access_token %s\n", t->access);
	if (t->expires != 0)
		buf_printf(&b, "expires %lld\n", (long long)t->expires);
	if (t->refreshed != 0)
		buf_printf(&b, "refreshed %lld\n", (long long)t->refreshed);
	if (t->refused != 0)
		buf_printf(&b, "refused %lld\n", (long long)t->refused);
	rc = durable_write_file(NULL, path, b.data, b.len, 0600, e);
	buf_free(&b);
	return rc;
}

int
oauth_tokens_stale(const struct oauth_tokens *t, time_t now, int margin)
{
	return t->access == NULL || t->expires == 0 ||
	    t->expires - margin <= now;
}

void
oauth_tokens_free(struct oauth_tokens *t)
{
	wipe_free(t->refresh);
	wipe_free(t->access);
	memset(t, 0, sizeof(*t));
}

int
oauth_tokens_lock(const char *path, struct err *e)
{
	char *lock = xasprintf("%s.lock", path);
	int fd, r;

	fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		err_sys(e, EX_CANTCREAT, errno,
		    _("cannot open the OAuth2 token "
		      "lock %s; the token file's directory must be writable by "
		      "relayq-flush"),
		    lock);
		free(lock);
		return -1;
	}
	while ((r = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
		;
	if (r < 0) {
		err_sys(e, EX_OSERR, errno, _("cannot lock %s"), lock);
		close(fd);
		fd = -1;
	}
	free(lock);
	return fd;
}

char *
oauth_token_default_path(const char *queue_dir)
{
	return xasprintf("%s/oauth-token", queue_dir);
}

const char *
oauth_provider_endpoint(enum conf_oauth_provider provider)
{
	switch (provider) {
	case CONF_OAUTH_GOOGLE:
		return "https://oauth2.googleapis.com/token";
	case CONF_OAUTH_MICROSOFT:
		return "https://login.microsoftonline.com/common/oauth2/v2.0/token";
	default:
		return NULL;
	}
}

const char *
oauth_provider_scope(enum conf_oauth_provider provider)
{
	switch (provider) {
	case CONF_OAUTH_GOOGLE:
		return "https://mail.google.com/";
	case CONF_OAUTH_MICROSOFT:
		return "https://outlook.office.com/SMTP.Send offline_access";
	default:
		return NULL;
	}
}

const char *
oauth_provider_device_endpoint(enum conf_oauth_provider provider)
{
	return provider == CONF_OAUTH_MICROSOFT ?
	    "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode" :
	    NULL;
}

const char *
oauth_provider_auth_endpoint(enum conf_oauth_provider provider)
{
	switch (provider) {
	case CONF_OAUTH_GOOGLE:
		return "https://accounts.google.com/o/oauth2/v2/auth";
	case CONF_OAUTH_MICROSOFT:
		return "https://login.microsoftonline.com/common/oauth2/v2.0/authorize";
	default:
		return NULL;
	}
}

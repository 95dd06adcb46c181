/* authinfo.c — sendmail-style authinfo text files (see authinfo.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "auth/authinfo.h"
#include "auth/oauth.h"
#include "lib/buf.h"
#include "lib/i18n.h"
#include "lib/xalloc.h"

#define AUTHINFO_MAX_SIZE (1024 * 1024)

/* One line being parsed: where we are and what to call it in messages. */
struct line {
	const char *p, *end;
	const char *path;
	unsigned no;
};

static int
lerr(const struct line *l, struct err *e, const char *what)
{
	return err_set(e, EX_CONFIG, _("%s line %u: %s"), l->path, l->no, what);
}

static void
entry_free(struct authinfo_entry *en)
{
	free(en->host);
	free(en->login);
	free(en->authzid);
	wipe_free(en->secret);
	free(en->realm);
	free(en->mechs);
	memset(en, 0, sizeof(*en));
}

void
authinfo_free(struct authinfo *ai)
{
	size_t i;

	for (i = 0; i < ai->n; i++)
		entry_free(&ai->v[i]);
	free(ai->v);
	free(ai->path);
	ai->v = NULL;
	ai->n = 0;
	ai->path = NULL;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t';
}

static int
parse_port(const char *s, size_t n, unsigned *port)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

/* "AuthInfo:KEY": KEY is "", host, host:port, [host] or [host]:port. */
static int
parse_key(struct line *l, struct authinfo_entry *en, struct err *e)
{
	const char *k, *hend, *rest;
	size_t i;

	if (l->end - l->p < 9 || strncasecmp(l->p, "AuthInfo:", 9) != 0)
		return lerr(l, e, _("an entry must start with \"AuthInfo:\""));
	k = l->p + 9;
	for (l->p = k; l->p < l->end && !is_space(*l->p); l->p++)
		;
	if (k == l->p)
		return 0; /* the default entry */
	if (*k == '[') {
		k++;
		hend = memchr(k, ']', (size_t)(l->p - k));
		if (hend == NULL)
			return lerr(l, e,
			    _("missing \"]\" after the host name"));
		rest = hend + 1;
	} else {
		hend = memchr(k, ':', (size_t)(l->p - k));
		if (hend == NULL)
			hend = l->p;
		rest = hend;
	}
	if (hend == k)
		return lerr(l, e, _("empty host name"));
	if (rest < l->p &&
	    (*rest != ':' ||
	        parse_port(rest + 1, (size_t)(l->p - rest - 1), &en->port) < 0))
		return lerr(l, e,
		    _("the port after the host name must be a number from 1 to 65535"));
	en->host = xstrndup(k, (size_t)(hend - k));
	for (i = 0; en->host[i]; i++)
		if (en->host[i] >= 'A' && en->host[i] <= 'Z')
			en->host[i] = (char)(en->host[i] - 'A' + 'a');
	return 0;
}

/* Reads the next item into tok (emptied first).  Returns 1 for an item,
 * 0 at the end of the line (or a comment), -1 on error. */
static int
next_item(struct line *l, struct buf *tok, struct err *e)
{
	buf_reset(tok);
	while (l->p < l->end && is_space(*l->p))
		l->p++;
	if (l->p == l->end || *l->p == '#')
		return 0;
	if (*l->p != '"') {
		while (l->p < l->end && !is_space(*l->p))
			buf_addc(tok, *l->p++);
		return 1;
	}
	for (l->p++; l->p < l->end && *l->p != '"'; l->p++) {
		if (*l->p == '\\' && l->p + 1 < l->end &&
		    (l->p[1] == '"' || l->p[1] == '\\'))
			l->p++;
		buf_addc(tok, *l->p);
	}
	if (l->p == l->end)
		return lerr(l, e, _("a quoted item has no closing quote"));
	l->p++;
	if (l->p < l->end && !is_space(*l->p))
		return lerr(l, e, _("items must be separated by spaces"));
	return 1;
}

static int
set_mechs(struct line *l, struct authinfo_entry *en, const char *v,
    struct err *e)
{
	char *m = xstrdup(v), *w, *save = NULL;
	int oauth = 0, other = 0;
	struct buf out = BUF_INIT;

	for (w = m; *w; w++) {
		if (*w >= 'a' && *w <= 'z')
			*w = (char)(*w - 'a' + 'A');
		else if (*w == ',' || *w == '\t')
			*w = ' ';
	}
	for (w = strtok_r(m, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (strcmp(w, "XOAUTH2") == 0 || strcmp(w, "OAUTHBEARER") == 0)
			oauth = 1;
		else
			other = 1;
		if (out.len)
			buf_addc(&out, ' ');
		buf_adds(&out, w);
	}
	free(m);
	if (out.len == 0)
		return lerr(l, e, _("M: names no mechanism"));
	if (oauth && other) {
		buf_free(&out);
		return lerr(l, e,
		    _("M: mixes OAuth2 mechanisms (XOAUTH2, OAUTHBEARER) "
		      "with password mechanisms; use separate entries or files"));
	}
	en->mechs = buf_steal(&out);
	en->oauth = oauth;
	return 0;
}

/* Stores one "X:value" (or "P=base64") item. */
static int
set_item(struct line *l, struct authinfo_entry *en, char **user, char **id,
    const char *t, size_t len, struct err *e)
{
	char **slot;
	unsigned char *raw;
	size_t rawlen;

	if (len < 2 || (t[1] != ':' && !(t[1] == '=' && t[0] == 'P')))
		return lerr(l, e,
		    _("an item is not of the form \"X:value\" "
		      "(X one of U, I, P, R, M)"));
	switch (t[0]) {
	case 'U':
		slot = user;
		break;
	case 'I':
		slot = id;
		break;
	case 'P':
		slot = &en->secret;
		break;
	case 'R':
		slot = &en->realm;
		break;
	case 'M':
		if (en->mechs != NULL)
			return lerr(l, e, _("item M: is given twice"));
		return set_mechs(l, en, t + 2, e);
	default:
		return lerr(l, e, _("unknown item; use U:, I:, P:, R: or M:"));
	}
	if (*slot != NULL)
		return err_set(e, EX_CONFIG,
		    _("%s line %u: item %c: is given twice"), l->path, l->no,
		    t[0]);
	if (t[1] == ':') {
		*slot = xstrndup(t + 2, len - 2);
		return 0;
	}
	raw = oauth_b64decode(t + 2, &rawlen);
	if (raw == NULL || rawlen == 0 || memchr(raw, '\0', rawlen) != NULL) {
		if (raw) {
			wipe(raw, rawlen);
			free(raw);
		}
		return lerr(l, e, _("the P= value is not valid base64 text"));
	}
	*slot = (char *)raw;
	return 0;
}

static int
parse_items(struct line *l, struct authinfo_entry *en, struct err *e)
{
	struct buf tok = BUF_SECRET_INIT;
	char *user = NULL, *id = NULL;
	int r, rc = -1;

	while ((r = next_item(l, &tok, e)) == 1)
		if (set_item(l, en, &user, &id, buf_cstr(&tok), tok.len, e) < 0)
			goto fail;
	if (r < 0)
		goto fail;
	if (user == NULL && id == NULL) {
		lerr(l, e, _("no user name (U: or I:)"));
		goto fail;
	}
	if (en->secret == NULL || *en->secret == '\0') {
		lerr(l, e, _("no password (P:)"));
		goto fail;
	}
	en->login = id ? id : user;
	if (id && user && strcmp(id, user) != 0)
		en->authzid = user;
	else if (id)
		free(user);
	user = id = NULL;
	rc = 0;
fail:
	if (tok.data)
		wipe(tok.data, tok.cap);
	buf_free(&tok);
	free(user);
	free(id);
	return rc;
}

static const struct authinfo_entry *
find_exact(const struct authinfo *ai, const char *host, unsigned port)
{
	size_t i;

	for (i = 0; i < ai->n; i++) {
		const struct authinfo_entry *en = &ai->v[i];

		if (en->port != port)
			continue;
		if (host == NULL ?
		        en->host == NULL :
		        (en->host != NULL && strcasecmp(en->host, host) == 0))
			return en;
	}
	return NULL;
}

static int
parse_line(struct authinfo *ai, struct line *l, struct err *e)
{
	struct authinfo_entry en;
	const struct authinfo_entry *dup;

	memset(&en, 0, sizeof(en));
	en.line = l->no;
	if (parse_key(l, &en, e) < 0 || parse_items(l, &en, e) < 0)
		goto fail;
	dup = find_exact(ai, en.host, en.port);
	if (dup != NULL) {
		err_set(e, EX_CONFIG,
		    _("%s line %u: a second entry for the same "
		      "host and port (the first is on line %u)"),
		    l->path, l->no, dup->line);
		goto fail;
	}
	ai->v = xreallocarray(ai->v, ai->n + 1, sizeof(*ai->v));
	ai->v[ai->n++] = en;
	return 0;
fail:
	entry_free(&en);
	return -1;
}

int
authinfo_parse(struct authinfo *ai, const char *path, const char *text,
    size_t len, struct err *e)
{
	const char *p = text, *end = text + len, *nl;
	struct line l;

	l.path = path;
	l.no = 0;
	ai->path = xstrdup(path);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		l.end = nl ? nl : end;
		l.no++;
		if (l.end > p && l.end[-1] == '\r')
			l.end--;
		for (l.p = p; l.p < l.end && is_space(*l.p); l.p++)
			;
		if (l.p < l.end && *l.p != '#' && parse_line(ai, &l, e) < 0) {
			authinfo_free(ai);
			return -1;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

const struct authinfo_entry *
authinfo_find(const struct authinfo *ai, const char *host, unsigned port)
{
	const struct authinfo_entry *en = NULL;

	if (host != NULL && port != 0)
		en = find_exact(ai, host, port);
	if (en == NULL && host != NULL)
		en = find_exact(ai, host, 0);
	if (en == NULL)
		en = find_exact(ai, NULL, 0);
	return en;
}

int
authinfo_check_stat(const char *path, const struct stat *st, uid_t owner,
    struct err *e)
{
	if (!S_ISREG(st->st_mode))
		return err_set(e, EX_CONFIG,
		    _("%s is not a regular file; "
		      "credentials must be in a plain file"),
		    path);
	if (st->st_uid != owner)
		return err_set(e, EX_CONFIG,
		    _("%s is owned by uid %lu, but "
		      "credentials must be owned by uid %lu; fix it with: chown %lu %s"),
		    path, (unsigned long)st->st_uid, (unsigned long)owner,
		    (unsigned long)owner, path);
	if (st->st_mode & 077)
		return err_set(e, EX_CONFIG,
		    _("%s is accessible by group or others "
		      "(mode %04o); fix it with: chmod 600 %s"),
		    path, (unsigned)(st->st_mode & 07777), path);
	return 0;
}

/* Reads all of fd into b (at most AUTHINFO_MAX_SIZE). */
static int
read_all(int fd, const char *path, struct buf *b, struct err *e)
{
	char chunk[4096];
	ssize_t n;
	int rc = -1;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_sys(e, EX_IOERR, errno, _("cannot read %s"), path);
			goto fail;
		}
		if (n == 0)
			break;
		if (b->len + (size_t)n > AUTHINFO_MAX_SIZE) {
			err_set(e, EX_CONFIG,
			    _("%s is larger than 1 MiB; "
			      "is it really the right file?"),
			    path);
			goto fail;
		}
		buf_add(b, chunk, (size_t)n);
	}
	rc = 0;
fail:
	wipe(chunk, sizeof(chunk));
	return rc;
}

int
authinfo_read_private(const char *path, uid_t owner, struct buf *b,
    struct err *e)
{
	struct stat st;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0 && errno == ELOOP)
		return err_set(e, EX_CONFIG,
		    _("%s is a symbolic link; name the "
		      "file itself"),
		    path);
	if (fd < 0)
		return err_sys(e, EX_NOINPUT, errno, _("cannot open %s"), path);
	if (fstat(fd, &st) < 0) {
		err_sys(e, EX_IOERR, errno, _("cannot read %s"), path);
		goto fail;
	}
	if (authinfo_check_stat(path, &st, owner, e) < 0 ||
	    read_all(fd, path, b, e) < 0)
		goto fail;
	rc = 0;
fail:
	close(fd);
	return rc;
}

int
authinfo_load(struct authinfo *ai, const char *path, uid_t owner, struct err *e)
{
	struct buf b = BUF_SECRET_INIT;
	int rc;

	rc = authinfo_read_private(path, owner, &b, e);
	if (rc == 0)
		rc = authinfo_parse(ai, path, b.data ? b.data : "", b.len, e);
	buf_free(&b);
	return rc;
}

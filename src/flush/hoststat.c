/* hoststat.c — per-endpoint contact state (see hoststat.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "flush/hoststat.h"
#include "lib/durable.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/record.h"
#include "lib/xalloc.h"
#include "smtp/result.h"

#define MAGIC "relayq-hoststat"

static const char *const status_words[] = { "ok", "temp", "perm", NULL };

void
hoststat_free(struct hoststat *h)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		free(h->v[i].endpoint);
		free(h->v[i].status);
		free(h->v[i].text);
	}
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}

void
hoststat_set(struct hoststat *h, const char *endpoint, time_t when,
    const char *status, const char *text)
{
	struct hoststat_entry *en;
	size_t i;
	int c = 1;

	for (i = 0; i < h->n && (c = strcmp(h->v[i].endpoint, endpoint)) < 0;
	     i++)
		;
	if (i < h->n && c == 0) {
		en = &h->v[i];
		free(en->status);
		free(en->text);
	} else {
		if (h->n == h->cap) {
			h->cap = h->cap ? h->cap * 2 : 4;
			h->v = xreallocarray(h->v, h->cap, sizeof(*h->v));
		}
		memmove(&h->v[i + 1], &h->v[i], (h->n - i) * sizeof(*h->v));
		h->n++;
		en = &h->v[i];
		en->endpoint = xstrdup(endpoint);
	}
	en->when = when;
	en->status = xstrdup(status);
	en->text = xstrdup(text ? text : "");
}

void
hoststat_merge(struct hoststat *h, const struct hoststat *from)
{
	size_t i, j;

	for (i = 0; i < from->n; i++) {
		const struct hoststat_entry *f = &from->v[i];

		for (j = 0; j < h->n; j++)
			if (strcmp(h->v[j].endpoint, f->endpoint) == 0)
				break;
		if (j < h->n && h->v[j].when > f->when)
			continue;
		hoststat_set(h, f->endpoint, f->when, f->status, f->text);
	}
}

void
hoststat_format(const struct hoststat *h, struct buf *out)
{
	size_t i;

	record_begin(out, MAGIC, HOSTSTAT_VERSION);
	for (i = 0; i < h->n; i++) {
		buf_adds(out, "host ");
		record_escape(out, h->v[i].endpoint, strlen(h->v[i].endpoint));
		buf_printf(out, " %lld %s ", (long long)h->v[i].when,
		    h->v[i].status);
		record_escape(out, h->v[i].text, strlen(h->v[i].text));
		buf_addc(out, '\n');
	}
	record_end(out);
}

static int
valid_status(const char *s)
{
	size_t i;

	for (i = 0; status_words[i]; i++)
		if (strcmp(s, status_words[i]) == 0)
			return 1;
	return 0;
}

/* Cuts the blank-terminated field at *p; *p moves past the blank.  NULL
 * when there is no blank. */
static char *
cut_field(char **p)
{
	char *f = *p, *blank = strchr(f, ' ');

	if (blank == NULL)
		return NULL;
	*blank = '\0';
	*p = blank + 1;
	return f;
}

/* "host EP WHEN STATUS TEXT" (line NUL-terminated, no newline). */
static int
parse_host(struct hoststat *h, char *line)
{
	char *ep = NULL, *text = NULL, *reply = NULL, *p = line + 5, *ep_f,
	     *when_f;
	char *status, *end;
	long long when;
	int rc = -1;

	if ((ep_f = cut_field(&p)) == NULL ||
	    (when_f = cut_field(&p)) == NULL ||
	    (status = cut_field(&p)) == NULL)
		return -1;
	if (*ep_f == '\0' || *when_f < '0' || *when_f > '9' ||
	    !valid_status(status))
		return -1;
	errno = 0;
	when = strtoll(when_f, &end, 10);
	if (errno || *end != '\0' || when < 0)
		return -1;
	if (record_unescape(ep_f, strlen(ep_f), &ep) < 0 ||
	    record_unescape(p, strlen(p), &text) < 0 ||
	    strchr(ep, ' ') != NULL || h->n >= HOSTSTAT_MAX)
		goto done;
	/* a reply as any version stored it (result_stored_reply) */
	reply = xmalloc(strlen(text) + 1);
	result_stored_reply(text, reply, strlen(text) + 1);
	hoststat_set(h, ep, (time_t)when, status, reply);
	rc = 0;
done:
	free(ep);
	free(text);
	free(reply);
	return rc;
}

int
hoststat_parse(struct hoststat *h, const char *p, size_t len, struct err *e)
{
	struct record_reader rd;
	unsigned long long v = 0;
	char *line;
	int rc;

	if (len > HOSTSTAT_FILE_MAX)
		return err_set(e, EX_DATAERR, _("larger than %d bytes"),
		    HOSTSTAT_FILE_MAX);
	rc = record_open(&rd, p, len, 0, MAGIC, &v, e);
	if (rc == RECORD_BAD_MAGIC || rc == RECORD_BAD_VERSION ||
	    (rc == 0 && v != HOSTSTAT_VERSION))
		rc = err_set(e, EX_DATAERR,
		    _("line %u: not a relayq hoststat file "
		      "(version 1)"),
		    1u);
	while (rc >= 0 && (rc = record_next(&rd, &line, e)) == 1)
		if (strncmp(line, "host ", 5) != 0 || parse_host(h, line) < 0)
			rc = err_set(e, EX_DATAERR, _("line %u: malformed"),
			    rd.line);
	record_close(&rd);
	return rc < 0 ? -1 : 0;
}

void
hoststat_table(const struct hoststat *h, struct buf *out)
{
	char date[32], ep[256], text[1024];
	struct tm tm;
	size_t i;

	if (h->n == 0) {
		buf_adds(out, _("no host status recorded\n"));
		return;
	}
	buf_printf(out, "%-40s %-19s %-6s %s\n", _("Endpoint"),
	    _("Last contact"), _("Status"), _("Reply"));
	for (i = 0; i < h->n; i++) {
		if (localtime_r(&h->v[i].when, &tm) == NULL ||
		    strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm) == 0)
			strcpy(date, "?");
		/* The file is in the user's hands: no raw control bytes (an
		 * escape sequence, a CR) reach the terminal. */
		log_sanitize_utf8(ep, sizeof(ep), h->v[i].endpoint,
		    strlen(h->v[i].endpoint));
		log_sanitize_utf8(text, sizeof(text), h->v[i].text,
		    strlen(h->v[i].text));
		buf_printf(out, "%-40s %-19s %-6s %s\n", ep, date,
		    h->v[i].status, text);
	}
}

char *
hoststat_path(const char *queue_dir)
{
	return xasprintf("%s/hoststat", queue_dir);
}

int
hoststat_load(const char *path, struct hoststat *h, struct err *e)
{
	struct buf b = BUF_INIT;
	char chunk[8192];
	ssize_t n;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return err_sys(e, EX_IOERR, errno, _("cannot read %s"), path);
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		buf_add(&b, chunk, (size_t)n);
		if (b.len > HOSTSTAT_FILE_MAX)
			break;
	}
	if (n < 0) {
		err_sys(e, EX_IOERR, errno, _("cannot read %s"), path);
		goto done;
	}
	if (hoststat_parse(h, b.data ? b.data : "", b.len, e) < 0) {
		err_wrap(e, "%s", path);
		goto done;
	}
	rc = 0;
done:
	close(fd);
	buf_free(&b);
	return rc;
}

int
hoststat_save(const char *tmpdir, const char *path, const struct hoststat *h,
    struct err *e)
{
	struct buf b = BUF_INIT;
	int rc;

	hoststat_format(h, &b);
	rc = durable_write_file(tmpdir, path, b.data, b.len, 0600, e);
	buf_free(&b);
	return rc;
}

int
hoststat_purge(const char *path, int *existed, struct err *e)
{
	char *dir;
	int rc;

	*existed = 0;
	if (unlink(path) < 0) {
		if (errno == ENOENT)
			return 0;
		return durable_err(e, errno, _("cannot remove"), path);
	}
	*existed = 1;
	dir = durable_dirname(path);
	rc = durable_fsync_dir(dir, e);
	free(dir);
	return rc;
}

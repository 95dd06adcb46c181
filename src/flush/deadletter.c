/* deadletter.c — appending undeliverable notices to ~/dead.letter (see
 * deadletter.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "flush/deadletter.h"
#include "lib/durable.h"
#include "lib/i18n.h"
#include "lib/xalloc.h"

static const char from_word[] = "From ";

void
deadletter_quote_init(struct deadletter_quote *q)
{
	q->in_prefix = 1;
	q->ngt = 0;
	q->nfrom = 0;
	q->last = -1;
}

static void
emit(struct deadletter_quote *q, struct buf *out, const char *p, size_t n)
{
	if (n == 0)
		return;
	buf_add(out, p, n);
	q->last = (unsigned char)p[n - 1];
}

/* Writes the held prefix ('>' * ngt, then the matched part of "From "). */
static void
flush_prefix(struct deadletter_quote *q, struct buf *out)
{
	size_t i;

	for (i = 0; i < q->ngt; i++)
		emit(q, out, ">", 1);
	emit(q, out, from_word, q->nfrom);
	q->in_prefix = 0;
	q->ngt = q->nfrom = 0;
}

void
deadletter_quote(struct deadletter_quote *q, const char *p, size_t n,
    struct buf *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = p[i];

		if (q->in_prefix) {
			if (q->nfrom == 0 && c == '>') {
				q->ngt++;
				continue;
			}
			if (c == from_word[q->nfrom]) {
				if (++q->nfrom == sizeof(from_word) - 1) {
					emit(q, out, ">", 1);
					flush_prefix(q, out);
				}
				continue;
			}
			flush_prefix(q, out);
		}
		emit(q, out, &c, 1);
		if (c == '\n')
			q->in_prefix = 1;
	}
}

void
deadletter_quote_end(struct deadletter_quote *q, struct buf *out)
{
	if (q->in_prefix && (q->ngt > 0 || q->nfrom > 0))
		flush_prefix(q, out);
	if (q->last != -1 && q->last != '\n')
		emit(q, out, "\n", 1);
	emit(q, out, "\n", 1);
	q->in_prefix = 1;
}

void
deadletter_from_line(const char *sender, time_t t, struct buf *out)
{
	struct tm tm;
	char date[64];

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm) == 0)
		strcpy(date, "Thu Jan  1 00:00:00 1970");
	buf_printf(out, "From %s %s\n",
	    sender && *sender ? sender : "MAILER-DAEMON", date);
}

int
deadletter_local_address(const char *addr)
{
	const char *at = strrchr(addr, '@');

	if (at == NULL)
		return 1;
	return strcasecmp(at + 1, "localhost") == 0 ||
	    strcasecmp(at + 1, "localhost.localdomain") == 0;
}

char *
deadletter_path(struct err *e)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home == NULL || home[0] != '/') {
		pw = getpwuid(getuid());
		home = pw != NULL ? pw->pw_dir : NULL;
	}
	if (home == NULL || home[0] != '/') {
		err_set(e, EX_CANTCREAT,
		    _("cannot find your home directory for "
		      "dead.letter; set HOME"));
		return NULL;
	}
	return xasprintf("%s%sdead.letter", home,
	    home[strlen(home) - 1] == '/' ? "" : "/");
}

/* Opens path for appending and checks what it is. */
static int
open_mbox(const char *path, off_t *size, struct err *e)
{
	struct stat st;
	int fd;

	fd = open(path,
	    O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
	    0600);
	if (fd < 0)
		return durable_err(e, errno, _("cannot open"), path);
	if (flock(fd, LOCK_EX) < 0 || fstat(fd, &st) < 0) {
		durable_err(e, errno, _("cannot lock"), path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		err_set(e, EX_CANTCREAT,
		    _("%s is not a regular file owned by you; "
		      "move it away"),
		    path);
		goto fail;
	}
	*size = st.st_size;
	return fd;
fail:
	close(fd);
	return -1;
}

static int
copy_quoted(int fd, const char *path, int src_fd, const char *src_name,
    struct buf *out, struct err *e)
{
	struct deadletter_quote q;
	char chunk[65536];
	ssize_t n;

	deadletter_quote_init(&q);
	for (;;) {
		n = read(src_fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(e, EX_IOERR, errno, _("cannot read %s"),
			    src_name);
		if (n == 0)
			break;
		deadletter_quote(&q, chunk, (size_t)n, out);
		if (durable_write_all(fd, out->data, out->len, path, e) < 0)
			return -1;
		buf_reset(out);
	}
	deadletter_quote_end(&q, out);
	return durable_write_all(fd, out->data, out->len, path, e);
}

int
deadletter_append(const char *path, const char *sender, time_t t, int src_fd,
    const char *src_name, struct err *e)
{
	struct buf out = BUF_INIT;
	off_t size = 0;
	int fd, rc = -1;

	if ((fd = open_mbox(path, &size, e)) < 0)
		return -1;
	deadletter_from_line(sender, t, &out);
	if (durable_write_all(fd, out.data, out.len, path, e) < 0)
		goto fail;
	buf_reset(&out);
	if (copy_quoted(fd, path, src_fd, src_name, &out, e) < 0)
		goto fail;
	if (fsync(fd) < 0) {
		durable_err(e, errno, _("cannot write"), path);
		goto fail;
	}
	rc = 0;
fail:
	if (rc < 0 && ftruncate(fd, size) < 0) {
		/* Nothing more to do: the error already names the file. */
	}
	if (close(fd) < 0 && rc == 0)
		rc = durable_err(e, errno, _("cannot write"), path);
	buf_free(&out);
	return rc;
}

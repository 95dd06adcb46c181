/* aliases_file.c — reading /etc/aliases and include files from disk (see
 * aliases.h); the parsing is aliases.c's. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/i18n.h"
#include "rewrite/aliases.h"

static int
read_fd(int fd, const char *path, struct buf *out, struct err *e)
{
	struct stat st;
	char chunk[8192];
	size_t total = 0;
	ssize_t r;

	if (fstat(fd, &st) < 0)
		return err_sys(e, EX_NOINPUT, errno, _("cannot read %s"), path);
	if (!S_ISREG(st.st_mode))
		return err_set(e, EX_CONFIG,
		    _("cannot read %s: not a regular file"), path);
	for (;;) {
		r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_sys(e, EX_NOINPUT, errno,
			    _("cannot read %s"), path);
		if (r == 0)
			return 0;
		total += (size_t)r;
		if (total > ALIASES_FILE_MAX)
			return err_set(e, EX_CONFIG,
			    _("cannot read %s: larger than %u bytes"), path,
			    ALIASES_FILE_MAX);
		buf_add(out, chunk, (size_t)r);
	}
}

/* Opens and reads path, appending it to out only when all of it could be
 * read (err.h: a failure leaves out as it was); *missing is set when it
 * does not exist. */
static int
read_path(const char *path, struct buf *out, int *missing, struct err *e)
{
	struct buf b = BUF_INIT;
	int fd, rc;

	*missing = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		*missing = errno == ENOENT;
		return err_sys(e, EX_NOINPUT, errno, _("cannot open %s"), path);
	}
	rc = read_fd(fd, path, &b, e);
	close(fd);
	if (rc == 0 && b.len > 0)
		buf_add(out, b.data, b.len);
	buf_free(&b);
	return rc;
}

int
aliases_read_file(void *arg, const char *path, struct buf *out, struct err *e)
{
	int missing;

	(void)arg;
	return read_path(path, out, &missing, e);
}

int
aliases_load(struct aliases *a, const char *path, struct err *e)
{
	struct buf text = BUF_INIT;
	int missing, rc;

	if (read_path(path, &text, &missing, e) < 0) {
		buf_free(&text);
		if (missing) {
			err_clear(e);
			return 0;
		}
		return err_wrap(e, _("cannot load aliases"));
	}
	rc = aliases_parse(a, path, buf_cstr(&text), text.len,
	    aliases_read_file, NULL, e);
	buf_free(&text);
	return rc;
}

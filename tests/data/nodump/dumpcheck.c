/* dumpcheck.c — an LD_PRELOAD shim for tests/integration/nodump.sh.
 *
 * Whenever the process opens a file whose name ends in $DUMPCHECK_MATCH
 * (the authinfo file that holds the password), it appends one line
 * "uid=U dumpable=D" to $DUMPCHECK_LOG: whether the process was already
 * non-dumpable at the moment it opened the secret.  Built by the test with
 * the system compiler; not part of relayq. */
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

typedef int (*openat_fn)(int, const char *, int, ...);

static openat_fn
real_openat(void)
{
	static openat_fn fn;

	if (fn == NULL)
		fn = (openat_fn)dlsym(RTLD_NEXT, "openat");
	return fn;
}

static void
note(const char *path)
{
	const char *match = getenv("DUMPCHECK_MATCH"), *log = getenv("DUMPCHECK_LOG");
	size_t pl, ml;
	char line[64];
	int fd, n;

	if (match == NULL || log == NULL || path == NULL)
		return;
	pl = strlen(path);
	ml = strlen(match);
	if (pl < ml || strcmp(path + pl - ml, match) != 0)
		return;
	n = snprintf(line, sizeof(line), "uid=%u dumpable=%d\n", (unsigned)getuid(),
	    prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	fd = real_openat()(AT_FDCWD, log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (fd >= 0) {
		(void)write(fd, line, (size_t)n);
		close(fd);
	}
}

static mode_t
mode_arg(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

int
open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t m;

	va_start(ap, flags);
	m = mode_arg(flags, ap);
	va_end(ap);
	note(path);
	return real_openat()(AT_FDCWD, path, flags, m);
}

int
open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t m;

	va_start(ap, flags);
	m = mode_arg(flags, ap);
	va_end(ap);
	note(path);
	return real_openat()(AT_FDCWD, path, flags, m);
}

int
openat(int dir, const char *path, int flags, ...)
{
	va_list ap;
	mode_t m;

	va_start(ap, flags);
	m = mode_arg(flags, ap);
	va_end(ap);
	note(path);
	return real_openat()(dir, path, flags, m);
}

int
openat64(int dir, const char *path, int flags, ...)
{
	va_list ap;
	mode_t m;

	va_start(ap, flags);
	m = mode_arg(flags, ap);
	va_end(ap);
	note(path);
	return real_openat()(dir, path, flags, m);
}

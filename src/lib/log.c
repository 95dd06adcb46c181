/* log.c — log lines to the configured target plus the -v copy on stderr
 * (see log.h and logtarget.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/logtarget.h"
#include "lib/utf8.h"
#include "lib/xalloc.h"

static const char *log_ident = "relayq";
static int log_to_stderr;
static int log_enabled = 1;     /* 0: RELAYQ_NO_SYSLOG (tests) */
static int log_stderr_min = -1; /* also copy prio <= this to stderr */

/* Where lines go, decided once (log_set_target, or the default at the
 * first line). */
static struct {
	int decided;
	struct logtarget use;
	int fd;           /* journal socket, container log or file; -1 */
	char *path;       /* file:PATH's path (owned) */
	char notice[512]; /* the fallback line, written before the first line */
	char fallback[512]; /* the same, kept for log_target_fallback() */
	char why[160];      /* why the configured target was not usable */
} sink = { 0, { LOGTARGET_NONE, NULL }, -1, NULL, "", "", "" };

void
log_open(const char *ident, int verbose)
{
	log_ident = ident;
	log_to_stderr = verbose;
}

void
log_set_verbose(int verbose)
{
	log_to_stderr = verbose;
}

int
log_verbose(void)
{
	return log_to_stderr;
}

void
log_set_stderr_min(int prio)
{
	log_stderr_min = prio;
}

void
log_set_syslog(int enabled)
{
	log_enabled = enabled;
}

/* ---- probing and opening ------------------------------------------------- */

static void
set_why(const char *what, int err)
{
	snprintf(sink.why, sizeof(sink.why), "%s: %s", what, strerror(err));
}

/* A connected datagram (else stream) socket to path, or -1. */
static int
unix_connect(const char *path)
{
	static const int types[] = { SOCK_DGRAM, SOCK_STREAM };
	struct sockaddr_un sa;
	size_t i;
	int fd, err = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	for (i = 0; i < 2; i++) {
		fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		err = errno;
		close(fd);
		if (err != EPROTOTYPE)
			break;
	}
	errno = err;
	return -1;
}

/* PID 1's stderr counts when it is where a container runtime collects
 * output: a pipe, a socket, a file or a pseudo-terminal — not /dev/null
 * or a console. */
static int
open_container_log(void)
{
	struct stat st;
	int fd;

	/* A description of our own: O_NONBLOCK does not reach PID 1, and a
	 * stalled log collector costs a line, never a hung delivery. */
	fd = open(LOGTARGET_CONTAINER_LOG,
	    O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 ||
	    (S_ISCHR(st.st_mode) &&
	        (major(st.st_rdev) < 136 || major(st.st_rdev) > 143))) {
		close(fd);
		errno = ENOTTY;
		return -1;
	}
	return fd;
}

static int
open_file(const char *path)
{
	struct stat st;
	int fd;

	fd = open(path,
	    O_WRONLY | O_APPEND | O_CREAT | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW |
	        O_NONBLOCK,
	    0640);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 ||
	    !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode))) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

/* The real probe: 1 when t can be written, keeping what it opened in
 * sink.fd; else 0 with errno. */
static int
probe_system(const struct logtarget *t, void *arg)
{
	int fd = -1;

	(void)arg;
	switch (t->kind) {
	case LOGTARGET_SYSLOG:
		fd = unix_connect(LOGTARGET_DEVLOG);
		if (fd >= 0) {
			close(fd); /* syslog(3) connects on its own */
			return 1;
		}
		return 0;
	case LOGTARGET_JOURNAL:
		fd = unix_connect(LOGTARGET_JOURNAL_SOCKET);
		break;
	case LOGTARGET_CONTAINER:
		fd = open_container_log();
		break;
	case LOGTARGET_FILE:
		fd = open_file(t->path);
		break;
	case LOGTARGET_STDERR:
		return 1;
	case LOGTARGET_NONE:
		return 0;
	}
	if (fd < 0)
		return 0;
	sink.fd = fd;
	return 1;
}

static logtarget_probe_fn probe_fn = probe_system;

void
log_set_probe(logtarget_probe_fn fn)
{
	probe_fn = fn ? fn : probe_system;
}

/* The probe, noting the first failure's cause (the configured target's)
 * for the fallback line. */
static int
probe_noting(const struct logtarget *t, void *arg)
{
	static const char *const where[] = {
		[LOGTARGET_SYSLOG] = LOGTARGET_DEVLOG,
		[LOGTARGET_JOURNAL] = LOGTARGET_JOURNAL_SOCKET,
		[LOGTARGET_CONTAINER] = LOGTARGET_CONTAINER_LOG,
	};

	errno = 0;
	if (probe_fn(t, arg))
		return 1;
	if (!*sink.why)
		set_why(t->kind == LOGTARGET_FILE ? t->path :
		        t->kind <= LOGTARGET_CONTAINER && where[t->kind] ?
		                                    where[t->kind] :
		                                    "?",
		    errno ? errno : ENOENT);
	return 0;
}

static void
sink_reset(void)
{
	if (sink.fd >= 0)
		close(sink.fd);
	if (sink.use.kind == LOGTARGET_SYSLOG)
		closelog();
	free(sink.path);
	sink.fd = -1;
	sink.path = NULL;
	sink.decided = 0;
	sink.use.kind = LOGTARGET_NONE;
	sink.notice[0] = sink.fallback[0] = sink.why[0] = '\0';
}

static void
decide(const struct logtarget *want, int stderr_ok)
{
	struct logtarget use;
	const char *name;

	sink_reset();
	if (logtarget_decide(want, stderr_ok, probe_noting, NULL, &use)) {
		/* Read by people (relayq check prints it too): translated,
		 * like the reasons in other log lines. */
		name = want->kind == LOGTARGET_FILE ? want->path :
		                                      logtarget_describe(want);
		if (use.kind != LOGTARGET_NONE)
			snprintf(sink.notice, sizeof(sink.notice),
			    _("log_target %s is not usable here (%s); logging "
			      "to %s instead; set log_target in relayq.conf to "
			      "choose"),
			    name, sink.why, logtarget_describe(&use));
		else
			snprintf(sink.notice, sizeof(sink.notice),
			    _("log_target %s is not usable here (%s); nor is "
			      "any fallback (syslog, the journal, the "
			      "container's log): nothing is logged; set "
			      "log_target in relayq.conf to choose"),
			    name, sink.why);
		sink.notice[utf8_whole(sink.notice, strlen(sink.notice))] =
		    '\0';
		memcpy(sink.fallback, sink.notice, sizeof(sink.fallback));
	}
	if (use.kind == LOGTARGET_FILE) {
		sink.path = xstrdup(use.path);
		use.path = sink.path;
	}
	sink.use = use;
	if (use.kind == LOGTARGET_SYSLOG)
		openlog(log_ident, LOG_PID, LOG_MAIL);
	sink.decided = 1;
}

int
log_set_target(const char *value, int stderr_ok, struct err *e)
{
	struct logtarget want;

	if (logtarget_parse(value, &want, e) < 0)
		return -1;
	if (log_enabled)
		decide(&want, stderr_ok);
	return 0;
}

const char *
log_target_used(void)
{
	return logtarget_describe(&sink.use);
}

const char *
log_target_fallback(void)
{
	return sink.fallback[0] ? sink.fallback : NULL;
}

/* ---- writing ------------------------------------------------------------- */

/* "Dec  2 04:17:34 host ident[pid]: line", the form of /var/log/mail.log
 * (English month names whatever the locale: the file is read by tools). */
static void
write_fd_line(int fd, const char *line)
{
	static const char mon[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	char host[256], out[2600];
	struct tm tm;
	time_t now = time(NULL);
	int n;

	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	host[strcspn(host, ".")] = '\0';
	localtime_r(&now, &tm);
	n = snprintf(out, sizeof(out), "%s %2d %02d:%02d:%02d %s %s[%ld]: %s\n",
	    mon[tm.tm_mon % 12], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    host, log_ident, (long)getpid(), line);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(out)) {
		n = sizeof(out) - 1;
		out[n - 1] = '\n';
	}
	/* One write: O_APPEND keeps concurrent runs' lines whole. */
	(void)!write(fd, out, (size_t)n);
}

static void
write_journal(int prio, const char *line)
{
	char out[2600];
	int n;

	n = snprintf(out, sizeof(out),
	    "PRIORITY=%d\nSYSLOG_FACILITY=%d\n"
	    "SYSLOG_IDENTIFIER=%s\nSYSLOG_PID=%ld\nMESSAGE=%s\n",
	    prio, LOG_MAIL >> 3, log_ident, (long)getpid(), line);
	if (n > 0 && (size_t)n < sizeof(out))
		(void)send(sink.fd, out, (size_t)n,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void
emit(int prio, const char *line)
{
	switch (sink.use.kind) {
	case LOGTARGET_SYSLOG:
		syslog(prio, "%s", line);
		break;
	case LOGTARGET_JOURNAL:
		write_journal(prio, line);
		break;
	case LOGTARGET_CONTAINER:
	case LOGTARGET_FILE:
		write_fd_line(sink.fd, line);
		break;
	case LOGTARGET_STDERR:
		write_fd_line(2, line);
		break;
	case LOGTARGET_NONE:
		break;
	}
}

/* Lines and the stderr copy for one message; copy_min is the least
 * severe prio copied to stderr when not verbose. */
static void
log_line(int prio, const char *line, int copy_min)
{
	int to_target = log_enabled && prio != LOG_DEBUG;

	if (to_target)
		emit(prio, line);
	/* A stderr target has the line already. */
	if ((log_to_stderr || prio <= copy_min) &&
	    !(to_target && sink.use.kind == LOGTARGET_STDERR))
		fprintf(stderr, "%s: %s\n", log_ident, line);
}

void
log_msg(int prio, const char *fmt, ...)
{
	struct logtarget def = { LOGTARGET_SYSLOG, NULL };
	char line[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* A line cut short never ends in half a UTF-8 character. */
	if (n >= (int)sizeof(line))
		line[utf8_whole(line, strlen(line))] = '\0';
	/* One line per event, whatever a caller passed. */
	for (char *p = line; (p = strpbrk(p, "\r\n")) != NULL;)
		*p = ' ';
	if (log_enabled && !sink.decided)
		decide(&def, 0);
	/* The fallback line goes where the lines go, and to stderr only
	 * with -v: a run under cron would mail it every time, and the mail
	 * would start the next run. */
	if (log_enabled && sink.notice[0] != '\0') {
		log_line(LOG_WARNING, sink.notice, -1);
		sink.notice[0] = '\0';
	}
	log_line(prio, line, log_stderr_min);
}

/* ---- sanitising (log.h) ---------------------------------------------- */

/* 1 when code point c is a bidi control (Unicode's Bidi_Control set). */
static int
bidi_control(long c)
{
	return c == 0x061c || c == 0x200e || c == 0x200f ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/* 1 when character c (-1: an ill-formed sequence) is shown as it is. */
static int
shown(long c, unsigned flags)
{
	if (c < 0)
		return 0;
	if (c < 0x20)
		return (flags & LOG_TEXT_LINES) && (c == '\t' || c == '\n');
	if (c < 0x7f)
		return 1;
	/* DEL; in the ASCII form every byte >= 0x80; C1 controls */
	if (c <= 0x9f || !(flags & LOG_TEXT_UTF8))
		return 0;
	return !bidi_control(c);
}

/* The one loop of both forms: writes at most n - 1 bytes and the NUL. */
static char *
sanitize(char *dst, size_t n, const char *src, size_t len, unsigned flags)
{
	size_t i = 0, o = 0, span = 1;
	long c;

	if (n == 0)
		return dst;
	while (i < len) {
		if (flags & LOG_TEXT_UTF8)
			span = utf8_next(src + i, len - i, &c);
		else
			c = (unsigned char)src[i];
		if (!shown(c, flags)) {
			if (o + 1 >= n)
				break;
			dst[o++] = '?';
		} else {
			if (o + span >= n)
				break; /* never half a character */
			memcpy(dst + o, src + i, span);
			o += span;
		}
		i += span;
	}
	dst[o] = '\0';
	return dst;
}

char *
log_sanitize_ascii(char *dst, size_t n, const char *src, size_t len)
{
	return sanitize(dst, n, src, len, 0);
}

char *
log_sanitize_utf8(char *dst, size_t n, const char *src, size_t len)
{
	return sanitize(dst, n, src, len, LOG_TEXT_UTF8);
}

void
log_sanitize_buf(struct buf *out, const char *src, size_t len, unsigned flags)
{
	char *tmp;
	size_t i;

	/* Printable ASCII is shown as it is in every form (shown()): the
	 * common case, without the copy (mailq sanitises every field). */
	for (i = 0; i < len && src[i] >= 0x20 && src[i] < 0x7f; i++)
		;
	if (i == len) {
		buf_add(out, src, len);
		return;
	}
	tmp = xmalloc(len + 1);

	buf_adds(out, sanitize(tmp, len + 1, src, len, flags));
	free(tmp);
}

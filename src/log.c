/* log.c — syslog plus the -v copy on stderr (see log.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static const char *log_ident = "relayq";
static int log_to_stderr;
static int log_to_syslog = 1;
static int log_stderr_min = -1;    /* also copy prio <= this to stderr */

void
log_open(const char *ident, int verbose)
{
	log_ident = ident;
	log_to_stderr = verbose;
	if (log_to_syslog)
		openlog(ident, LOG_PID, LOG_MAIL);
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
	log_to_syslog = enabled;
}

void
log_msg(int prio, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_to_syslog && prio != LOG_DEBUG)
		syslog(prio, "%s", line);
	if (log_to_stderr || prio <= log_stderr_min)
		fprintf(stderr, "%s: %s\n", log_ident, line);
}

char *
log_sanitize(char *dst, size_t n, const char *src, size_t len)
{
	size_t i, o = 0;

	if (n == 0)
		return dst;
	for (i = 0; i < len && o + 1 < n; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[o++] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	dst[o] = '\0';
	return dst;
}

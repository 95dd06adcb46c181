/* result.c — outcome classification and policy (see result.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/log.h"
#include "lib/xalloc.h"
#include "smtp/result.h"

void
result_clear(struct result *r)
{
	memset(r, 0, sizeof(*r));
	r->cls = RESULT_OK;
}

static void
set_status(struct result *r, const char *status)
{
	static const char *const dflt[] = {
		[RESULT_OK] = "2.0.0",
		[RESULT_TEMP] = "4.0.0",
		[RESULT_PERM] = "5.0.0",
		[RESULT_UNKNOWN] = "4.0.0",
	};

	if (status == NULL || status[0] == '\0')
		status = dflt[r->cls];
	snprintf(r->status, sizeof(r->status), "%s", status);
}

void
result_set(struct result *r, enum result_class cls, enum result_scope scope,
    const char *stage, const char *status, const char *fmt, ...)
{
	char tmp[RESULT_TEXT_MAX];
	va_list ap;

	result_clear(r);
	r->cls = cls;
	r->scope = scope;
	r->stage = stage;
	set_status(r, status);
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	log_sanitize_utf8(r->text, sizeof(r->text), tmp, strlen(tmp));
}

void
result_from_reply(struct result *r, int code, const char *enhanced,
    const char *text, enum result_scope scope, const char *stage)
{
	result_clear(r);
	if (code >= 200 && code < 300)
		r->cls = RESULT_OK;
	else if (code >= 500 && code < 600)
		r->cls = RESULT_PERM;
	else
		r->cls = RESULT_TEMP;
	r->code = code;
	r->scope = scope;
	r->stage = stage;
	r->status_derived = enhanced == NULL || enhanced[0] == '\0';
	set_status(r, enhanced);
	if (text != NULL)
		log_sanitize_utf8(r->text, sizeof(r->text), text, strlen(text));
}

enum result_action
result_action(const struct result *r)
{
	switch (r->cls) {
	case RESULT_OK:
		return RESULT_ACTION_DONE;
	case RESULT_PERM:
		/* 530 ("authentication required", e.g. at MAIL FROM) is the
		 * configuration's fault, never the message's: keep it. */
		if (r->scope == RESULT_SCOPE_SESSION || r->code == 530)
			return RESULT_ACTION_RETRY;
		return RESULT_ACTION_BOUNCE;
	case RESULT_TEMP:
	case RESULT_UNKNOWN:
		break;
	}
	return RESULT_ACTION_RETRY;
}

const char *
result_action_name(enum result_action a)
{
	switch (a) {
	case RESULT_ACTION_DONE:
		return "sent";
	case RESULT_ACTION_BOUNCE:
		return "bounced";
	case RESULT_ACTION_RETRY:
		break;
	}
	return "deferred";
}

static int
severity(const struct result *r)
{
	switch (r->cls) {
	case RESULT_OK:
		return 0;
	case RESULT_UNKNOWN:
		return 1;
	case RESULT_TEMP:
		return 2;
	case RESULT_PERM:
		return r->scope == RESULT_SCOPE_SESSION ? 2 : 3;
	}
	return 2;
}

int
result_severity_cmp(const struct result *a, const struct result *b)
{
	return severity(a) - severity(b);
}

/* "C.S.D" → subject S, or -1. */
static int
status_subject(const char *st)
{
	int s;

	if (st[0] == '\0' || st[1] != '.' || sscanf(st + 2, "%d", &s) != 1)
		return -1;
	return s;
}

int
result_sysexit(const struct result *r)
{
	int subject = status_subject(r->status);

	if (r->cls == RESULT_OK)
		return EX_OK;
	if (subject == 7 && r->scope == RESULT_SCOPE_SESSION &&
	    r->cls == RESULT_PERM)
		return EX_NOPERM;
	if (result_action(r) == RESULT_ACTION_RETRY)
		return EX_TEMPFAIL;
	switch (subject) {
	case 1:
		return EX_NOUSER;
	case 5:
		return EX_PROTOCOL;
	case 6:
		return EX_DATAERR;
	case 7:
		return EX_NOPERM;
	case 3:
		if (strcmp(r->status + 3, ".4") == 0)
			return EX_DATAERR;
		break;
	default:
		break;
	}
	return EX_UNAVAILABLE;
}

/* "550 5.1.1 text", "550 text" (no code from the server), "550". */
static void
reply_line(const struct result *r, char *dst, size_t n)
{
	const char *st = r->status_derived ? "" : r->status;

	snprintf(dst, n, "%d%s%s%s%s", r->code, st[0] ? " " : "", st,
	    r->text[0] ? " " : "", r->text);
}

char *
result_diagnostic(const struct result *r, char *dst, size_t n)
{
	if (r->code != 0)
		reply_line(r, dst, n);
	else
		snprintf(dst, n, "%s", r->text);
	return dst;
}

char *
result_format(const struct result *r, char *dst, size_t n)
{
	const char *word = result_action_name(result_action(r));
	char line[RESULT_TEXT_MAX + 32];

	if (r->code != 0) {
		reply_line(r, line, sizeof(line));
		snprintf(dst, n, "status=%s (%s)", word, line);
	} else {
		snprintf(dst, n, "status=%s (%s %s)", word, r->status, r->text);
	}
	return dst;
}

/* Length of an enhanced status code "C.S.D" at p followed by a space or
 * the end, class C one of 2, 4, 5; 0 if none. */
static size_t
code_len(const char *p)
{
	size_t i = 2, n;
	int part;

	if ((p[0] != '2' && p[0] != '4' && p[0] != '5') || p[1] != '.')
		return 0;
	for (part = 0; part < 2; part++) {
		for (n = 0; n < 4 && p[i] >= '0' && p[i] <= '9'; n++)
			i++;
		if (n < 1 || n > 3 || (part == 0 && p[i++] != '.'))
			return 0;
	}
	return p[i] == ' ' || p[i] == '\0' ? i : 0;
}

/* 1 when p starts with a basic reply code "NNN" then a space or the end. */
static int
basic_code(const char *p)
{
	return p[0] >= '2' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9' &&
	    p[2] >= '0' && p[2] <= '9' && (p[3] == ' ' || p[3] == '\0');
}

char *
result_stored_reply(const char *stored, char *dst, size_t n)
{
	const char *p = stored != NULL ? stored : "";

	if (basic_code(p) && p[3] == ' ' && code_len(p + 4) == 5 &&
	    p[4] == p[0] && strncmp(p + 5, ".0.0", 4) == 0 && p[9] == ' ' &&
	    code_len(p + 10) > 0 && p[10] == p[0]) {
		/* "550 5.0.0 5.1.1 text": the first code was invented. */
		snprintf(dst, n, "%.4s%s", p, p + 10);
		return dst;
	}
	snprintf(dst, n, "%s", p);
	return dst;
}

void
result_reply(const struct result *r, struct rcpt_reply *rr)
{
	char text[RESULT_TEXT_MAX + RESULT_STATUS_MAX];

	if (r->code == 0 || r->status_derived) {
		rcpt_reply_set(rr, r->code, NULL, r->text);
	} else if (code_len(r->status) > 0 &&
	    r->status[0] == '0' + r->code / 100) {
		rcpt_reply_set(rr, r->code, r->status, r->text);
	} else {
		/* A code of another class than the reply's is text, as a
		 * stored line has always read it. */
		snprintf(text, sizeof(text), "%s%s%s", r->status,
		    r->text[0] ? " " : "", r->text);
		rcpt_reply_set(rr, r->code, NULL, text);
	}
}

void
result_stored_fields(const char *stored, struct rcpt_reply *rr)
{
	const char *p = stored != NULL ? stored : "", *rest;
	char *line = xmalloc(strlen(p) + 1);
	char status[RESULT_STATUS_MAX];
	size_t l;

	result_stored_reply(p, line, strlen(p) + 1);
	if (!basic_code(line)) {
		rcpt_reply_set(rr, 0, NULL, line);
		free(line);
		return;
	}
	rest = line[3] == ' ' ? line + 4 : line + 3;
	status[0] = '\0';
	if (line[3] == ' ' && (l = code_len(rest)) > 0 && rest[0] == line[0] &&
	    l < RESULT_STATUS_MAX) {
		memcpy(status, rest, l);
		status[l] = '\0';
		rest += l + (rest[l] == ' ');
	}
	rcpt_reply_set(rr, atoi(line), status, rest);
	free(line);
}

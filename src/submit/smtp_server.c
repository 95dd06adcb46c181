/* smtp_server.c — SMTP on standard input and output (see smtp_server.h). */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "message/rcpt.h"
#include "submit/smtp_server.h"

#define DATA_LINE_MAX (1024 * 1024)

enum smtp_server_state {
	S_INIT,  /* no HELO/EHLO yet */
	S_READY, /* greeted, no transaction */
	S_MAIL,  /* MAIL accepted */
	S_RCPT,  /* at least one RCPT accepted */
};

struct session {
	struct stream *in, *out;
	const char *hostname;
	const struct smtp_server_hooks *h;
	void *ctx;
	struct smtp_server_limits lim;
	enum smtp_server_state state;
	unsigned nrcpts;
	struct buf line;
	struct err *e;
	int io_failed;
};

/* The input stream failed under a read (not just ended): the session
 * ends as an I/O error, with le's message.  An end of input, also in the
 * middle of a line, is the client going away, not an error. */
static void
input_failed(struct session *s, const struct err *le)
{
	if (!stream_read_failed(s->in))
		return;
	if (le != s->e)
		*s->e = *le;
	s->io_failed = 1;
}

/* Sends one reply line; flushes when the client has nothing more queued
 * (RFC 2920: replies to a pipelined batch may be sent together). */
static void reply(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reply(struct session *s, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (stream_puts(s->out, text, s->e) < 0 ||
	    stream_puts(s->out, "\r\n", s->e) < 0)
		s->io_failed = 1;
	if (stream_pending(s->in) == 0 && stream_flush(s->out, s->e) < 0)
		s->io_failed = 1;
}

/* A hook's refusal as an SMTP reply. */
static void
reply_err(struct session *s, const struct err *he, int temp_code, int perm_code)
{
	char msg[512];

	log_sanitize_ascii(msg, sizeof(msg), he->msg, strlen(he->msg));
	switch (he->code) {
	case EX_TEMPFAIL:
		reply(s, "%d 4.3.0 %s", temp_code, msg);
		break;
	case EX_NOUSER:
		reply(s, "%d 5.1.1 %s", perm_code, msg);
		break;
	case EX_DATAERR:
	case EX_USAGE:
		reply(s, "%d 5.1.3 %s", perm_code == 550 ? 553 : perm_code,
		    msg);
		break;
	case EX_UNAVAILABLE:
	case EX_NOPERM:
	case EX_NOHOST:
		reply(s, "%d 5.7.1 %s", perm_code, msg);
		break;
	default:
		reply(s, "451 4.3.0 %s", msg);
		break;
	}
}

static void
reset_transaction(struct session *s)
{
	if (s->state == S_MAIL || s->state == S_RCPT)
		s->h->reset(s->ctx);
	if (s->state != S_INIT)
		s->state = S_READY;
	s->nrcpts = 0;
}

/* Refuses an unknown MAIL/RCPT parameter, echoing its name sanitised:
 * the client's bytes never reach the reply raw (a bare CR, 8-bit text). */
static void
reply_unsupported(struct session *s, const char *key)
{
	char k[65];

	log_sanitize_ascii(k, sizeof(k), key, strlen(key));
	reply(s, "555 5.5.4 Unsupported option: %s", k);
}

/* Case-insensitive prefix test; returns what follows or NULL. */
static const char *
verb(const char *line, const char *word)
{
	size_t n = strlen(word);

	if (strncasecmp(line, word, n) != 0)
		return NULL;
	if (line[n] != '\0' && line[n] != ' ' && word[n - 1] != ':')
		return NULL;
	return line + n;
}

/* Parses "<path> params" after "FROM:"/"TO:".  Sets *path (allocated,
 * without brackets) and *rest (borrowed, the parameters).  Returns 0, or
 * -1 for a syntax error (also a control character in the path); then
 * *path and *rest are untouched (err.h). */
static int
parse_path(const char *arg, char **path, const char **rest)
{
	const char *p = arg, *start;
	int quoted = 0;

	while (*p == ' ')
		p++;
	if (*p != '<')
		return -1;
	start = ++p;
	for (; *p != '\0'; p++) {
		if (quoted && *p == '\\' && p[1] != '\0')
			p++; /* a quoted pair: the next byte is data */
		else if (*p == '"')
			quoted = !quoted;
		else if (*p == '>' && !quoted)
			break;
		/* No control byte (a bare CR, ESC) in an address, quoted,
		 * escaped or not: it would reach headers, logs and the queue.
		 */
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return -1;
	}
	if (*p != '>' || (p[1] != '\0' && p[1] != ' '))
		return -1;
	*path = xstrndup(start, (size_t)(p - start));
	p++;
	while (*p == ' ')
		p++;
	*rest = p;
	return 0;
}

/* Splits the next "KEY[=VALUE]" off *p; key and value point into buf. */
static int
next_param(char **p, char **key, char **value)
{
	char *s = *p, *eq;

	while (*s == ' ')
		s++;
	if (*s == '\0')
		return 0;
	*key = s;
	while (*s != '\0' && *s != ' ')
		s++;
	if (*s != '\0')
		*s++ = '\0';
	*p = s;
	eq = strchr(*key, '=');
	*value = NULL;
	if (eq != NULL) {
		*eq = '\0';
		*value = eq + 1;
	}
	return 1;
}

static int
is_xtext(const char *v)
{
	for (; *v != '\0'; v++) {
		unsigned char c = (unsigned char)*v;

		if (c < 33 || c > 126 || c == '=')
			return 0;
		if (c == '+' &&
		    !(isxdigit((unsigned char)v[1]) &&
		        isxdigit((unsigned char)v[2])))
			return 0;
	}
	return 1;
}

static void
cmd_mail(struct session *s, const char *arg)
{
	struct smtp_server_mail m = { 0 };
	char *path = NULL, *params, *cur, *key, *val;
	const char *rest;
	struct err he;

	if (s->state == S_INIT) {
		reply(s, "503 5.5.1 Error: send HELO/EHLO first");
		return;
	}
	if (s->state != S_READY) {
		reply(s, "503 5.5.1 Error: nested MAIL command");
		return;
	}
	if (parse_path(arg, &path, &rest) < 0) {
		reply(s, "501 5.5.4 Syntax: MAIL FROM:<address>");
		return;
	}
	params = xstrdup(rest);
	cur = params;
	m.sender = path;
	while (next_param(&cur, &key, &val)) {
		if (strcasecmp(key, "SIZE") == 0 && val != NULL &&
		    *val != '\0' && strspn(val, "0123456789") == strlen(val)) {
			m.size = strtoul(val, NULL, 10);
		} else if (strcasecmp(key, "BODY") == 0 && val != NULL &&
		    (strcasecmp(val, "7BIT") == 0 ||
		        strcasecmp(val, "8BITMIME") == 0)) {
			m.body = toupper((unsigned char)val[0]) == '7' ?
			    "7BIT" :
			    "8BITMIME";
		} else if (strcasecmp(key, "SMTPUTF8") == 0 && val == NULL) {
			m.smtputf8 = 1;
		} else if (strcasecmp(key, "RET") == 0 && val != NULL &&
		    (strcasecmp(val, "FULL") == 0 ||
		        strcasecmp(val, "HDRS") == 0)) {
			m.ret = toupper((unsigned char)val[0]) == 'F' ? "FULL" :
			                                                "HDRS";
		} else if (strcasecmp(key, "ENVID") == 0 && val != NULL &&
		    *val != '\0' && strlen(val) <= 100 && is_xtext(val)) {
			m.envid = val;
		} else {
			reply_unsupported(s, key);
			goto done;
		}
	}
	if (s->lim.max_size > 0 && m.size > s->lim.max_size) {
		reply(s, "552 5.3.4 Message size exceeds fixed limit");
		goto done;
	}
	if (s->h->mail(s->ctx, &m, &he) < 0) {
		reply_err(s, &he, 451, 553);
		goto done;
	}
	s->state = S_MAIL;
	s->nrcpts = 0;
	reply(s, "250 2.1.0 Ok");
done:
	free(params);
	free(path);
}

static void
cmd_rcpt(struct session *s, const char *arg)
{
	struct rcpt r;
	char *path = NULL, *params, *cur, *key, *val;
	const char *rest;
	struct err he;

	if (s->state != S_MAIL && s->state != S_RCPT) {
		reply(s, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if (parse_path(arg, &path, &rest) < 0 || *path == '\0') {
		free(path);
		reply(s, "501 5.5.4 Syntax: RCPT TO:<address>");
		return;
	}
	params = xstrdup(rest);
	cur = params;
	memset(&r, 0, sizeof(r));
	r.addr = path;
	while (next_param(&cur, &key, &val)) {
		/* RFC 3461: NEVER alone, or a list of SUCCESS, FAILURE, DELAY.
		 */
		if (strcasecmp(key, "NOTIFY") == 0 && val != NULL &&
		    rcpt_notify_parse(val, &r.notify) == 0) {
			continue; /* r.notify set */
		} else if (strcasecmp(key, "ORCPT") == 0 && val != NULL &&
		    strchr(val, ';') != NULL &&
		    is_xtext(strchr(val, ';') + 1)) {
			r.orcpt = val;
		} else if (strcasecmp(key, "NOTIFY") == 0 ||
		    strcasecmp(key, "ORCPT") == 0) {
			reply(s, "501 5.5.4 Bad %s parameter syntax",
			    strcasecmp(key, "NOTIFY") == 0 ? "NOTIFY" :
			                                     "ORCPT");
			goto done;
		} else {
			reply_unsupported(s, key);
			goto done;
		}
	}
	if (s->nrcpts >= s->lim.max_rcpts) {
		reply(s, "452 4.5.3 Error: too many recipients");
		goto done;
	}
	if (s->h->rcpt(s->ctx, &r, &he) < 0) {
		reply_err(s, &he, 450, 550);
		goto done;
	}
	s->nrcpts++;
	s->state = S_RCPT;
	reply(s, "250 2.1.5 Ok");
done:
	free(params);
	free(path);
}

/* Reads the message after 354 up to the dot line.  Returns 0 when the dot
 * was seen (whatever the outcome, which is replied), 1 at end of input
 * (the message is discarded), -1 on an I/O error. */
static int
read_data(struct session *s)
{
	unsigned long size = 0;
	int too_big = 0, failed = 0, r;
	struct err he;
	const char *id = "";

	if (s->h->data_begin(s->ctx, &he) < 0) {
		reply_err(s, &he, 451, 554);
		reset_transaction(s);
		return 0;
	}
	reply(s, "354 End data with <CR><LF>.<CR><LF>");
	if (s->io_failed)
		return -1;
	for (;;) {
		const char *p;
		size_t n;

		r = stream_getline(s->in, &s->line, DATA_LINE_MAX, &he);
		if (r <= 0) {
			reset_transaction(s);
			if (r < 0 && he.code == EX_PROTOCOL) {
				reply(s,
				    "500 5.5.2 Error: message line too long");
				return -1;
			}
			if (r < 0)
				input_failed(s, &he);
			return r == 0 ? 1 : -1;
		}
		p = s->line.data;
		n = s->line.len;
		if (n == 1 && p[0] == '.')
			break;
		if (n > 0 && p[0] == '.') {
			p++;
			n--;
		}
		size += n + 2;
		if (s->lim.max_size > 0 && size > s->lim.max_size)
			too_big = 1;
		if (too_big || failed)
			continue;
		if (s->h->data_line(s->ctx, p, n, 1, &he) < 0)
			failed = 1;
	}
	if (too_big) {
		reply(s, "552 5.3.4 Error: message too big (limit %lu bytes)",
		    s->lim.max_size);
		reset_transaction(s);
		return 0;
	}
	if (failed || s->h->data_end(s->ctx, &id, &he) < 0) {
		reply_err(s, &he, 451, 554);
		reset_transaction(s);
		return 0;
	}
	/* data_end committed the message: the transaction is over. */
	s->state = S_READY;
	s->nrcpts = 0;
	reply(s, "250 2.0.0 Ok: queued as %s", id);
	return 0;
}

static void
cmd_ehlo(struct session *s, const char *arg, int extended)
{
	while (*arg == ' ')
		arg++;
	if (*arg == '\0') {
		reply(s, "501 5.5.4 Syntax: %s hostname",
		    extended ? "EHLO" : "HELO");
		return;
	}
	reset_transaction(s);
	s->state = S_READY;
	if (!extended) {
		reply(s, "250 %s", s->hostname);
		return;
	}
	reply(s, "250-%s", s->hostname);
	reply(s, "250-PIPELINING");
	if (s->lim.max_size > 0)
		reply(s, "250-SIZE %lu", s->lim.max_size);
	else
		reply(s, "250-SIZE");
	reply(s, "250-8BITMIME");
	reply(s, "250-SMTPUTF8");
	reply(s, "250-ENHANCEDSTATUSCODES");
	reply(s, "250-DSN");
	reply(s, "250 HELP");
}

/* Reads and drops the rest of an over-long command line. */
static int
skip_rest_of_line(struct session *s)
{
	char c;
	ssize_t r;

	do
		r = stream_read(s->in, &c, 1, s->e);
	while (r == 1 && c != '\n');
	return r == 1 ? 0 : -1;
}

static int
dispatch(struct session *s, const char *line)
{
	const char *arg;

	if ((arg = verb(line, "EHLO")) != NULL)
		cmd_ehlo(s, arg, 1);
	else if ((arg = verb(line, "HELO")) != NULL)
		cmd_ehlo(s, arg, 0);
	else if ((arg = verb(line, "MAIL FROM:")) != NULL)
		cmd_mail(s, arg);
	else if ((arg = verb(line, "RCPT TO:")) != NULL)
		cmd_rcpt(s, arg);
	else if ((arg = verb(line, "DATA")) != NULL) {
		if (*arg != '\0')
			reply(s, "501 5.5.4 Syntax: DATA");
		else if (s->state != S_RCPT)
			reply(s,
			    s->state == S_MAIL ?
			        "554 5.5.1 Error: no valid recipients" :
			        "503 5.5.1 Error: need RCPT command");
		else
			return read_data(s);
	} else if (verb(line, "RSET") != NULL) {
		reset_transaction(s);
		reply(s, "250 2.0.0 Ok");
	} else if (verb(line, "NOOP") != NULL)
		reply(s, "250 2.0.0 Ok");
	else if (verb(line, "VRFY") != NULL)
		reply(s, "252 2.0.0 Cannot VRFY user, but will accept message");
	else if (verb(line, "HELP") != NULL)
		reply(s,
		    "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP VRFY HELP QUIT");
	else if (verb(line, "QUIT") != NULL) {
		reset_transaction(s);
		reply(s, "221 2.0.0 Bye");
		return 2;
	} else if (verb(line, "STARTTLS") != NULL ||
	    verb(line, "AUTH") != NULL || verb(line, "EXPN") != NULL ||
	    verb(line, "ETRN") != NULL || verb(line, "TURN") != NULL ||
	    verb(line, "BDAT") != NULL)
		reply(s, "502 5.5.1 Error: command not implemented");
	else
		reply(s, "500 5.5.2 Error: command not recognized");
	return 0;
}

int
smtp_server_run(struct stream *in, struct stream *out, const char *hostname,
    const struct smtp_server_limits *lim, const struct smtp_server_hooks *h,
    void *ctx, struct err *e)
{
	struct session s;
	struct err le;
	int r, rc = 1;

	memset(&s, 0, sizeof(s));
	s.in = in;
	s.out = out;
	s.hostname = hostname;
	s.h = h;
	s.ctx = ctx;
	s.e = e;
	if (lim != NULL)
		s.lim = *lim;
	if (s.lim.max_rcpts == 0)
		s.lim.max_rcpts = 1000;
	if (s.lim.max_line == 0)
		s.lim.max_line = 2048;
	buf_init(&s.line);
	reply(&s, "220 %s ESMTP relayq", hostname);
	while (!s.io_failed) {
		r = stream_getline(in, &s.line, s.lim.max_line, &le);
		if (r == 0)
			break;
		if (r < 0) {
			if (le.code != EX_PROTOCOL) {
				input_failed(&s, &le);
				break;
			}
			if (skip_rest_of_line(&s) < 0) {
				input_failed(&s, s.e);
				break;
			}
			reply(&s, "500 5.5.2 Error: line too long");
			continue;
		}
		if (memchr(s.line.data, '\0', s.line.len) != NULL) {
			reply(&s, "500 5.5.2 Error: NUL character in command");
			continue;
		}
		r = dispatch(&s, s.line.data);
		if (r == 2) {
			rc = 0;
			break;
		}
		if (r == 1 || r < 0)
			break;
	}
	reset_transaction(&s);
	if (stream_flush(out, e) < 0)
		s.io_failed = 1;
	buf_free(&s.line);
	return s.io_failed ? -1 : rc;
}

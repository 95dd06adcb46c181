/* smtp_reply.c — reply parsing and EHLO capabilities (see smtp_reply.h). */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "smtp/smtp_reply.h"

void
smtp_reply_init(struct smtp_reply *r)
{
	memset(r, 0, sizeof(*r));
}

void
smtp_reply_reset(struct smtp_reply *r)
{
	strv_free(&r->lines);
	smtp_reply_init(r);
}

void
smtp_reply_free(struct smtp_reply *r)
{
	smtp_reply_reset(r);
}

/* Length of a leading enhanced status code "C.SSS.DDD" (RFC 3463)
 * followed by a space or the end, with class C (2, 4 or 5), or 0. */
static size_t
enhanced_len(const char *p, size_t len, char cls)
{
	size_t i = 0, n;
	int part;

	if (len < 5 || p[0] != cls || p[1] != '.' ||
	    (cls != '2' && cls != '4' && cls != '5'))
		return 0;
	i = 2;
	for (part = 0; part < 2; part++) {
		for (n = 0; i < len && n < 4 && isdigit((unsigned char)p[i]);
		     n++)
			i++;
		if (n < 1 || n > 3)
			return 0;
		if (part == 0 && (i >= len || p[i++] != '.'))
			return 0;
	}
	if (i < len && p[i] != ' ')
		return 0;
	return i;
}

static void
append_text(struct smtp_reply *r, const char *p, size_t len)
{
	size_t have = strlen(r->text);

	if (have > 0 && have + 1 < sizeof(r->text))
		r->text[have++] = ' ';
	log_sanitize_utf8(r->text + have, sizeof(r->text) - have, p, len);
}

static int
bad_line(struct err *e, const char *line, size_t len)
{
	char safe[80];

	log_sanitize_utf8(safe, sizeof(safe), line, len);
	return err_set(e, EX_PROTOCOL, _("malformed SMTP reply line \"%s\""),
	    safe);
}

int
smtp_reply_feed(struct smtp_reply *r, const char *line, size_t len,
    struct err *e)
{
	const char *txt;
	size_t tlen, elen;
	int code;

	if (r->done)
		return err_set(e, EX_SOFTWARE,
		    "smtp_reply_feed: reply complete");
	if (len < 3 || !isdigit((unsigned char)line[0]) ||
	    !isdigit((unsigned char)line[1]) ||
	    !isdigit((unsigned char)line[2]) ||
	    (len > 3 && line[3] != ' ' && line[3] != '-'))
		return bad_line(e, line, len);
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (code < 200 || code > 599)
		return bad_line(e, line, len);
	if (r->code != 0 && code != r->code)
		return err_set(e, EX_PROTOCOL,
		    _("SMTP reply changes its code "
		      "from %d to %d in a multi-line reply"),
		    r->code, code);
	if (r->lines.n >= SMTP_REPLY_LINES_MAX)
		return err_set(e, EX_PROTOCOL,
		    _("SMTP reply has more than %d "
		      "lines"),
		    SMTP_REPLY_LINES_MAX);
	r->code = code;
	txt = len > 4 ? line + 4 : "";
	tlen = len > 4 ? len - 4 : 0;
	strv_take(&r->lines, xstrndup(txt, tlen));
	/* The server's code whether it advertised ENHANCEDSTATUSCODES or
	 * not (Exim writes "550 5.1.1 ..." without advertising it). */
	elen = enhanced_len(txt, tlen, line[0]);
	if (elen > 0 && r->lines.n == 1) {
		memcpy(r->enhanced, txt, elen);
		r->enhanced[elen] = '\0';
	}
	if (elen > 0 && r->enhanced[0] != '\0' &&
	    (elen != strlen(r->enhanced) ||
	        memcmp(txt, r->enhanced, elen) != 0))
		elen = 0; /* keep another line's differing code as text */
	if (elen > 0) {
		txt += elen;
		tlen -= elen;
		if (tlen > 0) {
			txt++;
			tlen--;
		}
	}
	append_text(r, txt, tlen);
	if (len > 3 && line[3] == '-')
		return 0;
	r->done = 1;
	return 1;
}

/* Adds one mechanism name to c->auth if valid and new. */
static void
add_mech(struct smtp_reply_caps *c, const char *p, size_t n)
{
	char m[64];
	size_t i, have = strlen(c->auth);
	const char *s;

	if (n == 0 || n >= sizeof(m))
		return;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)toupper((unsigned char)p[i]);

		if (!isalnum(ch) && ch != '-' && ch != '_')
			return;
		m[i] = (char)ch;
	}
	m[n] = '\0';
	for (s = c->auth; (s = strstr(s, m)) != NULL; s += n)
		if ((s == c->auth || s[-1] == ' ') &&
		    (s[n] == ' ' || s[n] == '\0'))
			return;
	if (have + (have > 0) + n + 1 > sizeof(c->auth))
		return;
	if (have > 0)
		c->auth[have++] = ' ';
	memcpy(c->auth + have, m, n + 1);
	c->flags |= SMTP_CAP_AUTH;
}

static void
add_mechs(struct smtp_reply_caps *c, const char *p)
{
	while (*p != '\0') {
		size_t n;

		p += strspn(p, " ");
		n = strcspn(p, " ");
		add_mech(c, p, n);
		p += n;
	}
}

static const struct {
	const char *kw;
	unsigned flag;
	/* clang-format off */
} simple_caps[] = {
	{ "PIPELINING", SMTP_CAP_PIPELINING },
	{ "8BITMIME", SMTP_CAP_8BITMIME },
	{ "SMTPUTF8", SMTP_CAP_SMTPUTF8 },
	{ "DSN", SMTP_CAP_DSN },
	{ "ENHANCEDSTATUSCODES", SMTP_CAP_ENHANCED },
	{ "STARTTLS", SMTP_CAP_STARTTLS },
	{ "CHUNKING", SMTP_CAP_CHUNKING },
};
/* clang-format on */

static void
parse_size(struct smtp_reply_caps *c, const char *arg)
{
	char *end;
	unsigned long long v;

	c->flags |= SMTP_CAP_SIZE;
	c->size = 0;
	arg += strspn(arg, " ");
	if (!isdigit((unsigned char)*arg))
		return;
	v = strtoull(arg, &end, 10);
	if (*end == '\0' || *end == ' ')
		c->size = v;
}

void
smtp_reply_caps_parse(const struct smtp_reply *ehlo, struct smtp_reply_caps *c)
{
	size_t i, k;

	memset(c, 0, sizeof(*c));
	for (i = 1; i < ehlo->lines.n; i++) {
		const char *l = ehlo->lines.v[i];
		size_t kwlen = strcspn(l, " =");

		if (kwlen == 4 && strncasecmp(l, "AUTH", 4) == 0) {
			add_mechs(c, l + 4 + (l[4] != '\0'));
			continue;
		}
		if (kwlen == 4 && strncasecmp(l, "SIZE", 4) == 0 &&
		    l[4] != '=') {
			parse_size(c, l + 4);
			continue;
		}
		for (k = 0; k < sizeof(simple_caps) / sizeof(simple_caps[0]);
		     k++)
			if (strlen(simple_caps[k].kw) == kwlen &&
			    strncasecmp(l, simple_caps[k].kw, kwlen) == 0)
				c->flags |= simple_caps[k].flag;
	}
}

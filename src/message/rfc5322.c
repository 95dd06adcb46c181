/* rfc5322.c — push parser for the header section (see rfc5322.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "lib/xalloc.h"
#include "message/rfc5322.h"

static const char *const ev_names[] = {
	[RFC5322_NONE] = "none",
	[RFC5322_FIELD] = "field",
	[RFC5322_END] = "end",
	[RFC5322_BODY] = "body",
};

const char *
rfc5322_ev_name(enum rfc5322_ev t)
{
	if ((size_t)t >= sizeof(ev_names) / sizeof(ev_names[0]))
		return "?";
	return ev_names[t];
}

void
rfc5322_init(struct rfc5322_parser *p)
{
	memset(p, 0, sizeof(*p));
	p->state = RFC5322_S_HEADERS;
	buf_init(&p->cur);
	buf_init(&p->out);
}

void
rfc5322_free(struct rfc5322_parser *p)
{
	buf_free(&p->cur);
	buf_free(&p->out);
	free(p->out_name);
	rfc5322_init(p);
}

size_t
rfc5322_field_name(const char *line, size_t len, size_t *colon)
{
	size_t i = 0, n;

	while (i < len && line[i] != ':' && (unsigned char)line[i] > 32 &&
	    (unsigned char)line[i] < 127)
		i++;
	n = i;
	if (n == 0)
		return 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i >= len || line[i] != ':')
		return 0;
	if (colon != NULL)
		*colon = i;
	return n;
}

/* Appends line to b with NUL and CR replaced by SP, then LF. */
static void
add_clean(struct buf *b, const char *line, size_t len)
{
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		if (line[i] != '\0' && line[i] != '\r')
			continue;
		buf_add(b, line + start, i - start);
		buf_addc(b, ' ');
		start = i + 1;
	}
	buf_add(b, line + start, len - start);
	buf_addc(b, '\n');
}

/* Moves the open field (if any) to out, to be reported. */
static void
close_field(struct rfc5322_parser *p)
{
	struct buf tmp;

	if (p->cur.len == 0)
		return;
	tmp = p->out;
	p->out = p->cur;
	p->cur = tmp;
	buf_reset(&p->cur);
	free(p->out_name);
	p->out_name = xstrndup(p->out.data, p->cur_name_len);
	p->out_value_off = p->cur_value_off;
	p->pending_field = 1;
}

static void
end_headers(struct rfc5322_parser *p, int separator, const char *line,
    size_t len)
{
	close_field(p);
	p->state = RFC5322_S_BODY;
	p->pending_end = 1;
	p->separator = separator;
	p->line = line;
	p->line_len = len;
}

/* Checks the caps before a header line of len bytes is added; a failure
 * leaves the parser failed. */
static int
check_caps(struct rfc5322_parser *p, size_t len, int new_field, struct err *e)
{
	int r = 0;

	if (len > RFC5322_MAX_LINE)
		r = err_set(e, EX_DATAERR,
		    _("message header line %zu is %zu bytes long, over the limit of %u; "
		      "fold long header lines"),
		    p->lineno, len, RFC5322_MAX_LINE);
	else if (p->section + len + 1 > RFC5322_MAX_SECTION)
		r = err_set(e, EX_DATAERR,
		    _("message header section is larger than %u bytes (at line %zu); "
		      "put large content in the body"),
		    RFC5322_MAX_SECTION, p->lineno);
	else if (new_field && p->fields + 1 > RFC5322_MAX_FIELDS)
		r = err_set(e, EX_DATAERR,
		    _("message has more than %u header fields (at line %zu)"),
		    RFC5322_MAX_FIELDS, p->lineno);
	if (r < 0)
		p->state = RFC5322_S_FAILED;
	else
		p->section += len + 1;
	return r;
}

static int
push_header_line(struct rfc5322_parser *p, const char *line, size_t len,
    struct err *e)
{
	size_t name_len, colon = 0;

	if (len == 0) {
		end_headers(p, 1, NULL, 0);
		return 0;
	}
	if (line[0] == ' ' || line[0] == '\t') {
		if (p->cur.len == 0) {
			end_headers(p, 0, line, len);
			return 0;
		}
		if (check_caps(p, len, 0, e) < 0)
			return -1;
		add_clean(&p->cur, line, len);
		return 0;
	}
	name_len = rfc5322_field_name(line, len, &colon);
	if (name_len == 0) {
		end_headers(p, 0, line, len);
		return 0;
	}
	if (check_caps(p, len, 1, e) < 0)
		return -1;
	close_field(p);
	p->fields++;
	p->cur_name_len = name_len;
	p->cur_value_off = colon + 1;
	add_clean(&p->cur, line, len);
	return 0;
}

static int
usable(struct rfc5322_parser *p, struct err *e)
{
	if (p->state == RFC5322_S_FAILED)
		return err_set(e, EX_SOFTWARE,
		    _("header parser used after an error"));
	if (p->pending_field || p->pending_end || p->pending_body)
		return err_set(e, EX_SOFTWARE,
		    _("header parser events were not drained"));
	return 0;
}

int
rfc5322_push(struct rfc5322_parser *p, const char *line, size_t len,
    struct err *e)
{
	if (usable(p, e) < 0)
		return -1;
	p->lineno++;
	if (p->state == RFC5322_S_BODY) {
		p->pending_body = 1;
		p->line = line;
		p->line_len = len;
		return 0;
	}
	return push_header_line(p, line, len, e);
}

int
rfc5322_finish(struct rfc5322_parser *p, struct err *e)
{
	if (usable(p, e) < 0)
		return -1;
	if (p->state == RFC5322_S_HEADERS)
		end_headers(p, 0, NULL, 0);
	return 0;
}

enum rfc5322_ev
rfc5322_next(struct rfc5322_parser *p, struct rfc5322_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	if (p->pending_field) {
		p->pending_field = 0;
		ev->type = RFC5322_FIELD;
		ev->name = p->out_name;
		ev->raw = p->out.data;
		ev->raw_len = p->out.len;
		ev->value_off = p->out_value_off;
	} else if (p->pending_end) {
		p->pending_end = 0;
		ev->type = RFC5322_END;
		ev->separator = p->separator;
		ev->line = p->line;
		ev->line_len = p->line_len;
	} else if (p->pending_body) {
		p->pending_body = 0;
		ev->type = RFC5322_BODY;
		ev->line = p->line;
		ev->line_len = p->line_len;
	}
	return ev->type;
}

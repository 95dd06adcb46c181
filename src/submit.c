/* submit.c — one message from its lines to the queue (see submit.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "addr.h"
#include "buf.h"
#include "cli.h"
#include "envelope.h"
#include "from_policy.h"
#include "headers.h"
#include "i18n.h"
#include "rfc5322.h"
#include "submit.h"
#include "tmpguard.h"
#include "xalloc.h"

#define SUBMIT_WBUF (64 * 1024)

struct submission {
	const struct submit_ctx *c;
	struct queue_msg msg;
	int created;
	int committed;
	int failed;
	struct rfc5322_parser parser;
	struct header_list hl;
	int in_body;                 /* the header policy ran; body follows */
	struct buf pending;          /* pieces of a long header line */
	struct buf out;              /* write buffer for the queue file */
	unsigned long long size;
	int eightbit;
	int utf8_headers;            /* raw UTF-8 in the header section */
	char *sender;                /* final envelope sender ("" for <>) */
	struct rcpt_list rcpts;      /* final envelope recipients */
};

static int
has_8bit(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return 1;
	return 0;
}

/* 1 when p[0..n) has bytes above 0x7F and they all form well-formed
 * UTF-8 sequences (RFC 3629): headers that SMTPUTF8 (RFC 6531/6532) can
 * carry as they are.  Other 8-bit bytes (Latin-1 and the like) are not
 * UTF-8 and stay plain 8-bit data. */
static int
is_raw_utf8(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0, k, len;
	int any = 0;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xC2 && s[i] <= 0xDF)
			len = 2;
		else if (s[i] >= 0xE0 && s[i] <= 0xEF)
			len = 3;
		else if (s[i] >= 0xF0 && s[i] <= 0xF4)
			len = 4;
		else
			return 0;
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
		/* Overlong 3- and 4-byte forms, surrogates, above U+10FFFF. */
		if ((s[i] == 0xE0 && s[i + 1] < 0xA0) || (s[i] == 0xED && s[i + 1] > 0x9F) ||
		    (s[i] == 0xF0 && s[i + 1] < 0x90) || (s[i] == 0xF4 && s[i + 1] > 0x8F))
			return 0;
		i += len;
		any = 1;
	}
	return any;
}

static int
flush_out(struct submission *s, struct err *e)
{
	if (s->out.len == 0)
		return 0;
	if (durable_write_all(s->msg.body.fd, s->out.data, s->out.len,
	    s->msg.body.path, e) < 0)
		return -1;
	buf_reset(&s->out);
	return 0;
}

static int
emit(struct submission *s, const char *p, size_t n, struct err *e)
{
	if (!s->eightbit && has_8bit(p, n))
		s->eightbit = 1;
	buf_add(&s->out, p, n);
	s->size += n;
	return s->out.len >= SUBMIT_WBUF ? flush_out(s, e) : 0;
}

/* ---- addresses --------------------------------------------------------- */

/* Splits an addr-spec into an unquoted local part and a domain. */
static int
split_spec(const char *spec, char **local, char **domain, struct err *e)
{
	struct addr_mailbox mb;

	if (addr_parse_sender(spec, &mb, e) < 0)
		return -1;
	*local = mb.local;
	*domain = mb.domain;
	free(mb.display);
	return 0;
}

static char *
qualified(const struct submission *s, const char *spec)
{
	if (strchr(spec, '@') != NULL)
		return xstrdup(spec);
	return xasprintf("%s@%s", spec, s->c->rw->qualify_domain);
}

/* Appends the addr-specs of an address list (a header value or an argv
 * word) to out. */
static int
list_specs(const char *text, size_t len, struct strv *out, struct err *e)
{
	struct addr_list l = ADDR_LIST_INIT;
	size_t i;

	if (addr_parse_list(text, len, &l, e) < 0)
		return -1;
	for (i = 0; i < l.n; i++)
		strv_take(out, addr_format_spec(l.v[i].local, l.v[i].domain));
	addr_list_free(&l);
	return 0;
}

char *
submit_envelope_sender(const struct rewrite_ctx *rw, const char *given,
    char **display, struct err *e)
{
	struct addr_mailbox mb;
	char *spec, *res;

	if (addr_parse_sender(given, &mb, e) < 0) {
		err_wrap(e, _("envelope sender"));
		return NULL;
	}
	if (display != NULL) {
		*display = mb.display;
		mb.display = NULL;
	}
	if (mb.local[0] == '\0' && mb.domain == NULL) {
		addr_mailbox_free(&mb);
		return xstrdup("");
	}
	spec = addr_format_spec(mb.local, mb.domain);
	addr_mailbox_free(&mb);
	res = rewrite_sender(rw, spec, e);
	free(spec);
	return res;
}

static int
choose_sender(struct submission *s, char **display, struct err *e)
{
	const struct submit_ctx *c = s->c;

	char *given;

	s->sender = submit_envelope_sender(c->rw, c->sender != NULL ? c->sender :
	    c->id->user, display, e);
	if (s->sender == NULL)
		return -1;
	if (c->from_address != NULL) {
		given = s->sender;
		s->sender = from_policy_sender(c->from_address, given);
		free(given);
	}
	return 0;
}

/* The recipients given as arguments, each with the ORCPT and NOTIFY of the
 * argument it came from. */
static int
given_recipients(const struct submit_ctx *c, struct rcpt_list *raw, struct err *e)
{
	struct strv specs = STRV_INIT;
	const struct rcpt *g;
	size_t i, k;
	int rc = -1;

	for (i = 0; c->rcpts != NULL && i < c->rcpts->n; i++) {
		g = &c->rcpts->v[i];
		if (list_specs(g->addr, strlen(g->addr), &specs, e) < 0)
			goto done;
		for (k = 0; k < specs.n; k++)
			rcpt_list_add(raw, specs.v[k], g->orcpt, g->notify);
		strv_free(&specs);
	}
	rc = 0;
done:
	strv_free(&specs);
	return rc;
}

/* The recipients before alias expansion: the given ones, or with -t those
 * of the headers less the given ones (CLI_T_POLICY_REMOVE). */
static int
raw_recipients(struct submission *s, struct rcpt_list *raw, struct err *e)
{
	const struct submit_ctx *c = s->c;
	struct strv given = STRV_INIT, given_q = STRV_INIT, hdr_q = STRV_INIT;
	struct strv kept_q = STRV_INIT;
	struct addr_list hl = ADDR_LIST_INIT;
	size_t i;
	int rc = -1;

	if (!c->extract_rcpts)
		return given_recipients(c, raw, e);
	for (i = 0; c->rcpts != NULL && i < c->rcpts->n; i++)
		if (list_specs(c->rcpts->v[i].addr, strlen(c->rcpts->v[i].addr),
		    &given, e) < 0)
			goto done;
	if (headers_recipients(&s->hl, &hl, e) < 0)
		goto done;
	for (i = 0; i < given.n; i++)
		strv_take(&given_q, qualified(s, given.v[i]));
	for (i = 0; i < hl.n; i++) {
		char *spec = addr_format_spec(hl.v[i].local, hl.v[i].domain);

		strv_take(&hdr_q, qualified(s, spec));
		free(spec);
	}
	cli_t_recipients(&hdr_q, &given_q, &kept_q);
	/* Compared qualified, kept as written: "root" must still reach the
	 * alias table, which "root@domain" would not. */
	for (i = 0; i < hl.n; i++) {
		char *spec = addr_format_spec(hl.v[i].local, hl.v[i].domain);
		char *q = qualified(s, spec);

		if (strv_contains(&kept_q, q, 0))
			rcpt_list_add(raw, spec, NULL, c->notify);
		free(spec);
		free(q);
	}
	rc = 0;
done:
	strv_free(&kept_q);
	addr_list_free(&hl);
	strv_free(&given);
	strv_free(&given_q);
	strv_free(&hdr_q);
	return rc;
}

static int
choose_recipients(struct submission *s, struct err *e)
{
	struct rcpt_list raw = RCPT_LIST_INIT;
	struct strv all = STRV_INIT;
	size_t i, k;
	int rc = -1;

	if (raw_recipients(s, &raw, e) < 0)
		goto done;
	/* Each address an alias expands to (once, the first time) keeps the
	 * ORCPT and NOTIFY of the address given. */
	for (i = 0; i < raw.n; i++) {
		const struct rcpt *r = &raw.v[i];

		k = all.n;
		if (rewrite_recipient(s->c->rw, r->addr, &all, NULL, e) < 0)
			goto done;
		for (; k < all.n; k++)
			rcpt_list_add(&s->rcpts, all.v[k], r->orcpt, r->notify);
	}
	for (i = 0; i < s->rcpts.n; i++) {
		char *local = NULL, *domain = NULL;
		int r = split_spec(s->rcpts.v[i].addr, &local, &domain, e);

		if (r == 0)
			r = addr_check_envelope(local, domain, NULL, e);
		free(local);
		free(domain);
		if (r < 0) {
			err_wrap(e, _("recipient %s"), s->rcpts.v[i].addr);
			goto done;
		}
	}
	if (s->rcpts.n == 0) {
		if (s->c->extract_rcpts)
			err_set(e, EX_DATAERR, _("no recipient addresses found in the "
			    "message's To:, Cc: or Bcc: headers (-t); add one, or give "
			    "the recipients as arguments without -t"));
		else
			err_set(e, EX_USAGE, _("no recipients given; name them as "
			    "arguments, or use -t to take them from the headers"));
		goto done;
	}
	rc = 0;
done:
	strv_free(&all);
	rcpt_list_free(&raw);
	return rc;
}

/* ---- header rewriting callbacks ---------------------------------------- */

static int
rewrite_cb(struct submission *s, int sender, const char *local,
    const char *domain, char **new_local, char **new_domain)
{
	struct err e;
	char *spec = addr_format_spec(local, domain), *res;
	int changed = 0;

	if (local[0] == '\0') {
		free(spec);
		return 0;
	}
	res = sender ? rewrite_sender(s->c->rw, spec, &e) :
	    rewrite_header_recipient(s->c->rw, spec, &e);
	if (res != NULL && strcmp(res, spec) != 0 &&
	    split_spec(res, new_local, new_domain, &e) == 0)
		changed = 1;
	free(res);
	free(spec);
	return changed;
}

static int
rewrite_rcpt_cb(void *arg, const char *local, const char *domain,
    char **new_local, char **new_domain)
{
	return rewrite_cb(arg, 0, local, domain, new_local, new_domain);
}

static int
rewrite_sender_cb(void *arg, const char *local, const char *domain,
    char **new_local, char **new_domain)
{
	return rewrite_cb(arg, 1, local, domain, new_local, new_domain);
}

static const char *const rcpt_fields[] = {
	"To", "Cc", "Resent-To", "Resent-Cc", NULL
};
static const char *const sender_fields[] = {
	"From", "Sender", "Reply-To", "Resent-From", "Resent-Sender",
	"Resent-Reply-To", "Errors-To", "Return-Receipt-To", NULL
};

/* ---- the header policy -------------------------------------------------- */

static int
complete_headers(struct submission *s, const char *display, struct err *e)
{
	const struct submit_ctx *c = s->c;
	struct headers_info info;
	char msgid_left[64], *from_local = NULL, *from_domain = NULL;
	const char *from_spec = s->sender;
	char *user_spec = NULL;
	struct tm tm;

	if (from_spec[0] == '\0') {
		user_spec = rewrite_sender(c->rw, c->id->user, e);
		if (user_spec == NULL)
			return -1;
		from_spec = user_spec;
	}
	if (split_spec(from_spec, &from_local, &from_domain, e) < 0) {
		free(user_spec);
		return -1;
	}
	gmtime_r(&c->now, &tm);
	snprintf(msgid_left, sizeof(msgid_left), "%04d%02d%02d%02d%02d%02d.%s",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, s->msg.id);
	memset(&info, 0, sizeof(info));
	info.now = c->now;
	info.from_display = c->full_name != NULL ? c->full_name :
	    display != NULL ? display : c->id->fullname;
	info.from_local = from_local;
	info.from_domain = from_domain;
	info.msgid_left = msgid_left;
	info.msgid_domain = c->rw->qualify_domain;
	info.host = c->id->fqdn;
	info.qid = s->msg.id;
	info.uid = (unsigned long)c->id->uid;
	headers_rewrite(&s->hl, rcpt_fields, rewrite_rcpt_cb, s);
	headers_rewrite(&s->hl, sender_fields, rewrite_sender_cb, s);
	if (c->from_address != NULL)
		(void)from_policy_headers(&s->hl, c->from_address);
	headers_complete(&s->hl, &info);
	headers_add_received(&s->hl, &info);
	free(from_local);
	free(from_domain);
	free(user_spec);
	return 0;
}

static int
apply_policy(struct submission *s, struct err *e)
{
	const struct submit_ctx *c = s->c;
	struct buf hdr = BUF_INIT;
	char *display = NULL;
	size_t hops = headers_hops(&s->hl) + (size_t)(c->hop_count > 0 ? c->hop_count : 0);
	int rc = -1;

	if (c->max_hops > 0 && hops >= (size_t)c->max_hops) {
		err_set(e, EX_DATAERR, _("mail loop: the message has already passed "
		    "%zu hosts (limit %ld, MaxHopCount); refusing it"), hops, c->max_hops);
		goto done;
	}
	if (choose_sender(s, &display, e) < 0 || choose_recipients(s, e) < 0)
		goto done;
	headers_strip_bcc(&s->hl);
	if (complete_headers(s, display, e) < 0)
		goto done;
	headers_serialize(&s->hl, &hdr);
	s->utf8_headers = is_raw_utf8(hdr.data, hdr.len);
	if (emit(s, hdr.data, hdr.len, e) < 0)
		goto done;
	s->in_body = 1;
	rc = 0;
done:
	free(display);
	buf_free(&hdr);
	return rc;
}

/* Drains the parser's events; at END runs the policy and writes the line
 * that ended the headers, if any, as the first body line. */
static int
drain(struct submission *s, struct err *e)
{
	struct rfc5322_event ev;
	enum rfc5322_ev t;

	while ((t = rfc5322_next(&s->parser, &ev)) != RFC5322_NONE) {
		if (t == RFC5322_FIELD) {
			headers_collect(&s->hl, &ev);
		} else if (t == RFC5322_END) {
			if (apply_policy(s, e) < 0)
				return -1;
			if (ev.line != NULL && (emit(s, ev.line, ev.line_len, e) < 0 ||
			    emit(s, "\n", 1, e) < 0))
				return -1;
		} else if (t == RFC5322_BODY) {
			if (emit(s, ev.line, ev.line_len, e) < 0 || emit(s, "\n", 1, e) < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- the public face ---------------------------------------------------- */

struct submission *
submit_begin(const struct submit_ctx *c, struct err *e)
{
	struct submission *s = xcalloc(1, sizeof(*s));

	s->c = c;
	sigset_t old;
	int rc;

	rfc5322_init(&s->parser);
	headers_init(&s->hl);
	/* Killed while stdin streams in, the front end removes tmp/ID. */
	tmpguard_block(&old);
	rc = queue_msg_create(c->queue, &s->msg, e);
	if (rc == 0)
		(void)tmpguard_arm(s->msg.body.path);
	tmpguard_unblock(&old);
	if (rc < 0) {
		submit_free(s);
		return NULL;
	}
	s->created = 1;
	return s;
}

int
submit_line(struct submission *s, const char *p, size_t n, int eol,
    struct err *e)
{
	int r;

	if (s->failed)
		return err_set(e, EX_SOFTWARE, "submit_line after a failure");
	if (s->in_body) {
		r = emit(s, p, n, e);
		if (r == 0 && eol)
			r = emit(s, "\n", 1, e);
	} else if (!eol || s->pending.len > 0) {
		if (s->pending.len + n > RFC5322_MAX_LINE) {
			r = err_set(e, EX_DATAERR, _("a header line of the message is "
			    "longer than %u bytes"), RFC5322_MAX_LINE);
		} else {
			buf_add(&s->pending, p, n);
			r = 0;
			if (eol) {
				r = rfc5322_push(&s->parser, s->pending.data, s->pending.len, e);
				if (r == 0)
					r = drain(s, e);
				buf_reset(&s->pending);
			}
		}
	} else {
		r = rfc5322_push(&s->parser, p, n, e);
		if (r == 0)
			r = drain(s, e);
	}
	if (r < 0)
		s->failed = 1;
	return r;
}

int
submit_end(struct submission *s, const char **qid, struct err *e)
{
	const struct submit_ctx *c = s->c;
	struct envelope env;
	size_t i;
	int rc = -1;

	envelope_init(&env);
	if (s->failed)
		return err_set(e, EX_SOFTWARE, "submit_end after a failure");
	if (!s->in_body) {
		if (s->pending.len > 0 && (rfc5322_push(&s->parser, s->pending.data,
		    s->pending.len, e) < 0 || drain(s, e) < 0))
			goto done;
		if (rfc5322_finish(&s->parser, e) < 0 || drain(s, e) < 0)
			goto done;
	}
	if (flush_out(s, e) < 0)
		goto done;
	envelope_set(&env.sender, s->sender);
	env.created = c->now;
	env.uid = c->id->uid;
	envelope_set(&env.user, c->id->user);
	env.ret = (enum envelope_ret)c->ret;
	envelope_set(&env.envid, c->envid);
	env.body = s->eightbit ? ENVELOPE_BODY_8BITMIME : (enum envelope_body)c->body;
	if (s->utf8_headers)
		env.flags |= ENVELOPE_F_UTF8_HEADERS;
	for (i = 0; i < s->rcpts.n; i++) {
		struct rcpt *r = envelope_add_rcpt(&env, s->rcpts.v[i].addr);

		r->notify = s->rcpts.v[i].notify;
		envelope_set(&r->orcpt, s->rcpts.v[i].orcpt);
	}
	if (queue_msg_commit(c->queue, &s->msg, &env, e) < 0)
		goto done;
	tmpguard_disarm();
	s->committed = 1;
	*qid = s->msg.id;
	rc = 0;
done:
	if (rc < 0)
		s->failed = 1;
	envelope_free(&env);
	return rc;
}

const struct rcpt_list *
submit_recipients(const struct submission *s)
{
	return &s->rcpts;
}

void
submit_free(struct submission *s)
{
	if (s == NULL)
		return;
	if (s->created && !s->committed) {
		queue_msg_abort(s->c->queue, &s->msg);
		tmpguard_disarm();
	}
	rfc5322_free(&s->parser);
	headers_free(&s->hl);
	buf_free(&s->pending);
	buf_free(&s->out);
	free(s->sender);
	rcpt_list_free(&s->rcpts);
	free(s);
}

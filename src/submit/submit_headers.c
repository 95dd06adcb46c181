/* submit_headers.c — the header policy of one submission, run once at the
 * end of the header section (see submit_int.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "lib/i18n.h"
#include "lib/utf8.h"
#include "message/addr.h"
#include "message/headers.h"
#include "rewrite/from_policy.h"
#include "submit/submit_int.h"

/* 1 when p[0..n) has bytes above 0x7F and they all form well-formed
 * UTF-8 sequences (RFC 3629): headers that SMTPUTF8 (RFC 6531/6532) can
 * carry as they are.  Other 8-bit bytes (Latin-1 and the like) are not
 * UTF-8 and stay plain 8-bit data. */
static int
is_raw_utf8(const char *p, size_t n)
{
	size_t i = 0;
	long cp;
	int any = 0;

	while (i < n) {
		i += utf8_next(p + i, n - i, &cp);
		if (cp < 0)
			return 0;
		any |= cp >= 0x80;
	}
	return any;
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
	    submit_split_spec(res, new_local, new_domain, &e) == 0)
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

static const char *const rcpt_fields[] = { "To", "Cc", "Resent-To", "Resent-Cc",
	NULL };
static const char *const sender_fields[] = { "From", "Sender", "Reply-To",
	"Resent-From", "Resent-Sender", "Resent-Reply-To", "Errors-To",
	"Return-Receipt-To", NULL };

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
	if (submit_split_spec(from_spec, &from_local, &from_domain, e) < 0) {
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
	    display != NULL                      ? display :
	                                           c->id->fullname;
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

int
submit_header_policy(struct submission *s, struct err *e)
{
	const struct submit_ctx *c = s->c;
	struct buf hdr = BUF_INIT;
	char *display = NULL;
	size_t hops = headers_hops(&s->hl) +
	    (size_t)(c->hop_count > 0 ? c->hop_count : 0);
	int rc = -1;

	if (c->max_hops > 0 && hops >= (size_t)c->max_hops) {
		err_set(e, EX_DATAERR,
		    _("mail loop: the message has already passed "
		      "%zu hosts (limit %ld, MaxHopCount); refusing it"),
		    hops, c->max_hops);
		goto done;
	}
	if (submit_choose_sender(s, &display, e) < 0 ||
	    submit_choose_recipients(s, e) < 0)
		goto done;
	headers_strip_bcc(&s->hl);
	if (complete_headers(s, display, e) < 0)
		goto done;
	headers_serialize(&s->hl, &hdr);
	s->utf8_headers = is_raw_utf8(hdr.data, hdr.len);
	if (submit_emit(s, hdr.data, hdr.len, e) < 0)
		goto done;
	s->in_body = 1;
	rc = 0;
done:
	free(display);
	buf_free(&hdr);
	return rc;
}

/* submit_addrs.c — the envelope's addresses for one submission: the
 * sender, the recipients given (command line, RCPT TO) or taken from the
 * headers (-t), alias expansion, each recipient's ORCPT and NOTIFY (see
 * submit_int.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "message/addr.h"
#include "options/cli.h"
#include "rewrite/from_policy.h"
#include "submit/submit_int.h"

/* Splits an addr-spec into an unquoted local part and a domain. */
int
submit_split_spec(const char *spec, char **local, char **domain, struct err *e)
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

int
submit_choose_sender(struct submission *s, char **display, struct err *e)
{
	const struct submit_ctx *c = s->c;

	char *given;

	s->sender = submit_envelope_sender(c->rw,
	    c->sender != NULL ? c->sender : c->id->user, display, e);
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
given_recipients(const struct submit_ctx *c, struct rcpt_list *raw,
    struct err *e)
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

int
submit_choose_recipients(struct submission *s, struct err *e)
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
		int r =
		    submit_split_spec(s->rcpts.v[i].addr, &local, &domain, e);

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
			err_set(e, EX_DATAERR,
			    _("no recipient addresses found in the "
			      "message's To:, Cc: or Bcc: headers (-t); add one, or give "
			      "the recipients as arguments without -t"));
		else
			err_set(e, EX_USAGE,
			    _("no recipients given; name them as "
			      "arguments, or use -t to take them from the headers"));
		goto done;
	}
	rc = 0;
done:
	strv_free(&all);
	rcpt_list_free(&raw);
	return rc;
}

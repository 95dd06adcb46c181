/* rcpt.c — one recipient record: its list, the NOTIFY words, the stored
 * reply (see rcpt.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/xalloc.h"
#include "message/rcpt.h"

/* Bit i is notify_words[i]. */
static const char *const notify_words[] = { "NEVER", "SUCCESS", "FAILURE",
	"DELAY" };
#define NWORDS (sizeof(notify_words) / sizeof(notify_words[0]))

struct rcpt *
rcpt_list_add(struct rcpt_list *l, const char *addr, const char *orcpt,
    unsigned notify)
{
	struct rcpt *r;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	r = &l->v[l->n++];
	memset(r, 0, sizeof(*r));
	r->addr = xstrdup(addr);
	r->orcpt = orcpt != NULL && *orcpt != '\0' ? xstrdup(orcpt) : NULL;
	r->notify = notify;
	r->state = RCPT_PENDING;
	return r;
}

void
rcpt_free(struct rcpt *r)
{
	free(r->addr);
	free(r->orcpt);
	rcpt_reply_clear(&r->reply);
	r->addr = r->orcpt = NULL;
}

void
rcpt_list_free(struct rcpt_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		rcpt_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

unsigned
rcpt_notify_word(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < NWORDS; i++)
		if (strlen(notify_words[i]) == n &&
		    strncasecmp(notify_words[i], s, n) == 0)
			return 1u << i;
	return 0;
}

int
rcpt_notify_parse(const char *s, unsigned *notify)
{
	unsigned set = 0, bit;
	size_t n;

	if (*s == '\0')
		return -1;
	for (;;) {
		n = strcspn(s, ",");
		bit = rcpt_notify_word(s, n);
		if (bit == 0 || (set & bit))
			return -1;
		set |= bit;
		if (s[n] == '\0')
			break;
		s += n + 1;
	}
	if ((set & RCPT_NOTIFY_NEVER) && set != RCPT_NOTIFY_NEVER)
		return -1;
	*notify = set;
	return 0;
}

void
rcpt_notify_format(unsigned notify, struct buf *out)
{
	size_t i;
	int first = 1;

	for (i = 0; i < NWORDS; i++) {
		if (!(notify & (1u << i)))
			continue;
		if (!first)
			buf_addc(out, ',');
		buf_adds(out, notify_words[i]);
		first = 0;
	}
}

void
rcpt_reply_clear(struct rcpt_reply *rr)
{
	free(rr->text);
	memset(rr, 0, sizeof(*rr));
}

void
rcpt_reply_set(struct rcpt_reply *rr, int code, const char *status,
    const char *text)
{
	rcpt_reply_clear(rr);
	rr->code = code;
	snprintf(rr->status, sizeof(rr->status), "%s", status ? status : "");
	rr->text = xstrdup(text ? text : "");
}

void
rcpt_reply_format(const struct rcpt_reply *rr, struct buf *out)
{
	if (rr->text == NULL)
		return;
	if (rr->code == 0) {
		buf_adds(out, rr->text);
		return;
	}
	buf_printf(out, "%d%s%s%s%s", rr->code, rr->status[0] ? " " : "",
	    rr->status, rr->text[0] ? " " : "", rr->text);
}

const char *
rcpt_reply_status(const struct rcpt_reply *rr, char *dst, const char *fallback)
{
	int c = rr->code / 100;

	if (rr->text == NULL || rr->code == 0)
		return fallback;
	if (rr->status[0] != '\0')
		return rr->status;
	if (c == 2 || c == 4 || c == 5) {
		snprintf(dst, RCPT_STATUS_MAX, "%d.0.0", c);
		return dst;
	}
	return fallback;
}

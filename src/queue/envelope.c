/* envelope.c — envelope state files: the model, escaping, NOTIFY words,
 * the field tables and the formatter (see envelope.h and doc/QUEUE.md).
 * The parser is in envelope_parse.c; the tables drive both directions. */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/record.h"
#include "lib/xalloc.h"
#include "queue/envelope.h"
#include "queue/envelope_int.h"

#define EF(k, kind, m, req) \
	{ \
		k, kind, offsetof(struct envelope, m), req, 0, 0 \
	}
const struct envelope_field envelope_env_fields[] = {
	EF("id", K_REQSTR, id, 1),
	EF("created", K_TIME, created, 1),
	EF("size", K_ULL, size, 2),
	EF("uid", K_UID, uid, 0),
	EF("user", K_STR, user, 0),
	EF("sender", K_REQSTR, sender, 1),
	EF("ret", K_RET, ret, 0),
	EF("envid", K_STR, envid, 0),
	EF("body", K_BODY, body, 0),
	EF("flags", K_FLAGS, flags, 0),
	EF("attempts", K_UINT, attempts, 0),
	EF("last-attempt", K_TIME, last_attempt, 0),
	EF("next-attempt", K_TIME, next_attempt, 0),
	EF("last-error", K_REPLY, last_error, 0),
};

#define RF(k, kind, m, since, until) \
	{ \
		k, kind, offsetof(struct rcpt, m), 0, since, until \
	}
const struct envelope_field envelope_rcpt_fields[] = {
	RF("rcpt-state", K_STATE, state, 0, 0),
	RF("rcpt-notify", K_NOTIFY, notify, 0, 0),
	RF("rcpt-orcpt", K_STR, orcpt, 0, 0),
	RF("rcpt-attempts", K_UINT, attempts, 0, 0),
	RF("rcpt-last-attempt", K_TIME, last_attempt, 0, 0),
	RF("rcpt-reply", K_LINE, reply, 1, 2),
	RF("rcpt-code", K_CODE, reply.code, 3, 0),
	RF("rcpt-status", K_STATUS, reply.status, 3, 0),
	RF("rcpt-text", K_STR, reply.text, 3, 0),
	RF("rcpt-reported", K_TIME, reported, 0, 0),
};

#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))
const size_t envelope_env_nfields = NFIELDS(envelope_env_fields);
const size_t envelope_rcpt_nfields = NFIELDS(envelope_rcpt_fields);

const char *const envelope_state_names[] = { "pending", "done", "failed" };
const char *const envelope_ret_names[] = { "", "FULL", "HDRS" };
const char *const envelope_body_names[] = { "", "7BIT", "8BITMIME" };
const char *const envelope_flag_names[] = { "held", "maybe-delivered", "warned",
	"session-deferred", "utf8-headers" };
const size_t envelope_flag_nnames = NFIELDS(envelope_flag_names);

/* The recipients are a struct rcpt_list spelled out in struct envelope
 * (rcpt, nrcpt, rcpt_cap); these lend them to rcpt.c and take them back. */
static struct rcpt_list
lend(struct envelope *e)
{
	struct rcpt_list l = { e->rcpt, e->nrcpt, e->rcpt_cap };

	return l;
}

static void
take_back(struct envelope *e, const struct rcpt_list *l)
{
	e->rcpt = l->v;
	e->nrcpt = l->n;
	e->rcpt_cap = l->cap;
}

void
envelope_init(struct envelope *e)
{
	memset(e, 0, sizeof(*e));
	e->version = ENVELOPE_VERSION;
}

void
envelope_free(struct envelope *e)
{
	struct rcpt_list l = lend(e);

	rcpt_list_free(&l);
	free(e->id);
	free(e->sender);
	free(e->user);
	free(e->envid);
	free(e->last_error);
	envelope_init(e);
}

void
envelope_set(char **slot, const char *s)
{
	free(*slot);
	*slot = s ? xstrdup(s) : NULL;
}

struct rcpt *
envelope_add_rcpt(struct envelope *e, const char *addr)
{
	struct rcpt_list l = lend(e);
	struct rcpt *r = rcpt_list_add(&l, addr, NULL, 0);

	take_back(e, &l);
	return r;
}

size_t
envelope_count(const struct envelope *e, enum rcpt_state st)
{
	size_t i, n = 0;

	for (i = 0; i < e->nrcpt; i++)
		n += e->rcpt[i].state == st;
	return n;
}

size_t
envelope_unreported(const struct envelope *e)
{
	size_t i, n = 0;

	for (i = 0; i < e->nrcpt; i++)
		n +=
		    e->rcpt[i].state == RCPT_FAILED && e->rcpt[i].reported == 0;
	return n;
}

int
envelope_settle_flags(struct envelope *e)
{
	if (!(e->flags & ENVELOPE_F_MAYBE_DELIVERED) ||
	    envelope_count(e, RCPT_PENDING) > 0)
		return 0;
	e->flags &= ~ENVELOPE_F_MAYBE_DELIVERED;
	return 1;
}

const char *
envelope_state_name(enum rcpt_state st)
{
	return (unsigned)st < 3 ? envelope_state_names[st] : "?";
}

/* ---- words ------------------------------------------------------------ */

int
envelope_word_index(const char *const *names, size_t count, const char *s,
    size_t n)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (strlen(names[i]) == n && strncasecmp(names[i], s, n) == 0)
			return (int)i;
	return -1;
}

int
envelope_wordset_parse(const char *const *names, size_t count, const char *s,
    unsigned *out)
{
	unsigned set = 0;
	const char *end;
	int idx;

	if (*s == '\0')
		return -1;
	for (;;) {
		end = strchr(s, ',');
		if (end == NULL)
			end = s + strlen(s);
		idx = envelope_word_index(names, count, s, (size_t)(end - s));
		if (idx < 0 || (set & (1u << idx)))
			return -1;
		set |= 1u << idx;
		if (*end == '\0')
			break;
		s = end + 1;
	}
	*out = set;
	return 0;
}

/* ---- format ------------------------------------------------------------ */

static void
format_wordset(struct buf *out, const char *const *names, size_t count,
    unsigned set)
{
	size_t i;
	int first = 1;

	for (i = 0; i < count; i++) {
		if (!(set & (1u << i)))
			continue;
		if (!first)
			buf_addc(out, ',');
		buf_adds(out, names[i]);
		first = 0;
	}
}

/* Appends "key value\n" for field f of object base, unless unset. */
static void
format_field(struct buf *out, const struct envelope_field *f, const void *base)
{
	const char *p = (const char *)base + f->off;
	unsigned long long v = 0;
	const char *s = NULL;

	switch (f->kind) {
	case K_STR:
	case K_REPLY:
	case K_REQSTR:
		s = *(char *const *)(const void *)p;
		if (s == NULL && f->kind != K_REQSTR)
			return;
		buf_adds(out, f->key);
		if (s != NULL && *s != '\0') {
			buf_addc(out, ' ');
			record_escape(out, s, strlen(s));
		}
		buf_addc(out, '\n');
		return;
	case K_LINE:
		return; /* read from versions 1 and 2, never written */
	case K_STATUS:
		s = (const char *)p;
		break;
	case K_CODE:
	case K_UINT:
		v = *(const unsigned *)(const void *)p;
		break;
	case K_ULL:
		v = *(const unsigned long long *)(const void *)p;
		break;
	case K_TIME:
		v = (unsigned long long)*(const time_t *)(const void *)p;
		break;
	case K_UID:
		v = *(const uid_t *)(const void *)p;
		break;
	case K_RET:
	case K_BODY:
		v = *(const unsigned *)(const void *)p;
		s = v > 2            ? "" :
		    f->kind == K_RET ? envelope_ret_names[v] :
		                       envelope_body_names[v];
		break;
	case K_STATE:
		s = envelope_state_name(
		    *(const enum rcpt_state *)(const void *)p);
		break;
	case K_FLAGS:
	case K_NOTIFY:
		v = *(const unsigned *)(const void *)p;
		if (v == 0)
			return;
		buf_printf(out, "%s ", f->key);
		if (f->kind == K_FLAGS)
			format_wordset(out, envelope_flag_names,
			    envelope_flag_nnames, (unsigned)v);
		else
			rcpt_notify_format((unsigned)v, out);
		buf_addc(out, '\n');
		return;
	}
	if (s != NULL) {
		if (*s != '\0')
			buf_printf(out, "%s %s\n", f->key, s);
		return;
	}
	if (v != 0 || f->required)
		buf_printf(out, "%s %llu\n", f->key, v);
}

void
envelope_format(const struct envelope *e, struct buf *out)
{
	size_t i, j;

	record_begin(out, ENVELOPE_MAGIC, ENVELOPE_VERSION);
	for (i = 0; i < envelope_env_nfields; i++)
		format_field(out, &envelope_env_fields[i], e);
	for (i = 0; i < e->nrcpt; i++) {
		buf_adds(out, "rcpt ");
		record_escape(out, e->rcpt[i].addr, strlen(e->rcpt[i].addr));
		buf_addc(out, '\n');
		for (j = 0; j < envelope_rcpt_nfields; j++)
			format_field(out, &envelope_rcpt_fields[j],
			    &e->rcpt[i]);
	}
	record_end(out);
}

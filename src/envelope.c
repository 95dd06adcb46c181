/* envelope.c — envelope state files: model, format and parser (see
 * envelope.h and doc/QUEUE.md).  The field tables drive both directions. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "envelope.h"
#include "i18n.h"
#include "xalloc.h"

#define MAGIC "relayq-envelope"

enum kind { K_STR, K_REQSTR, K_UINT, K_ULL, K_TIME, K_UID, K_RET, K_BODY,
	K_FLAGS, K_STATE, K_NOTIFY };

struct field {
	const char *key;
	enum kind kind;
	size_t off;
	int required;      /* 1: required; 2: always written, optional */
};

#define EF(k, kind, m, req) { k, kind, offsetof(struct envelope, m), req }
static const struct field env_fields[] = {
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
	EF("last-error", K_STR, last_error, 0),
};

#define RF(k, kind, m) { k, kind, offsetof(struct envelope_rcpt, m), 0 }
static const struct field rcpt_fields[] = {
	RF("rcpt-state", K_STATE, state),
	RF("rcpt-notify", K_NOTIFY, notify),
	RF("rcpt-orcpt", K_STR, orcpt),
	RF("rcpt-attempts", K_UINT, attempts),
	RF("rcpt-last-attempt", K_TIME, last_attempt),
	RF("rcpt-reply", K_STR, reply),
};

#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

static const char *const state_names[] = { "pending", "done", "failed" };
static const char *const ret_names[] = { "", "FULL", "HDRS" };
static const char *const body_names[] = { "", "7BIT", "8BITMIME" };
static const char *const flag_names[] = { "held", "maybe-delivered",
	"warned" };
static const char *const notify_names[] = { "NEVER", "SUCCESS", "FAILURE",
	"DELAY" };

void
envelope_init(struct envelope *e)
{
	memset(e, 0, sizeof(*e));
	e->version = ENVELOPE_VERSION;
}

void
envelope_free(struct envelope *e)
{
	size_t i;

	for (i = 0; i < e->nrcpt; i++) {
		free(e->rcpt[i].addr);
		free(e->rcpt[i].orcpt);
		free(e->rcpt[i].reply);
	}
	free(e->rcpt);
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

struct envelope_rcpt *
envelope_add_rcpt(struct envelope *e, const char *addr)
{
	struct envelope_rcpt *r;

	if (e->nrcpt == e->rcpt_cap) {
		e->rcpt_cap = e->rcpt_cap ? e->rcpt_cap * 2 : 4;
		e->rcpt = xreallocarray(e->rcpt, e->rcpt_cap, sizeof(*e->rcpt));
	}
	r = &e->rcpt[e->nrcpt++];
	memset(r, 0, sizeof(*r));
	r->addr = xstrdup(addr);
	r->state = ENVELOPE_RCPT_PENDING;
	return r;
}

size_t
envelope_count(const struct envelope *e, enum envelope_rcpt_state st)
{
	size_t i, n = 0;

	for (i = 0; i < e->nrcpt; i++)
		n += e->rcpt[i].state == st;
	return n;
}

int
envelope_settle_flags(struct envelope *e)
{
	if (!(e->flags & ENVELOPE_F_MAYBE_DELIVERED) ||
	    envelope_count(e, ENVELOPE_RCPT_PENDING) > 0)
		return 0;
	e->flags &= ~ENVELOPE_F_MAYBE_DELIVERED;
	return 1;
}

const char *
envelope_state_name(enum envelope_rcpt_state st)
{
	return (unsigned)st < 3 ? state_names[st] : "?";
}

/* ---- escaping ------------------------------------------------------ */

void
envelope_escape(struct buf *out, const char *s, size_t n)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '\\')
			buf_add(out, "\\\\", 2);
		else if (c == '\n')
			buf_add(out, "\\n", 2);
		else if (c == '\r')
			buf_add(out, "\\r", 2);
		else if (c == '\t')
			buf_add(out, "\\t", 2);
		else if (c < 0x20 || c >= 0x7f)
			buf_printf(out, "\\x%02X", c);
		else
			buf_addc(out, (char)c);
	}
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
envelope_unescape(const char *s, size_t n, char **res)
{
	struct buf b = BUF_INIT;
	size_t i;
	int hi, lo;

	buf_add(&b, "", 0);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f)
			goto fail;
		if (c != '\\') {
			buf_addc(&b, (char)c);
			continue;
		}
		if (++i == n)
			goto fail;
		switch (s[i]) {
		case '\\': buf_addc(&b, '\\'); break;
		case 'n': buf_addc(&b, '\n'); break;
		case 'r': buf_addc(&b, '\r'); break;
		case 't': buf_addc(&b, '\t'); break;
		case 'x':
			if (n - i < 3 || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0 || hi * 16 + lo == 0)
				goto fail;
			buf_addc(&b, (char)(hi * 16 + lo));
			i += 2;
			break;
		default:
			goto fail;
		}
	}
	*res = buf_steal(&b);
	return 0;
fail:
	buf_free(&b);
	return -1;
}

/* ---- notify ----------------------------------------------------------- */

void
envelope_notify_format(unsigned notify, struct buf *out)
{
	size_t i;
	int first = 1;

	for (i = 0; i < NFIELDS(notify_names); i++) {
		if (!(notify & (1u << i)))
			continue;
		if (!first)
			buf_addc(out, ',');
		buf_adds(out, notify_names[i]);
		first = 0;
	}
}

/* Matches the word s[0..n) against names; returns the index or -1. */
static int
word_index(const char *const *names, size_t count, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (strlen(names[i]) == n && strncasecmp(names[i], s, n) == 0)
			return (int)i;
	return -1;
}

/* Parses a comma list of words from names into a bit set. */
static int
parse_wordset(const char *const *names, size_t count, const char *s,
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
		idx = word_index(names, count, s, (size_t)(end - s));
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

int
envelope_notify_parse(const char *s, unsigned *notify)
{
	unsigned set;

	if (parse_wordset(notify_names, NFIELDS(notify_names), s, &set) < 0)
		return -1;
	if ((set & ENVELOPE_NOTIFY_NEVER) && set != ENVELOPE_NOTIFY_NEVER)
		return -1;
	*notify = set;
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
format_field(struct buf *out, const struct field *f, const void *base)
{
	const char *p = (const char *)base + f->off;
	unsigned long long v = 0;
	const char *s = NULL;

	switch (f->kind) {
	case K_STR:
	case K_REQSTR:
		s = *(char *const *)(const void *)p;
		if (s == NULL && f->kind == K_STR)
			return;
		buf_adds(out, f->key);
		if (s != NULL && *s != '\0') {
			buf_addc(out, ' ');
			envelope_escape(out, s, strlen(s));
		}
		buf_addc(out, '\n');
		return;
	case K_UINT: v = *(const unsigned *)(const void *)p; break;
	case K_ULL: v = *(const unsigned long long *)(const void *)p; break;
	case K_TIME: v = (unsigned long long)*(const time_t *)(const void *)p; break;
	case K_UID: v = *(const uid_t *)(const void *)p; break;
	case K_RET:
	case K_BODY:
		v = *(const unsigned *)(const void *)p;
		s = v > 2 ? "" : f->kind == K_RET ? ret_names[v] : body_names[v];
		break;
	case K_STATE:
		s = envelope_state_name(*(const enum envelope_rcpt_state *)(const void *)p);
		break;
	case K_FLAGS:
	case K_NOTIFY:
		v = *(const unsigned *)(const void *)p;
		if (v == 0)
			return;
		buf_printf(out, "%s ", f->key);
		if (f->kind == K_FLAGS)
			format_wordset(out, flag_names, NFIELDS(flag_names), (unsigned)v);
		else
			envelope_notify_format((unsigned)v, out);
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

	buf_printf(out, "%s %u\n", MAGIC, ENVELOPE_VERSION);
	for (i = 0; i < NFIELDS(env_fields); i++)
		format_field(out, &env_fields[i], e);
	for (i = 0; i < e->nrcpt; i++) {
		buf_adds(out, "rcpt ");
		envelope_escape(out, e->rcpt[i].addr, strlen(e->rcpt[i].addr));
		buf_addc(out, '\n');
		for (j = 0; j < NFIELDS(rcpt_fields); j++)
			format_field(out, &rcpt_fields[j], &e->rcpt[i]);
	}
	buf_adds(out, "end\n");
}

/* ---- parse ------------------------------------------------------------- */

struct parser {
	struct envelope *env;
	struct envelope_rcpt *rcpt;   /* current recipient, NULL before one */
	unsigned long seen;           /* env_fields seen (bit per index) */
	unsigned long rseen;          /* rcpt_fields seen for this recipient */
	unsigned line;
	struct err *e;
};

static int
perr(struct parser *ps, const char *what)
{
	return err_set(ps->e, EX_DATAERR, _("line %u: %s"), ps->line, what);
}

static int
parse_ull(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (*s == '\0' || (*s == '0' && s[1] != '\0'))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (unsigned long long)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(*s - '0');
	}
	*out = v;
	return 0;
}

/* Stores the (unescaped) value s into field f of base. */
static int
store_field(const struct field *f, void *base, const char *s)
{
	char *p = (char *)base + f->off;
	unsigned long long v;
	unsigned set;
	int idx;

	switch (f->kind) {
	case K_STR:
	case K_REQSTR:
		envelope_set((char **)(void *)p, s);
		return 0;
	case K_UINT:
		if (parse_ull(s, UINT32_MAX, &v) < 0)
			return -1;
		*(unsigned *)(void *)p = (unsigned)v;
		return 0;
	case K_ULL:
		return parse_ull(s, UINT64_MAX, (unsigned long long *)(void *)p);
	case K_TIME:
		if (parse_ull(s, INT64_MAX, &v) < 0)
			return -1;
		*(time_t *)(void *)p = (time_t)v;
		return 0;
	case K_UID:
		if (parse_ull(s, UINT32_MAX - 1, &v) < 0)
			return -1;
		*(uid_t *)(void *)p = (uid_t)v;
		return 0;
	case K_RET:
	case K_BODY:
	case K_STATE:
		idx = f->kind == K_RET ? word_index(ret_names + 1, 2, s, strlen(s)) + 1
		    : f->kind == K_BODY ? word_index(body_names + 1, 2, s, strlen(s)) + 1
		    : word_index(state_names, 3, s, strlen(s));
		if (idx < 0 || (f->kind != K_STATE && idx == 0))
			return -1;
		*(int *)(void *)p = idx;
		return 0;
	case K_FLAGS:
		if (parse_wordset(flag_names, NFIELDS(flag_names), s, &set) < 0)
			return -1;
		*(unsigned *)(void *)p = set;
		return 0;
	case K_NOTIFY:
		return envelope_notify_parse(s, (unsigned *)(void *)p);
	}
	return -1;
}

static const struct field *
find_field(const struct field *t, size_t n, const char *key, size_t *idx)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(t[i].key, key) == 0) {
			*idx = i;
			return &t[i];
		}
	return NULL;
}

/* One "key value" line (value still escaped). */
static int
parse_line(struct parser *ps, char *line)
{
	const struct field *f;
	char *sp = strchr(line, ' ');
	char *val = NULL;
	size_t idx;
	int rc;

	if (sp != NULL)
		*sp = '\0';
	if (envelope_unescape(sp ? sp + 1 : "", sp ? strlen(sp + 1) : 0, &val) < 0)
		return perr(ps, _("bad escape in value"));
	rc = -1;
	if (strcmp(line, "rcpt") == 0) {
		if (*val == '\0') {
			perr(ps, _("empty recipient"));
			goto done;
		}
		if (ps->env->nrcpt >= ENVELOPE_RCPT_MAX) {
			perr(ps, _("too many recipients"));
			goto done;
		}
		ps->rcpt = envelope_add_rcpt(ps->env, val);
		ps->rseen = 0;
		rc = 0;
	} else if ((f = find_field(rcpt_fields, NFIELDS(rcpt_fields), line, &idx))) {
		if (ps->rcpt == NULL)
			perr(ps, _("recipient field before any rcpt line"));
		else if (ps->rseen & (1ul << idx))
			perr(ps, _("duplicate field"));
		else if (store_field(f, ps->rcpt, val) < 0)
			perr(ps, _("bad value"));
		else
			rc = 0;
		ps->rseen |= 1ul << idx;
	} else if ((f = find_field(env_fields, NFIELDS(env_fields), line, &idx))) {
		if (ps->rcpt != NULL)
			perr(ps, _("envelope field after the recipients"));
		else if (ps->seen & (1ul << idx))
			perr(ps, _("duplicate field"));
		else if (store_field(f, ps->env, val) < 0)
			perr(ps, _("bad value"));
		else
			rc = 0;
		ps->seen |= 1ul << idx;
	} else {
		perr(ps, _("unknown field"));
	}
done:
	free(val);
	return rc;
}

static int
parse_version(struct parser *ps, const char *line)
{
	unsigned long long v;

	if (strncmp(line, MAGIC " ", sizeof(MAGIC)) != 0)
		return perr(ps, _("not a relayq envelope"));
	if (parse_ull(line + sizeof(MAGIC), UINT32_MAX, &v) < 0)
		return perr(ps, _("bad version"));
	if (v != ENVELOPE_VERSION)
		return err_set(ps->e, EX_DATAERR, _("envelope version %llu is not "
		    "supported (this relayq reads version %d)"), v, ENVELOPE_VERSION);
	ps->env->version = (unsigned)v;
	return 0;
}

static int
check_complete(struct parser *ps)
{
	size_t i;

	for (i = 0; i < NFIELDS(env_fields); i++)
		if (env_fields[i].required == 1 && !(ps->seen & (1ul << i)))
			return err_set(ps->e, EX_DATAERR,
			    _("required field \"%s\" missing"), env_fields[i].key);
	if (ps->env->id == NULL || *ps->env->id == '\0')
		return err_set(ps->e, EX_DATAERR, _("empty queue id"));
	if (ps->env->nrcpt == 0)
		return err_set(ps->e, EX_DATAERR, _("no recipients"));
	return 0;
}

int
envelope_parse(struct envelope *env, const char *p, size_t len,
    struct err *e)
{
	struct parser ps = { env, NULL, 0, 0, 0, e };
	struct buf line = BUF_INIT;
	const char *nl, *end = p + len;
	int rc = -1, ended = 0;

	envelope_init(env);
	if (len > ENVELOPE_FILE_MAX)
		return err_set(e, EX_DATAERR, _("envelope larger than %u bytes"),
		    ENVELOPE_FILE_MAX);
	while (p < end) {
		ps.line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			perr(&ps, _("truncated (last line has no end)"));
			goto fail;
		}
		if ((size_t)(nl - p) > ENVELOPE_LINE_MAX || memchr(p, '\0', (size_t)(nl - p))) {
			perr(&ps, _("line too long or contains NUL"));
			goto fail;
		}
		buf_reset(&line);
		buf_add(&line, p, (size_t)(nl - p));
		p = nl + 1;
		if (ended) {
			perr(&ps, _("text after the end line"));
			goto fail;
		}
		if (ps.line == 1 ? parse_version(&ps, line.data) < 0 :
		    strcmp(line.data, "end") == 0 ? (ended = 1, 0) :
		    parse_line(&ps, line.data) < 0)
			goto fail;
	}
	if (!ended) {
		err_set(e, EX_DATAERR, ps.line == 0 ? _("empty file") :
		    _("truncated (no end line)"));
		goto fail;
	}
	rc = check_complete(&ps);
fail:
	buf_free(&line);
	return rc;
}

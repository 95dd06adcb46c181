/* envelope_parse.c — the envelope state file parser: a buffer in, a
 * struct envelope out, driven by the field tables shared with the
 * formatter in envelope.c (see envelope_int.h and doc/QUEUE.md). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "lib/record.h"
#include "lib/xalloc.h"
#include "queue/envelope.h"
#include "queue/envelope_int.h"
#include "smtp/result.h"

struct parser {
	struct envelope *env;
	struct rcpt *rcpt;   /* current recipient, NULL before one */
	unsigned long seen;  /* env fields seen (bit per index) */
	unsigned long rseen; /* rcpt fields seen for this recipient */
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

/* An enhanced status code "C.S.D" (RFC 3463: class 2, 4 or 5, subject and
 * detail of 1 to 3 digits) into dst (RCPT_STATUS_MAX bytes). */
static int
store_status(const char *s, char *dst)
{
	size_t i = 2, n;
	int part;

	if ((s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return -1;
	for (part = 0; part < 2; part++) {
		for (n = 0; s[i] >= '0' && s[i] <= '9'; n++)
			i++;
		if (n < 1 || n > 3 || (part == 0 && s[i++] != '.'))
			return -1;
	}
	if (s[i] != '\0')
		return -1;
	memcpy(dst, s, i + 1);
	return 0;
}

/* 1 when field f is part of envelope version v. */
static int
in_version(const struct envelope_field *f, unsigned v)
{
	return (f->since == 0 || v >= f->since) &&
	    (f->until == 0 || v <= f->until);
}

/* Stores the (unescaped) value s into field f of base. */
static int
store_field(const struct envelope_field *f, void *base, const char *s)
{
	char *p = (char *)base + f->off;
	char *reply;
	unsigned long long v;
	unsigned set;
	int idx;

	switch (f->kind) {
	case K_STR:
	case K_REQSTR:
		envelope_set((char **)(void *)p, s);
		return 0;
	case K_REPLY:
		/* A reply as any version stored it (result_stored_reply). */
		reply = xmalloc(strlen(s) + 1);
		result_stored_reply(s, reply, strlen(s) + 1);
		envelope_set((char **)(void *)p, reply);
		free(reply);
		return 0;
	case K_UINT:
		if (parse_ull(s, UINT32_MAX, &v) < 0)
			return -1;
		*(unsigned *)(void *)p = (unsigned)v;
		return 0;
	case K_ULL:
		return parse_ull(s, UINT64_MAX,
		    (unsigned long long *)(void *)p);
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
		idx = f->kind == K_RET ?
		    envelope_word_index(envelope_ret_names + 1, 2, s,
		        strlen(s)) +
		        1 :
		    f->kind == K_BODY ?
		    envelope_word_index(envelope_body_names + 1, 2, s,
		        strlen(s)) +
		        1 :
		    envelope_word_index(envelope_state_names, 3, s, strlen(s));
		if (idx < 0 || (f->kind != K_STATE && idx == 0))
			return -1;
		*(int *)(void *)p = idx;
		return 0;
	case K_FLAGS:
		if (envelope_wordset_parse(envelope_flag_names,
		        envelope_flag_nnames, s, &set) < 0)
			return -1;
		*(unsigned *)(void *)p = set;
		return 0;
	case K_NOTIFY:
		return rcpt_notify_parse(s, (unsigned *)(void *)p);
	case K_LINE:
		/* versions 1 and 2: "550 5.1.1 text" as one line */
		result_stored_fields(s, (struct rcpt_reply *)(void *)p);
		return 0;
	case K_CODE:
		if (parse_ull(s, 999, &v) < 0 || v < 100)
			return -1;
		*(int *)(void *)p = (int)v;
		return 0;
	case K_STATUS:
		return store_status(s, (char *)p);
	}
	return -1;
}

static const struct envelope_field *
find_field(const struct envelope_field *t, size_t n, const char *key,
    size_t *idx)
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
	const struct envelope_field *f;
	char *sp = strchr(line, ' ');
	char *val = NULL;
	size_t idx;
	int rc;

	if (sp != NULL)
		*sp = '\0';
	if (record_unescape(sp ? sp + 1 : "", sp ? strlen(sp + 1) : 0, &val) <
	    0)
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
	} else if ((f = find_field(envelope_rcpt_fields, envelope_rcpt_nfields,
	                line, &idx)) &&
	    in_version(f, ps->env->version)) {
		if (ps->rcpt == NULL)
			perr(ps, _("recipient field before any rcpt line"));
		else if (ps->rseen & (1ul << idx))
			perr(ps, _("duplicate field"));
		else if (store_field(f, ps->rcpt, val) < 0)
			perr(ps, _("bad value"));
		else
			rc = 0;
		ps->rseen |= 1ul << idx;
	} else if ((f = find_field(envelope_env_fields, envelope_env_nfields,
	                line, &idx)) &&
	    in_version(f, ps->env->version)) {
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

/* The version from the first line: one this relayq reads. */
static int
check_version(struct parser *ps, int rc, unsigned long long v)
{
	if (rc == RECORD_BAD_MAGIC)
		return perr(ps, _("not a relayq envelope"));
	if (rc == RECORD_BAD_VERSION)
		return perr(ps, _("bad version"));
	if (rc < 0)
		return -1;
	if (v < ENVELOPE_VERSION_MIN || v > ENVELOPE_VERSION)
		return err_set(ps->e, EX_DATAERR,
		    _("envelope version %llu is not "
		      "supported (this relayq reads versions %d to %d)"),
		    v, ENVELOPE_VERSION_MIN, ENVELOPE_VERSION);
	ps->env->version = (unsigned)v;
	return 0;
}

static int
check_complete(struct parser *ps)
{
	size_t i;

	for (i = 0; i < envelope_env_nfields; i++)
		if (envelope_env_fields[i].required == 1 &&
		    !(ps->seen & (1ul << i)))
			return err_set(ps->e, EX_DATAERR,
			    _("required field \"%s\" missing"),
			    envelope_env_fields[i].key);
	if (ps->env->id == NULL || *ps->env->id == '\0')
		return err_set(ps->e, EX_DATAERR, _("empty queue id"));
	if (ps->env->nrcpt == 0)
		return err_set(ps->e, EX_DATAERR, _("no recipients"));
	return 0;
}

int
envelope_parse(struct envelope *env, const char *p, size_t len, struct err *e)
{
	struct parser ps = { env, NULL, 0, 0, 1, e };
	struct record_reader rd;
	unsigned long long v = 0;
	char *line;
	int rc;

	envelope_init(env);
	if (len > ENVELOPE_FILE_MAX)
		return err_set(e, EX_DATAERR,
		    _("envelope larger than %u bytes"), ENVELOPE_FILE_MAX);
	rc = record_open(&rd, p, len, ENVELOPE_LINE_MAX, ENVELOPE_MAGIC, &v, e);
	if (check_version(&ps, rc, v) < 0) {
		rc = -1;
		goto done;
	}
	while ((rc = record_next(&rd, &line, e)) == 1) {
		ps.line = rd.line;
		if (parse_line(&ps, line) < 0)
			break;
	}
	if (rc == 0)
		rc = check_complete(&ps);
	else
		rc = -1;
done:
	record_close(&rd);
	return rc < 0 ? -1 : 0;
}

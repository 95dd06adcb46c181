/* queue_admin_json.c — the JSON side of queue_admin (see queue_admin.h):
 * a string escaper that always yields valid UTF-8, one object per
 * envelope, the JSON-lines listing. */
#include "config.h"

#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "lib/strv.h"
#include "lib/utf8.h"
#include "queue/queue_admin.h"
#include "queue/queue_admin_int.h"

void
queue_admin_json_string(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	long cp;

	buf_addc(out, '"');
	while (i < n) {
		unsigned char c = p[i];

		switch (c) {
		case '"':
			buf_adds(out, "\\\"");
			break;
		case '\\':
			buf_adds(out, "\\\\");
			break;
		case '\n':
			buf_adds(out, "\\n");
			break;
		case '\r':
			buf_adds(out, "\\r");
			break;
		case '\t':
			buf_adds(out, "\\t");
			break;
		case '\b':
			buf_adds(out, "\\b");
			break;
		case '\f':
			buf_adds(out, "\\f");
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				buf_printf(out, "\\u%04x", c);
			} else if (c < 0x80) {
				buf_addc(out, (char)c);
			} else {
				/* one U+FFFD per ill-formed sequence */
				len = utf8_next(s + i, n - i, &cp);
				if (cp < 0)
					buf_adds(out, "\\ufffd");
				else
					buf_add(out, p + i, len);
				i += len;
				continue;
			}
		}
		i++;
	}
	buf_addc(out, '"');
}

static void
json_str_or_null(struct buf *out, const char *s)
{
	if (s == NULL)
		buf_adds(out, "null");
	else
		queue_admin_json_string(out, s, strlen(s));
}

/* ISO 8601 in UTC, or null for 0 (never / now). */
static void
json_time(struct buf *out, time_t t)
{
	char iso[32];
	struct tm tm;

	if (t == 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		buf_adds(out, "null");
		return;
	}
	buf_printf(out, "\"%s\"", iso);
}

static void
json_rcpt(struct buf *out, const struct rcpt *r)
{
	struct buf line = BUF_INIT;

	buf_adds(out, "{\"address\":");
	json_str_or_null(out, r->addr);
	buf_printf(out, ",\"state\":\"%s\",\"attempts\":%u,\"last_reply\":",
	    envelope_state_name(r->state), r->attempts);
	if (r->reply.text != NULL) {
		rcpt_reply_format(&r->reply, &line);
		json_str_or_null(out, buf_cstr(&line));
	} else {
		json_str_or_null(out, NULL);
	}
	buf_addc(out, '}');
	buf_free(&line);
}

void
queue_admin_json_open(struct buf *out, const struct envelope *env)
{
	size_t i;

	buf_adds(out, "{\"id\":");
	json_str_or_null(out, env->id);
	buf_printf(out, ",\"size\":%llu,\"arrival\":", env->size);
	json_time(out, env->created);
	buf_printf(out,
	    ",\"arrival_epoch\":%lld,\"sender\":", (long long)env->created);
	json_str_or_null(out, env->sender ? env->sender : "");
	buf_printf(out, ",\"held\":%s,\"maybe_delivered\":%s,\"attempts\":%u",
	    (env->flags & ENVELOPE_F_HELD) ? "true" : "false",
	    (env->flags & ENVELOPE_F_MAYBE_DELIVERED) ? "true" : "false",
	    env->attempts);
	buf_adds(out, ",\"last_attempt\":");
	json_time(out, env->last_attempt);
	buf_adds(out, ",\"next_attempt\":");
	json_time(out, env->next_attempt);
	buf_printf(out, ",\"next_attempt_epoch\":%lld,\"last_error\":",
	    (long long)env->next_attempt);
	json_str_or_null(out, env->last_error);
	buf_adds(out, ",\"recipients\":[");
	for (i = 0; i < env->nrcpt; i++) {
		if (i > 0)
			buf_addc(out, ',');
		json_rcpt(out, &env->rcpt[i]);
	}
	buf_addc(out, ']');
}

void
queue_admin_json_envelope(struct buf *out, const struct envelope *env)
{
	queue_admin_json_open(out, env);
	buf_addc(out, '}');
}

void
queue_admin_json_damaged(struct buf *out, const char *id, const char *why)
{
	buf_adds(out, "{\"id\":");
	json_str_or_null(out, id);
	buf_adds(out, ",\"damaged\":true,\"error\":");
	json_str_or_null(out, why);
	buf_addc(out, '}');
}

int
queue_admin_list_json(struct queue *q, struct buf *out, struct err *e)
{
	struct strv ids = STRV_INIT;
	struct envelope env;
	struct err re;
	size_t i;

	if (queue_scan(q, &ids, e) < 0)
		return -1;
	for (i = 0; i < ids.n; i++) {
		err_clear(&re);
		if (queue_env_read(q, ids.v[i], &env, &re) == 0) {
			queue_admin_json_envelope(out, &env);
			buf_addc(out, '\n');
		} else if (re.code != EX_NOINPUT) {
			queue_admin_json_damaged(out, ids.v[i], re.msg);
			buf_addc(out, '\n');
		}
		envelope_free(&env);
	}
	strv_free(&ids);
	return 0;
}

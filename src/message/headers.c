/* headers.c — header list and header policy (see headers.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "lib/xalloc.h"
#include "message/headers.h"

const char *const headers_address_fields[] = { "From", "Sender", "Reply-To",
	"To", "Cc", "Resent-From", "Resent-Sender", "Resent-Reply-To",
	"Resent-To", "Resent-Cc", "Return-Receipt-To",
	"Disposition-Notification-To", "Errors-To", "Mail-Followup-To",
	"Mail-Reply-To", NULL };

/* Fields counted as hops (sendmail counts these three). */
static const char *const hop_fields[] = { "Received", "Mail-From", "Via",
	NULL };

static int
name_in(const char *name, const char *const *names)
{
	for (; *names != NULL; names++)
		if (strcasecmp(name, *names) == 0)
			return 1;
	return 0;
}

static int
is_resent(const char *name)
{
	return strncasecmp(name, "Resent-", 7) == 0;
}

/* ---- the list ---------------------------------------------------------- */

void
headers_init(struct header_list *hl)
{
	hl->v = NULL;
	hl->n = hl->cap = 0;
}

static void
header_free(struct header *h)
{
	free(h->name);
	free(h->raw);
}

void
headers_free(struct header_list *hl)
{
	size_t i;

	for (i = 0; i < hl->n; i++)
		header_free(&hl->v[i]);
	free(hl->v);
	headers_init(hl);
}

void
headers_insert(struct header_list *hl, size_t at, const char *name,
    const char *raw, size_t len, size_t value_off)
{
	struct header *h;

	if (at > hl->n)
		at = hl->n;
	if (hl->n == hl->cap) {
		hl->cap = hl->cap ? hl->cap * 2 : 32;
		hl->v = xreallocarray(hl->v, hl->cap, sizeof(*hl->v));
	}
	memmove(hl->v + at + 1, hl->v + at, (hl->n - at) * sizeof(*hl->v));
	hl->n++;
	h = &hl->v[at];
	h->name = xstrdup(name);
	h->raw = xmalloc(len + 1);
	memcpy(h->raw, raw, len);
	h->raw[len] = '\0';
	h->len = len;
	h->value_off = value_off;
}

void
headers_insert_field(struct header_list *hl, size_t at, const char *name,
    const char *value)
{
	char *raw = xasprintf("%s: %s\n", name, value);

	headers_insert(hl, at, name, raw, strlen(raw), strlen(name) + 1);
	free(raw);
}

int
headers_collect(struct header_list *hl, const struct rfc5322_event *ev)
{
	if (ev->type != RFC5322_FIELD)
		return 0;
	headers_insert(hl, hl->n, ev->name, ev->raw, ev->raw_len,
	    ev->value_off);
	return 1;
}

/* Drains the parser's events; sets *ended and *body_off at END. */
static void
drain(struct rfc5322_parser *p, struct header_list *hl, size_t start,
    size_t next, int *ended, size_t *body_off)
{
	struct rfc5322_event ev;

	while (rfc5322_next(p, &ev) != RFC5322_NONE) {
		headers_collect(hl, &ev);
		if (ev.type != RFC5322_END)
			continue;
		*ended = 1;
		*body_off = ev.line != NULL ? start : next;
	}
}

int
headers_parse(struct header_list *hl, const char *text, size_t len,
    size_t *body_off, struct err *e)
{
	struct rfc5322_parser p;
	size_t start = 0, end, next, off = len, n0 = hl->n;
	const char *nl;
	int ended = 0, r = -1;

	rfc5322_init(&p);
	while (!ended && start < len) {
		nl = memchr(text + start, '\n', len - start);
		end = nl ? (size_t)(nl - text) : len;
		next = nl ? end + 1 : len;
		if (nl != NULL && end > start && text[end - 1] == '\r')
			end--;
		if (rfc5322_push(&p, text + start, end - start, e) < 0)
			goto done;
		drain(&p, hl, start, next, &ended, &off);
		start = next;
	}
	if (!ended) {
		if (rfc5322_finish(&p, e) < 0)
			goto done;
		drain(&p, hl, len, len, &ended, &off);
	}
	if (body_off != NULL)
		*body_off = off;
	r = 0;
done:
	/* On failure hl is as it was: the fields collected so far go. */
	while (r < 0 && hl->n > n0)
		headers_remove_at(hl, hl->n - 1);
	rfc5322_free(&p);
	return r;
}

const char *
headers_value(const struct header *h)
{
	return h->raw + h->value_off;
}

size_t
headers_find(const struct header_list *hl, const char *name, size_t from)
{
	size_t i;

	for (i = from; i < hl->n; i++)
		if (strcasecmp(hl->v[i].name, name) == 0)
			return i;
	return HEADERS_NONE;
}

size_t
headers_count(const struct header_list *hl, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < hl->n; i++)
		n += strcasecmp(hl->v[i].name, name) == 0;
	return n;
}

void
headers_remove_at(struct header_list *hl, size_t i)
{
	header_free(&hl->v[i]);
	memmove(hl->v + i, hl->v + i + 1, (hl->n - i - 1) * sizeof(*hl->v));
	hl->n--;
}

size_t
headers_remove(struct header_list *hl, const char *name)
{
	size_t i = 0, n = 0;

	while ((i = headers_find(hl, name, i)) != HEADERS_NONE) {
		headers_remove_at(hl, i);
		n++;
	}
	return n;
}

void
headers_serialize(const struct header_list *hl, struct buf *out)
{
	size_t i;

	for (i = 0; i < hl->n; i++)
		buf_add(out, hl->v[i].raw, hl->v[i].len);
	buf_addc(out, '\n');
}

/* ---- policy ------------------------------------------------------------ */

size_t
headers_hops(const struct header_list *hl)
{
	size_t i, n = 0;

	for (i = 0; i < hl->n; i++)
		n += name_in(hl->v[i].name, hop_fields);
	return n;
}

static int
seen_in(const struct header_list *hl, size_t from, size_t to, const char *name)
{
	size_t i;

	for (i = from; i < to; i++)
		if (strcasecmp(hl->v[i].name, name) == 0)
			return 1;
	return 0;
}

int
headers_resent_block(const struct header_list *hl, size_t *start, size_t *end)
{
	size_t i, j;

	for (i = 0; i < hl->n && !is_resent(hl->v[i].name); i++)
		;
	if (i == hl->n)
		return 0;
	for (j = i; j < hl->n && is_resent(hl->v[j].name); j++)
		if (seen_in(hl, i, j, hl->v[j].name))
			break; /* a name seen again starts an older block */
	if (start != NULL)
		*start = i;
	if (end != NULL)
		*end = j;
	return 1;
}

int
headers_recipients(const struct header_list *hl, struct addr_list *out,
    struct err *e)
{
	static const char *const plain[] = { "To", "Cc", "Bcc", NULL };
	static const char *const resent[] = { "Resent-To", "Resent-Cc",
		"Resent-Bcc", NULL };
	const char *const *names = plain;
	struct addr_list tmp = ADDR_LIST_INIT;
	size_t i, from = 0, to = hl->n;
	const struct header *h;

	if (headers_resent_block(hl, &from, &to))
		names = resent;
	else
		from = 0, to = hl->n;
	for (i = from; i < to; i++) {
		h = &hl->v[i];
		if (!name_in(h->name, names))
			continue;
		if (addr_parse_list(headers_value(h), h->len - h->value_off,
		        &tmp, e) < 0) {
			addr_list_free(&tmp);
			return err_wrap(e, _("in the %s: header"), h->name);
		}
	}
	for (i = 0; i < tmp.n; i++)
		addr_list_add(out, tmp.v[i].display, tmp.v[i].local,
		    tmp.v[i].domain);
	addr_list_free(&tmp);
	return (int)i;
}

size_t
headers_strip_bcc(struct header_list *hl)
{
	return headers_remove(hl, "Bcc") + headers_remove(hl, "Resent-Bcc");
}

char *
headers_date(time_t t, char out[HEADERS_DATE_MAX])
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu",
		"Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	long off;
	int oh, om;

	if (localtime_r(&t, &tm) == NULL) {
		snprintf(out, HEADERS_DATE_MAX,
		    "Thu, 1 Jan 1970 00:00:00 +0000");
		return out;
	}
	off = tm.tm_gmtoff / 60;
	oh = (int)((off < 0 ? -off : off) / 60 % 100);
	om = (int)((off < 0 ? -off : off) % 60);
	snprintf(out, HEADERS_DATE_MAX,
	    "%s, %d %s %04d %02d:%02d:%02d %c%02d%02d", days[tm.tm_wday % 7],
	    tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+', oh, om);
	return out;
}

/* Adds the field prefix+name (e.g. "Resent-" "Date") at *at when the range
 * [from, to) has no such field; advances *at.  value is freed. */
static size_t
add_missing(struct header_list *hl, size_t from, size_t to, size_t *at,
    const char *prefix, const char *name, char *value)
{
	char full[64];
	size_t i;

	snprintf(full, sizeof(full), "%s%s", prefix, name);
	for (i = from; i < to && strcasecmp(hl->v[i].name, full) != 0; i++)
		;
	if (i < to || value == NULL) {
		free(value);
		return 0;
	}
	headers_insert_field(hl, *at, full, value);
	(*at)++;
	free(value);
	return 1;
}

size_t
headers_complete(struct header_list *hl, const struct headers_info *info)
{
	struct addr_mailbox from;
	char date[HEADERS_DATE_MAX];
	const char *prefix = "";
	size_t from_i = 0, to_i = hl->n, at = hl->n, n = 0, i;
	int visible = 0;

	if (headers_resent_block(hl, &from_i, &to_i)) {
		prefix = "Resent-";
		at = from_i;
	}
	from.display = (char *)info->from_display;
	from.local = (char *)info->from_local;
	from.domain = (char *)info->from_domain;
	n += add_missing(hl, from_i, to_i, &at, prefix, "From",
	    info->from_local ? addr_format_mailbox(&from) : NULL);
	n += add_missing(hl, from_i, to_i + n, &at, prefix, "Date",
	    xstrdup(headers_date(info->now, date)));
	n += add_missing(hl, from_i, to_i + n, &at, prefix, "Message-ID",
	    info->msgid_left && info->msgid_domain ?
	        xasprintf("<%s@%s>", info->msgid_left, info->msgid_domain) :
	        NULL);
	for (i = from_i; i < to_i + n; i++) {
		const char *nm = hl->v[i].name + strlen(prefix);

		if (*prefix != '\0' && !is_resent(hl->v[i].name))
			continue;
		visible |=
		    strcasecmp(nm, "To") == 0 || strcasecmp(nm, "Cc") == 0;
	}
	if (!visible)
		n += add_missing(hl, from_i, from_i, &at, prefix, "To",
		    xstrdup("undisclosed-recipients:;"));
	return n;
}

void
headers_add_received(struct header_list *hl, const struct headers_info *info)
{
	char date[HEADERS_DATE_MAX];
	char *value;

	value = xasprintf("by %s (relayq, from userid %lu)\n\tid %s; %s",
	    info->host, info->uid, info->qid, headers_date(info->now, date));
	headers_insert_field(hl, 0, "Received", value);
	free(value);
}

/* Rewrites the mailboxes of h; returns 1 when the field was re-serialised. */
static int
rewrite_field(struct header *h, headers_rewrite_fn fn, void *arg)
{
	struct addr_list l = ADDR_LIST_INIT;
	struct buf raw = BUF_INIT;
	size_t i, changed = 0;
	char *nl, *nd;

	if (addr_parse_list(headers_value(h), h->len - h->value_off, &l, NULL) <
	    0)
		return 0;
	for (i = 0; i < l.n; i++) {
		nl = nd = NULL;
		if (fn(arg, l.v[i].local, l.v[i].domain, &nl, &nd) != 1)
			continue;
		free(l.v[i].local);
		free(l.v[i].domain);
		l.v[i].local = nl ? nl : xstrdup("");
		l.v[i].domain = nd;
		changed++;
	}
	if (changed > 0) {
		buf_printf(&raw, "%s: ", h->name);
		addr_format_list(&raw, &l, raw.len);
		buf_addc(&raw, '\n');
		free(h->raw);
		h->len = raw.len;
		h->value_off = strlen(h->name) + 1;
		h->raw = buf_steal(&raw);
	}
	addr_list_free(&l);
	return changed > 0;
}

size_t
headers_rewrite(struct header_list *hl, const char *const *names,
    headers_rewrite_fn fn, void *arg)
{
	size_t i, n = 0;

	if (names == NULL)
		names = headers_address_fields;
	for (i = 0; i < hl->n; i++)
		if (name_in(hl->v[i].name, names))
			n += (size_t)rewrite_field(&hl->v[i], fn, arg);
	return n;
}

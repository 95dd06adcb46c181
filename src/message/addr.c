/* addr.c — address lists (see addr.h): a tokenizer, the list walk
 * (groups, elements), mailboxes, and the list container.  Formatting is in
 * addr_format.c, envelope checks in addr_envelope.c; the character class
 * they share with the tokenizer is addr_is_atext (addr_int.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "message/addr.h"
#include "message/addr_int.h"

enum tok_type { TK_ATOM, TK_QSTR, TK_COMMENT, TK_DLIT, TK_SPECIAL };

struct tok {
	enum tok_type type;
	char c;     /* TK_SPECIAL: the character */
	int space;  /* white space or a comment came before it */
	char *text; /* owned; unquoted content for QSTR/COMMENT */
};

struct toks {
	struct tok *v;
	size_t n;
	size_t cap;
};

/* What the parser is looking at, for error messages. */
struct ctx {
	const char *s;
	size_t len;
	struct err *e;
};

int
addr_is_atext(unsigned char c)
{
	if (c >= 0x80)
		return 1; /* RFC 6532: UTF-8 in atoms */
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static int
bad(const struct ctx *x, const char *why)
{
	char snip[96];

	log_sanitize_utf8(snip, sizeof(snip), x->s, x->len < 80 ? x->len : 80);
	return err_set(x->e, EX_DATAERR, _("cannot parse address \"%s%s\": %s"),
	    snip, x->len > 80 ? "..." : "", why);
}

static void
toks_add(struct toks *t, enum tok_type type, char c, int space, char *text)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->v = xreallocarray(t->v, t->cap, sizeof(*t->v));
	}
	t->v[t->n].type = type;
	t->v[t->n].c = c;
	t->v[t->n].space = space;
	t->v[t->n].text = text;
	t->n++;
}

static void
toks_free(struct toks *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->v[i].text);
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

/* Scans a quoted string, comment or domain literal starting at s[*i]
 * (the opening character).  Unfolds (drops CR and LF); resolves quoted
 * pairs except in literals.  Returns the text or NULL when unterminated. */
static char *
scan_delimited(const char *s, size_t len, size_t *i, char close)
{
	struct buf b = BUF_INIT;
	int depth = 1;
	char open = s[*i];

	if (open == '[')
		buf_addc(&b, '[');
	for ((*i)++; *i < len; (*i)++) {
		char c = s[*i];

		if (c == '\r' || c == '\n')
			continue;
		if (c == '\\' && *i + 1 < len && open != '[') {
			buf_addc(&b, s[++*i]);
			continue;
		}
		if (c == close && --depth == 0) {
			(*i)++;
			if (open == '[')
				buf_addc(&b, ']');
			return buf_steal(&b);
		}
		if (open == '(' && c == '(')
			depth++;
		buf_addc(&b, c);
	}
	buf_free(&b);
	return NULL;
}

static int
tokenize(const struct ctx *x, struct toks *t)
{
	const char *s = x->s;
	size_t i = 0, j;
	int space = 0;

	while (i < x->len) {
		unsigned char c = (unsigned char)s[i];
		char *text;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			space = 1;
			i++;
			continue;
		}
		if (c == '"' || c == '(' || c == '[') {
			text = scan_delimited(s, x->len, &i,
			    c == '"'     ? '"' :
			        c == '(' ? ')' :
			                   ']');
			if (text == NULL)
				return bad(x,
				    c == '"' ?
				        _("unterminated quoted string") :
				        c == '(' ?
				        _("unterminated comment") :
				        _("unterminated domain literal"));
			toks_add(t,
			    c == '"'     ? TK_QSTR :
			        c == '(' ? TK_COMMENT :
			                   TK_DLIT,
			    0, space, text);
			space = c == '(';
			continue;
		}
		if (c != '\0' && strchr("<>@,;:.", c) != NULL) {
			toks_add(t, TK_SPECIAL, (char)c, space, NULL);
			space = 0;
			i++;
			continue;
		}
		if (!addr_is_atext(c))
			return bad(x, _("invalid character"));
		for (j = i; j < x->len && addr_is_atext((unsigned char)s[j]);
		     j++)
			;
		toks_add(t, TK_ATOM, 0, space, xstrndup(s + i, j - i));
		space = 0;
		i = j;
	}
	return 0;
}

static int
is_special(const struct tok *k, char c)
{
	return k->type == TK_SPECIAL && k->c == c;
}

/* Joins the tokens [a,b) of a display name: words with one space where the
 * input had white space or a comment, comments left out.  NULL if empty. */
static char *
join_phrase(const struct toks *t, size_t a, size_t b)
{
	struct buf out = BUF_INIT;
	size_t i;
	int space = 0;

	for (i = a; i < b; i++) {
		const struct tok *k = &t->v[i];

		if (k->type == TK_COMMENT) {
			space = 1;
			continue;
		}
		if (out.len > 0 && (k->space || space))
			buf_addc(&out, ' ');
		space = 0;
		if (k->type == TK_SPECIAL)
			buf_addc(&out, k->c);
		else
			buf_adds(&out, k->text);
	}
	if (out.len == 0) { /* "" adds nothing but may allocate */
		buf_free(&out);
		return NULL;
	}
	return buf_steal(&out);
}

/* The text of the first non-blank comment in [a,b), trimmed, or NULL. */
static char *
first_comment(const struct toks *t, size_t a, size_t b)
{
	size_t i, n;
	const char *p;

	for (i = a; i < b; i++) {
		if (t->v[i].type != TK_COMMENT)
			continue;
		p = t->v[i].text + strspn(t->v[i].text, " \t");
		n = strlen(p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n > 0)
			return xstrndup(p, n);
	}
	return NULL;
}

/* Appends words (atoms only, unless qstr) and dots of [*i,b) to out until
 * a token that is neither; two words without a dot between them are an
 * error.  Returns the number of words, or -1. */
static int
dotted(const struct ctx *x, const struct toks *t, size_t *i, size_t b, int qstr,
    struct buf *out)
{
	int last_word = 0, words = 0;

	for (; *i < b; (*i)++) {
		const struct tok *k = &t->v[*i];

		if (k->type == TK_COMMENT)
			continue;
		if (is_special(k, '.')) {
			buf_addc(out, '.');
			last_word = 0;
			continue;
		}
		if (k->type != TK_ATOM && (!qstr || k->type != TK_QSTR))
			break;
		if (last_word)
			return bad(x,
			    _("words without '.' or '@' between them"));
		buf_adds(out, k->text);
		last_word = 1;
		words++;
	}
	return words;
}

/* addr-spec in [a,b): local part, optional "@" domain. */
static int
parse_spec(const struct ctx *x, const struct toks *t, size_t a, size_t b,
    char **local, char **domain)
{
	struct buf lp = BUF_INIT, dom = BUF_INIT;
	size_t i = a;
	int r;

	*local = *domain = NULL;
	if ((r = dotted(x, t, &i, b, 1, &lp)) < 0)
		goto fail;
	if (r == 0) {
		bad(x, _("missing local part"));
		goto fail;
	}
	if (i < b && !is_special(&t->v[i], '@')) {
		bad(x,
		    t->v[i].type == TK_SPECIAL ?
		        _("unexpected special character") :
		        _("unexpected domain literal"));
		goto fail;
	}
	if (i < b) {
		for (i++; i < b && t->v[i].type == TK_COMMENT; i++)
			;
		if (i < b && t->v[i].type == TK_DLIT)
			buf_adds(&dom, t->v[i++].text);
		else if (dotted(x, t, &i, b, 0, &dom) < 0)
			goto fail;
		while (i < b && t->v[i].type == TK_COMMENT)
			i++;
		if (dom.len == 0 || i < b) {
			bad(x,
			    dom.len == 0 ? _("missing domain after '@'") :
			                   _("junk after the domain"));
			goto fail;
		}
		*domain = buf_steal(&dom);
	}
	*local = buf_steal(&lp);
	return 0;
fail:
	buf_free(&lp);
	buf_free(&dom);
	return -1;
}

static size_t
skip_comments(const struct toks *t, size_t i, size_t b)
{
	while (i < b && t->v[i].type == TK_COMMENT)
		i++;
	return i;
}

/* name-addr in [a,b) with '<' at lt: display, optional route, addr-spec. */
static int
parse_angle(const struct ctx *x, const struct toks *t, size_t a, size_t lt,
    size_t b, struct addr_mailbox *m)
{
	size_t gt, i;

	for (gt = lt + 1; gt < b && !is_special(&t->v[gt], '>'); gt++)
		if (is_special(&t->v[gt], '<'))
			return bad(x, _("'<' inside an angle address"));
	if (gt == b)
		return bad(x, _("missing '>'"));
	if (skip_comments(t, gt + 1, b) != b)
		return bad(x, _("junk after '>'"));
	i = skip_comments(t, lt + 1, gt);
	if (i < gt && is_special(&t->v[i], '@')) { /* obsolete route */
		while (i < gt && !is_special(&t->v[i], ':'))
			i++;
		if (i == gt)
			return bad(x, _("route address without ':'"));
		i++;
	}
	if (skip_comments(t, i, gt) == gt) {
		m->local = xstrdup("");
		m->domain = NULL;
	} else if (parse_spec(x, t, i, gt, &m->local, &m->domain) < 0) {
		return -1;
	}
	m->display = join_phrase(t, a, lt);
	if (m->display == NULL)
		m->display = first_comment(t, a, b);
	return 0;
}

/* One list element [a,b): appended to out unless it is empty. */
static int
parse_mailbox(const struct ctx *x, const struct toks *t, size_t a, size_t b,
    struct addr_list *out)
{
	struct addr_mailbox m = { NULL, NULL, NULL };
	size_t i;

	if (skip_comments(t, a, b) == b)
		return 0;
	for (i = a; i < b && !is_special(&t->v[i], '<'); i++)
		;
	if (i < b) {
		if (parse_angle(x, t, a, i, b, &m) < 0)
			return -1;
	} else {
		if (parse_spec(x, t, a, b, &m.local, &m.domain) < 0)
			return -1;
		m.display = first_comment(t, a, b);
	}
	addr_list_add(out, m.display, m.local, m.domain);
	addr_mailbox_free(&m);
	return 0;
}

/* Splits at ',' and ';' outside angle brackets; ':' starts a group whose
 * name is dropped. */
static int
walk(const struct ctx *x, const struct toks *t, struct addr_list *out)
{
	size_t i, start = 0;
	int depth = 0;

	for (i = 0; i < t->n; i++) {
		const struct tok *k = &t->v[i];

		if (k->type != TK_SPECIAL)
			continue;
		if (k->c == '<')
			depth++;
		else if (k->c == '>' && depth-- == 0)
			return bad(x, _("'>' without '<'"));
		if (depth > 0 || strchr(",;:", k->c) == NULL)
			continue;
		if (k->c != ':' && parse_mailbox(x, t, start, i, out) < 0)
			return -1;
		start = i + 1;
	}
	return parse_mailbox(x, t, start, t->n, out);
}

int
addr_parse_list(const char *s, size_t len, struct addr_list *out, struct err *e)
{
	struct ctx x = { s, len, e };
	struct toks t = { NULL, 0, 0 };
	struct addr_list tmp = ADDR_LIST_INIT;
	size_t i;
	int r = -1;

	if (tokenize(&x, &t) < 0 || walk(&x, &t, &tmp) < 0)
		goto done;
	for (i = 0; i < tmp.n; i++)
		addr_list_add(out, tmp.v[i].display, tmp.v[i].local,
		    tmp.v[i].domain);
	r = (int)tmp.n;
done:
	toks_free(&t);
	addr_list_free(&tmp);
	return r;
}

int
addr_parse_sender(const char *s, struct addr_mailbox *out, struct err *e)
{
	struct addr_list l = ADDR_LIST_INIT;
	int n;

	if (s[strspn(s, " \t")] == '\0') {
		out->display = out->domain = NULL;
		out->local = xstrdup("");
		return 0;
	}
	n = addr_parse_list(s, strlen(s), &l, e);
	if (n < 0)
		return -1;
	if (n != 1) {
		addr_list_free(&l);
		return err_set(e, EX_DATAERR,
		    _("sender \"%s\" must be exactly one address, not %d"), s,
		    n);
	}
	*out = l.v[0];
	free(l.v);
	return 0;
}

void
addr_list_add(struct addr_list *l, const char *display, const char *local,
    const char *domain)
{
	struct addr_mailbox *m;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	m = &l->v[l->n++];
	m->display = display ? xstrdup(display) : NULL;
	m->local = xstrdup(local);
	m->domain = domain ? xstrdup(domain) : NULL;
}

void
addr_mailbox_free(struct addr_mailbox *m)
{
	free(m->display);
	free(m->local);
	free(m->domain);
	m->display = m->local = m->domain = NULL;
}

void
addr_list_free(struct addr_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		addr_mailbox_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* aliases.c — /etc/aliases: parse text, look up (see aliases.h).  Touches no
 * file descriptor: files come in through an aliases_read_fn (aliases_file.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "aliases.h"
#include "i18n.h"
#include "xalloc.h"

/* The targets of one alias while it is being parsed. */
struct tlist {
	struct alias_target *t;
	size_t n, cap;
};

/* What the parser carries through nested includes. */
struct pstate {
	struct aliases *a;       /* owns the interned file names */
	aliases_read_fn rd;
	void *arg;
	const char *stack[ALIASES_INCLUDE_MAX + 1];
	int depth;               /* includes open below the aliases file */
	unsigned reads;          /* include files read so far */
	size_t bytes;            /* and their bytes */
};

static int parse_values(struct pstate *ps, struct tlist *tl, const char *s,
                        size_t len, const char *file, unsigned line, struct err *e);

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static void
lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Returns a table-owned copy of name, shared by every target from it. */
static const char *
intern(struct aliases *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->files.n; i++)
		if (strcmp(a->files.v[i], name) == 0)
			return a->files.v[i];
	strv_add(&a->files, name);
	return a->files.v[a->files.n - 1];
}

static void
tlist_add(struct tlist *tl, enum alias_kind kind, char *value,
          const char *file, unsigned line)
{
	if (tl->n == tl->cap) {
		tl->cap = tl->cap ? tl->cap * 2 : 4;
		tl->t = xreallocarray(tl->t, tl->cap, sizeof(*tl->t));
	}
	tl->t[tl->n].kind = kind;
	tl->t[tl->n].value = value;
	tl->t[tl->n].file = file;
	tl->t[tl->n].line = line;
	tl->n++;
}

static void
tlist_free(struct tlist *tl)
{
	size_t i;

	for (i = 0; i < tl->n; i++)
		free(tl->t[i].value);
	free(tl->t);
	tl->t = NULL;
	tl->n = tl->cap = 0;
}

/* If s[0..n) is exactly one quoted string, returns its content with the
 * backslash escapes undone (caller frees); else NULL. */
static char *
unquote(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;

	if (n < 2 || s[0] != '"')
		return NULL;
	for (i = 1; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			buf_addc(&b, s[++i]);
		} else if (s[i] == '"') {
			if (i + 1 != n)
				break;
			return buf_steal(&b);
		} else {
			buf_addc(&b, s[i]);
		}
	}
	buf_free(&b);
	return NULL;
}

/* 0 when s looks like "local" or "local@domain": no blank, comma, angle
 * bracket or parenthesis outside quotes, non-empty parts. */
static int
check_address(const char *s)
{
	const char *at = NULL;
	int inq = 0;

	if (*s == '\0' || *s == '@')
		return -1;
	for (; *s; s++) {
		if (inq && *s == '\\' && s[1] != '\0')
			s++;
		else if (*s == '"')
			inq = !inq;
		else if (!inq && strchr(" \t,<>()", *s) != NULL)
			return -1;
		else if (!inq && *s == '@')
			at = s;
	}
	if (inq || (at != NULL && at[1] == '\0'))
		return -1;
	return 0;
}

/* Resolves path against the directory of file; caller frees. */
static char *
resolve(const char *file, const char *path)
{
	const char *slash = strrchr(file, '/');

	if (path[0] == '/' || slash == NULL)
		return xstrdup(path);
	return xasprintf("%.*s/%s", (int)(slash - file), file, path);
}

static int
check_line(const char *s, size_t n, const char *file, unsigned line, struct err *e)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return err_set(e, EX_CONFIG,
			               _("%s:%u: control character 0x%02x in line; remove it"),
			               file, line, c);
	}
	return 0;
}

/* Calls fn for every physical line of text with its number, the trailing
 * CR dropped.  Stops at and returns fn's first -1. */
typedef int (*line_fn)(void *st, const char *s, size_t n, unsigned line, struct err *e);

static int
each_line(const char *text, size_t len, const char *file, line_fn fn, void *st,
          struct err *e)
{
	size_t pos = 0, raw, n;
	unsigned line = 0;
	const char *nl;

	while (pos < len) {
		nl = memchr(text + pos, '\n', len - pos);
		raw = nl ? (size_t)(nl - (text + pos)) : len - pos;
		n = raw;
		line++;
		if (n > 0 && text[pos + n - 1] == '\r')
			n--;
		if (n > ALIASES_LINE_MAX)
			return err_set(e, EX_CONFIG, _("%s:%u: line longer than %u bytes"),
			               file, line, ALIASES_LINE_MAX);
		if (check_line(text + pos, n, file, line, e) < 0 ||
		    fn(st, text + pos, n, line, e) < 0)
			return -1;
		pos += raw + (nl != NULL);
	}
	return 0;
}

/* 1 when the line is empty, blank or a comment. */
static int
ignored(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && is_blank(s[i]))
		i++;
	return i == n || s[i] == '#';
}

static void
add_broken(struct tlist *tl, const char *file, unsigned line, const char *msg)
{
	tlist_add(tl, ALIAS_BROKEN, xasprintf("%s:%u: %s", file, line, msg), file, line);
}

struct incl {
	struct pstate *ps;
	struct tlist *tl;
	const char *file;
};

static int
incl_line(void *st, const char *s, size_t n, unsigned line, struct err *e)
{
	struct incl *in = st;

	if (ignored(s, n))
		return 0;
	return parse_values(in->ps, in->tl, s, n, in->file, line, e);
}

/* Adds the targets listed in the include file path (named at file:line),
 * or one ALIAS_BROKEN target saying why it could not. */
static void
add_include(struct pstate *ps, struct tlist *tl, const char *path,
            const char *file, unsigned line)
{
	struct buf text = BUF_INIT;
	struct tlist sub = { NULL, 0, 0 };
	struct incl in;
	struct err e;
	char *full = resolve(file, path);
	int i;

	err_clear(&e);
	for (i = 0; i <= ps->depth; i++)
		if (strcmp(ps->stack[i], full) == 0) {
			err_set(&e, EX_CONFIG, _("include loop: %s is already being included"), full);
			goto fail;
		}
	if (ps->depth >= ALIASES_INCLUDE_MAX) {
		err_set(&e, EX_CONFIG, _("includes nested more than %d deep at %s"),
		        ALIASES_INCLUDE_MAX, full);
		goto fail;
	}
	if (ps->rd == NULL) {
		err_set(&e, EX_CONFIG, _("include files are not read here: %s"), full);
		goto fail;
	}
	if (ps->reads >= ALIASES_INCLUDE_READS) {
		err_set(&e, EX_CONFIG, _("more than %d include files read; not reading %s"),
		        ALIASES_INCLUDE_READS, full);
		goto fail;
	}
	ps->reads++;
	if (ps->rd(ps->arg, full, &text, &e) < 0)
		goto fail;
	if (text.len > ALIASES_FILE_MAX - ps->bytes) {
		err_set(&e, EX_CONFIG, _("include files larger than %u bytes in all at %s"),
		        ALIASES_FILE_MAX, full);
		goto fail;
	}
	ps->bytes += text.len;
	in.ps = ps;
	in.tl = &sub;
	in.file = intern(ps->a, full);
	ps->stack[++ps->depth] = in.file;
	i = each_line(text.data ? text.data : "", text.len, in.file, incl_line, &in, &e);
	ps->depth--;
	if (i < 0)
		goto fail;
	for (i = 0; (size_t)i < sub.n; i++)
		tlist_add(tl, sub.t[i].kind, sub.t[i].value, sub.t[i].file, sub.t[i].line);
	free(sub.t);
	buf_free(&text);
	free(full);
	return;
fail:
	tlist_free(&sub);
	add_broken(tl, file, line, e.msg);
	buf_free(&text);
	free(full);
}

/* Classifies one trimmed, non-empty value and adds it. */
static int
add_value(struct pstate *ps, struct tlist *tl, const char *s, size_t n,
          const char *file, unsigned line, struct err *e)
{
	char *uq = unquote(s, n);
	const char *v = uq ? uq : NULL;
	char *raw = xstrndup(s, n);
	int rc = 0;

	if (v == NULL)
		v = raw;
	if ((v[0] == '|' && v[1] == '\0') ||
	    (v[0] == '\\' && check_address(v + 1) < 0)) {
		rc = err_set(e, EX_CONFIG, _("%s:%u: invalid alias value \"%s\""),
		             file, line, v);
	} else if (v[0] == '|' || v[0] == '\\') {
		tlist_add(tl, v[0] == '|' ? ALIAS_PIPE : ALIAS_NOALIAS,
		          xstrdup(v + 1), file, line);
	} else if (v[0] == '/') {
		tlist_add(tl, ALIAS_FILE, xstrdup(v), file, line);
	} else if (strncasecmp(v, ":include:", 9) == 0) {
		const char *p = v + 9;
		while (is_blank(*p))
			p++;
		if (*p == '\0')
			rc = err_set(e, EX_CONFIG, _("%s:%u: :include: without a file name"),
			             file, line);
		else
			add_include(ps, tl, p, file, line);
	} else {
		size_t rn = strlen(raw);
		if (rn > 2 && raw[0] == '<' && raw[rn - 1] == '>') {
			memmove(raw, raw + 1, rn - 2);
			raw[rn - 2] = '\0';
		}
		if (check_address(raw) < 0)
			rc = err_set(e, EX_CONFIG, _("%s:%u: invalid alias value \"%s\""),
			             file, line, raw);
		else
			tlist_add(tl, ALIAS_ADDRESS, xstrdup(raw), file, line);
	}
	free(uq);
	free(raw);
	return rc;
}

/* Splits s[0..len) at commas outside quotes and adds each value. */
static int
parse_values(struct pstate *ps, struct tlist *tl, const char *s, size_t len,
             const char *file, unsigned line, struct err *e)
{
	size_t i = 0, start, end;
	int inq;

	while (i <= len) {
		start = i;
		for (inq = 0; i < len && (inq || s[i] != ','); i++) {
			if (inq && s[i] == '\\' && i + 1 < len)
				i++;
			else if (s[i] == '"')
				inq = !inq;
		}
		if (inq)
			return err_set(e, EX_CONFIG, _("%s:%u: unterminated quoted string"),
			               file, line);
		end = i++;
		while (start < end && is_blank(s[start]))
			start++;
		while (end > start && is_blank(s[end - 1]))
			end--;
		if (end > start && add_value(ps, tl, s + start, end - start, file, line, e) < 0)
			return -1;
	}
	return 0;
}

static void
entry_free(struct alias_entry *en)
{
	struct tlist tl = { en->t, en->n, en->n };

	tlist_free(&tl);
	free(en->name);
}

/* Parses "name: values" into a new entry of nw. */
static int
parse_entry(struct pstate *ps, struct aliases *nw, const char *s, size_t len,
            const char *file, unsigned line, struct err *e)
{
	struct tlist tl = { NULL, 0, 0 };
	struct alias_entry *en;
	char *name = NULL;
	size_t i = 0;

	if (s[0] == '"') {
		for (i = 1; i < len && s[i] != '"'; i++)
			if (s[i] == '\\' && i + 1 < len)
				i++;
		name = i < len ? unquote(s, ++i) : NULL;
	} else {
		while (i < len && s[i] != ':' && !is_blank(s[i]) &&
		       strchr(",@\"", s[i]) == NULL)
			i++;
		if (i > 0)
			name = xstrndup(s, i);
	}
	while (i < len && is_blank(s[i]))
		i++;
	if (name == NULL || name[0] == '\0' || i >= len || s[i] != ':') {
		err_set(e, EX_CONFIG, _("%s:%u: expected \"name: value\""), file, line);
		goto fail;
	}
	lower(name);
	if (parse_values(ps, &tl, s + i + 1, len - i - 1, file, line, e) < 0)
		goto fail;
	if (tl.n == 0) {
		err_set(e, EX_CONFIG, _("%s:%u: alias \"%s\" has no value"), file, line, name);
		goto fail;
	}
	if (nw->n == nw->cap) {
		nw->cap = nw->cap ? nw->cap * 2 : 16;
		nw->v = xreallocarray(nw->v, nw->cap, sizeof(*nw->v));
	}
	en = &nw->v[nw->n++];
	en->name = name;
	en->t = tl.t;
	en->n = tl.n;
	en->file = file;
	en->line = line;
	return 0;
fail:
	tlist_free(&tl);
	free(name);
	return -1;
}

/* Collects logical lines and parses each when the next one starts. */
struct lstate {
	struct pstate *ps;
	struct aliases *nw;
	const char *file;
	struct buf logical;
	unsigned start;      /* 0 = no logical line open */
};

static int
flush_logical(struct lstate *ls, struct err *e)
{
	int rc = 0;

	if (ls->start != 0)
		rc = parse_entry(ls->ps, ls->nw, ls->logical.data, ls->logical.len,
		                 ls->file, ls->start, e);
	buf_reset(&ls->logical);
	ls->start = 0;
	return rc;
}

static int
main_line(void *st, const char *s, size_t n, unsigned line, struct err *e)
{
	struct lstate *ls = st;

	if (ignored(s, n))
		return 0;
	if (is_blank(s[0])) {
		if (ls->start == 0)
			return err_set(e, EX_CONFIG,
			               _("%s:%u: continuation line without an alias before it"),
			               ls->file, line);
		if (ls->logical.len + 1 + n > ALIASES_LINE_MAX)
			return err_set(e, EX_CONFIG, _("%s:%u: alias longer than %u bytes"),
			               ls->file, ls->start, ALIASES_LINE_MAX);
		buf_addc(&ls->logical, ' ');
		buf_add(&ls->logical, s, n);
		return 0;
	}
	if (flush_logical(ls, e) < 0)
		return -1;
	ls->start = line;
	buf_add(&ls->logical, s, n);
	return 0;
}

static int
cmp_entry(const void *x, const void *y)
{
	return strcmp(((const struct alias_entry *)x)->name,
	              ((const struct alias_entry *)y)->name);
}

/* Refuses a name defined twice, in nw (sorted) or already in a. */
static int
check_duplicates(const struct aliases *a, const struct aliases *nw, struct err *e)
{
	const struct alias_entry *first, *later;
	size_t i;

	for (i = 0; i < nw->n; i++) {
		later = &nw->v[i];
		if (i > 0 && strcmp(nw->v[i - 1].name, later->name) == 0) {
			first = &nw->v[i - 1];
			if (first->line > later->line) {   /* qsort is not stable */
				first = later;
				later = &nw->v[i - 1];
			}
		} else if ((first = aliases_lookup(a, later->name)) == NULL) {
			continue;
		}
		return err_set(e, EX_CONFIG,
		               _("%s:%u: alias \"%s\" defined again (first at %s:%u); keep one"),
		               later->file, later->line, later->name, first->file, first->line);
	}
	return 0;
}

int
aliases_parse(struct aliases *a, const char *file, const char *text, size_t len,
              aliases_read_fn rd, void *arg, struct err *e)
{
	struct aliases nw = ALIASES_INIT;
	struct pstate ps;
	struct lstate ls;
	size_t i, nfiles = a->files.n;

	memset(&ps, 0, sizeof(ps));
	ps.a = a;
	ps.rd = rd;
	ps.arg = arg;
	ps.stack[0] = intern(a, file);
	ls.ps = &ps;
	ls.nw = &nw;
	ls.file = ps.stack[0];
	buf_init(&ls.logical);
	ls.start = 0;
	if (len > ALIASES_FILE_MAX) {
		err_set(e, EX_CONFIG, _("%s: larger than %u bytes"), file, ALIASES_FILE_MAX);
		goto fail;
	}
	if (each_line(text, len, ls.file, main_line, &ls, e) < 0 || flush_logical(&ls, e) < 0)
		goto fail;
	if (nw.n == 0)
		goto done;     /* nothing to add (qsort and memcpy want arrays) */
	qsort(nw.v, nw.n, sizeof(*nw.v), cmp_entry);
	if (check_duplicates(a, &nw, e) < 0)
		goto fail;
	if (a->n + nw.n > a->cap) {
		a->cap = a->n + nw.n;
		a->v = xreallocarray(a->v, a->cap, sizeof(*a->v));
	}
	memcpy(a->v + a->n, nw.v, nw.n * sizeof(*nw.v));
	a->n += nw.n;
	qsort(a->v, a->n, sizeof(*a->v), cmp_entry);
done:
	free(nw.v);
	buf_free(&ls.logical);
	return 0;
fail:
	for (i = 0; i < nw.n; i++)
		entry_free(&nw.v[i]);
	free(nw.v);
	/* The file names this call interned: only nw's entries used them. */
	while (a->files.n > nfiles) {
		free(a->files.v[--a->files.n]);
		a->files.v[a->files.n] = NULL;
	}
	buf_free(&ls.logical);
	return -1;
}

const struct alias_entry *
aliases_lookup(const struct aliases *a, const char *name)
{
	struct alias_entry key;
	const struct alias_entry *en;
	char *k = unquote(name, strlen(name));

	if (k == NULL)
		k = xstrdup(name);
	lower(k);
	key.name = k;
	en = a->n ? bsearch(&key, a->v, a->n, sizeof(*a->v), cmp_entry) : NULL;
	free(k);
	return en;
}

size_t
aliases_problems(const struct aliases *a, struct strv *out)
{
	size_t i, j, count = 0;

	for (i = 0; i < a->n; i++)
		for (j = 0; j < a->v[i].n; j++)
			if (a->v[i].t[j].kind == ALIAS_BROKEN) {
				strv_take(out, xasprintf(_("alias \"%s\": %s"), a->v[i].name,
				                         a->v[i].t[j].value));
				count++;
			}
	return count;
}

void
aliases_free(struct aliases *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		entry_free(&a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
	strv_free(&a->files);
}

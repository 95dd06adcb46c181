/* aliases.c — /etc/aliases: entries, the table, look-up (see aliases.h).
 * Values and includes are aliases_value.c's, lines and quoting
 * aliases_lex.c's.  Touches no file descriptor: files come in through an
 * aliases_read_fn (aliases_file.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "lib/xalloc.h"
#include "rewrite/aliases_int.h"

static void
entry_free(struct alias_entry *en)
{
	struct aliases_tlist tl = { en->t, en->n, en->n };

	aliases_tlist_free(&tl);
	free(en->name);
}

/* Parses "name: values" into a new entry of nw. */
static int
parse_entry(struct aliases_pstate *ps, struct aliases *nw, const char *s,
    size_t len, const char *file, unsigned line, struct err *e)
{
	struct aliases_tlist tl = { NULL, 0, 0 };
	struct alias_entry *en;
	char *name = NULL;
	size_t i = 0;

	if (s[0] == '"') {
		for (i = 1; i < len && s[i] != '"'; i++)
			if (s[i] == '\\' && i + 1 < len)
				i++;
		name = i < len ? aliases_unquote(s, ++i) : NULL;
	} else {
		while (i < len && s[i] != ':' && !aliases_is_blank(s[i]) &&
		    strchr(",@\"", s[i]) == NULL)
			i++;
		if (i > 0)
			name = xstrndup(s, i);
	}
	while (i < len && aliases_is_blank(s[i]))
		i++;
	if (name == NULL || name[0] == '\0' || i >= len || s[i] != ':') {
		err_set(e, EX_CONFIG, _("%s:%u: expected \"name: value\""),
		    file, line);
		goto fail;
	}
	aliases_lower(name);
	if (aliases_parse_values(ps, &tl, s + i + 1, len - i - 1, file, line,
	        e) < 0)
		goto fail;
	if (tl.n == 0) {
		err_set(e, EX_CONFIG, _("%s:%u: alias \"%s\" has no value"),
		    file, line, name);
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
	aliases_tlist_free(&tl);
	free(name);
	return -1;
}

/* Collects logical lines and parses each when the next one starts. */
struct lstate {
	struct aliases_pstate *ps;
	struct aliases *nw;
	const char *file;
	struct buf logical;
	unsigned start; /* 0 = no logical line open */
};

static int
flush_logical(struct lstate *ls, struct err *e)
{
	int rc = 0;

	if (ls->start != 0)
		rc = parse_entry(ls->ps, ls->nw, ls->logical.data,
		    ls->logical.len, ls->file, ls->start, e);
	buf_reset(&ls->logical);
	ls->start = 0;
	return rc;
}

static int
main_line(void *st, const char *s, size_t n, unsigned line, struct err *e)
{
	struct lstate *ls = st;

	if (aliases_ignored(s, n))
		return 0;
	if (aliases_is_blank(s[0])) {
		if (ls->start == 0)
			return err_set(e, EX_CONFIG,
			    _("%s:%u: continuation line without an alias before it"),
			    ls->file, line);
		if (ls->logical.len + 1 + n > ALIASES_LINE_MAX)
			return err_set(e, EX_CONFIG,
			    _("%s:%u: alias longer than %u bytes"), ls->file,
			    ls->start, ALIASES_LINE_MAX);
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
check_duplicates(const struct aliases *a, const struct aliases *nw,
    struct err *e)
{
	const struct alias_entry *first, *later;
	size_t i;

	for (i = 0; i < nw->n; i++) {
		later = &nw->v[i];
		if (i > 0 && strcmp(nw->v[i - 1].name, later->name) == 0) {
			first = &nw->v[i - 1];
			if (first->line >
			    later->line) { /* qsort is not stable */
				first = later;
				later = &nw->v[i - 1];
			}
		} else if ((first = aliases_lookup(a, later->name)) == NULL) {
			continue;
		}
		return err_set(e, EX_CONFIG,
		    _("%s:%u: alias \"%s\" defined again (first at %s:%u); keep one"),
		    later->file, later->line, later->name, first->file,
		    first->line);
	}
	return 0;
}

int
aliases_parse(struct aliases *a, const char *file, const char *text, size_t len,
    aliases_read_fn rd, void *arg, struct err *e)
{
	struct aliases nw = ALIASES_INIT;
	struct aliases_pstate ps;
	struct lstate ls;
	size_t i, nfiles = a->files.n;

	memset(&ps, 0, sizeof(ps));
	ps.a = a;
	ps.rd = rd;
	ps.arg = arg;
	ps.stack[0] = aliases_intern(a, file);
	ls.ps = &ps;
	ls.nw = &nw;
	ls.file = ps.stack[0];
	buf_init(&ls.logical);
	ls.start = 0;
	if (len > ALIASES_FILE_MAX) {
		err_set(e, EX_CONFIG, _("%s: larger than %u bytes"), file,
		    ALIASES_FILE_MAX);
		goto fail;
	}
	if (aliases_each_line(text, len, ls.file, main_line, &ls, e) < 0 ||
	    flush_logical(&ls, e) < 0)
		goto fail;
	if (nw.n == 0)
		goto done; /* nothing to add (qsort and memcpy want arrays) */
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
	char *k = aliases_unquote(name, strlen(name));

	if (k == NULL)
		k = xstrdup(name);
	aliases_lower(k);
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
				strv_take(out,
				    xasprintf(_("alias \"%s\": %s"),
				        a->v[i].name, a->v[i].t[j].value));
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

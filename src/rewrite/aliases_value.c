/* aliases_value.c — the values of one alias (see aliases_int.h): split
 * at commas, classified (address, |pipe, /file, \\noalias, :include:),
 * include files read through the caller's aliases_read_fn with their
 * limits.  Touches no file descriptor. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "lib/xalloc.h"
#include "rewrite/aliases_int.h"

/* Returns a table-owned copy of name, shared by every target from it. */
const char *
aliases_intern(struct aliases *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->files.n; i++)
		if (strcmp(a->files.v[i], name) == 0)
			return a->files.v[i];
	strv_add(&a->files, name);
	return a->files.v[a->files.n - 1];
}

static void
tlist_add(struct aliases_tlist *tl, enum alias_kind kind, char *value,
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

void
aliases_tlist_free(struct aliases_tlist *tl)
{
	size_t i;

	for (i = 0; i < tl->n; i++)
		free(tl->t[i].value);
	free(tl->t);
	tl->t = NULL;
	tl->n = tl->cap = 0;
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

static void
add_broken(struct aliases_tlist *tl, const char *file, unsigned line,
    const char *msg)
{
	tlist_add(tl, ALIAS_BROKEN, xasprintf("%s:%u: %s", file, line, msg),
	    file, line);
}

struct incl {
	struct aliases_pstate *ps;
	struct aliases_tlist *tl;
	const char *file;
};

static int
incl_line(void *st, const char *s, size_t n, unsigned line, struct err *e)
{
	struct incl *in = st;

	if (aliases_ignored(s, n))
		return 0;
	return aliases_parse_values(in->ps, in->tl, s, n, in->file, line, e);
}

/* Adds the targets listed in the include file path (named at file:line),
 * or one ALIAS_BROKEN target saying why it could not. */
static void
add_include(struct aliases_pstate *ps, struct aliases_tlist *tl,
    const char *path, const char *file, unsigned line)
{
	struct buf text = BUF_INIT;
	struct aliases_tlist sub = { NULL, 0, 0 };
	struct incl in;
	struct err e;
	char *full = resolve(file, path);
	int i;

	err_clear(&e);
	for (i = 0; i <= ps->depth; i++)
		if (strcmp(ps->stack[i], full) == 0) {
			err_set(&e, EX_CONFIG,
			    _("include loop: %s is already being included"),
			    full);
			goto fail;
		}
	if (ps->depth >= ALIASES_INCLUDE_MAX) {
		err_set(&e, EX_CONFIG,
		    _("includes nested more than %d deep at %s"),
		    ALIASES_INCLUDE_MAX, full);
		goto fail;
	}
	if (ps->rd == NULL) {
		err_set(&e, EX_CONFIG, _("include files are not read here: %s"),
		    full);
		goto fail;
	}
	if (ps->reads >= ALIASES_INCLUDE_READS) {
		err_set(&e, EX_CONFIG,
		    _("more than %d include files read; not reading %s"),
		    ALIASES_INCLUDE_READS, full);
		goto fail;
	}
	ps->reads++;
	if (ps->rd(ps->arg, full, &text, &e) < 0)
		goto fail;
	if (text.len > ALIASES_FILE_MAX - ps->bytes) {
		err_set(&e, EX_CONFIG,
		    _("include files larger than %u bytes in all at %s"),
		    ALIASES_FILE_MAX, full);
		goto fail;
	}
	ps->bytes += text.len;
	in.ps = ps;
	in.tl = &sub;
	in.file = aliases_intern(ps->a, full);
	ps->stack[++ps->depth] = in.file;
	i = aliases_each_line(text.data ? text.data : "", text.len, in.file,
	    incl_line, &in, &e);
	ps->depth--;
	if (i < 0)
		goto fail;
	for (i = 0; (size_t)i < sub.n; i++)
		tlist_add(tl, sub.t[i].kind, sub.t[i].value, sub.t[i].file,
		    sub.t[i].line);
	free(sub.t);
	buf_free(&text);
	free(full);
	return;
fail:
	aliases_tlist_free(&sub);
	add_broken(tl, file, line, e.msg);
	buf_free(&text);
	free(full);
}

/* Classifies one trimmed, non-empty value and adds it. */
static int
add_value(struct aliases_pstate *ps, struct aliases_tlist *tl, const char *s,
    size_t n, const char *file, unsigned line, struct err *e)
{
	char *uq = aliases_unquote(s, n);
	const char *v = uq ? uq : NULL;
	char *raw = xstrndup(s, n);
	int rc = 0;

	if (v == NULL)
		v = raw;
	if ((v[0] == '|' && v[1] == '\0') ||
	    (v[0] == '\\' && aliases_check_address(v + 1) < 0)) {
		rc = err_set(e, EX_CONFIG,
		    _("%s:%u: invalid alias value \"%s\""), file, line, v);
	} else if (v[0] == '|' || v[0] == '\\') {
		tlist_add(tl, v[0] == '|' ? ALIAS_PIPE : ALIAS_NOALIAS,
		    xstrdup(v + 1), file, line);
	} else if (v[0] == '/') {
		tlist_add(tl, ALIAS_FILE, xstrdup(v), file, line);
	} else if (strncasecmp(v, ":include:", 9) == 0) {
		const char *p = v + 9;
		while (aliases_is_blank(*p))
			p++;
		if (*p == '\0')
			rc = err_set(e, EX_CONFIG,
			    _("%s:%u: :include: without a file name"), file,
			    line);
		else
			add_include(ps, tl, p, file, line);
	} else {
		size_t rn = strlen(raw);
		if (rn > 2 && raw[0] == '<' && raw[rn - 1] == '>') {
			memmove(raw, raw + 1, rn - 2);
			raw[rn - 2] = '\0';
		}
		if (aliases_check_address(raw) < 0)
			rc = err_set(e, EX_CONFIG,
			    _("%s:%u: invalid alias value \"%s\""), file, line,
			    raw);
		else
			tlist_add(tl, ALIAS_ADDRESS, xstrdup(raw), file, line);
	}
	free(uq);
	free(raw);
	return rc;
}

/* Splits s[0..len) at commas outside quotes and adds each value. */
int
aliases_parse_values(struct aliases_pstate *ps, struct aliases_tlist *tl,
    const char *s, size_t len, const char *file, unsigned line, struct err *e)
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
			return err_set(e, EX_CONFIG,
			    _("%s:%u: unterminated quoted string"), file, line);
		end = i++;
		while (start < end && aliases_is_blank(s[start]))
			start++;
		while (end > start && aliases_is_blank(s[end - 1]))
			end--;
		if (end > start &&
		    add_value(ps, tl, s + start, end - start, file, line, e) <
		        0)
			return -1;
	}
	return 0;
}
